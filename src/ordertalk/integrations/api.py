"""`/webhooks/{source}/{store_id}` and `POST /v1/events`: verify, keep, answer, process."""

from __future__ import annotations

import logging
import math

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.commerce.events import CommerceEvent
from ordertalk.db import utcnow
from ordertalk.errors import InvalidInput, NotFound, PayloadTooLarge, Unauthorized, Unavailable
from ordertalk.integrations.base import Delivery, Identified, NormaliseError
from ordertalk.integrations.generic import GenericEvent
from ordertalk.integrations.models import RawEvent
from ordertalk.integrations.registry import SOURCES
from ordertalk.integrations.service import (
    STALE_AFTER,
    RawState,
    apply_events,
    claim_unapplied,
    mark_failed,
    store_options,
    store_raw,
)
from ordertalk.stores.deps import StoreReleasedDep
from ordertalk.stores.models import Store
from ordertalk.stores.service import integration_secret

log = logging.getLogger(__name__)

router = APIRouter(tags=["integrations"])

MAX_BODY = 1024 * 1024


def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return factory


def _wake(request: Request) -> None:
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()


async def _process(
    request: Request, store_id: str, raw_id: int, events: list[CommerceEvent], status_code: int
) -> JSONResponse:
    """Apply in a second transaction: a failure here leaves the raw event kept and marked."""
    async with _sessions(request)() as session:
        # Held until commit: a redelivery or the sweep arriving meanwhile waits, then finds the
        # event applied (and answers as for a duplicate) instead of applying it a second time.
        raw = await claim_unapplied(session, raw_id)
        if raw is None:
            return _duplicate(raw_id)
        store = await session.get(Store, store_id)
        assert store is not None
        try:
            outcome = await apply_events(session, store, raw, events, utcnow())
            await session.commit()
        except Exception as exc:
            await session.rollback()
            log.exception("processing raw event %s failed; kept for replay", raw_id)
            await mark_failed(session, raw_id, exc)
            await session.commit()
            # A 5xx makes the sender deliver it again, and a redelivery of a failed event is
            # processed again rather than answered as a duplicate: nothing is lost.
            raise Unavailable(
                f"event {raw_id} is kept but could not be processed now; deliver it again"
            ) from None
    if outcome.messages:
        _wake(request)
    body = {
        "id": raw_id,
        "state": RawState.PARKED if outcome.parked else RawState.PROCESSED,
        "events": outcome.events,
        "milestones": outcome.milestones,
        "messages": outcome.messages,
    }
    return JSONResponse(body, status_code=status_code)


def _duplicate(raw_id: int) -> JSONResponse:
    return JSONResponse({"id": raw_id, "duplicate": True})


def _apply_again(raw: RawEvent) -> bool:
    """Whether a redelivery of a kept event applies it; False: it is the duplicate it looks
    like (applied, parked until its parcel is known, or invalid).

    Raises Unavailable for an event kept but not applied yet, young enough that the request
    that kept it may still be applying it: answered 200, the sender would stop delivering it,
    and were that request dead the event would wait for the sweep (`tasks.reapply_stale`).
    """
    if raw.state == RawState.FAILED:
        return True
    if raw.state != RawState.RECEIVED:
        return False
    age = utcnow() - raw.received_at
    if age >= STALE_AFTER:
        return True  # its request died before applying it
    error = Unavailable(
        f"event {raw.id} is kept but not applied yet (another request may be applying it); "
        "deliver it again later"
    )
    error.headers["Retry-After"] = str(max(1, math.ceil((STALE_AFTER - age).total_seconds())))
    raise error


@router.post("/webhooks/{source}/{store_id}")
async def receive(source: str, store_id: str, request: Request) -> JSONResponse:
    """A store or carrier webhook: signature on the raw body, kept once, processed, answered."""
    adapter = SOURCES.get(source)
    if adapter is None:
        raise NotFound(f"unknown source {source!r}; known: {', '.join(sorted(SOURCES))}")
    raw_body = await request.body()
    if len(raw_body) > MAX_BODY:
        raise PayloadTooLarge("webhook body is larger than 1 MB")
    delivery = Delivery(
        raw=raw_body,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
    )
    async with _sessions(request)() as session:
        store = await session.get(Store, store_id)
        if store is None:
            raise NotFound("unknown store")
        if adapter.is_ping(delivery):
            return JSONResponse({"ping": True})
        secret = await integration_secret(session, store.id, source)
        if secret is None:
            raise Unauthorized(
                f"no {source} secret is set for this store; PUT /v1/integrations/{source}"
            )
        if not adapter.verify(delivery, secret.secret):
            raise Unauthorized(f"{source} signature is missing or does not match the body")
        identified: Identified | None = None
        try:
            identified = adapter.identify(delivery)
            events = adapter.normalise(identified, store_options(store, secret.options))
        except NormaliseError as exc:
            raw, _ = await store_raw(session, store, source, delivery, identified, error=str(exc))
            await session.commit()
            raise InvalidInput(f"cannot read this {source} payload: {exc}") from None
        raw, new = await store_raw(session, store, source, delivery, identified)
        again = not new and _apply_again(raw)
        await session.commit()
        raw_id = raw.id
    if not new and not again:
        return _duplicate(raw_id)
    return await _process(request, store_id, raw_id, events, 200)


@router.post(
    "/v1/events",
    tags=["integrations"],
    status_code=202,
    responses={200: {"description": "Already received (a duplicate `id`): nothing done"}},
)
async def post_event(
    event: GenericEvent, store: StoreReleasedDep, request: Request
) -> JSONResponse:
    """Any other system's event, in Ordertalk's canonical vocabulary (deduplicated by `id`)."""
    canonical = event.to_event()
    body = event.model_dump_json(by_alias=True).encode()
    delivery = Delivery(raw=body, headers={"content-type": "application/json"}, query={})
    identified = Identified(external_id=event.id, topic=canonical.milestone, body=None)
    async with _sessions(request)() as session:
        raw, new = await store_raw(session, store, "api", delivery, identified)
        again = not new and _apply_again(raw)
        await session.commit()
        raw_id = raw.id
    if not new and not again:
        return _duplicate(raw_id)
    return await _process(request, store.id, raw_id, [canonical], 202)
