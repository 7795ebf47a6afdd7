"""Raw events from stores and carriers, kept exactly as received (audit trail and replay)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class RawEvent(Base):
    """One verified delivery from a source, unique per (store, source, the source's event id)."""

    __tablename__ = "raw_events"
    __table_args__ = (
        UniqueConstraint("store_id", "source", "external_id"),
        Index("ix_raw_events_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str | None] = mapped_column(String(100))
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # non-secret ones only
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # RawEventState: received → processed | invalid | parked | failed
    state: Mapped[str] = mapped_column(String(16), default="received")
    error: Mapped[str | None] = mapped_column(String(1000))
    # A parked event waits for this key (e.g. a tracking number) to be seen.
    parked_key: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
