"""`StoreDep`: the store whose API key is in the request's `Authorization: Bearer` header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.deps import SessionDep
from ordertalk.stores.models import Store
from ordertalk.stores.service import authenticate


async def current_store(request: Request, session: SessionDep) -> Store:
    """The authenticated store (401 on a missing, malformed, unknown or revoked key)."""
    return await authenticate(session, request.headers.get("authorization"))


StoreDep = Annotated[Store, Depends(current_store)]


async def store_then_release(request: Request) -> Store:
    """The authenticated store, read in a short session of its own that is closed before the
    route runs: for routes that open their own sessions. Holding a pooled connection for the
    whole request while asking for another deadlocks under load (every request holds one and
    waits for a second until the pool times out)."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with factory() as session:
        return await authenticate(session, request.headers.get("authorization"))


StoreReleasedDep = Annotated[Store, Depends(store_then_release)]
