"""What the store API accepts and returns. Secrets go in, and only "is it set?" comes out."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ordertalk.stores.models import IntegrationSecret, Store


class OrderUpdatesConsent(StrEnum):
    """How a store gets consent to order updates."""

    IMPLIED = "implied"  # placing an order is consent to updates about it (recorded as such)
    EXPLICIT = "explicit"  # only customers who opted in get them


class IntegrationSource(StrEnum):
    """Stores and carrier feeds that send Ordertalk signed webhooks."""

    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    AFTERSHIP = "aftership"
    EASYPOST = "easypost"
    CLICKPOST = "clickpost"


def format_quiet_hours(start: time | None, end: time | None) -> str:
    """Quiet hours as the API writes them: "21:00-08:00", or "off"."""
    if start is None or end is None:
        return "off"
    return f"{start:%H:%M}-{end:%H:%M}"


DEFAULT_RETURN_DAYS = 30

Name = Annotated[str, Field(min_length=1, max_length=200)]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]


class StoreUpdate(BaseModel):
    """A partial change to a store: only the fields present are changed; null clears a secret."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    language: Annotated[str, Field(max_length=32)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    quiet_hours: Annotated[str, Field(max_length=32, examples=["21:00-08:00", "off"])] | None = None
    marketing_cap_per_week: Annotated[int, Field(ge=0, le=100)] | None = None
    order_updates_consent: OrderUpdatesConsent | None = None
    phone_number_id: Identifier | None = None
    waba_id: Identifier | None = None
    access_token: Annotated[SecretStr, Field(min_length=1, max_length=1000)] | None = None
    app_secret: Annotated[SecretStr, Field(min_length=1, max_length=200)] | None = None
    verify_token: Annotated[SecretStr, Field(min_length=1, max_length=200)] | None = None
    graph_base_url: Annotated[str, Field(max_length=500)] | None = None
    # Meta's per-number throughput: 80 messages/s by default, up to 1,000.
    throughput_per_s: Annotated[int, Field(ge=1, le=1000)] | None = None
    # Unique customers reachable outside the service window per rolling 24 h.
    messaging_limit: Annotated[int, Field(ge=1)] | None = None
    # Where a WhatsApp catalog cart becomes a checkout: an https URL with `{items}`, replaced by
    # `<retailer id>:<quantity>` pairs joined by commas (Shopify's cart permalink format).
    checkout_url_template: (
        Annotated[str, Field(max_length=2000, examples=["https://shop.example/cart/{items}"])]
        | None
    ) = None
    # How many days after delivery the bot accepts a return or exchange request.
    return_days: Annotated[int, Field(ge=1, le=365)] | None = None


class StoreOut(BaseModel):
    """A store's settings as the API shows them: secrets only as booleans."""

    id: str
    name: str
    country: str
    language: str
    timezone: str
    quiet_hours: str
    marketing_cap_per_week: int
    order_updates_consent: str
    phone_number_id: str | None
    waba_id: str | None
    graph_base_url: str | None
    access_token_set: bool
    app_secret_set: bool
    verify_token_set: bool
    throughput_per_s: int
    messaging_limit: int
    checkout_url_template: str | None
    return_days: int
    created_at: datetime

    @classmethod
    def of(cls, store: Store) -> StoreOut:
        """The API view of a store."""
        return cls(
            id=store.id,
            name=store.name,
            country=store.country,
            language=store.language,
            timezone=store.timezone,
            quiet_hours=format_quiet_hours(store.quiet_start, store.quiet_end),
            marketing_cap_per_week=store.marketing_cap_per_week,
            order_updates_consent=store.order_updates_consent,
            phone_number_id=store.phone_number_id,
            waba_id=store.waba_id,
            graph_base_url=store.graph_base_url,
            access_token_set=bool(store.access_token),
            app_secret_set=bool(store.app_secret),
            verify_token_set=bool(store.verify_token),
            throughput_per_s=store.throughput_per_s,
            messaging_limit=store.messaging_limit,
            checkout_url_template=store.checkout_url_template,
            return_days=int((store.settings or {}).get("return_days", DEFAULT_RETURN_DAYS)),
            created_at=store.created_at,
        )


class IntegrationIn(BaseModel):
    """The webhook signing secret of a source, and its non-secret options (e.g. shop domain)."""

    model_config = ConfigDict(extra="forbid")

    secret: Annotated[SecretStr, Field(min_length=1, max_length=500)]
    options: dict[str, Any] = Field(default_factory=dict)


class IntegrationOut(BaseModel):
    """A configured integration: where its webhooks go; the secret only as `secret_set`."""

    source: str
    secret_set: bool
    webhook_url: str
    options: dict[str, Any]
    updated_at: datetime

    @classmethod
    def of(cls, row: IntegrationSecret) -> IntegrationOut:
        """The API view of an integration."""
        return cls(
            source=row.source,
            secret_set=bool(row.secret),
            webhook_url=f"/webhooks/{row.source}/{row.store_id}",
            options=dict(row.options or {}),
            updated_at=row.updated_at,
        )


class IntegrationList(BaseModel):
    """The integrations a store has configured, and every source it could configure."""

    integrations: list[IntegrationOut]
    available: list[str]
