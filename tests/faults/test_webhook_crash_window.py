"""A WhatsApp webhook kept but not applied when its applier died is applied once its lease
runs out, by whichever process comes next: never lost, never applied twice.

The endpoint answers 200 once the body is committed; an applier then claims it with a lease
(`lease_until`, one more attempt) and applies it. An applier killed in between leaves the body
kept, claimed and unapplied. Meta saw a 200 and will not deliver it again, so only the lease
brings it back: until it runs out nobody else touches it (the dead one might still be alive
and busy), after it another applier claims it and applies it.

The crash is played by doing what the endpoint and a claiming applier had done when it died.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.contacts.service import upsert_contact
from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.service import create_store
from ordertalk.whatsapp.signature import sign
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from ordertalk.whatsapp_webhooks.service import describe, keep
from tests.database import fresh_database
from tests.messaging.test_statuses import WAMID, sent_message
from tests.servers import ServerThread
from tests.webhook_support import until_applied_on

SECRET = "crash-app-secret"
NUMBER = "106540352242922"


@dataclass
class Api:
    url: str
    database_url: str
    message_id: int
    store_id: str


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """Ordertalk serving a store with one accepted message (no worker; its applier runs)."""
    database_url = fresh_database(tmp_path)

    async def arrange() -> int:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                store, _ = await create_store(
                    session,
                    name="Chai & Co",
                    country="IN",
                    language="en",
                    phone_number_id=NUMBER,
                    app_secret=SECRET,
                )
                contact = await upsert_contact(session, store, phone="+91 98765 43210")
                message = await sent_message(session, store, contact)
                await session.commit()
                return message.id, store.id
        finally:
            await engine.dispose()

    message_id, store_id = asyncio.run(arrange())
    server = ServerThread(create_app(Settings(database_url=database_url, worker=False))).start()
    try:
        yield Api(server.url, database_url, message_id, store_id)
    finally:
        server.stop()


def delivered_webhook() -> bytes:
    """Meta's `delivered` status for the message, as it would post it."""
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": NUMBER,
                                },
                                "statuses": [
                                    {
                                        "id": WAMID,
                                        "status": "delivered",
                                        "timestamp": "1767225600",
                                        "recipient_id": "919876543210",
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


async def claimed_then_died(api: Api, raw: bytes, lease_left: timedelta) -> None:
    """What the endpoint and an applier had done when the applier died: the body kept and
    claimed with a lease that runs out `lease_left` from now, nothing applied."""
    engine = create_engine(api.database_url)
    try:
        async with session_factory(engine)() as session:
            [kept] = await keep(session, [describe(raw, frozenset({api.store_id}))])
            assert kept.new
            await session.execute(
                update(WhatsAppWebhookEvent)
                .where(WhatsAppWebhookEvent.id == kept.id)
                .values(attempts=1, lease_until=utcnow() + lease_left)
            )
            await session.commit()
    finally:
        await engine.dispose()


async def event_of(api: Api) -> WhatsAppWebhookEvent:
    engine = create_engine(api.database_url)
    try:
        async with session_factory(engine)() as session:
            event = await session.scalar(select(WhatsAppWebhookEvent))
            assert event is not None
            return event
    finally:
        await engine.dispose()


async def state(database_url: str, message_id: int) -> str:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            message = await session.get(OutboundMessage, message_id)
            assert message is not None
            return message.state
    finally:
        await engine.dispose()


def deliver(api: Api, raw: bytes) -> httpx.Response:
    headers = {"X-Hub-Signature-256": sign(SECRET, raw), "Content-Type": "application/json"}
    return httpx.post(f"{api.url}/webhooks/whatsapp", content=raw, headers=headers, timeout=10)


async def test_a_body_whose_applier_died_is_applied_once_its_lease_runs_out(api: Api) -> None:
    raw = delivered_webhook()
    await claimed_then_died(api, raw, lease_left=timedelta(seconds=3))

    # Leased: the API's own applier leaves it to the (dead) one holding it...
    await asyncio.sleep(1.5)
    assert await state(api.database_url, api.message_id) == "accepted"
    # ...until the lease runs out; then it is claimed again and applied, once.
    await until_applied_on(api.database_url, within=20)
    assert await state(api.database_url, api.message_id) == "delivered"
    event = await event_of(api)
    assert event.processed_at is not None
    assert event.attempts == 2  # the dead applier's claim, and the one that applied it


async def test_a_redelivery_of_a_kept_body_is_a_duplicate_and_applied_once(api: Api) -> None:
    raw = delivered_webhook()
    await claimed_then_died(api, raw, lease_left=timedelta(seconds=-1))

    again = deliver(api, raw)

    # Kept already, so acknowledged: the applier owes it, not Meta.
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    await until_applied_on(api.database_url, within=20)
    assert await state(api.database_url, api.message_id) == "delivered"
    assert (await event_of(api)).attempts == 2
