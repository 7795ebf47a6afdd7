"""A store's changes to the default playbook (one row per milestone or trigger it overrides)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class JourneyOverride(Base):
    """The fields a store changed for one playbook step (others keep the default)."""

    __tablename__ = "journey_overrides"
    __table_args__ = (UniqueConstraint("store_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(60))  # a playbook step key
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
