"""A broadcast: one template to a store's audience, and what its planning made of each contact."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class BroadcastState(StrEnum):
    """Where a broadcast's planning is."""

    PLANNING = "planning"  # in progress, or interrupted (the same Idempotency-Key resumes it)
    PLANNED = "planned"  # every contact of the audience was planned or skipped


class Broadcast(Base):
    """One send of a template to many contacts; its messages are outbox rows with the dedup key
    `broadcast:<id>:<contact id>`, so planning it again never plans anyone twice."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        # A retried request (same Idempotency-Key) finds its broadcast instead of a second one.
        UniqueConstraint("store_id", "idempotency_key"),
        Index("ix_broadcasts_store_created", "store_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    template: Mapped[str] = mapped_column(String(60))  # a registry key (the outbox intent)
    purpose: Mapped[str] = mapped_column(String(16))  # Purpose: marketing / utility
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the filter as given
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # offer, product, shop_url
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime())  # None: when planned
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default=BroadcastState.PLANNING.value)
    # Outbox rows this broadcast holds, over every planning pass (each contact at most once).
    planned: Mapped[int] = mapped_column(Integer, default=0)
    # The latest pass: contacts in the audience, those planned before it, and why the others
    # were skipped ({reason: count}, Reason values).
    audience_size: Mapped[int] = mapped_column(Integer, default=0)
    already_planned: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
