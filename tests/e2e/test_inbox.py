"""The inbox end to end, played through the sandbox: a customer asks for a person, an agent
takes the conversation and answers, the customer's phone shows the answer; a day later a
free-form reply is refused with the templates that fit, one of them reaches the phone; the
agent resolves and the bot answers the customer again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from ordertalk.contacts.models import Contact
from ordertalk.db import create_engine, session_factory, utcnow
from tests.e2e.harness import Shop, wait_for

pytestmark = pytest.mark.database

ASHA = "919876543210"  # Shopify order 5302002002 (COD, India, checkout in Hindi)
ORDER = "5302002002"


def not_templates(shop: Shop, count: int) -> list[dict[str, Any]]:
    """The phone's free-form messages (bot and agent), once there are `count`."""
    return wait_for(
        lambda: [m for m in shop.sandbox.phone(ASHA) if m["type"] != "template"],
        lambda found: len(found) >= count,
    )


def templates(shop: Shop, count: int) -> list[str]:
    """The template names on the phone, once there are `count`."""
    found: list[dict[str, Any]] = wait_for(
        lambda: [m for m in shop.sandbox.phone(ASHA) if m["type"] == "template"],
        lambda found: len(found) >= count,
    )
    return [m["template"]["name"] for m in found]


async def _a_day_passes(database_url: str, store_id: str, wa_id: str) -> None:
    """Ordertalk's view of time: the customer's last message now dates from 25 hours ago.

    (The sandbox's clock is left alone: moving it would date the customer's next message, and
    the bot's answer to it, a day ahead of Ordertalk's clock.)
    """
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await session.execute(
                update(Contact)
                .where(Contact.store_id == store_id, Contact.wa_id == wa_id)
                .values(last_inbound_at=utcnow() - timedelta(hours=25))
            )
    finally:
        await engine.dispose()


def test_an_agent_answers_inside_the_window_and_with_a_template_after_it(shop: Shop) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER)
    shop.step("shopify", "fulfillments_create_in", ORDER)
    assert templates(shop, 2) == ["ot_cod_confirmation", "ot_shipment_dispatched"]

    # The customer asks for a person; the bot hands over and says so.
    shop.sandbox.say(ASHA, "I want to talk to a person")
    [handoff] = not_templates(shop, 1)
    waiting = shop.get("/v1/conversations", state="waiting")["conversations"]
    [conversation] = [c for c in waiting if c["phone_masked"] == "+91•••••3210"]
    cid = conversation["id"]
    assert conversation["last_message"]["text"] == handoff["text"]  # the bot's, just now

    # An agent takes it and answers; the phone shows the answer.
    api, auth = shop.api, shop.auth
    assigned = api.post(f"/v1/conversations/{cid}/assign", headers=auth, json={"assignee": "Ravi"})
    assert assigned.status_code == 200, assigned.text
    reply = "Namaste Asha, Ravi here. Your parcel left our warehouse yesterday."
    sent = api.post(
        f"/v1/conversations/{cid}/messages", headers=auth, json={"text": reply, "author": "Ravi"}
    )
    assert sent.status_code == 202, sent.text
    assert not_templates(shop, 2)[1]["text"] == reply
    detail = wait_for(
        lambda: shop.get(f"/v1/conversations/{cid}"),
        lambda d: d["messages"][-1]["status"] in ("sent", "delivered", "read"),
    )
    assert (detail["messages"][-1]["author"], detail["state"]) == ("Ravi", "agent")
    assert detail["window_open"] is True

    # A day later the window has closed: free-form is refused, the fitting template offered.
    asyncio.run(_a_day_passes(shop.database_url, shop.store_id, ASHA))
    late = api.post(
        f"/v1/conversations/{cid}/messages",
        headers=auth,
        json={"text": "Did it arrive?", "author": "Ravi"},
    )
    assert late.status_code == 409, late.text
    error = late.json()["error"]
    assert error["code"] == "window_closed"
    assert "within 24 hours of the customer's last message" in error["message"]
    [offer] = error["templates"]
    assert (offer["template"], offer["language"], offer["order_id"]) == (
        "shipment_dispatched",
        "hi",
        ORDER,
    )
    template = api.post(
        f"/v1/conversations/{cid}/templates",
        headers=auth | {"Idempotency-Key": "ravi-dispatched-1"},
        json={"template": offer["template"], "order_id": ORDER, "author": "Ravi"},
    )
    assert template.status_code == 202, template.text
    assert templates(shop, 3)[2] == "ot_shipment_dispatched"
    assert len(not_templates(shop, 2)) == 2  # nothing free-form went out

    # Resolved: the bot answers the customer's next message again.
    resolved = api.post(f"/v1/conversations/{cid}/resolve", headers=auth)
    assert resolved.json()["state"] == "resolved", resolved.text
    shop.sandbox.say(ASHA, "mera order kahan hai?")
    answer = not_templates(shop, 3)[2]
    assert "https://www.delhivery.com/track/package/4210610508756" in answer["text"]
    final = shop.get(f"/v1/conversations/{cid}")
    # The customer's message gave the bot the conversation, in the transaction that queued the
    # answer the phone shows.
    assert final["state"] == "bot"
    assert [m["author"] for m in final["messages"] if m["direction"] == "out"][-3:-1] == [
        "Ravi",
        "Ravi",
    ]
