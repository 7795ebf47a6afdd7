"""Webhook endpoints of a store, and `emit`: an event becomes one outbox row per endpoint that
wants it, in the caller's transaction (services flush; the edge commits)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_core import PydanticSerializationError, to_jsonable_python
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.errors import InvalidInput, NotFound
from ordertalk.stores.models import Store
from ordertalk.webhooks_out.addresses import AddressRejected, Resolver, check_url
from ordertalk.webhooks_out.events import DeliveryState, WebhookEventType
from ordertalk.webhooks_out.models import WebhookDelivery, WebhookEndpoint
from ordertalk.webhooks_out.schemas import EndpointUpdate
from ordertalk.webhooks_out.signing import new_event_id, new_secret

log = logging.getLogger(__name__)

__all__ = [
    "MAX_ENDPOINTS",
    "MAX_PAYLOAD_BYTES",
    "ROTATION_OVERLAP",
    "create_endpoint",
    "delete_endpoint",
    "deliveries",
    "emit",
    "get_endpoint",
    "list_endpoints",
    "rotate_secret",
    "send_test",
    "subscribed",
    "update_endpoint",
]

MAX_ENDPOINTS = 20  # per store
MAX_PAYLOAD_BYTES = 64 * 1024  # the spec recommends small payloads; this is a guard, not a goal
# How long the previous secret keeps signing after a rotation (receivers switch in the meantime).
ROTATION_OVERLAP = timedelta(hours=24)
_EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
# session.info key: the enabled endpoints of each store, as read in the current transaction.
_ENDPOINTS_KEY = "ordertalk.webhooks_out.endpoints"


# --- endpoints ------------------------------------------------------------------------------


async def _valid_url(url: str, allow_private: bool, resolver: Resolver | None) -> str:
    try:
        return await check_url(url, allow_private=allow_private, resolver=resolver)
    except AddressRejected as exc:
        raise InvalidInput(f"url: {exc}") from None


def _event_types(events: Iterable[WebhookEventType | str]) -> list[str]:
    """Known, subscribable event types, de-duplicated and sorted; InvalidInput otherwise."""
    chosen: set[str] = set()
    for event in events:
        try:
            kind = WebhookEventType(event)
        except ValueError:
            raise InvalidInput(f"events: {str(event)[:60]!r} is not an event type") from None
        if kind is WebhookEventType.PING:
            raise InvalidInput("events: ping is sent by the test route, not subscribed to")
        chosen.add(kind.value)
    return sorted(chosen)


async def create_endpoint(
    session: AsyncSession,
    store: Store,
    url: str,
    events: Iterable[WebhookEventType | str] = (),
    description: str = "",
    allow_private: bool = False,
    *,
    resolver: Resolver | None = None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (the only time the secret is handed out).

    The URL must be http(s) with a host and no credentials; unless `allow_private`, its host must
    be, and resolve to, public addresses only (InvalidInput with the reason otherwise). The
    sender checks the address again at every delivery, because DNS answers can change.
    """
    count = await session.scalar(
        select(func.count(WebhookEndpoint.id)).where(WebhookEndpoint.store_id == store.id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise InvalidInput(f"a store can have at most {MAX_ENDPOINTS} webhook endpoints")
    checked = await _valid_url(url, allow_private, resolver)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        store_id=store.id,
        url=checked,
        description=description.strip(),
        event_types=_event_types(events),
        secret=secret,
        enabled=True,
        consecutive_failures=0,
        allow_private=allow_private,
        created_at=utcnow(),
    )
    session.add(endpoint)
    await session.flush()
    _forget_endpoints(session)
    log.info("webhook endpoint %s created for store %s", endpoint.id, store.id)
    return endpoint, secret


async def list_endpoints(session: AsyncSession, store: Store) -> list[WebhookEndpoint]:
    """The store's endpoints, oldest first."""
    return list(
        await session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.store_id == store.id)
            .order_by(WebhookEndpoint.id)
        )
    )


