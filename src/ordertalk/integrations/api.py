"""`/webhooks/{source}/{store_id}` and `POST /v1/events`: verify, keep, answer, process."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

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
from ordertalk.integrations.service import RawState, apply_events, store_options, store_raw
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
    request: Request, store_id: str, raw_id: int, events: list[CommerceEvent]
) -> dict[str, Any]:
    """Apply in a second transaction: a failure here leaves the raw event kept and marked."""
    async with _sessions(request)() as session:
        store = await session.get(Store, store_id)
        raw = await session.get(RawEvent, raw_id)
        assert store is not None
        assert raw is not None
        try:
            outcome = await apply_events(session, store, raw, events, utcnow())
            await session.commit()
        except Exception as exc:
            await session.rollback()
            log.exception("processing raw event %s failed; kept for replay", raw_id)
            raw = await session.get(RawEvent, raw_id)
            assert raw is not None
            raw.state = RawState.FAILED
            raw.error = f"{type(exc).__name__}"
            await session.commit()
            # A 5xx makes the sender deliver it again, and a redelivery of a failed event is
            # processed again rather than answered as a duplicate: nothing is lost.
            raise Unavailable(
                f"event {raw_id} is kept but could not be processed now; deliver it again"
            ) from None
    if outcome.messages:
        _wake(request)
    return {
        "id": raw_id,
        "state": RawState.PARKED if outcome.parked else RawState.PROCESSED,
        "events": outcome.events,
        "milestones": outcome.milestones,
        "messages": outcome.messages,
    }


def _unfinished(raw: RawEvent) -> bool:
    """A kept event whose processing failed, or never finished (a crash): do it again."""
    if raw.state == RawState.FAILED:
        return True
    return raw.state == RawState.RECEIVED and raw.received_at < utcnow() - timedelta(minutes=1)


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
        retry = not new and _unfinished(raw)
        await session.commit()
        raw_id = raw.id
    if not new and not retry:
        return JSONResponse({"id": raw_id, "duplicate": True})
    return JSONResponse(await _process(request, store_id, raw_id, events))


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
        retry = not new and _unfinished(raw)
        await session.commit()
        raw_id = raw.id
    if not new and not retry:
        return JSONResponse({"id": raw_id, "duplicate": True})
    return JSONResponse(await _process(request, store.id, raw_id, [canonical]), status_code=202)
