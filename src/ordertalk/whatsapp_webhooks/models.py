"""Raw WhatsApp webhook deliveries, kept exactly as received, and applied later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, LargeBinary, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime

# The applier's queue: only events not applied yet, in arrival order (a partial index, so it
# stays small however many applied events are kept).
_PENDING = text("processed_at IS NULL")


class WhatsAppWebhookEvent(Base):
    """One webhook POST from the Cloud API (or the sandbox), deduplicated by body digest."""

    __tablename__ = "whatsapp_webhook_events"
    __table_args__ = (
        Index(
            "ix_whatsapp_webhook_events_pending",
            "id",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # SHA-256 of the raw body: Meta's retries resend identical bytes, so this is the dedup key.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(64), index=True)
    fields: Mapped[str] = mapped_column(String(255))
    statuses: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # The stores whose app secret signed the body, found when it was received (the signature
    # header is not kept): only their customers are changed when it is applied. Empty for
    # events kept before 0009 until Meta delivers them again.
    signers: Mapped[list[str] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Set once its contents were applied. Until then the applier claims it with a lease;
    # a failure keeps the error's type and is tried again with back-off, `attempts` times.
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
