"""Two status webhooks for one message applied at the same moment never move it backwards.

Meta sends `sent` and `delivered` within milliseconds, and two webhook requests can apply them
at once. Each reads the row, then writes it: if `delivered` commits between `sent`'s read and
its write, `sent` must not overwrite it. PostgreSQL serialises them with SELECT … FOR UPDATE;
SQLite ignores FOR UPDATE and its driver opens the transaction only at the first write, so the
status path takes SQLite's write lock before it reads.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ordertalk.contacts.service import upsert_contact
from ordertalk.db import create_engine, session_factory
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.statuses import apply_status
from ordertalk.stores.service import create_store
from tests.database import fresh_database
from tests.messaging.test_statuses import NOW, sent_message, status

pytestmark = pytest.mark.database

# How long `delivered` is given to commit while `sent` is read but not yet written. With the
# row locked it cannot (it waits for `sent` to commit); without the lock it commits at once.
GRACE_S = 0.5


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


async def test_a_status_read_before_another_commits_does_not_overwrite_it(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            store, _ = await create_store(session, name="Chai & Co", country="IN", language="en")
            contact = await upsert_contact(session, store, phone="+91 98765 43210")
            message = await sent_message(session, store, contact)
            await session.commit()

        async with sessions() as first:
            # `sent` is read and applied in memory, not yet written (as when the request awaits
            # something between its read and its flush)...
            with first.no_autoflush:
                assert await apply_status(first, store.id, status("sent", seconds=1), NOW)

            async def deliver() -> None:
                async with sessions() as second:
                    await apply_status(second, store.id, status("delivered", seconds=2), NOW)
                    await second.commit()

            # ...while `delivered` arrives on another connection.
            delivering = asyncio.create_task(deliver())
            await asyncio.sleep(GRACE_S)
            await first.commit()
            await asyncio.wait_for(delivering, timeout=30)

        async with sessions() as session:
            final = await session.get(OutboundMessage, message.id)
            assert final is not None
            assert final.state == "delivered"
            assert final.sent_at is not None
            assert final.delivered_at is not None
    finally:
        await engine.dispose()
