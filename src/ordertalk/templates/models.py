"""What Meta says about each of a store's templates: review status, category, reasons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class TemplateStatus(Base):
    """One (template name, language) of one store as last reported by the Cloud API."""

    __tablename__ = "template_statuses"
    __table_args__ = (UniqueConstraint("store_id", "name", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    meta_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … (Meta's words), or NOT_SUBMITTED
    status: Mapped[str] = mapped_column(String(24), default="NOT_SUBMITTED")
    category: Mapped[str] = mapped_column(String(24))  # what Meta currently says it is
    reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
