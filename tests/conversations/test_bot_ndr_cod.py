"""A missed delivery (reattempt on a day, a new address, cancel) and a cash-on-delivery order
(confirm, cancel after asking twice) as the customer answers them in chat (service level, on
SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Shipment, TimelineEntry
from ordertalk.conversations.turn import MAX_RETRIES
from ordertalk.messaging.context import locale_for
from tests.api_support import database_session
from tests.conversations.chat import (
    ASHA,
    JAVIER,
    LUCAS,
    RAVI,
    T0,
    Chat,
    Shop,
    new_shop,
    said,
)
from tests.database import fresh_database

pytestmark = pytest.mark.database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def shop(session: AsyncSession) -> Shop:
    return await new_shop(session)


async def _customer_actions(shop: Shop, order_id: int) -> list[tuple[str | None, str, str | None]]:
    rows = await shop.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.order_id == order_id, TimelineEntry.outcome == "customer_action")
        .order_by(TimelineEntry.id)
    )
    return [(row.raw_status, row.source, row.detail) for row in rows]


# --- 3. a missed delivery ----------------------------------------------------------------


class Missed:
    """A customer whose parcel the courier could not deliver an hour ago."""

    def __init__(self, order: Order, parcel: Shipment, chat: Chat, who: tuple[str, str]) -> None:
        self.order_id = order.id
        self.label = order.name or ""
        self.parcel = parcel
        self.parcel_id = parcel.id
        self.ref = f"{order.external_id}/{parcel.id}"  # as the NDR template's buttons carry it
        self.chat = chat
        self.phone, self.language = who

    def say(self, key: str, **values: str) -> str:
        return said(key, self.language, order=self.label, **values)

    async def shipment(self, shop: Shop) -> Shipment:
        return await shop.fresh(self.parcel)


async def missed(shop: Shop, who: tuple[str, str] = ASHA, number: str = "2041") -> Missed:
    order = await shop.order(number, who)
    parcel = await shop.parcel(order, Milestone.DELIVERY_ATTEMPT_FAILED, at=T0 - timedelta(hours=1))
    return Missed(order, parcel, await shop.chat(order), who)


@pytest.mark.parametrize(
    ("who", "tomorrow"),
    [
        (ASHA, date(2026, 11, 4)),  # 01:30 on Tuesday the 3rd in India
        (LUCAS, date(2026, 11, 3)),  # 17:00 on Monday the 2nd in São Paulo
    ],
)
async def test_a_reattempt_is_booked_on_a_day_picked_from_the_next_five(
    shop: Shop, who: tuple[str, str], tomorrow: date
) -> None:
    ndr = await missed(shop, who)
    [days] = await ndr.chat.press(f"ndr:reattempt:{ndr.ref}")
    assert days.kind == "list"
    assert days.text == ndr.say("ndr_pick_date")
    offered = [tomorrow + timedelta(days=n) for n in range(5)]
    assert days.row_ids == [f"ndr:day:{ndr.parcel_id}:{day.isoformat()}" for day in offered]

    [done] = await ndr.chat.pick(days.row_ids[2], days.rows[2][1])
    when = format_date(offered[2], "full", locale=locale_for(ndr.language, ndr.phone))
    assert done.text == ndr.say("ndr_reattempt_done", date=when)
    shipment = await ndr.shipment(shop)
    assert (shipment.ndr_action, shipment.reattempt_on) == ("reattempt", offered[2])
    assert shipment.ndr_action_at == ndr.chat.now
    assert shipment.milestone == "delivery_attempt_failed"  # the carrier moves it, not the chat
    assert await _customer_actions(shop, ndr.order_id) == [
        ("customer:ndr_reattempt", "chat", offered[2].isoformat())
    ]
    [event] = await shop.sent("shipment.ndr_action")
    assert (event["shipment_id"], event["action"], event["reattempt_on"], event["source"]) == (
        ndr.parcel_id,
        "reattempt",
        offered[2].isoformat(),
        "chat",
    )
    assert event["order_external_id"] == "2041"
    assert event["attempts"] == 1
    assert (await ndr.chat.conversation()).flow is None


async def test_a_day_that_was_not_offered_is_not_booked(shop: Shop) -> None:
    ndr = await missed(shop)
    [days] = await ndr.chat.press(f"ndr:reattempt:{ndr.ref}")
    for day in ("2026-11-03", "2026-11-09", "2027-01-01", "someday", ""):  # today, 6 days on…
        [again] = await ndr.chat.pick(f"ndr:day:{ndr.parcel_id}:{day}")
        assert again.row_ids == days.row_ids, day
    shipment = await ndr.shipment(shop)
    assert (shipment.ndr_action, shipment.reattempt_on) == (None, None)
    assert await shop.sent("shipment.ndr_action") == []


@pytest.mark.parametrize(("who", "second"), [(RAVI, "2"), (ASHA, "२")])
async def test_a_typed_number_picks_that_day_and_others_are_asked_again(
    shop: Shop, who: tuple[str, str], second: str
) -> None:
    ndr = await missed(shop, who)
    await ndr.chat.press(f"ndr:reattempt:{ndr.ref}")
    for not_a_day in ("9", "²"):  # five days were offered; "²" is a digit, not a number
        [again] = await ndr.chat.say(not_a_day)
        assert again.text == ndr.say("pick_from_list")
    [done] = await ndr.chat.say(second)
    when = format_date(date(2026, 11, 5), "full", locale=locale_for(ndr.language, ndr.phone))
    assert done.text == ndr.say("ndr_reattempt_done", date=when)
    shipment = await ndr.shipment(shop)
    assert shipment.reattempt_on == date(2026, 11, 5)


async def test_the_day_list_gives_up_with_the_menu_after_repeated_nonsense(shop: Shop) -> None:
    ndr = await missed(shop, RAVI)
    await ndr.chat.press(f"ndr:reattempt:{ndr.ref}")
    for _ in range(MAX_RETRIES):
        [again] = await ndr.chat.say("hmm")
        assert again.text == ndr.say("pick_from_list")
    [menu] = await ndr.chat.say("hmm")
    assert menu.is_menu("en")
    assert (await ndr.chat.conversation()).flow is None
    assert (await ndr.shipment(shop)).ndr_action is None


async def test_a_new_address_must_look_like_one_then_is_confirmed(shop: Shop) -> None:
    ndr = await missed(shop, RAVI)
    [ask] = await ndr.chat.press(f"ndr:address:{ndr.ref}")
    assert ask.text == ndr.say("ndr_ask_address")
    for not_an_address in ("Flat 12 MG", "MG Road near the big temple, Bengaluru"):
        [again] = await ndr.chat.say(not_an_address)  # too short; no house or postal number
        assert again.text == ndr.say("ndr_bad_address")
    address = "Flat 12,  3rd Cross, MG Road, Bengaluru 560001"
    [confirm] = await ndr.chat.say(address)
    shown = "Flat 12, 3rd Cross, MG Road, Bengaluru 560001"
    assert confirm.text == ndr.say("ndr_confirm_address", address=shown)
    assert confirm.button_ids == [
        f"ndr:addr_yes:{ndr.parcel_id}",
        f"ndr:addr_change:{ndr.parcel_id}",
    ]
    assert (await ndr.shipment(shop)).ndr_action is None  # not before the customer says yes
    [done] = await ndr.chat.tap(confirm.button_ids[0])
    assert done.text == ndr.say("ndr_address_done")
    shipment = await ndr.shipment(shop)
    assert (shipment.ndr_action, shipment.delivery_address) == ("address", {"text": shown})
    [event] = await shop.sent("shipment.ndr_action")
    assert (event["action"], event["address"]) == ("address", {"text": shown})
    assert await _customer_actions(shop, ndr.order_id) == [("customer:ndr_address", "chat", None)]


async def test_a_question_at_the_address_step_is_answered_not_taken_for_an_address(
    shop: Shop,
) -> None:
    ndr = await missed(shop, RAVI)
    await ndr.chat.press(f"ndr:address:{ndr.ref}")
    [answer] = await ndr.chat.say("where is my order?")
    assert answer.text != ndr.say("ndr_bad_address")
    assert "#" in answer.text  # the order's live status
    assert (await ndr.chat.conversation()).flow is None


async def test_a_location_pin_is_an_address_but_a_photo_or_an_impossible_pin_is_not(
    shop: Shop,
) -> None:
    ndr = await missed(shop, ASHA)
    await ndr.chat.press(f"ndr:address:{ndr.ref}")
    [again] = await ndr.chat.image("media-door-photo")
    assert again.text == ndr.say("ndr_bad_address")
    [again] = await ndr.chat.location(91.5, 77.59)  # no such latitude
    assert again.text == ndr.say("ndr_bad_address")
    [confirm] = await ndr.chat.location(12.9716, 77.5946, name="Home", address="MG Road")
    assert confirm.text == ndr.say("ndr_confirm_address", address="Home MG Road")
    [done] = await ndr.chat.say("haan")  # typed yes confirms as well as the button
    assert done.text == ndr.say("ndr_address_done")
    shipment = await ndr.shipment(shop)
    assert shipment.delivery_address == {
        "text": "Home MG Road",
        "latitude": 12.9716,
        "longitude": 77.5946,
    }


async def test_the_address_step_gives_up_with_the_menu_after_repeated_bad_answers(
    shop: Shop,
) -> None:
    ndr = await missed(shop, RAVI)
    await ndr.chat.press(f"ndr:address:{ndr.ref}")
    for _ in range(MAX_RETRIES):
        [again] = await ndr.chat.say("home")
        assert again.text == ndr.say("ndr_bad_address")
    [menu] = await ndr.chat.location("north", "east")
    assert menu.is_menu("en")
    conversation = await ndr.chat.conversation()
    assert (conversation.flow, conversation.flow_state) == (None, {})
    assert (await ndr.shipment(shop)).ndr_action is None


async def test_cancelling_a_delivery_is_asked_twice_and_no_keeps_it(shop: Shop) -> None:
    ndr = await missed(shop, ASHA)
    [really] = await ndr.chat.press(f"ndr:cancel:{ndr.ref}")
    assert really.text == ndr.say("ndr_confirm_cancel")
    assert really.button_ids == [f"ndr:cancel_yes:{ndr.parcel_id}", f"ndr:keep:{ndr.parcel_id}"]
    [kept] = await ndr.chat.say("nahi")
    assert kept.text == ndr.say("ndr_kept")
    assert (await ndr.shipment(shop)).ndr_action is None
    assert (await ndr.chat.conversation()).flow is None
    assert await shop.sent("shipment.ndr_action") == []

    await ndr.chat.press(f"ndr:cancel:{ndr.ref}")
    [done] = await ndr.chat.tap(really.button_ids[0])
    assert done.text == ndr.say("ndr_cancel_done")
    assert (await ndr.shipment(shop)).ndr_action == "cancel"
    assert [e["action"] for e in await shop.sent("shipment.ndr_action")] == ["cancel"]


async def test_a_parcel_delivered_meanwhile_can_no_longer_be_changed(shop: Shop) -> None:
    ndr = await missed(shop, JAVIER)
    [days] = await ndr.chat.press(f"ndr:reattempt:{ndr.ref}")
    order = await shop.session.get_one(Order, ndr.order_id, populate_existing=True)
    await shop.parcel(order, Milestone.DELIVERED, at=T0 + timedelta(minutes=1))
    [closed] = await ndr.chat.pick(days.row_ids[0])
    assert closed.text == ndr.say("ndr_closed")
    for payload in (f"ndr:reattempt:{ndr.ref}", f"ndr:address:{ndr.ref}", f"ndr:cancel:{ndr.ref}"):
        [closed] = await ndr.chat.press(payload)
        assert closed.text == ndr.say("ndr_closed")
    shipment = await ndr.shipment(shop)
    assert (shipment.milestone, shipment.ndr_action) == ("delivered", None)
    assert await shop.sent("shipment.ndr_action") == []
    assert (await ndr.chat.conversation()).flow is None


# --- 4. cash on delivery -------------------------------------------------------------------


@pytest.mark.parametrize(("who", "yes"), [(ASHA, "haan"), (JAVIER, "sí"), (RAVI, "yes")])
async def test_a_typed_yes_confirms_a_cod_order(shop: Shop, who: tuple[str, str], yes: str) -> None:
    order = await shop.order("2041", who, cod=True)
    chat = await shop.chat(order)
    [reply] = await chat.say(yes)
    assert reply.text == said("cod_confirmed", who[1], order="#2041")
    order = await shop.fresh(order)
    assert (order.cod_decision, order.cod_decided_at) == ("confirmed", chat.now)
    [event] = await shop.sent("order.cod_decision")
    assert (event["order_external_id"], event["decision"], event["source"]) == (
        "2041",
        "confirmed",
        "chat",
    )
    assert await _customer_actions(shop, order.id) == [("customer:cod_confirmed", "chat", None)]


async def test_cancel_is_asked_again_and_the_second_yes_cancels(shop: Shop) -> None:
    order = await shop.order("2041", RAVI, cod=True)
    chat = await shop.chat(order)
    [really] = await chat.say("cancel")
    assert really.text == said("cod_confirm_cancel", "en", order="#2041")
    assert really.button_ids == ["cod:cancel_yes:2041", "cod:keep:2041"]
    assert (await shop.fresh(order)).cod_decision is None
    assert await shop.sent("order.cod_decision") == []
    [done] = await chat.say("yes")
    assert done.text == said("cod_cancelled", "en", order="#2041")
    assert (await shop.fresh(order)).cod_decision == "cancelled"
    assert [e["decision"] for e in await shop.sent("order.cod_decision")] == ["cancelled"]


async def test_the_templates_cancel_button_then_keep_confirms(shop: Shop) -> None:
    order = await shop.order("2041", ASHA, cod=True)
    chat = await shop.chat(order)
    [really] = await chat.press("cod:cancel:2041")
    assert really.text == said("cod_confirm_cancel", "hi", order="#2041")
    [kept] = await chat.tap(really.button_ids[1])
    assert kept.text == said("cod_confirmed", "hi", order="#2041")
    assert (await shop.fresh(order)).cod_decision == "confirmed"


async def test_a_prepaid_order_has_nothing_to_confirm(shop: Shop) -> None:
    order = await shop.order("2041", RAVI)
    chat = await shop.chat(order)
    [reply] = await chat.press("cod:confirm:2041")
    assert reply.text == said("cod_not_cod", "en", order="#2041")
    assert (await shop.fresh(order)).cod_decision is None
    assert await shop.sent("order.cod_decision") == []


async def test_a_confirmed_order_is_confirmed_once(shop: Shop) -> None:
    order = await shop.order("2041", ASHA, cod=True)
    chat = await shop.chat(order)
    [first] = await chat.press("cod:confirm:2041")
    assert first.text == said("cod_confirmed", "hi", order="#2041")
    [second] = await chat.press("cod:confirm:2041")
    assert second.text == said("cod_already_confirmed", "hi", order="#2041")
    [late] = await chat.tap("cod:cancel_yes:2041")  # an old "really cancel?" button
    assert late.text == said("cod_already_confirmed", "hi", order="#2041")
    assert (await shop.fresh(order)).cod_decision == "confirmed"
    assert len(await shop.sent("order.cod_decision")) == 1


async def test_a_cod_order_already_on_its_way_can_no_longer_be_changed(shop: Shop) -> None:
    order = await shop.order("2041", ASHA, cod=True)
    await shop.parcel(order, Milestone.DISPATCHED, at=T0 - timedelta(hours=5))
    chat = await shop.chat(order)
    [tapped] = await chat.press("cod:confirm:2041")
    assert tapped.text == said("cod_closed", "hi", order="#2041")
    [typed] = await chat.say("haan")  # nothing waits for a yes any more: the menu
    assert typed.text == said("menu", "hi")
    [cancel] = await chat.say("cancel kar do")  # a person can still try to stop the parcel
    assert cancel.text.startswith(said("cancel_handoff", "hi", order="#2041"))
    assert (await shop.fresh(order)).cod_decision is None
    assert await shop.sent("order.cod_decision") == []


async def test_the_answer_to_really_cancel_goes_to_the_order_asked_about(shop: Shop) -> None:
    older = await shop.order("2041", RAVI, cod=True, at=T0 - timedelta(days=2))
    newer = await shop.order("2042", RAVI, cod=True, at=T0 - timedelta(days=1))
    chat = await shop.chat(older)
    [really] = await chat.press("cod:cancel:2041")  # the older order's template
    assert really.text == said("cod_confirm_cancel", "en", order="#2041")
    [done] = await chat.say("yes")
    assert done.text == said("cod_cancelled", "en", order="#2041")
    assert (await shop.fresh(older)).cod_decision == "cancelled"
    assert (await shop.fresh(newer)).cod_decision is None
    assert [e["order_external_id"] for e in await shop.sent("order.cod_decision")] == ["2041"]


async def test_cancelling_another_order_by_number_is_not_taken_for_the_cod_one(
    shop: Shop,
) -> None:
    await shop.order("2040", RAVI, at=T0 - timedelta(days=2))  # prepaid
    pending = await shop.order("2041", RAVI, cod=True, at=T0 - timedelta(days=1))
    chat = await shop.chat(pending)
    [reply] = await chat.say("cancel order #2040")
    assert reply.text == said("cancel_handoff", "en", order="#2040")
    assert (await chat.conversation()).state == "waiting"
    assert (await shop.fresh(pending)).cod_decision is None
    assert await shop.sent("order.cod_decision") == []
