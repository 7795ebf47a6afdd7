"""Kept WhatsApp webhooks are applied in the background: once each, in batches, in any process.

`/webhooks/whatsapp` answers as soon as the body is committed (many requests share a commit);
appliers in `serve` and `worker` claim unapplied events with a lease, apply a batch in one
transaction and mark it applied. An event that fails is set aside with its error and tried
again later, without holding up the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ordertalk.contacts.service import upsert_contact
from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.whatsapp.signature import sign
from ordertalk.whatsapp_webhooks.applier import ApplierConfig, WebhookApplier
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from ordertalk.whatsapp_webhooks.service import Incoming, describe, keep
from ordertalk.whatsapp_webhooks.signers import Signers
from tests.api_support import ApiClient, api_client, new_store
from tests.database import fresh_database
from tests.messaging.test_statuses import sent_message

pytestmark = pytest.mark.database

NUMBER = "106540352242922"
SECRET = "applier-app-secret"


def status_webhook(wamid: str, kind: str = "delivered") -> bytes:
    status = {
        "id": wamid,
        "status": kind,
        "timestamp": str(int(time.time())),
        "recipient_id": "919876543210",
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
        "statuses": [status],
    }
    change = {"field": "messages", "value": value}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "W1", "changes": [change]}]}
    return json.dumps(body).encode()


def unreadable(raw: bytes, store_id: str) -> Incoming:
    """A body kept by an earlier version that this one can no longer read (describe() would
    refuse it now, so it is built by hand)."""
    return Incoming(
        raw=raw,
        digest=hashlib.sha256(raw).hexdigest(),
        signers=frozenset({store_id}),
        phone_number_id=NUMBER,
        fields="messages",
        statuses=0,
        messages=0,
    )


def signed(raw: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(secret, raw), "Content-Type": "application/json"}


@dataclass
class Shop:
    client: ApiClient
    store_id: str
    message_ids: list[int]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def shop(database_url: str) -> AsyncIterator[Shop]:
    """A store with its own app secret and five accepted messages, served with its applier."""
    async with api_client(database_url, worker=False) as client:
        store_id, _ = await new_store(client, phone_number_id=NUMBER, app_secret=SECRET)
        async with client.sessions() as session:
            store = await session.get(Store, store_id)
            assert store is not None
            ids = []
            for n in range(5):
                contact = await upsert_contact(session, store, phone=f"+91 98765 4321{n}")
                message = await sent_message(
                    session, store, contact, wamid=f"wamid.applier-{n}", key=f"m{n}"
                )
                ids.append(message.id)
            await session.commit()
        yield Shop(client, store_id, ids)


async def states(shop: Shop) -> list[str]:
    async with shop.client.sessions() as session:
        rows = await session.scalars(
            select(OutboundMessage.state)
            .where(OutboundMessage.id.in_(shop.message_ids))
            .order_by(OutboundMessage.id)
        )
        return list(rows)


async def events(shop: Shop) -> list[WhatsAppWebhookEvent]:
    async with shop.client.sessions() as session:
        return list(await session.scalars(select(WhatsAppWebhookEvent).order_by("id")))


async def test_a_status_is_acknowledged_when_kept_and_applied_a_moment_later(shop: Shop) -> None:
    raw = status_webhook("wamid.applier-0")

    answer = await shop.client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": True, "duplicate": False, "id": answer.json()["id"]}
    await shop.client.applied()
    assert (await states(shop))[0] == "delivered"
    [event] = await events(shop)
    assert event.signers == [shop.store_id]
    assert event.processed_at is not None
    assert (event.attempts, event.error) == (1, None)


async def test_many_webhooks_at_once_are_each_kept_once_and_all_applied(shop: Shop) -> None:
    bodies = [
        status_webhook(f"wamid.applier-{n}", kind)
        for n in range(5)
        for kind in ("sent", "delivered", "read")
    ]
    # Every body twice, all at once: they share commits, and each pair is one kept event.
    answers = await asyncio.gather(
        *(
            shop.client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
            for raw in bodies + bodies
        )
    )

    assert {a.status_code for a in answers} == {200}
    ids = [a.json()["id"] for a in answers]
    assert ids[: len(bodies)] == ids[len(bodies) :]  # a body's deliveries name one event
    assert len(set(ids)) == len(bodies)
    assert sum(not a.json()["duplicate"] for a in answers) == len(bodies)
    await shop.client.applied()
    assert await states(shop) == ["read"] * 5
    assert all(e.processed_at is not None for e in await events(shop))


async def test_an_event_that_fails_is_set_aside_and_does_not_hold_up_the_others(
    shop: Shop,
) -> None:
    # A body kept by an earlier version that this one can no longer read, between two good ones.
    broken = b'{"object": "whatsapp_business_account", "entry": "not a list"}'
    applier = WebhookApplier(shop.client.sessions, config=ApplierConfig(poll_interval=60))
    async with shop.client.sessions() as session:
        await keep(
            session,
            [
                describe(status_webhook("wamid.applier-1"), frozenset({shop.store_id})),
                unreadable(broken, shop.store_id),
                describe(status_webhook("wamid.applier-2"), frozenset({shop.store_id})),
            ],
        )
        await session.commit()
    before = utcnow()

    await shop.client.applied()  # the API's own applier runs too; either may take them

    assert (await states(shop))[1:3] == ["delivered", "delivered"]
    good, bad, other = await events(shop)
    assert good.processed_at is not None
    assert other.processed_at is not None
    assert bad.processed_at is None
    assert bad.error == "WebhookParseError"
    assert bad.lease_until is not None
    assert bad.lease_until > before  # tried again later
    assert await applier.run_once() == 0  # not before its back-off is over


async def test_two_appliers_claim_each_event_once(shop: Shop) -> None:
    async with shop.client.sessions() as session:
        await keep(
            session,
            [
                describe(status_webhook(f"wamid.unknown-{n}"), frozenset({shop.store_id}))
                for n in range(60)
            ],
        )
        await session.commit()
    config = ApplierConfig(batch=7, poll_interval=60)
    first = WebhookApplier(shop.client.sessions, config=config)
    second = WebhookApplier(shop.client.sessions, config=config)

    async def drain(applier: WebhookApplier) -> int:
        handled = 0
        while claimed := await applier.run_once():
            handled += claimed
        return handled

    counts = await asyncio.gather(drain(first), drain(second), shop.client.applied())

    kept = await events(shop)
    assert len(kept) == 60
    assert all(e.processed_at is not None for e in kept)
    assert {e.attempts for e in kept} == {1}  # nobody claimed an event another had
    assert counts[0] + counts[1] <= 60


async def test_a_webhook_signed_with_a_stores_new_secret_is_accepted_at_once(
    shop: Shop,
) -> None:
    raw = status_webhook("wamid.applier-3")
    first = await shop.client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
    assert first.status_code == 200  # the store's secret is now cached
    async with shop.client.sessions() as session:
        store = await session.get(Store, shop.store_id)
        assert store is not None
        store.app_secret = "rotated-secret"
        await session.commit()

    raw = status_webhook("wamid.applier-4")
    rotated = await shop.client.post(
        "/webhooks/whatsapp", content=raw, headers=signed(raw, "rotated-secret")
    )

    assert rotated.status_code == 200, rotated.text
    await shop.client.applied()
    assert (await states(shop))[4] == "delivered"


async def test_a_rotated_out_secret_is_refused_once_the_cache_is_older_than_its_ttl(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    now = [0.0]
    signers = Signers(ttl=5, clock=lambda: now[0])
    try:
        async with sessions() as session:
            store_id, _ = await new_store(session, phone_number_id=NUMBER, app_secret="old")
            await session.commit()
        raw = status_webhook("wamid.x")
        assert await signers.find(sessions, raw, sign("old", raw), None) == (
            frozenset({store_id}),
            True,
        )
        async with sessions() as session:
            store = await session.get(Store, store_id)
            assert store is not None
            store.app_secret = "new"
            await session.commit()

        now[0] = 4.9  # within the TTL the old secret still passes...
        assert (await signers.find(sessions, raw, sign("old", raw), None))[1] is True
        now[0] = 5.1  # ...and no longer after it
        assert await signers.find(sessions, raw, sign("old", raw), None) == (frozenset(), False)
        assert (await signers.find(sessions, raw, sign("new", raw), None))[1] is True
    finally:
        await engine.dispose()


async def test_the_number_of_kept_events_matches_the_distinct_bodies(shop: Shop) -> None:
    raw = status_webhook("wamid.applier-0")
    for _ in range(3):
        answer = await shop.client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
        assert answer.status_code == 200
    async with shop.client.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WhatsAppWebhookEvent)) == 1
    await shop.client.applied()
    [event] = await events(shop)
    assert event.processed_at is not None
    assert event.attempts == 1  # applied once, however often it was delivered


async def test_an_event_that_failed_many_times_is_never_given_up(shop: Shop) -> None:
    broken = b'{"object": "whatsapp_business_account", "entry": 7}'
    async with shop.client.sessions() as session:
        await keep(
            session,
            [
                describe(status_webhook("wamid.applier-0"), frozenset({shop.store_id})),
                unreadable(broken, shop.store_id),
            ],
        )
        # Both failed 50 times already (the first, say, while a bug was deployed).
        for event in await session.scalars(select(WhatsAppWebhookEvent)):
            event.attempts, event.error = 50, "RuntimeError"
        await session.commit()
    before = utcnow()

    def tried_again(event: WhatsAppWebhookEvent) -> bool:
        # Applied, or failed again with this attempt's own error (a claim alone changes neither).
        return event.processed_at is not None or event.error == "WebhookParseError"

    # Their errors say they are set aside: wait for the applier to have tried both again.
    deadline = time.monotonic() + 15
    while not all(tried_again(e) for e in await events(shop)):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)

    good, bad = sorted(await events(shop), key=lambda e: e.body == broken)
    assert good.processed_at is not None  # claimed again, and applied now that it can be
    assert (await states(shop))[0] == "delivered"
    assert bad.processed_at is None
    assert bad.attempts == 51
    assert bad.lease_until is not None
    # Tried again within the back-off's cap of 5 minutes, however many times it failed.
    assert before < bad.lease_until <= utcnow() + timedelta(minutes=5)
