"""Two webhooks carrying statuses of the same messages in opposite orders are both applied on
PostgreSQL: neither is aborted as a deadlock.

Meta batches statuses, and a redelivered batch is regrouped with others, so two webhooks can
name the same messages in different orders; the dispatcher recording a batch holds its rows in
id order while a webhook names them in any. Taking the rows' locks one by one as the statuses
come, each could hold a row the other waits for: PostgreSQL aborts one ("deadlock detected"),
its webhook is answered 503 and its statuses arrive late, late enough for a send whose answer
was lost to be resent. (Seen in the worker-crash test: 210 aborted webhooks, 3 messages sent
twice.) A webhook takes its rows' locks in id order before applying anything.

The race is made certain: a third transaction holds both rows while the two webhooks start,
so both are waiting when it lets go. Always on PostgreSQL (SQLite has one writer at a time).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from ordertalk.contacts.service import upsert_contact
from ordertalk.db import create_engine, session_factory
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.service import create_store
from ordertalk.whatsapp.webhooks import parse_webhook
from ordertalk.whatsapp_webhooks.process import process_webhook
from tests.faults.rig import postgres_database
from tests.messaging.test_statuses import sent_message

NUMBER = "106540352242922"
# Long enough for both webhooks to be waiting on the held rows before they are let go.
SETTLE_S = 1.0


def webhook(*statuses: tuple[str, str]) -> bytes:
    """One webhook with these (wamid, status) pairs, in this order."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
        "statuses": [
            {"id": wamid, "status": kind, "timestamp": "1767225600", "recipient_id": "91987"}
            for wamid, kind in statuses
        ],
    }
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1022", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


async def test_webhooks_naming_the_same_messages_in_opposite_orders_both_apply() -> None:
    async with postgres_database() as url:
        engine = create_engine(url)
        sessions = session_factory(engine)
        try:
            async with sessions() as session:
                store, _ = await create_store(
                    session, name="Chai & Co", country="IN", language="en", phone_number_id=NUMBER
                )
                contact = await upsert_contact(session, store, phone="+91 98765 43210")
                first = await sent_message(session, store, contact, wamid="wamid.A", key="a")
                second = await sent_message(session, store, contact, wamid="wamid.B", key="b")
                await session.commit()
            ids = sorted([first.id, second.id])

            async def apply(raw: bytes) -> None:
                async with sessions() as session:
                    await process_webhook(session, parse_webhook(raw), {store.id})
                    await session.commit()

            async with sessions() as holder:
                await holder.execute(
                    select(OutboundMessage.id).where(OutboundMessage.id.in_(ids)).with_for_update()
                )
                forwards = asyncio.create_task(
                    apply(webhook(("wamid.A", "sent"), ("wamid.B", "sent")))
                )
                backwards = asyncio.create_task(
                    apply(webhook(("wamid.B", "delivered"), ("wamid.A", "delivered")))
                )
                await asyncio.sleep(SETTLE_S)
                assert not forwards.done()
                assert not backwards.done()
                await holder.commit()
            results = await asyncio.wait_for(
                asyncio.gather(forwards, backwards, return_exceptions=True), timeout=30
            )
            assert list(results) == [None, None], results

            async with sessions() as session:
                states = set(
                    await session.scalars(
                        select(OutboundMessage.state).where(OutboundMessage.id.in_(ids))
                    )
                )
            assert states == {"delivered"}
        finally:
            await engine.dispose()
