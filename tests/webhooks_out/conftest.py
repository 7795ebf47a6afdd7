"""Fixtures for outgoing webhooks: a real receiver over HTTP, a database, a store, a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.stores.models import Store
from tests.api_support import new_store
from tests.database import fresh_database
from tests.servers import ServerThread
from tests.webhooks_out.receiver import HookReceiver


class Clock:
    """The sender's idea of now: the real time until a test moves it."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or utcnow()

    def freeze(self) -> datetime:
        """Stop at the current time; that time."""
        self.now = utcnow()
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward (freezing first if needed); the new now."""
        self.now = (self.now or utcnow()) + timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def hook_server() -> Iterator[tuple[HookReceiver, ServerThread]]:
    """One receiver for the whole run (reset before each test that uses it)."""
    receiver = HookReceiver()
    server = ServerThread(receiver.app()).start()
    yield receiver, server
    server.stop()


@pytest.fixture
def hooks(hook_server: tuple[HookReceiver, ServerThread]) -> HookReceiver:
    """The receiver, emptied and answering 200."""
    receiver, _ = hook_server
    receiver.reset()
    return receiver


@pytest.fixture
def hook_url(hook_server: tuple[HookReceiver, ServerThread]) -> str:
    """The receiver's base URL (http://127.0.0.1:PORT): a loopback address."""
    return hook_server[1].url


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession]) -> Store:
    """A committed store."""
    async with sessions() as session:
        store_id, _ = await new_store(session)
        await session.commit()
        found = await session.get(Store, store_id)
        assert found is not None
        return found


@pytest.fixture
def clock() -> Clock:
    return Clock()
