"""Raw WhatsApp webhook deliveries, kept exactly as received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime


class WhatsAppWebhookEvent(Base):
    """One webhook POST from the Cloud API (or the sandbox), deduplicated by body digest."""

    __tablename__ = "whatsapp_webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # SHA-256 of the raw body: Meta's retries resend identical bytes, so this is the dedup key.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(64), index=True)
    fields: Mapped[str] = mapped_column(String(255))
    statuses: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Set once its contents were applied; a failure leaves it empty with the error's type, and
    # Meta's redelivery of the same body is then applied again instead of ignored.
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(String(200))
