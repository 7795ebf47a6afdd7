"""The demo's vocabulary: customers, orders, parcels, and what one step of a story does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

STORE_NAME = "Sunrise Bazaar"
STORE_COUNTRY = "IN"
STORE_LANGUAGE = "en"
STORE_ZONE = ZoneInfo("Asia/Kolkata")  # ClickPost writes the store's local time, without a zone
SHOP_URL = "https://sunrise-bazaar.example"


@dataclass(frozen=True, slots=True)
class Customer:
    """A shopper as the store knows them."""

    key: str
    first: str
    last: str
    phone: str  # as typed at checkout
    wa_id: str  # what WhatsApp calls them
    country: str
    zone: str
    locale: str  # Shopify's customer_locale
    city: str
    zip: str
    story: str

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"

    def local(self, at: datetime) -> datetime:
        """`at` on the customer's wall clock."""
        return at.astimezone(ZoneInfo(self.zone))


@dataclass(frozen=True, slots=True)
class Item:
    """A line of an order."""

    id: int
    title: str
    sku: str
    price: str
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the store's platform holds it."""

    id: str
    number: str
    customer: Customer
    items: tuple[Item, ...]
    currency: str
    total: str
    gateway: str
    financial_status: str  # Shopify: "paid" or "pending" (cash on delivery)

    @property
    def name(self) -> str:
        """The order's name as the customer sees it."""
        return f"#{self.number}"


# --- what a step does ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Webhook:
    """A store or carrier webhook, signed and posted to the store's URL for `source`."""

    source: str
    body: dict[str, Any]
    topic: str | None = None  # Shopify and WooCommerce name it in a header


@dataclass(frozen=True, slots=True)
class Inbound:
    """The customer writes to the store's WhatsApp number."""

    text: str


@dataclass(frozen=True, slots=True)
class ContactSync:
    """The store's CRM tells Ordertalk about a customer before their order (their language)."""

    language: str


@dataclass(frozen=True, slots=True)
class NotOnWhatsApp:
    """The number has no WhatsApp account (the sandbox will answer 131026)."""


Action = Webhook | Inbound | ContactSync | NotOnWhatsApp


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happens in a customer's story, built when it is played."""

    label: str
    build: Callable[[datetime], Action]


@dataclass(frozen=True, slots=True)
class Story:
    """A customer, their order and what happens to it."""

    customer: Customer
    order: Order
    steps: tuple[Step, ...]
    expect: tuple[str, ...]  # the message intents their phone should show, in order
    not_sent: tuple[tuple[str, str], ...] = ()  # (intent, reason) planned but never delivered


# --- time formats -------------------------------------------------------------------------


def iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def utc_z(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def naive(at: datetime, zone: ZoneInfo | None = None) -> str:
    return at.astimezone(zone or UTC).strftime("%Y-%m-%dT%H:%M:%S")


def ist(at: datetime) -> str:
    return at.astimezone(STORE_ZONE).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Parcel:
    """A fulfillment (Shopify) or a waybill (ClickPost) with its carrier and tracking number."""

    id: int
    carrier: str
    tracking_number: str
    tracking_url: str
    items: tuple[Item, ...] = ()
