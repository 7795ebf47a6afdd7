"""End to end: a planned broadcast is sent by the dispatcher, as an approved marketing template in
each customer's language, to the sandbox's phones; a customer without consent gets nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ordertalk.broadcasts.planner import BroadcastPlanner
from ordertalk.broadcasts.schemas import BroadcastIn
from ordertalk.broadcasts.service import create_broadcast
from ordertalk.contacts.service import ConsentSource, record_consent, upsert_contact
from ordertalk.db import utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from tests.broadcasts.conftest import OFFER
from tests.messaging.test_dispatcher import Rig

pytestmark = pytest.mark.database

# WhatsApp id: (language, marketing consent; None: never asked)
CUSTOMERS = {
    "919876543210": ("hi", True),
    "14155552671": ("en", True),
    "5511987654321": ("pt_BR", None),
}


async def test_a_broadcast_reaches_each_consenting_customer_in_their_language(rig: Rig) -> None:
    async with rig.sessions() as session:
        store = await session.get(Store, rig.store_id)
        assert store is not None
        for wa_id, (language, marketing) in CUSTOMERS.items():
            contact = await upsert_contact(
                session, store, phone=f"+{wa_id}", name="Sam", language=language
            )
            if marketing:
                await record_consent(
                    session, contact, Purpose.MARKETING, True, ConsentSource.API, {}, utcnow()
                )
        request = BroadcastIn(template="offer", purpose="marketing", params=OFFER)
        broadcast, _ = await create_broadcast(session, store, request, None, utcnow())
        await session.commit()

    planned = await BroadcastPlanner(rig.sessions).plan(rig.store_id, broadcast.id)
    assert (planned.planned, planned.skipped) == (2, {"no_consent": 1})

    assert await rig.dispatcher().run_once() == 2

    async with rig.sessions() as session:
        messages = list(await session.scalars(select(OutboundMessage)))
    assert {(m.state, m.template_name, m.language) for m in messages} == {
        ("accepted", "ot_offer", "hi"),
        ("accepted", "ot_offer", "en"),
    }
    [hindi] = rig.sandbox.phone("919876543210")
    [english] = rig.sandbox.phone("14155552671")
    assert hindi["type"] == english["type"] == "template"
    assert rig.sandbox.phone("5511987654321") == []
    sent = {m.language: m.payload for m in messages}
    assert sent["en"] is not None
    texts = [p["text"] for c in sent["en"]["template"]["components"] for p in c["parameters"]]
    assert texts == ["Sam", "Chai & Co", OFFER["offer"], OFFER["shop_url"]]
