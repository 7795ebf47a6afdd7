"""`message.status` for merchants: one event per message and status that moved it forward (or
failed it for good), nothing for duplicates, and next to nothing on the hot path when no
endpoint of the store listens.

The end-to-end tests send through the real dispatcher to the sandbox and apply its status
webhooks (`rig.pump()`); the hot-path tests apply statuses directly and count the queries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import upsert_contact
from ordertalk.db import utcnow
from ordertalk.messaging.statuses import apply_status
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from ordertalk.webhooks_out import service as webhooks
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.models import WebhookDelivery
from tests.api_support import database_session
from tests.messaging.test_dispatcher import PRIYA, Rig, _is, cod_order
from tests.messaging.test_statuses import at, sent_message, status

pytestmark = pytest.mark.database

HOOK = "http://127.0.0.1:9/hooks"  # never called: these tests read the delivery rows


async def subscribe(
    session: AsyncSession, store: Store, events: list[WebhookEventType] | None = None
) -> None:
    await webhooks.create_endpoint(session, store, HOOK, events or [], allow_private=True)


async def status_events(session: AsyncSession) -> list[WebhookDelivery]:
    return list(
        await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.event_type == "message.status")
            .order_by(WebhookDelivery.id)
        )
    )


# --- through the sandbox --------------------------------------------------------------------------


@pytest.fixture
async def subscribed_rig(rig: Rig) -> Rig:
    async with rig.sessions() as session:
        store = await session.get(Store, rig.store_id)
        assert store is not None
        await subscribe(session, store, [WebhookEventType.MESSAGE_STATUS])
        await session.commit()
    return rig


async def test_each_status_is_announced_once_even_when_webhooks_repeat(
    subscribed_rig: Rig,
) -> None:
    rig = subscribed_rig
    rig.sandbox.faults(duplicate_ratio=1.0)  # every status webhook arrives twice
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    assert await rig.dispatcher().run_once() == 1
    await rig.wait(lambda: _is(rig.state_of(message_id), "read"), "the read status")
    message = await rig.message(message_id)
    rig.sandbox.receiver.wait_for(
        lambda r: r.statuses_of(message.wamid or "").count("read") >= 2, what="the duplicate read"
    )
    await rig.pump()  # the duplicates too

    async with rig.sessions() as session:
        rows = await status_events(session)
    said = [r.payload["data"]["status"] for r in rows]
    # Each at most once; `read` always (a `sent` arriving after `delivered` moves nothing).
    assert len(said) == len(set(said))
    assert "read" in said
    assert set(said) <= {"sent", "delivered", "read"}
    assert [r.event_id for r in rows] == [f"status-{message_id}-{s}" for s in said]
    data = rows[-1].payload["data"]
    assert data == {
        "message_id": message_id,
        "wamid": message.wamid,
        "intent": "cod_confirmation",
        "order_id": "5302002002",
        "status": "read",
        "at": data["at"],
        "error": None,
        "pricing_category": "utility",
        "contact_id": message.contact_id,
        "customer": "+91•••••3210",
    }
    assert PRIYA not in str([r.payload for r in rows])


async def test_a_failure_is_announced_with_its_error(subscribed_rig: Rig) -> None:
    rig = subscribed_rig
    response = rig.sandbox.control.put(f"/_sandbox/phones/{PRIYA}", json={"on_whatsapp": False})
    assert response.status_code == 200
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    assert await rig.dispatcher().run_once() == 1
    await rig.wait(lambda: _is(rig.state_of(message_id), "failed"), "the failed status")

    async with rig.sessions() as session:
        [row] = await status_events(session)
    assert row.event_id == f"status-{message_id}-failed"
    assert row.payload["data"]["status"] == "failed"
    assert row.payload["data"]["error"]["code"] == 131026
    assert row.payload["data"]["error"]["title"]


async def test_a_send_refused_for_good_is_announced_as_failed_too(subscribed_rig: Rig) -> None:
    rig = subscribed_rig
    async with rig.sessions() as session:
        store = await session.get(Store, rig.store_id)
        assert store is not None
        store.access_token = "a-revoked-token"  # every send is refused with 190
        await session.commit()
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))

    assert await rig.dispatcher().run_once() == 1

    assert await rig.state_of(message_id) == "failed"
    async with rig.sessions() as session:
        [row] = await status_events(session)
    assert row.payload["data"]["status"] == "failed"
    assert row.payload["data"]["error"]["code"] == 190
    assert "a-revoked-token" not in str(row.payload)


# --- the hot path ---------------------------------------------------------------------------------


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def store(session: AsyncSession) -> Store:
    store, _ = await create_store(session, name="Chai & Co", country="IN", language="en")
    return store


@pytest.fixture
async def contact(session: AsyncSession, store: Store) -> Contact:
    return await upsert_contact(session, store, phone="+91 98765 43210")


@pytest.fixture
def endpoint_queries(database_url: str) -> Iterator[list[str]]:
    """The SQL statements that read webhook endpoints, on every engine of this database."""
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM webhook_endpoints" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


async def forward_statuses(session: AsyncSession, store: Store, contact: Contact, n: int) -> None:
    """`n` messages, each taken through sent, delivered and read, in one transaction."""
    for i in range(n):
        wamid = f"wamid.HOT{i:04d}"
        await sent_message(session, store, contact, wamid=wamid, key=f"hot-{i}")
        for seconds, kind in enumerate(("sent", "delivered", "read")):
            assert await apply_status(
                session, store.id, status(kind, seconds=seconds, wamid=wamid), at(9)
            )


async def test_without_an_endpoint_a_webhook_of_statuses_reads_endpoints_once(
    session: AsyncSession, store: Store, contact: Contact, endpoint_queries: list[str]
) -> None:
    await forward_statuses(session, store, contact, 20)

    assert len(endpoint_queries) == 1  # 60 statuses, one lookup for the transaction
    assert await status_events(session) == []


async def test_an_endpoint_for_other_events_gets_no_status_events(
    session: AsyncSession, store: Store, contact: Contact, endpoint_queries: list[str]
) -> None:
    await subscribe(session, store, [WebhookEventType.RETURN_REQUESTED])
    await session.commit()
    endpoint_queries.clear()

    await forward_statuses(session, store, contact, 5)

    assert len(endpoint_queries) == 1
    assert await status_events(session) == []


async def test_with_an_endpoint_every_forward_status_is_queued_in_the_same_transaction(
    session: AsyncSession, store: Store, contact: Contact, endpoint_queries: list[str]
) -> None:
    await subscribe(session, store)
    await session.commit()
    endpoint_queries.clear()

    await forward_statuses(session, store, contact, 5)
    # Statuses that do not move a message forward announce nothing.
    for kind in ("delivered", "sent"):
        assert await apply_status(session, store.id, status(kind, wamid="wamid.HOT0000"), at(9))

    rows = await status_events(session)
    assert len(rows) == 15
    assert len(endpoint_queries) == 1
    await session.rollback()  # the statuses were not applied: neither were their events
    assert await status_events(session) == []
