"""How orders and their histories look in the API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from ordertalk.messaging.schemas import MessageOut


class TrackedOut(BaseModel):
    """The current milestone of an order, shipment, return or refund."""

    model_config = ConfigDict(from_attributes=True)  # read straight from the rows

    milestone: str | None
    milestone_at: datetime | None
    side_state: str | None = None
    side_reason: str | None = None


class ShipmentOut(TrackedOut):
    """One parcel."""

    id: int
    external_id: str
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    edd: date | None
    attempts: int
    needs_review: bool
    ndr_action: str | None  # the customer's answer to a failed attempt (NdrAction)
    ndr_action_at: datetime | None
    reattempt_on: date | None
    delivery_address: dict[str, Any] | None


class ReturnOut(TrackedOut):
    """A return or exchange."""

    id: int
    external_id: str
    kind: str
    reason: str | None
    items: list[dict[str, Any]]
    source: str  # "store", or "chat" when the customer asked the bot
    comment: str | None
    photo_media_id: int | None  # GET /v1/media/{id}


class RefundOut(TrackedOut):
    """A refund."""

    id: int
    external_id: str
    amount: Decimal | None
    currency: str | None


class TimelineOut(BaseModel):
    """One milestone offered to an entity, and what the state machine made of it."""

    model_config = ConfigDict(from_attributes=True)

    entity: str
    entity_id: int
    milestone: str | None
    raw_status: str | None
    source: str
    event_time: datetime
    received_at: datetime
    outcome: str
    detail: str | None


class FeedbackOut(BaseModel):
    """The customer's 0–10 rating of the order."""

    model_config = ConfigDict(from_attributes=True)

    score: int
    comment: str | None
    carrier: str | None
    created_at: datetime
    updated_at: datetime


class OrderOut(TrackedOut):
    """An order with everything that happened to it and every message it caused."""

    order_id: str
    name: str | None
    contact_id: int | None
    customer_name: str | None
    currency: str | None
    total: Decimal | None
    items: list[dict[str, Any]]
    payment_method: str
    payment_status: str
    cod_decision: str | None
    cod_decided_at: datetime | None
    status_url: str | None
    delivered: bool  # every shipment delivered
    shipments: list[ShipmentOut]
    returns: list[ReturnOut]
    refunds: list[RefundOut]
    timeline: list[TimelineOut]
    messages: list[MessageOut]
    feedback: FeedbackOut | None


class OrderSummary(TrackedOut):
    """An order in a list."""

    order_id: str
    name: str | None
    payment_method: str
    payment_status: str
    updated_at: datetime
