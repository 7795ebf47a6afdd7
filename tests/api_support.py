"""Calling Ordertalk's HTTP API in-process, and making stores to call it as.

async with api_client(fresh_database(tmp_path)) as client:
    store_id, key = await new_store(client, country="IN")
    response = await client.get("/v1/store", headers=auth(key))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ordertalk.models  # noqa: F401  (every table known, so fresh_database drops them all)
from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.stores.service import create_store

BASE_URL = "http://ordertalk.test"


class ApiClient(httpx.AsyncClient):
    """An httpx client bound to one in-process app; `sessions` opens the app's own database."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        self.app = app

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The app's session factory (built by its lifespan)."""
        factory: async_sessionmaker[AsyncSession] = self.app.state.sessions
        return factory

    async def applied(self) -> None:
        """Wait until the WhatsApp webhooks posted so far are applied (see webhook_support)."""
        from tests.webhook_support import until_applied

        await until_applied(self.sessions)


@asynccontextmanager
async def api_client(database_url: str, **settings: Any) -> AsyncIterator[ApiClient]:
    """The app on `database_url` (already migrated), its lifespan running, and a client for it."""
    # Imported here so that service-level tests using this module do not build the whole app.
    from ordertalk.app import create_app

    app = create_app(Settings(database_url=database_url, **settings))
    async with app.router.lifespan_context(app), ApiClient(app) as client:
        yield client


@asynccontextmanager
async def database_session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on `database_url` for service-level tests; the caller commits if it wants to."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def auth(api_key: str) -> dict[str, str]:
    """The headers that authenticate as the store owning `api_key`."""
    return {"Authorization": f"Bearer {api_key}"}


async def new_store(client_or_session: ApiClient | AsyncSession, **kw: Any) -> tuple[str, str]:
    """A new store (defaults: "Test Store", IN, en; `kw` as for `create_store`): (id, API key).

    Given a session, the store is flushed in the caller's transaction; given a client, it is
    committed through the app's own database so requests can see it at once.
    """
    fields: dict[str, Any] = {"name": "Test Store", "country": "IN", "language": "en"} | kw
    if isinstance(client_or_session, AsyncSession):
        store, key = await create_store(client_or_session, **fields)
        return store.id, key
    async with client_or_session.sessions() as session, session.begin():
        store, key = await create_store(session, **fields)
    return store.id, key
