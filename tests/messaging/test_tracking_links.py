"""Short tracking links through the real dispatcher and sandbox: with a public URL, the shipped
message and the bot's where-is-my-order answer carry `{public_url}/t/{code}` (one link per
message, written before the message leaves, reused by a retry); without one, the carrier's link
as before."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from ordertalk.config import Settings
from ordertalk.db import utcnow
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import Dispatcher
from ordertalk.messaging.models import OutboundMessage
from ordertalk.web.models import TrackingLink
from tests.messaging.test_dispatcher import (
    PRIYA,
    Intercepted,
    InterceptedPool,
    Rig,
    cod_order,
    shipped,
)

pytestmark = pytest.mark.database

PUBLIC = "https://track.chai.example"
CARRIER = "https://www.delhivery.com/track/package/4210610508756"
SHORT = re.compile(re.escape(PUBLIC) + r"/t/([A-Za-z0-9_-]{12})")


def with_public_url(rig: Rig, pool: ClientPool | None = None) -> Dispatcher:
    return rig.dispatcher(
        pool or ClientPool(Settings(graph_base_url=rig.sandbox.url, public_url=PUBLIC))
    )


async def links(rig: Rig) -> list[TrackingLink]:
    async with rig.sessions() as session:
        return list(await session.scalars(select(TrackingLink).order_by(TrackingLink.id)))


async def the_message(rig: Rig, intent: str) -> OutboundMessage:
    async with rig.sessions() as session:
        message = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.intent == intent)
        )
        assert message is not None
        return message


def body_text(payload: dict[str, Any]) -> str:
    """Every text a payload carries (template parameters or a text body), joined."""
    if payload["type"] == "text":
        return str(payload["text"]["body"])
    parts = [
        p.get("text", "")
        for c in payload["template"].get("components", [])
        for p in c.get("parameters", [])
    ]
    return " ".join(parts)


async def test_a_shipped_message_carries_its_own_short_link(rig: Rig) -> None:
    rig.clock.now = now = utcnow()
    await rig.apply(cod_order(now - timedelta(hours=2)))
    await rig.apply(shipped(now - timedelta(minutes=1)))
    seen_before_answer: list[int] = []

    async def count_links(wamid: str) -> None:
        # The message has left (the sandbox holds it); its link's row must already be committed.
        async with rig.sessions() as session:
            seen_before_answer.append(
                int(await session.scalar(select(func.count(TrackingLink.id))) or 0)
            )

    settings = Settings(graph_base_url=rig.sandbox.url, public_url=PUBLIC)
    pool = InterceptedPool(settings, Intercepted(count_links, lose=False))
    assert await with_public_url(rig, pool).run_once() == 2

    message = await the_message(rig, "shipment_dispatched")
    assert message.state == "accepted"
    assert message.payload is not None
    sent = body_text(message.payload)
    match = SHORT.search(sent)
    assert match is not None, sent
    assert CARRIER not in sent
    [link] = await links(rig)
    assert (link.code, link.message_id, link.milestone) == (
        match.group(1),
        message.id,
        "dispatched",
    )
    assert link.shipment_id == message.entity_id
    assert link.order_id == message.order_id
    assert link.store_id == rig.store_id
    assert link.clicks == 0
    assert seen_before_answer[-1] == 1  # the COD request carried none; the shipped one did
    on_phone = [m for m in rig.sandbox.phone(PRIYA) if m["id"] == message.wamid]
    assert on_phone
    assert match.group(0) in str(on_phone[0])


async def test_a_retried_message_reuses_its_link(rig: Rig) -> None:
    rig.clock.now = now = utcnow()
    await rig.apply(cod_order(now - timedelta(hours=2)))
    await rig.apply(shipped(now - timedelta(minutes=1)))
    dispatcher = with_public_url(rig)
    rig.sandbox.faults(throughput_mps=0.01)  # 130429: both sends come back for a retry
    assert await dispatcher.run_once() == 2
    message = await the_message(rig, "shipment_dispatched")
    assert message.state == "scheduled"
    assert message.payload is not None
    first = SHORT.search(body_text(message.payload))
    assert first is not None

    rig.sandbox.faults()
    rig.clock.now = utcnow() + timedelta(minutes=5)
    assert await dispatcher.run_once() == 2
    message = await the_message(rig, "shipment_dispatched")
    assert message.state == "accepted"
    assert message.tries == 2
    assert message.payload is not None
    again = SHORT.search(body_text(message.payload))
    assert again is not None
    assert again.group(1) == first.group(1)
    assert len(await links(rig)) == 1


async def test_without_a_public_url_the_carriers_link_goes_as_before(rig: Rig) -> None:
    rig.clock.now = now = utcnow()
    await rig.apply(cod_order(now - timedelta(hours=2)))
    await rig.apply(shipped(now - timedelta(minutes=1)))
    assert await rig.dispatcher().run_once() == 2
    message = await the_message(rig, "shipment_dispatched")
    assert message.payload is not None
    assert CARRIER in body_text(message.payload)
    assert "/t/" not in body_text(message.payload)
    assert await links(rig) == []


async def _replied(rig: Rig) -> bool:
    async with rig.sessions() as session:
        found = await session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.intent == "reply")
        )
        return found is not None


@pytest.mark.parametrize("public", [True, False], ids=["public-url", "no-public-url"])
async def test_the_bots_where_is_my_order_answer_links_the_page(rig: Rig, public: bool) -> None:
    rig.clock.now = now = utcnow()
    await rig.apply(cod_order(now - timedelta(hours=2)))
    await rig.apply(shipped(now - timedelta(minutes=1)))
    dispatcher = with_public_url(rig) if public else rig.dispatcher()
    assert await dispatcher.run_once() == 2
    rig.sandbox.say(PRIYA, "where is my order?")
    await rig.wait(lambda: _replied(rig), "the bot's answer")
    rig.clock.now = utcnow()
    assert await dispatcher.run_once() == 1

    reply = await the_message(rig, "reply")
    assert reply.state == "accepted"
    assert reply.payload is not None
    text = body_text(reply.payload)
    shipped_links = [link for link in await links(rig) if link.message_id != reply.id]
    if not public:
        assert CARRIER in text
        assert "/t/" not in text
        assert await links(rig) == []
        return
    match = SHORT.search(text)
    assert match is not None, text
    assert CARRIER not in text
    [link] = [link for link in await links(rig) if link.message_id == reply.id]
    assert link.code == match.group(1)
    assert link.milestone == "dispatched"
    assert link.order_id == reply.order_id
    assert len(shipped_links) == 1
    assert shipped_links[0].code != link.code
