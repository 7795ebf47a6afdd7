"""Planning a broadcast: who gets a message, who is skipped and why, and never anyone twice.

A broadcast plans one outbox row per contact the send gate would let the message reach (marketing
consent given, on WhatsApp, under the weekly marketing cap, the template approved in their
language) and counts every other contact under its reason. Planning is chunked and resumable:
the same broadcast planned again, or in chunks of any size, writes the same rows once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from ordertalk.broadcasts.models import Broadcast
from ordertalk.broadcasts.planner import BroadcastPlanner
from ordertalk.broadcasts.service import (
    IdempotencyConflict,
    TemplateNotApproved,
    TemplateNotBroadcastable,
    get_broadcast,
)
from ordertalk.contacts.models import Contact
from ordertalk.db import utcnow
from ordertalk.errors import InvalidInput, NotFound
from ordertalk.messaging.context import render_context
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import enqueue
from ordertalk.policy.decisions import Form, Purpose
from ordertalk.stores.models import Store
from ordertalk.templates.render import choose_language, render
from tests.api_support import new_store
from tests.broadcasts.conftest import OFFER, Shop

pytestmark = pytest.mark.database


async def test_only_customers_who_agreed_to_marketing_are_planned(shop: Shop) -> None:
    agreed = await shop.customer(marketing=True)
    await shop.customer(marketing=None)  # never asked
    await shop.customer(marketing=False)  # said no
    stopped = await shop.customer(marketing=True)
    await shop.stop(stopped)

    broadcast = await shop.broadcast()

    assert [m.contact_id for m in await shop.messages(broadcast.id)] == [agreed]
    assert broadcast.state == "planned"
    assert (broadcast.audience_size, broadcast.planned) == (4, 1)
    assert broadcast.skipped == {"no_consent": 1, "opted_out": 2}


async def test_a_number_not_on_whatsapp_is_skipped(shop: Shop) -> None:
    reachable = await shop.customer()
    gone = await shop.customer()
    await shop.unreachable(gone)

    broadcast = await shop.broadcast()

    assert [m.contact_id for m in await shop.messages(broadcast.id)] == [reachable]
    assert broadcast.skipped == {"not_on_whatsapp": 1}


async def test_a_customer_at_the_weekly_marketing_cap_is_skipped(shop: Shop) -> None:
    fresh = await shop.customer()
    capped = await shop.customer()
    async with shop.sessions() as session:
        for week_day in range(2):  # the store's cap: 2 marketing messages a week
            message = await enqueue(
                session,
                store_id=shop.store_id,
                contact_id=capped,
                intent="offer",
                purpose=Purpose.MARKETING,
                dedup_key=f"earlier:{week_day}",
                not_before=utcnow(),
            )
            assert message is not None
            message.accepted_at = utcnow() - timedelta(days=week_day + 1)
        await session.commit()

    broadcast = await shop.broadcast()

    assert [m.contact_id for m in await shop.messages(broadcast.id)] == [fresh]
    assert broadcast.skipped == {"marketing_cap": 1}


async def test_a_template_approved_in_no_language_refuses_the_broadcast(shop: Shop) -> None:
    await shop.customer()
    await shop.template("back_in_stock", status="PENDING")

    with pytest.raises(TemplateNotApproved) as refused:
        await shop.broadcast(
            template="back_in_stock",
            params={"product": "Assam gift box", "shop_url": "https://chai.example/assam"},
        )

    assert refused.value.status_code == 409
    assert refused.value.details["statuses"]["en"] == "PENDING"
    assert await shop.outbox_size() == 0


async def test_a_contact_whose_language_is_not_approved_is_skipped(shop: Shop) -> None:
    await shop.template("offer", status="PAUSED", languages=("hi",))
    english = await shop.customer(language="en")
    await shop.customer(language="hi")

    broadcast = await shop.broadcast()

    assert [m.contact_id for m in await shop.messages(broadcast.id)] == [english]
    assert broadcast.skipped == {"template_not_approved": 1}


@pytest.mark.parametrize(
    ("body", "refusal", "words"),
    [
        ({"template": "shipment_dispatched"}, TemplateNotBroadcastable, "needs an order"),
        ({"template": "no_such_template"}, TemplateNotBroadcastable, "needs an order"),
        ({"purpose": "utility"}, InvalidInput, "send it as marketing"),
        ({"params": {"offer": "20% off"}}, InvalidInput, "needs params ['shop_url']"),
        ({"params": OFFER | {"coupon": "X"}}, InvalidInput, "not: coupon"),
        ({"params": OFFER | {"shop_url": "chai.example"}}, InvalidInput, "not an http(s) link"),
        ({"params": OFFER | {"offer": "x" * 201}}, InvalidInput, "at most 200"),
        ({"audience": {"language": "xx_YY_ZZ"}}, InvalidInput, "not a known locale"),
        ({"audience": {"country": "ZZ"}}, InvalidInput, "not a known ISO 3166"),
    ],
)
async def test_a_request_a_broadcast_cannot_honour_is_refused_with_its_reason(
    shop: Shop, body: dict[str, object], refusal: type[Exception], words: str
) -> None:
    await shop.customer()

    with pytest.raises(refusal) as refused:
        await shop.broadcast(**body)

    assert words in str(refused.value)
    assert await shop.outbox_size() == 0


async def test_times_must_make_sense(shop: Shop) -> None:
    now = utcnow()
    with pytest.raises(InvalidInput, match="more than 90 days ahead"):
        await shop.broadcast(not_before=now + timedelta(days=91))
    with pytest.raises(InvalidInput, match="after not_before"):
        await shop.broadcast(not_before=now + timedelta(days=2), expires_at=now + timedelta(days=1))


async def test_each_message_is_written_in_the_customers_language(shop: Shop) -> None:
    hindi = await shop.customer(language="hi", name="प्रिया")
    portuguese = await shop.customer(language="pt_BR", name="Ana")
    later = utcnow() + timedelta(hours=3)

    broadcast = await shop.broadcast(not_before=later, expires_at=later + timedelta(days=1))

    # What the dispatcher will send, rendered from the planned rows as it renders them.
    texts = {}
    async with shop.sessions() as session:
        store = await shop.store(session)
        for message in await shop.messages(broadcast.id):
            contact = await session.get(Contact, message.contact_id)
            assert contact is not None
            assert message.intent == "offer"
            assert message.purpose == "marketing"
            assert message.not_before == later
            assert message.params["expires_at"] == (later + timedelta(days=1)).isoformat()
            language = choose_language(message.intent, [contact.language, store.language])
            ctx = await render_context(session, store, contact, message)
            texts[contact.id] = render(message.intent, Form.TEMPLATE, language, ctx).preview
    assert texts[hindi].startswith("नमस्ते प्रिया, आपके लिए Chai & Co की ओर से")
    assert "20% off the monsoon collection" in texts[hindi]
    assert texts[portuguese].startswith("Olá Ana! A loja Chai & Co tem uma novidade")
    assert "https://chai.example/monsoon" in texts[portuguese]


async def test_values_that_no_longer_render_skip_each_contact_never_fail_the_broadcast(
    shop: Shop,
) -> None:
    await shop.customer()
    await shop.customer()
    first = await shop.broadcast(key="monsoon")
    assert first.planned == 2
    # A row kept by an older version, whose link this one would refuse.
    async with shop.sessions() as session:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == first.id)
            .values(params={"offer": OFFER["offer"], "shop_url": "ftp://chai.example"})
        )
        await session.commit()
    newcomer = await shop.customer()

    again = await BroadcastPlanner(shop.sessions).plan(shop.store_id, first.id)

    assert again.skipped == {"render_failed": 3}
    assert again.planned == 2
    assert newcomer not in [m.contact_id for m in await shop.messages(first.id)]


async def test_planning_the_same_broadcast_again_plans_nobody_twice(shop: Shop) -> None:
    first_ids = [await shop.customer() for _ in range(3)]
    await shop.customer(marketing=None)
    first = await shop.broadcast(key="monsoon-2026")
    newcomer = await shop.customer()

    again = await shop.broadcast(key="monsoon-2026")

    assert again.id == first.id
    assert [m.contact_id for m in await shop.messages(first.id)] == [*first_ids, newcomer]
    assert await shop.outbox_size() == 4
    assert (again.audience_size, again.planned, again.already_planned) == (5, 4, 3)
    assert again.skipped == {"no_consent": 1}


async def test_an_idempotency_key_names_one_broadcast_only(shop: Shop) -> None:
    await shop.broadcast(key="monsoon")

    with pytest.raises(IdempotencyConflict):
        await shop.broadcast(key="monsoon", params=OFFER | {"offer": "30% off"})


async def test_chunks_of_any_size_plan_the_same_rows_once(shop: Shop) -> None:
    consenting = []
    for i in range(11):
        if i % 4 == 3:
            await shop.customer(marketing=None)  # skipped, whichever chunk holds it
        else:
            consenting.append(await shop.customer())

    small = await shop.broadcast(chunk=3)
    exact = await shop.broadcast(chunk=11)
    one = await shop.broadcast(chunk=1)

    for broadcast in (small, exact, one):
        planned = [m.contact_id for m in await shop.messages(broadcast.id)]
        assert planned == consenting
        assert (broadcast.audience_size, broadcast.planned) == (11, 9)
        assert broadcast.skipped == {"no_consent": 2}


async def test_the_audience_filters_by_language_and_country(shop: Shop) -> None:
    hindi = await shop.customer(language="hi")
    await shop.customer(language="en")
    american = await shop.customer(phone="+12015550123")
    await shop.customer(phone="+16135550123")  # Ottawa: +1 as well, but Canada

    by_language = await shop.broadcast(audience={"language": "hi"})
    by_country = await shop.broadcast(audience={"country": "us"})

    assert [m.contact_id for m in await shop.messages(by_language.id)] == [hindi]
    assert [m.contact_id for m in await shop.messages(by_country.id)] == [american]
    assert by_country.audience == {"country": "US"}
    assert by_country.audience_size == 1


async def test_a_broadcast_reaches_only_its_own_stores_contacts(shop: Shop) -> None:
    mine = await shop.customer()
    async with shop.sessions() as session:
        other_store, _ = await new_store(session, name="Other Shop")
        await session.commit()
    await shop.customer(store_id=other_store)

    broadcast = await shop.broadcast()

    messages = await shop.messages(broadcast.id)
    assert [(m.contact_id, m.store_id) for m in messages] == [(mine, shop.store_id)]
    async with shop.sessions() as session:
        with pytest.raises(NotFound):
            await get_broadcast(session, other_store, broadcast.id)
        assert (await get_broadcast(session, shop.store_id, broadcast.id)).id == broadcast.id
        assert await session.get(Store, other_store) is not None


async def test_planned_rows_wait_in_the_outbox_for_the_dispatcher(shop: Shop) -> None:
    contact = await shop.customer()

    broadcast = await shop.broadcast()

    [message] = await shop.messages(broadcast.id)
    assert isinstance(message, OutboundMessage)
    assert (message.state, message.tries, message.wamid) == ("scheduled", 0, None)
    assert message.dedup_key == f"broadcast:{broadcast.id}:{contact}"
    assert message.params["values"] == OFFER
    assert (message.order_id, message.entity, message.milestone) == (None, None, None)