async def get_endpoint(session: AsyncSession, store: Store, endpoint_id: int) -> WebhookEndpoint:
    """One of the store's endpoints; NotFound for an unknown one or another store's."""
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.store_id == store.id
        )
    )
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    store: Store,
    endpoint_id: int,
    changes: EndpointUpdate,
    *,
    resolver: Resolver | None = None,
) -> WebhookEndpoint:
    """Apply the fields present in `changes` (validated before anything changes).

    Disabling keeps the endpoint's undelivered events waiting; enabling it again resets its
    failure count, clears the reason, and the sender resumes them.
    """
    endpoint = await get_endpoint(session, store, endpoint_id)
    data = changes.model_dump(exclude_unset=True)
    for field in ("url", "enabled", "allow_private", "events", "description"):
        if field in data and data[field] is None:
            raise InvalidInput(f"{field} cannot be null")
    allow_private = data.get("allow_private", endpoint.allow_private)
    url = endpoint.url
    if "url" in data or ("allow_private" in data and not allow_private):
        url = await _valid_url(data.get("url", endpoint.url), allow_private, resolver)
    events = _event_types(data["events"]) if "events" in data else endpoint.event_types
    endpoint.url = url
    endpoint.allow_private = allow_private
    endpoint.event_types = events
    if "description" in data:
        endpoint.description = data["description"].strip()
    if data.get("enabled") is True and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
    elif data.get("enabled") is False and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_reason = "disabled through the API"
    await session.flush()
    _forget_endpoints(session)
    return endpoint


async def delete_endpoint(session: AsyncSession, store: Store, endpoint_id: int) -> None:
    """Remove an endpoint and its deliveries (pending ones are never sent)."""
    endpoint = await get_endpoint(session, store, endpoint_id)
    await session.delete(endpoint)
    await session.flush()
    _forget_endpoints(session)
    log.info("webhook endpoint %s deleted for store %s", endpoint_id, store.id)


