"""Stores (tenants), their hashed API keys and their integration secrets."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class Store(Base):
    """A merchant: its WhatsApp number, defaults, and limits. Every other row points at one."""

    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "st_…", public
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))  # region for local phone numbers
    language: Mapped[str] = mapped_column(String(16))  # default customer language
    timezone: Mapped[str] = mapped_column(String(64))
    # Quiet hours in the customer's local time; both None means "off".
    quiet_start: Mapped[time | None] = mapped_column(Time())
    quiet_end: Mapped[time | None] = mapped_column(Time())
    marketing_cap_per_week: Mapped[int] = mapped_column(Integer, default=2)
    # "implied": checkout implies consent to order updates (recorded as such); "explicit": ask.
    order_updates_consent: Mapped[str] = mapped_column(String(16), default="implied")
    # WhatsApp number settings. Secrets are never logged or returned by the API.
    phone_number_id: Mapped[str | None] = mapped_column(String(64), index=True)
    waba_id: Mapped[str | None] = mapped_column(String(64))
    access_token: Mapped[str | None] = mapped_column(String(1000))
    app_secret: Mapped[str | None] = mapped_column(String(200))
    verify_token: Mapped[str | None] = mapped_column(String(200))
    graph_base_url: Mapped[str | None] = mapped_column(String(500))  # None: the settings default
    throughput_per_s: Mapped[int] = mapped_column(Integer, default=80)
    # Unique customers reachable outside the service window per rolling 24 h (Meta's tier).
    messaging_limit: Mapped[int] = mapped_column(Integer, default=1000)
    brand_color: Mapped[str | None] = mapped_column(String(16))
    # When people answer: {"mon": ["09:00", "18:00"], ...} in the store's timezone; None: always.
    business_hours: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    away_message: Mapped[str | None] = mapped_column(String(1000))
    # Where a catalog cart becomes a checkout, e.g. "https://shop.example/cart/{items}".
    checkout_url_template: Mapped[str | None] = mapped_column(String(2000))
    # What Meta charges per delivered message: {"currency", "markets": {market: {category:
    # price}}, "updated_at"} (stores/rate_card.py); None: no rate card, costs unknown.
    rate_card: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per-store extras
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApiKey(Base):
    """A machine credential. Only the SHA-256 of the key is kept (keys are 256-bit random)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown to people to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class IntegrationSecret(Base):
    """The webhook signing secret of one source (shopify, aftership…) for one store."""

    __tablename__ = "integration_secrets"
    __table_args__ = (UniqueConstraint("store_id", "source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(40))
    secret: Mapped[str] = mapped_column(String(500))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
