"""Stores: creation, validation of their settings, API keys and integration secrets."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.phones import is_known_region, region_timezone
from ordertalk.db import utcnow
from ordertalk.errors import InvalidInput, NotFound, Unauthorized
from ordertalk.stores.models import ApiKey, IntegrationSecret, Store
from ordertalk.stores.schemas import (
    IntegrationSource,
    OrderUpdatesConsent,
    StoreUpdate,
    format_quiet_hours,
)

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_QUIET_HOURS",
    "authenticate",
    "create_api_key",
    "create_store",
    "format_quiet_hours",
    "get_store",
    "integration_secret",
    "list_integrations",
    "list_stores",
    "parse_quiet_hours",
    "revoke_api_key",
    "set_integration_secret",
    "update_store",
    "validate_country",
    "validate_language",
    "validate_timezone",
]

DEFAULT_QUIET_HOURS = (time(21, 0), time(8, 0))
KEY_PREFIX = "ot_"
# Shown next to a key so people can tell keys apart: "ot_" and 6 of its 43 random characters.
_SHOWN_PREFIX_LENGTH = 9
_QUIET_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


# --- validation -----------------------------------------------------------------------------


def validate_country(country: str) -> str:
    """An ISO 3166 alpha-2 code phonenumbers knows, upper-cased; InvalidInput otherwise."""
    code = country.strip().upper()
    if not is_known_region(code):
        raise InvalidInput(f"country {country[:8]!r} is not a known ISO 3166 alpha-2 code")
    return code


def validate_language(language: str) -> str:
    """A locale Babel knows, written like WhatsApp template languages ("en", "pt_BR")."""
    text = language.strip().replace("-", "_")
    try:
        return str(Locale.parse(text))
    except (UnknownLocaleError, ValueError, TypeError):
        raise InvalidInput(f"language {language[:32]!r} is not a known locale") from None


def validate_timezone(timezone: str) -> str:
    """An IANA time zone name ("Asia/Kolkata"); InvalidInput otherwise."""
    name = timezone.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"timezone {timezone[:64]!r} is not a known IANA time zone") from None
    return name


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """`"21:00-08:00"` as (start, end) in the customer's local time; `"off"` as None."""
    if text.strip().lower() == "off":
        return None
    match = _QUIET_HOURS.match(text)
    if match is None:
        raise InvalidInput('quiet_hours must look like "21:00-08:00", or be "off"')
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise InvalidInput("quiet_hours has a time that does not exist (use 00:00 to 23:59)")
    return _checked_quiet_hours((time(h1, m1), time(h2, m2)))


def _checked_quiet_hours(hours: tuple[time, time] | None) -> tuple[time, time] | None:
    if hours is not None and hours[0] == hours[1]:
        raise InvalidInput('quiet_hours cannot start and end at the same time (use "off")')
    return hours


def _validate_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("graph_base_url must be an http(s) URL")
    return url.strip().rstrip("/")


def _validate_source(source: str) -> IntegrationSource:
    try:
        return IntegrationSource(source)
    except ValueError:
        known = ", ".join(IntegrationSource)
        raise NotFound(f"no integration called {source[:40]!r} (known: {known})") from None


# --- API keys ---------------------------------------------------------------------------------


def _hash_key(key: str) -> str:
    # A single SHA-256 is the right hash here, unlike for passwords: the keys are 256 bits of
    # randomness, so no amount of guessing speed makes a brute force feasible, while a slow KDF
    # (bcrypt, argon2) would cost every request tens of milliseconds and need a per-key salt,
    # which would make the indexed lookup by hash impossible.
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(session: AsyncSession, store_id: str) -> tuple[ApiKey, str]:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(store_id=store_id, prefix=key[:_SHOWN_PREFIX_LENGTH], key_hash=_hash_key(key))
    session.add(row)
    return row, key


async def create_api_key(session: AsyncSession, store: Store) -> tuple[ApiKey, str]:
    """A new key for the store; the plaintext is returned this once and never stored."""
    row, key = _new_key(session, store.id)
    await session.flush()
    log.info("api key %s… created for store %s", row.prefix, store.id)
    return row, key


async def revoke_api_key(session: AsyncSession, store: Store, key_id: int) -> ApiKey:
    """Deactivate one of the store's keys (kept, so its prefix still explains old logs)."""
    row = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.store_id == store.id)
    )
    if row is None:
        raise NotFound(f"no API key {key_id} for this store")
    row.active = False
    await session.flush()
    log.info("api key %s… revoked for store %s", row.prefix, store.id)
    return row