async def rotate_secret(
    session: AsyncSession, store: Store, endpoint_id: int, *, now: datetime | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new secret for the endpoint (handed out this once). For `ROTATION_OVERLAP` the old one
    signs too, so a receiver can switch keys without rejecting a single event."""
    endpoint = await get_endpoint(session, store, endpoint_id)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = (now or utcnow()) + ROTATION_OVERLAP
    endpoint.secret = secret
    await session.flush()
    log.info("webhook endpoint %s: secret rotated", endpoint.id)
    return endpoint, secret


# --- events ---------------------------------------------------------------------------------


def _envelope(
    event_type: WebhookEventType, data: Mapping[str, Any], occurred_at: datetime
) -> dict[str, Any]:
    """The Standard Webhooks body: {"type", "timestamp", "data"}, JSON-ready."""
    try:
        jsonable = to_jsonable_python(dict(data))
    except PydanticSerializationError as exc:
        raise TypeError(f"webhook data for {event_type} is not JSON-serialisable: {exc}") from None
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    payload = {
        "type": event_type.value,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": jsonable,
    }
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(f"webhook payload for {event_type} is {size} bytes; send ids, not blobs")
    return payload


def _forget_endpoints(session: AsyncSession) -> None:
    """Drop what `_subscribers` remembered (an endpoint was just created, changed or deleted)."""
    session.info.pop(_ENDPOINTS_KEY, None)


async def _subscribers(session: AsyncSession, store_id: str) -> list[tuple[int, tuple[str, ...]]]:
    """The store's enabled endpoints as (id, event types), read once per transaction.

    Status webhooks arrive by the thousand per second and most stores have no endpoint: one
    indexed query per store and transaction, then a dictionary lookup for every other event.
    """
    remembered: tuple[object, dict[str, list[tuple[int, tuple[str, ...]]]]] | None
    remembered = session.info.get(_ENDPOINTS_KEY)
    transaction = session.sync_session.get_transaction()
    if remembered is not None and transaction is not None and remembered[0] is transaction:
        found: list[tuple[int, tuple[str, ...]]] | None = remembered[1].get(store_id)
        if found is not None:
            return found
    rows = await session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.event_types)
        .where(WebhookEndpoint.store_id == store_id, WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    found = [(endpoint_id, tuple(types or ())) for endpoint_id, types in rows]
    transaction = session.sync_session.get_transaction()
    if remembered is None or remembered[0] is not transaction:
        remembered = (transaction, {})
        session.info[_ENDPOINTS_KEY] = remembered
    remembered[1][store_id] = found
    return found


async def subscribed(
    session: AsyncSession, store_id: str, event_type: WebhookEventType | str
) -> bool:
    """Whether any enabled endpoint of the store wants this event type: ask before building an
    event's data on a hot path (cached for the rest of the transaction)."""
    kind = WebhookEventType(event_type).value
    return any(not types or kind in types for _, types in await _subscribers(session, store_id))


async def _enqueue(
    session: AsyncSession,
    store_id: str,
    endpoint_id: int,
    event_type: WebhookEventType,
    event_id: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    values: dict[str, Any] = {
        "store_id": store_id,
        "endpoint_id": endpoint_id,
        "event_type": event_type.value,
        "event_id": event_id,
        "payload": payload,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    # The same event emitted twice (an at-least-once caller passing its own event_id) is one row.
    return await insert_or_ignore(session, WebhookDelivery, values, ["endpoint_id", "event_id"])


async def emit(
    session: AsyncSession,
    store_id: str,
    event_type: WebhookEventType,
    data: Mapping[str, Any],
    *,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> int:
    """Queue an event for every enabled endpoint of the store subscribed to it; how many rows.

    Writes in the caller's transaction and only flushes: the deliveries exist if and only if the
    change that caused them is committed. `data` must be JSON-serialisable (datetimes, decimals
    and enums are converted). Give `event_id` (letters, digits, "_", "-") when the caller may
    run twice for one event: the same id is never queued twice for an endpoint, and receivers
    see it as `webhook-id`, their idempotency key. When no endpoint wants the event, nothing is
    built or checked and nothing is written (the endpoints are read once per transaction).
    """
    kind = WebhookEventType(event_type)
    if event_id is not None and not _EVENT_ID.match(event_id):
        raise ValueError("event_id must be 1-100 letters, digits, '_' or '-'")
    targets = [
        endpoint_id
        for endpoint_id, types in await _subscribers(session, store_id)
        if not types or kind.value in types
    ]
    if not targets:
        return 0
    now = utcnow()
    payload = _envelope(kind, data, occurred_at or now)
    the_id = event_id or new_event_id()
    written = 0
    for endpoint_id in targets:
        if await _enqueue(session, store_id, endpoint_id, kind, the_id, payload, now):
            written += 1
    return written


async def send_test(session: AsyncSession, store: Store, endpoint_id: int) -> WebhookDelivery:
    """Queue a `ping` for one endpoint, whatever it subscribed to (sent once it is enabled)."""
    endpoint = await get_endpoint(session, store, endpoint_id)
    now = utcnow()
    event_id = new_event_id()
    payload = _envelope(
        WebhookEventType.PING,
        {"endpoint_id": endpoint.id, "message": "A test event from Ordertalk."},
        now,
    )
    await _enqueue(
        session, endpoint.store_id, endpoint.id, WebhookEventType.PING, event_id, payload, now
    )
    delivery = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_id == event_id
        )
    )
    assert delivery is not None
    return delivery


async def deliveries(
    session: AsyncSession, store: Store, endpoint_id: int, limit: int = 50
) -> list[WebhookDelivery]:
    """The endpoint's delivery log, newest first; NotFound for another store's endpoint."""
    endpoint = await get_endpoint(session, store, endpoint_id)
    return list(
        await session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.store_id == store.id,
                WebhookDelivery.endpoint_id == endpoint.id,
            )
            .order_by(WebhookDelivery.id.desc())
            .limit(max(1, min(limit, 500)))
        )
    )
