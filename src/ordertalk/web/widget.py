"""The opt-in widget for a store's website: its settings, and consent recorded from a tick.

A store pastes one script tag (`<script src="{ordertalk}/widget/{store_id}.js" async>`); the
script shows a phone field, a "get order updates on WhatsApp" checkbox, an optional offers
checkbox and a wa.me chat link. A tick becomes a consent ledger row with its evidence: the page,
the time, and the exact wording the customer saw, as configured here (never as the page claims).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.phones import normalise_phone
from ordertalk.contacts.service import ConsentSource, record_consent, upsert_contact
from ordertalk.errors import InvalidInput
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store

WIDGET_KEY = "widget"  # where the settings live in `Store.settings`
MAX_ORIGINS = 10
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _origin(value: str) -> str:
    """A site origin: https://host[:port], or http:// for a local test site only."""
    parts = urlsplit(value.strip())
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
        raise ValueError("an origin is https://host (http only for localhost)")
    if not parts.netloc or parts.path not in ("", "/") or parts.query or parts.username:
        raise ValueError("an origin is scheme://host[:port], with no path, query or credentials")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _text(value: str) -> str:
    if "\x00" in value or not value.strip():
        raise ValueError("must not be blank or contain NUL characters")
    return value.strip()


Wording = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_text)]


class WidgetSettings(BaseModel):
    """What the widget shows, and the sites allowed to use it."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[str] = Field(default_factory=list, max_length=MAX_ORIGINS)
    whatsapp_number: str | None = Field(default=None, max_length=32)  # for the wa.me link
    utility_text: Wording = "Send me order and delivery updates on WhatsApp"
    marketing_text: Wording | None = "Also send me offers on WhatsApp (at most twice a week)"
    button_text: Wording = "Save my WhatsApp choice"
    chat_text: Wording = "Chat with us on WhatsApp"

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(_origin(v) for v in values))


def widget_settings(store: Store) -> WidgetSettings:
    """The store's widget settings (defaults until it saves some)."""
    raw = (store.settings or {}).get(WIDGET_KEY)
    try:
        return WidgetSettings.model_validate(raw or {})
    except ValueError:
        return WidgetSettings()  # an unreadable leftover: the safe defaults (no origins)


def save_widget_settings(store: Store, settings: WidgetSettings) -> WidgetSettings:
    """Replace the widget settings; the WhatsApp number is checked and kept in E.164."""
    number = settings.whatsapp_number
    if number is not None:
        settings = settings.model_copy(
            update={"whatsapp_number": normalise_phone(number, store.country)}
        )
    store.settings = {**(store.settings or {}), WIDGET_KEY: settings.model_dump()}
    return settings


class ConsentIn(BaseModel):
    """What the widget posts when the customer saves their choice."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=4, max_length=40)
    utility: bool = False
    marketing: bool = False
    page: str = Field(max_length=2000)


def allowed_origin(settings: WidgetSettings, origin: str | None) -> str | None:
    """The request's origin if the store allows it, else None."""
    if not origin:
        return None
    try:
        normal = _origin(origin)
    except ValueError:
        return None
    return normal if normal in settings.allowed_origins else None


async def record_widget_consent(
    session: AsyncSession,
    store: Store,
    body: ConsentIn,
    *,
    origin: str,
    user_agent: str | None,
    at: datetime,
) -> list[Purpose]:
    """The ticked purposes as consent rows, with the wording this store's widget showed."""
    settings = widget_settings(store)
    if not (body.utility or body.marketing):
        raise InvalidInput("tick at least one box to save a choice")
    if body.marketing and settings.marketing_text is None:
        raise InvalidInput("this store's widget does not offer marketing messages")
    if not body.page.startswith(origin + "/") and body.page != origin:
        raise InvalidInput("page must be a page of the site that shows the widget")
    contact = await upsert_contact(session, store, phone=body.phone)
    granted: list[Purpose] = []
    for purpose, ticked, wording in (
        (Purpose.UTILITY, body.utility, settings.utility_text),
        (Purpose.MARKETING, body.marketing, settings.marketing_text),
    ):
        if not ticked:
            continue
        evidence: dict[str, Any] = {
            "page": body.page,
            "origin": origin,
            "wording": wording,
            "user_agent": (user_agent or "")[:300] or None,
        }
        await record_consent(session, contact, purpose, True, ConsentSource.WIDGET, evidence, at)
        granted.append(purpose)
    return granted
