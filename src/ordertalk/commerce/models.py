"""Orders, shipments, returns, refunds, and the timeline of every milestone seen for them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class TrackedState:
    """The forward-only state every tracked entity carries (see `commerce.state`)."""

    milestone: Mapped[str | None] = mapped_column(String(40))
    rank: Mapped[int] = mapped_column(Integer, default=0)
    milestone_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # event time
    side_state: Mapped[str | None] = mapped_column(String(40))  # DELAYED / EXCEPTION
    side_reason: Mapped[str | None] = mapped_column(String(500))
    side_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Order(TrackedState, Base):
    """A store's order, keyed by the store's own id."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("store_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    customer_name: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str | None] = mapped_column(String(3))
    total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    payment_method: Mapped[str] = mapped_column(String(16), default="prepaid")
    payment_status: Mapped[str] = mapped_column(String(24), default="pending")
    status_url: Mapped[str | None] = mapped_column(String(2000))
    invoice_url: Mapped[str | None] = mapped_column(String(2000))
    cod_decision: Mapped[str | None] = mapped_column(String(16))  # confirmed / cancelled
    cod_decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    placed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Shipment(TrackedState, Base):
    """One parcel of an order (an order can have several)."""

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("store_id", "external_id"),
        Index("ix_shipments_store_tracking", "store_id", "tracking_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))  # fulfillment id, else the AWB
    carrier: Mapped[str | None] = mapped_column(String(200))
    tracking_number: Mapped[str | None] = mapped_column(String(200))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    edd: Mapped[date | None] = mapped_column(Date())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed delivery attempts
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)  # e.g. DELIVERED after RTO
    # The customer's answer to a failed delivery (NdrAction), from chat or the tracking page.
    ndr_action: Mapped[str | None] = mapped_column(String(16))
    ndr_action_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reattempt_on: Mapped[date | None] = mapped_column(Date())
    delivery_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a corrected address
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Return(TrackedState, Base):
    """A return or an exchange of some of an order's items."""

    __tablename__ = "returns"
    __table_args__ = (UniqueConstraint("store_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="return")
    reason: Mapped[str | None] = mapped_column(String(500))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tracking_number: Mapped[str | None] = mapped_column(String(200))  # reverse pickup AWB
    source: Mapped[str] = mapped_column(String(16), default="store", server_default="store")
    comment: Mapped[str | None] = mapped_column(String(1000))  # from chat: the customer's words
    photo_media_id: Mapped[int | None] = mapped_column(Integer)  # an inbound_media row
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Refund(TrackedState, Base):
    """Money going back to the customer, for a return or not."""

    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("store_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TimelineEntry(Base):
    """Every milestone an entity was offered, accepted or not, and why: the order's history."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_order", "order_id", "event_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(16))  # Track
    entity_id: Mapped[int] = mapped_column(Integer)
    milestone: Mapped[str | None] = mapped_column(String(40))
    raw_status: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40))
    event_time: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(24))  # Transition outcome (accepted, stale, …)
    detail: Mapped[str | None] = mapped_column(String(500))
    raw_event_id: Mapped[int | None] = mapped_column(ForeignKey("raw_events.id"))


class Feedback(Base):
    """A customer's 0–10 rating of a delivered order (one per order), with the carrier."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("store_id", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    carrier: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DraftOrder(Base):
    """A cart a customer sent from the catalog, turned into a checkout link at the store."""

    __tablename__ = "draft_orders"
    __table_args__ = (UniqueConstraint("store_id", "wamid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    wamid: Mapped[str] = mapped_column(String(200))  # the customer's `order` message
    catalog_id: Mapped[str | None] = mapped_column(String(200))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    currency: Mapped[str | None] = mapped_column(String(3))
    total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    checkout_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