async def authenticate(session: AsyncSession, authorization_header: str | None) -> Store:
    """The store whose active key is in `Authorization: Bearer <key>`; Unauthorized otherwise."""
    if not authorization_header:
        raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <api key>'")
    scheme, _, key = authorization_header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key.startswith(KEY_PREFIX) or len(key) > 200:
        raise Unauthorized("malformed Authorization header; send 'Authorization: Bearer <api key>'")
    digest = _hash_key(key)
    # The lookup compares hashes, so its timing can only say something about the hash, which
    # tells an attacker nothing about any key; compare_digest keeps the final check constant-time.
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if row is None or not hmac.compare_digest(row.key_hash, digest) or not row.active:
        # One message for unknown and revoked keys: the answer must not say which keys exist.
        raise Unauthorized("invalid or revoked API key")
    store = await session.get(Store, row.store_id)
    if store is None:  # only if the store row vanished under us
        raise Unauthorized("invalid or revoked API key")
    return store


# --- stores -----------------------------------------------------------------------------------


async def _ensure_number_free(session: AsyncSession, phone_number_id: str, store_id: str) -> None:
    # Webhooks are routed to a store by phone_number_id: two stores on one number would mix
    # their customers.
    owner = await session.scalar(
        select(Store.id).where(Store.phone_number_id == phone_number_id, Store.id != store_id)
    )
    if owner is not None:
        raise InvalidInput("phone_number_id already belongs to another store")


