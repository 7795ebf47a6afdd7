"""`CommerceEvent`: what every integration normalises its payloads into (the canonical vocabulary).

An integration never touches the database: it turns one raw payload into zero or more of these,
and `commerce.service` applies them to the order, shipment, return and refund state machines.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ordertalk.commerce.milestones import Milestone


class PaymentMethod(StrEnum):
    """How the customer pays."""

    PREPAID = "prepaid"
    COD = "cod"


class PaymentStatus(StrEnum):
    """Where the money is."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    VOIDED = "voided"


class ReturnKind(StrEnum):
    """A return gives money back; an exchange sends another item."""

    RETURN = "return"
    EXCHANGE = "exchange"


class Strict(BaseModel):
    """Normalised facts: unknown fields are a bug in the integration, not data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LineItem(Strict):
    """One product line of an order."""

    title: str = Field(max_length=500)
    quantity: int = Field(ge=0, le=100_000)
    sku: str | None = Field(default=None, max_length=200)
    price: Decimal | None = None
    external_id: str | None = Field(default=None, max_length=200)


class CustomerFacts(Strict):
    """Who the order is for, as the store knows them. `phone` is raw; contacts normalises it."""

    phone: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16)  # BCP 47 / locale from the store
    country: str | None = Field(default=None, min_length=2, max_length=2)  # region hint for phone
    marketing_consent: bool | None = None  # what the store payload says, if anything


class OrderFacts(Strict):
    """The order fields a payload carries; `None` means "not in this payload", not "empty"."""

    external_id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)  # "#1001"
    customer: CustomerFacts | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    total: Decimal | None = None
    items: list[LineItem] | None = None
    payment_method: PaymentMethod | None = None
    payment_status: PaymentStatus | None = None
    status_url: str | None = Field(default=None, max_length=2000)
    invoice_url: str | None = Field(default=None, max_length=2000)
    placed_at: AwareDatetime | None = None  # a naive time cannot be stored (db.UtcDateTime)


class ShipmentFacts(Strict):
    """A parcel: found by `external_id`, else by `tracking_number`."""

    external_id: str | None = Field(default=None, max_length=200)
    order_external_id: str | None = Field(default=None, max_length=200)
    carrier: str | None = Field(default=None, max_length=200)
    tracking_number: str | None = Field(default=None, max_length=200)
    tracking_url: str | None = Field(default=None, max_length=2000)
    edd: date | None = None


class ReturnFacts(Strict):
    """A return or exchange request."""

    external_id: str = Field(min_length=1, max_length=200)
    order_external_id: str | None = Field(default=None, max_length=200)
    kind: ReturnKind = ReturnKind.RETURN
    reason: str | None = Field(default=None, max_length=500)
    items: list[LineItem] | None = None
    tracking_number: str | None = Field(default=None, max_length=200)  # the reverse AWB


class RefundFacts(Strict):
    """Money going back to the customer."""

    external_id: str = Field(min_length=1, max_length=200)
    order_external_id: str = Field(min_length=1, max_length=200)
    return_external_id: str | None = Field(default=None, max_length=200)
    amount: Decimal | None = None
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class CommerceEvent(Strict):
    """One normalised business event.

    `milestone` is `None` for a facts-only update (an order paid, a tracking URL added) and for
    a status the mapping does not know; `raw_status` keeps the source's own value either way.
    """

    source: str = Field(min_length=1, max_length=40)
    milestone: Milestone | None = None
    raw_status: str | None = Field(default=None, max_length=200)
    event_time: datetime
    detail: str | None = Field(default=None, max_length=500)  # cancel/delay/exception reason
    order: OrderFacts | None = None
    shipment: ShipmentFacts | None = None
    return_: ReturnFacts | None = Field(default=None, alias="return")
    refund: RefundFacts | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
