"""`/v1/broadcasts`: one template to many of the store's contacts, planned into the outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.broadcasts import service
from ordertalk.broadcasts.planner import BroadcastPlanner
from ordertalk.broadcasts.schemas import BroadcastIn, BroadcastOut
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.errors import ErrorResponse
from ordertalk.stores.deps import StoreDep, StoreReleasedDep

router = APIRouter(prefix="/v1/broadcasts", tags=["broadcasts"])

# Ids are 32-bit on PostgreSQL: a larger one is a 422, not a database error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Retrying with the same key plans the same broadcast again: anyone "
        "planned already is not planned twice.",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": BroadcastOut, "description": "The Idempotency-Key's broadcast, replanned"},
        409: {
            "model": ErrorResponse,
            "description": "`template_not_approved` (in none of its languages) or "
            "`idempotency_conflict` (the key was used for another broadcast)",
        },
        422: {
            "model": ErrorResponse,
            "description": "`template_not_broadcastable`, or a param, audience or time refused",
        },
    },
)
async def create_broadcast(
    body: BroadcastIn,
    store: StoreReleasedDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> BroadcastOut:
    """Plan a template to the audience now; the answer counts the contacts planned and those
    skipped, by reason (no consent, opted out, not on WhatsApp, marketing cap, ...)."""
    # The planner commits a chunk at a time: this route opens its own sessions.
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        broadcast, created = await service.create_broadcast(
            session, store, body, idempotency_key, utcnow()
        )
        await session.commit()
    planned = await BroadcastPlanner(sessions).plan(store.id, broadcast.id)
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()
    if not created:
        response.status_code = status.HTTP_200_OK
    return BroadcastOut.of(planned)


@router.get("/{broadcast_id}")
async def read_broadcast(broadcast_id: Id, store: StoreDep, session: SessionDep) -> BroadcastOut:
    """One of the store's broadcasts, with its counts."""
    return BroadcastOut.of(await service.get_broadcast(session, store.id, broadcast_id))
