"""A WhatsApp webhook kept but not applied when the API died is applied on a redelivery, never
acknowledged as a duplicate and lost.

The endpoint keeps the raw body (commit), then applies it in a second transaction. An API
killed in between leaves the body kept and unapplied; Meta, which saw no answer, delivers it
again within seconds. Answering that redelivery 200 "duplicate" would end Meta's retries with
the statuses never applied. While the kept body may still be being applied by another request
(less than a minute old), the redelivery is answered 503 so Meta tries again later; after
that, it is applied.

The crash is played by doing what the endpoint does up to the moment it died (the body kept,
nothing applied); the minute by moving the kept body's arrival back.
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
from sqlalchemy import select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.contacts.service import upsert_contact
from ordertalk.db import create_engine, session_factory
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.service import create_store
from ordertalk.whatsapp.signature import sign
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from ordertalk.whatsapp_webhooks.service import record_webhook
from tests.database import fresh_database
from tests.messaging.test_statuses import WAMID, sent_message
from tests.servers import ServerThread

SECRET = "crash-app-secret"
NUMBER = "106540352242922"


@dataclass
class Api:
    url: str
    database_url: str
    message_id: int


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """Ordertalk serving a store with one accepted message (no worker)."""
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
                return message.id
        finally:
            await engine.dispose()

    message_id = asyncio.run(arrange())
    server = ServerThread(create_app(Settings(database_url=database_url, worker=False))).start()
    try:
        yield Api(server.url, database_url, message_id)
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


async def keep_unapplied(database_url: str, raw: bytes) -> None:
    """What the endpoint had done when it died: the body kept, nothing applied."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            _, new = await record_webhook(session, raw)
            assert new
            await session.commit()
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


async def test_a_redelivery_of_a_body_the_api_died_applying_is_not_acknowledged_unapplied(
    api: Api,
) -> None:
    raw = delivered_webhook()
    await keep_unapplied(api.database_url, raw)

    again = deliver(api, raw)
    # Not "duplicate, 200": the statuses were never applied, so Meta must try again.
    assert again.status_code == 503, again.text
    assert await state(api.database_url, api.message_id) == "accepted"

    # A minute on, nobody is applying it any more: the next redelivery applies it.
    engine = create_engine(api.database_url)
    try:
        async with session_factory(engine)() as session:
            for event in await session.scalars(select(WhatsAppWebhookEvent)):
                event.received_at -= timedelta(minutes=2)
            await session.commit()
    finally:
        await engine.dispose()
    later = deliver(api, raw)
    assert later.status_code == 200, later.text
    assert later.json()["processed"] is True
    assert await state(api.database_url, api.message_id) == "delivered"

    # Applied once: from now on a redelivery is the duplicate it looks like.
    last = deliver(api, raw)
    assert last.status_code == 200, last.text
    assert last.json()["duplicate"] is True