async def create_store(
    session: AsyncSession,
    *,
    name: str,
    country: str,
    language: str,
    timezone: str | None = None,
    quiet_hours: tuple[time, time] | None = DEFAULT_QUIET_HOURS,
    order_updates_consent: str = "implied",
    phone_number_id: str | None = None,
    waba_id: str | None = None,
    access_token: str | None = None,
    app_secret: str | None = None,
    verify_token: str | None = None,
    graph_base_url: str | None = None,
    throughput_per_s: int = 80,
    messaging_limit: int = 1000,
) -> tuple[Store, str]:
    """A new store and its first API key (plaintext, shown once); InvalidInput on bad settings."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name must be 1 to 200 characters")
    country = validate_country(country)
    try:
        consent_mode = OrderUpdatesConsent(order_updates_consent)
    except ValueError:
        raise InvalidInput("order_updates_consent must be 'implied' or 'explicit'") from None
    if not 1 <= throughput_per_s <= 1000:
        raise InvalidInput("throughput_per_s must be between 1 and 1000")
    if messaging_limit < 1:
        raise InvalidInput("messaging_limit must be at least 1")
    quiet = _checked_quiet_hours(quiet_hours)
    store = Store(
        id="st_" + secrets.token_hex(6),
        name=name,
        country=country,
        language=validate_language(language),
        timezone=validate_timezone(timezone) if timezone else region_timezone(country),
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
        order_updates_consent=consent_mode.value,
        phone_number_id=phone_number_id or None,
        waba_id=waba_id or None,
        access_token=access_token or None,
        app_secret=app_secret or None,
        verify_token=verify_token or None,
        graph_base_url=_validate_url(graph_base_url) if graph_base_url else None,
        throughput_per_s=throughput_per_s,
        messaging_limit=messaging_limit,
        settings={},
    )
    if store.phone_number_id:
        await _ensure_number_free(session, store.phone_number_id, store.id)
    session.add(store)
    await session.flush()  # the key's foreign key needs the store row first
    _, key = _new_key(session, store.id)
    await session.flush()
    log.info("store %s created (%s, %s)", store.id, store.country, store.language)
    return store, key


async def get_store(session: AsyncSession, store_id: str) -> Store:
    """The store with this id; NotFound otherwise."""
    store = await session.get(Store, store_id)
    if store is None:
        raise NotFound(f"no store {store_id[:40]!r}")
    return store


async def list_stores(session: AsyncSession) -> list[Store]:
    """Every store, oldest first."""
    return list(await session.scalars(select(Store).order_by(Store.created_at, Store.id)))


# Settings every store has; only the WhatsApp number fields and secrets can be cleared.
_NOT_NULL = (
    "name", "language", "timezone", "quiet_hours", "marketing_cap_per_week",
    "order_updates_consent", "throughput_per_s", "messaging_limit", "return_days",
)  # fmt: skip


async def update_store(session: AsyncSession, store: Store, changes: StoreUpdate) -> Store:
    """Apply the fields present in `changes`; InvalidInput on a bad value (nothing applied)."""
    data: dict[str, Any] = changes.model_dump(exclude_unset=True)
    for field in _NOT_NULL:
        if field in data and data[field] is None:
            raise InvalidInput(f"{field} cannot be null")
    # Validate everything before changing anything, so a bad field leaves the store untouched.
    values: dict[str, Any] = {}
    if "name" in data:
        name = data["name"].strip()
        if not name:
            raise InvalidInput("name must not be blank")
        values["name"] = name
    if "language" in data:
        values["language"] = validate_language(data["language"])
    if "timezone" in data:
        values["timezone"] = validate_timezone(data["timezone"])
    if "quiet_hours" in data:
        quiet = parse_quiet_hours(data["quiet_hours"])
        values["quiet_start"], values["quiet_end"] = quiet if quiet else (None, None)
    for field in ("marketing_cap_per_week", "throughput_per_s", "messaging_limit", "waba_id"):
        if field in data:
            values[field] = data[field]
    if "order_updates_consent" in data:
        values["order_updates_consent"] = OrderUpdatesConsent(data["order_updates_consent"]).value
    if "phone_number_id" in data:
        if data["phone_number_id"] is not None:
            await _ensure_number_free(session, data["phone_number_id"], store.id)
        values["phone_number_id"] = data["phone_number_id"]
    if "graph_base_url" in data:
        url = data["graph_base_url"]
        values["graph_base_url"] = _validate_url(url) if url else None
    for field in ("access_token", "app_secret", "verify_token"):
        if field in data:
            secret = data[field]
            values[field] = secret.get_secret_value() if secret is not None else None
    if "checkout_url_template" in data:
        values["checkout_url_template"] = _checkout_template(data["checkout_url_template"])
    if "return_days" in data:
        values["settings"] = {**(store.settings or {}), "return_days": data["return_days"]}
    for field, value in values.items():
        setattr(store, field, value)
    await session.flush()
    # Field names only: values include secrets.
    log.info("store %s updated: %s", store.id, ", ".join(sorted(data)) or "nothing")
    return store


def _checkout_template(value: str | None) -> str | None:
    if value is None:
        return None
    if "{items}" not in value:
        raise InvalidInput("checkout_url_template must contain {items}")
    parts = urlsplit(value.replace("{items}", "x").replace("{catalog_id}", "x"))
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise InvalidInput("checkout_url_template must be an https URL without credentials")
    if any(ord(c) < 33 for c in value):
        raise InvalidInput("checkout_url_template must not contain spaces or control characters")
    return value


# --- integrations -----------------------------------------------------------------------------


async def set_integration_secret(
    session: AsyncSession,
    store: Store,
    source: str,
    secret: str,
    options: dict[str, Any] | None = None,
) -> IntegrationSecret:
    """Set (or replace) the webhook signing secret of one source; NotFound for an unknown one."""
    known = _validate_source(source)
    if not secret:
        raise InvalidInput("secret must not be empty")
    row = await integration_secret(session, store.id, known.value)
    if row is None:
        row = IntegrationSecret(store_id=store.id, source=known.value)
        session.add(row)
    row.secret = secret
    row.options = dict(options or {})
    row.updated_at = utcnow()
    await session.flush()
    log.info("integration %s configured for store %s", known.value, store.id)
    return row


async def integration_secret(
    session: AsyncSession, store_id: str, source: str
) -> IntegrationSecret | None:
    """The store's secret for `source`, or None when it is not configured (or not a source)."""
    # No NotFound here: receivers ask about whatever source a URL names, and "no secret" is
    # the answer for one nobody can configure.
    return await session.scalar(
        select(IntegrationSecret).where(
            IntegrationSecret.store_id == store_id, IntegrationSecret.source == source
        )
    )


async def list_integrations(session: AsyncSession, store: Store) -> list[IntegrationSecret]:
    """The store's configured integrations, by source name."""
    return list(
        await session.scalars(
            select(IntegrationSecret)
            .where(IntegrationSecret.store_id == store.id)
            .order_by(IntegrationSecret.source)
        )
    )
