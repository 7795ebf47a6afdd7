"""Webhook payload fixtures and the exact headers each source sends with them.

Fixtures live in `tests/integrations/fixtures/<source>/<name>.json`; the Shopify and
WooCommerce topic is read from the file name (`orders_create_cod_in` → `orders/create`,
`order_updated_completed_es` → `order.updated`). Other tests post them over HTTP:

    raw = load("shopify", "orders_create_cod_in")
    client.post(url, content=raw, headers=signed_headers("shopify", raw, secret,
                                                        topic=topic_for("shopify", name)))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import unicodedata
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ordertalk.commerce.events import CommerceEvent
from ordertalk.integrations.base import Delivery
from ordertalk.integrations.registry import source as get_source

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = ("shopify", "woocommerce", "aftership", "easypost", "clickpost")
SECRET = "s3cret"
# A store in India unless a test says otherwise.
OPTIONS: dict[str, Any] = {"timezone": "Asia/Kolkata", "country": "IN"}

SHOPIFY_TOPICS = (
    "fulfillment_events/create",
    "fulfillments/create",
    "fulfillments/update",
    "orders/cancelled",
    "orders/create",
    "orders/paid",
    "refunds/create",
)
WOO_TOPICS = ("order.created", "order.updated")

# Python-friendly keyword → the header each source really uses for it.
ALIASES: dict[str, dict[str, str]] = {
    "shopify": {
        "topic": "x-shopify-topic",
        "webhook_id": "x-shopify-webhook-id",
        "triggered_at": "x-shopify-triggered-at",
        "event_id": "x-shopify-event-id",
        "signature": "x-shopify-hmac-sha256",
    },
    "woocommerce": {
        "topic": "x-wc-webhook-topic",
        "delivery_id": "x-wc-webhook-delivery-id",
        "signature": "x-wc-webhook-signature",
    },
    "aftership": {"signature": "aftership-hmac-sha256"},
    "easypost": {"signature": "x-hmac-signature"},
    "clickpost": {"signature": "authorization"},
}


def path(source: str, name: str) -> Path:
    """The fixture file (`name` with or without its extension)."""
    base = FIXTURES / source
    candidates = [base / name] if "." in name else [base / f"{name}.json", base / f"{name}.txt"]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no fixture {source}/{name}")


def load(source: str, name: str) -> bytes:
    """The fixture's exact bytes (what gets signed and posted)."""
    return path(source, name).read_bytes()


def names(source: str) -> list[str]:
    """Every JSON fixture of a source, by name."""
    return sorted(p.stem for p in (FIXTURES / source).glob("*.json"))


def topic_for(source: str, name: str) -> str | None:
    """The topic header a fixture is delivered with (Shopify and WooCommerce only)."""
    if source == "shopify":
        for topic in SHOPIFY_TOPICS:
            if name.startswith(topic.replace("/", "_") + "_") or name == topic.replace("/", "_"):
                return topic
        raise ValueError(f"no Shopify topic in fixture name {name!r}")
    if source == "woocommerce":
        for topic in WOO_TOPICS:
            if name.startswith(topic.replace(".", "_")):
                return topic
        raise ValueError(f"no WooCommerce topic in fixture name {name!r}")
    return None


def _b64_hmac(key: bytes, raw: bytes) -> str:
    return base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()


def signature(source: str, raw: bytes, secret: str) -> str:
    """The signature header value the source would compute for this body."""
    if source in ("shopify", "aftership"):
        return _b64_hmac(secret.encode(), raw)
    if source == "woocommerce":
        return _b64_hmac(html.unescape(secret).encode(), raw)
    if source == "easypost":
        key = unicodedata.normalize("NFKD", secret).encode()
        return "hmac-sha256-hex=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
    if source == "clickpost":
        return f"Bearer {secret}"
    raise ValueError(f"unknown source {source!r}")


def _stable_id(raw: bytes) -> str:
    # Same body → same delivery id, so posting a fixture twice is a re-delivery.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, hashlib.sha256(raw).hexdigest()))


