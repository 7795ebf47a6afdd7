"""Receiving store and carrier events: keep the raw delivery once, then process it idempotently.

`receive` and `process` run in separate transactions (the edge commits between them), so a body
that cannot be processed is still kept for inspection and replay. The gap between them is closed
by `claim_unapplied`: whoever applies a kept event (its first request, a redelivery, the sweep in
`tasks.py`) holds its row lock while doing so and finds it applied if someone was first.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import CommerceEvent
from ordertalk.commerce.service import Applied, CommerceService, awb_key
from ordertalk.db import insert_or_ignore, lock_for_update, utcnow
from ordertalk.integrations.base import Delivery, Identified, NormaliseError, Source
from ordertalk.integrations.generic import GenericEvent
from ordertalk.integrations.models import RawEvent
from ordertalk.integrations.registry import SOURCES
from ordertalk.journeys.service import plan
from ordertalk.stores.models import Store
from ordertalk.stores.service import integration_secret

log = logging.getLogger(__name__)

# Headers worth keeping with a raw event (never signatures, tokens or cookies).
KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "x-shopify-topic",
    "x-shopify-shop-domain",
    "x-shopify-api-version",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-triggered-at",
    "x-wc-webhook-topic",
    "x-wc-webhook-resource",
    "x-wc-webhook-event",
    "x-wc-webhook-delivery-id",
    "x-wc-webhook-source",
)


class RawState:
    """Where a raw event is in its processing."""

    RECEIVED = "received"
    PROCESSED = "processed"
    INVALID = "invalid"
    PARKED = "parked"
    FAILED = "failed"


# States a kept event is applied from. Not "parked": a parked event is applied by `_release`
# once its parcel is known, and by nothing else.
UNAPPLIED = (RawState.RECEIVED, RawState.FAILED)

# A kept event still "received" this long after it arrived was left by a request that died
# before applying it (applying takes well under a second); younger, its request may still be
# applying it.
STALE_AFTER = timedelta(minutes=1)


@dataclass(slots=True)
class Outcome:
    """What processing one raw event did."""

    events: int = 0
    messages: int = 0
    parked: bool = False
    released: int = 0  # parked events that could now be processed
    milestones: list[str] = field(default_factory=list)


def body_digest(raw: bytes) -> str:
    """A stable id for a body that carries none of its own."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


async def store_raw(
    session: AsyncSession,
    store: Store,
    source: str,
    delivery: Delivery,
    identified: Identified | None,
    *,
    error: str | None = None,
) -> tuple[RawEvent, bool]:
    """Keep a delivery once per (store, source, external id); returns it and whether it was new."""
    external_id = (identified.external_id if identified else body_digest(delivery.raw))[:200]
    key = (
        RawEvent.store_id == store.id,
        RawEvent.source == source,
        RawEvent.external_id == external_id,
    )
    values: dict[str, Any] = {
        "store_id": store.id,
        "source": source,
        "external_id": external_id,
        "topic": identified.topic[:100] if identified and identified.topic else None,
        "headers": {k: v[:500] for k, v in delivery.headers.items() if k in KEPT_HEADERS},
        "body": delivery.raw,
        "state": RawState.INVALID if error else RawState.RECEIVED,
        "error": error[:1000] if error else None,
        "received_at": utcnow(),
    }
    # Retries can arrive while the first delivery is still being handled: one row wins.
    new = await insert_or_ignore(session, RawEvent, values, ["store_id", "source", "external_id"])
    row = await session.scalar(select(RawEvent).where(*key))
    assert row is not None
    return row, new


async def claim_unapplied(
    session: AsyncSession, raw_id: int, *, wait: bool = True
) -> RawEvent | None:
    """The kept event, locked until this transaction ends, if it still waits to be applied.

    None when it was applied (or parked, or found invalid) by someone else, meanwhile too: two
    requests, or a request and the sweep, never both apply one event. Without `wait`, an event
    another transaction holds is left to it (PostgreSQL: SKIP LOCKED) and None is returned.
    """
    # SQLite: the database's write lock, held to commit (its FOR UPDATE is a no-op).
    await lock_for_update(session, RawEvent)
    query = (
        select(RawEvent)
        .where(RawEvent.id == raw_id)
        .with_for_update(skip_locked=not wait)
        .execution_options(populate_existing=True)
    )
    raw = await session.scalar(query)
    if raw is None or raw.state not in UNAPPLIED:
        return None
    return raw


async def mark_failed(session: AsyncSession, raw_id: int, error: BaseException) -> None:
    """Record that applying a kept event failed (after its transaction was rolled back), unless
    someone applied it in the meantime: a redelivery then applies it again."""
    await session.execute(
        update(RawEvent)
        .where(RawEvent.id == raw_id, RawEvent.state.in_(UNAPPLIED))
        .values(state=RawState.FAILED, error=type(error).__name__[:1000])
        .execution_options(synchronize_session=False)
    )


def store_options(store: Store, options: dict[str, Any] | None) -> dict[str, Any]:
    """What a normaliser may need to know about the store, plus the merchant's source options."""
    return {"timezone": store.timezone, "country": store.country, **(options or {})}


def normalise(source: Source, delivery: Delivery, options: dict[str, Any]) -> list[CommerceEvent]:
    """Identify and normalise a delivery (raises NormaliseError)."""
    return source.normalise(source.identify(delivery), options)


async def apply_events(
    session: AsyncSession,
    store: Store,
    raw: RawEvent,
    events: list[CommerceEvent],
    now: datetime,
) -> Outcome:
    """Apply normalised events, plan their messages, and release events parked for them."""
    outcome = Outcome(events=len(events))
    commerce = CommerceService(session, store)
    released_keys: list[str] = []
    for event in events:
        applied: Applied = await commerce.apply(event, raw.id)
        if applied.parked_key is not None:
            raw.parked_key = applied.parked_key[:200]
            outcome.parked = True
        outcome.milestones.extend(r.milestone.value for r in applied.reached if r.notify)
        outcome.messages += len(await plan(session, store, applied, now))
        released_keys.extend(awb_key(n) for n in applied.new_tracking_numbers)
    raw.state = RawState.PARKED if outcome.parked else RawState.PROCESSED
    raw.processed_at = now
    for key in released_keys:
        outcome.released += await _release(session, store, key, now)
    await session.flush()
    return outcome


async def _release(session: AsyncSession, store: Store, key: str, now: datetime) -> int:
    """Process the events that were waiting for a shipment with this tracking number."""
    parked = list(
        await session.scalars(
            select(RawEvent)
            .where(
                RawEvent.store_id == store.id,
                RawEvent.state == RawState.PARKED,
                RawEvent.parked_key == key,
            )
            .order_by(RawEvent.id)
        )
    )
    released = 0
    for raw in parked:
        try:
            events = await events_of(session, store, raw)
        except (NormaliseError, ValueError):
            continue
        raw.parked_key = None
        await apply_events(session, store, raw, events, now)
        released += 1
    return released


async def events_of(session: AsyncSession, store: Store, raw: RawEvent) -> list[CommerceEvent]:
    """Normalise a kept raw event again (raises NormaliseError or ValueError)."""
    if raw.source == "api":
        return [GenericEvent.model_validate_json(raw.body).to_event()]
    source = SOURCES.get(raw.source)
    if source is None:
        raise ValueError(f"unknown source {raw.source!r}")
    secret_row = await integration_secret(session, store.id, raw.source)
    options = store_options(store, secret_row.options if secret_row else None)
    delivery = Delivery(raw=raw.body, headers=dict(raw.headers), query={})
    return normalise(source, delivery, options)
