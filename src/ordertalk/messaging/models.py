"""The outbox: every WhatsApp message is a row first, with its decisions and statuses beside it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class OutboundMessage(Base):
    """One message to one customer, from intent to its final status."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        # One message per (entity, milestone, attempt): two sources reporting it send once.
        UniqueConstraint("store_id", "dedup_key"),
        Index("ix_outbound_messages_due", "state", "not_before"),
        Index("ix_outbound_messages_entity", "store_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    entity: Mapped[str | None] = mapped_column(String(16))  # Track, or None for a reply
    entity_id: Mapped[int | None] = mapped_column(Integer)
    milestone: Mapped[str | None] = mapped_column(String(40))
    intent: Mapped[str] = mapped_column(String(60))  # the template key in the registry
    purpose: Mapped[str] = mapped_column(String(16))  # utility / marketing / service
    dedup_key: Mapped[str] = mapped_column(String(200))
    # MessageState: scheduled → sending → accepted → sent → delivered → read; failed,
    # suppressed, withdrawn, held, unconfirmed (HTTP response lost: wait for a status webhook)
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    not_before: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    tries: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # extra render inputs
    form: Mapped[str | None] = mapped_column(String(16))  # template / freeform, once decided
    template_name: Mapped[str | None] = mapped_column(String(512))
    language: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # exactly what was sent
    wamid: Mapped[str | None] = mapped_column(String(200), unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(500))
    error_detail: Mapped[str | None] = mapped_column(String(1000))
    pricing_category: Mapped[str | None] = mapped_column(String(40))
    pricing_type: Mapped[str | None] = mapped_column(String(40))
    billable: Mapped[bool | None] = mapped_column(Boolean)
    # Priced from the store's rate card when WhatsApp reports the message delivered (0 when
    # not billable, None when unknown); never repriced. Its currency beside it.
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 6))
    cost_currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MessageEvent(Base):
    """What happened to a message and why: policy decisions, attempts, statuses, withdrawals."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # decision / attempt / status / withdrawn
    outcome: Mapped[str] = mapped_column(String(24))  # send/defer/suppress, accepted, delivered…
    reason: Mapped[str | None] = mapped_column(String(60))  # a Reason value
    until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    detail: Mapped[str | None] = mapped_column(String(1000))