def signed_headers(source: str, raw: bytes, secret: str, **extra: str | None) -> dict[str, str]:
    """The headers `source` sends with `raw`, lower-cased; keywords add or override them.

    Keywords: `topic`, `webhook_id`, `triggered_at`, `event_id`, `delivery_id`, `signature`
    (per source, see ALIASES), or any header with `_` for `-`; a None value removes it.
    """
    headers: dict[str, str] = {"content-type": "application/json"}
    if source == "shopify":
        headers |= {
            "x-shopify-topic": "orders/create",
            "x-shopify-shop-domain": "demo-store.myshopify.com",
            "x-shopify-api-version": "2026-04",
            "x-shopify-webhook-id": _stable_id(raw),
            "x-shopify-event-id": _stable_id(raw + b"event"),
            "x-shopify-triggered-at": "2026-01-08T15:00:05.123Z",
            "x-shopify-hmac-sha256": signature(source, raw, secret),
        }
    elif source == "woocommerce":
        headers |= {
            "user-agent": "WooCommerce/9.6.0 Hookshot (WordPress/6.8)",
            "x-wc-webhook-source": "https://shop.example/",
            "x-wc-webhook-topic": "order.updated",
            "x-wc-webhook-resource": "order",
            "x-wc-webhook-event": "updated",
            "x-wc-webhook-id": "12",
            "x-wc-webhook-delivery-id": hashlib.md5(raw, usedforsecurity=False).hexdigest(),
            "x-wc-webhook-signature": signature(source, raw, secret),
        }
    elif source == "aftership":
        headers |= {
            "aftership-hmac-sha256": signature(source, raw, secret),
            "as-webhook-version": "2026-07",
        }
    elif source == "easypost":
        headers |= {
            "user-agent": "EasyPost WebHook Agent 1.0",
            "x-hmac-signature": signature(source, raw, secret),
        }
    elif source == "clickpost":
        headers["authorization"] = signature(source, raw, secret)
    else:
        raise ValueError(f"unknown source {source!r}")
    aliases = ALIASES[source]
    for key, value in extra.items():
        header = aliases.get(key, key.replace("_", "-").lower())
        if value is None:
            headers.pop(header, None)
        else:
            headers[header] = value
    if source == "woocommerce" and "topic" in extra and extra["topic"]:
        resource, _, event = extra["topic"].partition(".")
        headers |= {"x-wc-webhook-resource": resource, "x-wc-webhook-event": event}
    return headers


def fixture_headers(source: str, name: str, secret: str, **extra: str | None) -> dict[str, str]:
    """signed_headers for a named fixture, with its topic filled in."""
    topic = topic_for(source, name)
    if topic is not None:
        extra.setdefault("topic", topic)
    return signed_headers(source, load(source, name), secret, **extra)


def delivery(source: str, name: str, secret: str = SECRET, **extra: str | None) -> Delivery:
    """A fixture as the receiving route would see it (signed, headers lower-cased)."""
    raw = load(source, name)
    return Delivery(raw=raw, headers=fixture_headers(source, name, secret, **extra), query={})


def data(source: str, name: str) -> dict[str, Any]:
    """A fixture parsed, to be changed by a test and delivered with `deliver`."""
    parsed: dict[str, Any] = json.loads(load(source, name))
    return parsed


def deliver(
    source: str, body: Mapping[str, Any] | bytes, secret: str = SECRET, **extra: str | None
) -> Delivery:
    """A (changed) body delivered and signed like the real source (pass `topic=` if needed)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Delivery(raw=raw, headers=signed_headers(source, raw, secret, **extra), query={})


def normalise(
    source: str, what: str | Delivery, options: Mapping[str, Any] | None = None
) -> list[CommerceEvent]:
    """Identify and normalise a named fixture (or a prepared delivery)."""
    adapter = get_source(source)
    item = delivery(source, what) if isinstance(what, str) else what
    return adapter.normalise(adapter.identify(item), OPTIONS if options is None else options)


def only(events: list[CommerceEvent]) -> CommerceEvent:
    """The single event a delivery produced."""
    assert len(events) == 1, events
    return events[0]
