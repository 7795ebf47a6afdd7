"""The bot's routing as a customer meets it: the menu for anything it can't read, never acting on
someone else's order, flows dropped after silence, the handoff, catalog carts, the store's FAQ
and redelivered webhooks (service level, on SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import DraftOrder, Feedback, Order, Return, Shipment
from ordertalk.conversations.faq import FaqItem, FaqList, save_faq
from ordertalk.conversations.models import ConversationMessage
from ordertalk.messaging.context import locale_for
from ordertalk.messaging.models import OutboundMessage
from tests.api_support import database_session
from tests.conversations.chat import (
    ASHA,
    DEWI,
    EMMA,
    JAVIER,
    LUCAS,
    RAVI,
    T0,
    Chat,
    Shop,
    item,
    new_shop,
    said,
)
from tests.database import fresh_database

pytestmark = pytest.mark.database

CUSTOMERS = {"en": EMMA, "hi": ASHA, "es": JAVIER, "pt": LUCAS, "id": DEWI}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def shop(session: AsyncSession) -> Shop:
    return await new_shop(session, endpoint=False)


async def replies_queued(shop: Shop) -> int:
    return await shop.count(OutboundMessage, OutboundMessage.intent == "reply")


# --- 1. anything the bot can't read gets the menu ----------------------------------------


def _noise(length: int, seed: int) -> str:
    """Random characters from several scripts, emoji and punctuation (no digits: a number
    would rightly be read as an order number)."""
    pool = (
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "अआइकखगघचछजटठडणतथदधनपफबभमयरलवशसह"
        "ñáéíóúãõçü¿¡"
        "😀🎉🙏📦🚚❤️✨"
        "!?.,;:-_()[]{}@#$%^&*~     \n\t"
    )
    rng = random.Random(seed)
    return "".join(rng.choice(pool) for _ in range(length))


GARBAGE = [
    "asdf qwerty",
    "🙏🙏🎉😀",
    _noise(4000, seed=7),
    "\x00",
    "ab\x00cd\x00\x00 ef",
]


@pytest.mark.parametrize("language", ["en", "hi", "es", "pt", "id"])
async def test_anything_unreadable_gets_the_menu_in_the_customers_language(
    shop: Shop, language: str
) -> None:
    chat = await shop.chat(CUSTOMERS[language])
    for text in GARBAGE:
        [reply] = await chat.say(text)
        assert reply.is_menu(language), (text[:40], reply)
    conversation = await chat.conversation()
    assert (conversation.state, conversation.flow) == ("bot", None)
    stored = await shop.count(ConversationMessage, ConversationMessage.direction == "in")
    assert stored == len(GARBAGE)  # every message kept, none lost to the odd characters


async def test_a_photo_out_of_the_blue_gets_the_media_menu(shop: Shop) -> None:
    chat = await shop.chat(JAVIER)
    [reply] = await chat.image("media-1")
    assert reply.is_menu("es", "menu_media")


FORGED_IDS = [
    "ndr:",
    "ndr:reattempt",
    "ndr:reattempt:2041/",
    "ndr:reattempt:2041/99999999999",
    "ndr:day:99999999999:2026-11-04",
    "ndr:teleport:2041/1",
    "cod:",
    "cod:confirm:",
    "cod:explode:2041",
    "fb:score:99999999999:5",
    "fb:score:1:11",
    "fb:score:x:5",
    "fb:",
    "ret:order:99999999999",
    "ret:order:-1",
    "ret:order:²",
    "fb:score:²:5",
    "fb:score:1:²",
    "ndr:reattempt:2041/²",
    "ndr:day:²:2026-11-04",
    "menu:nothing",
    "zzz",
]


async def test_a_malformed_or_forged_button_id_never_breaks_the_bot(shop: Shop) -> None:
    await shop.order("2041", ASHA, cod=True)
    chat = await shop.chat(ASHA)
    for reply_id in FORGED_IDS:
        [reply] = await chat.tap(reply_id)
        assert reply.is_menu("hi"), reply_id
        assert (await chat.conversation()).flow is None


# --- 2. never someone else's order -----------------------------------------------------


async def test_taps_naming_another_customers_order_change_nothing_and_get_the_menu(
    shop: Shop,
) -> None:
    await shop.endpoint()
    theirs = await shop.order("3001", RAVI, cod=True)
    parcel = await shop.parcel(
        theirs, Milestone.DELIVERY_ATTEMPT_FAILED, at=T0 - timedelta(hours=2)
    )
    delivered = await shop.order("3002", RAVI, items=[item("Kettle"), item("Cups")])
    await shop.parcel(delivered, Milestone.DELIVERED, at=T0 - timedelta(days=2))
    mine = await shop.order("2041", ASHA)
    await shop.parcel(mine, Milestone.DELIVERED, at=T0 - timedelta(days=1))
    chat = await shop.chat(mine)
    tomorrow = (T0 + timedelta(days=2)).date().isoformat()
    ref = f"{theirs.external_id}/{parcel.id}"

    for tapped in (
        chat.press(f"ndr:reattempt:{ref}"),
        chat.press(f"ndr:address:{ref}"),
        chat.press(f"ndr:cancel:{ref}"),
        chat.pick(f"ndr:day:{parcel.id}:{tomorrow}"),
        chat.tap(f"ndr:cancel_yes:{parcel.id}"),
        chat.tap(f"ndr:addr_yes:{parcel.id}"),
        chat.press(f"cod:confirm:{theirs.external_id}"),
        chat.press(f"cod:cancel:{theirs.external_id}"),
        chat.tap(f"cod:cancel_yes:{theirs.external_id}"),
        chat.pick(f"fb:score:{delivered.id}:2"),
        chat.pick(f"ret:order:{delivered.id}"),
    ):
        [reply] = await tapped
        assert reply.is_menu("hi"), reply
        assert (await chat.conversation()).flow is None

    await shop.session.refresh(parcel)
    await shop.session.refresh(theirs)
    assert (parcel.ndr_action, parcel.reattempt_on, parcel.delivery_address) == (None, None, None)
    assert theirs.cod_decision is None
    assert await shop.count(Feedback) == 0
    assert await shop.count(Return) == 0
    for event in ("shipment.ndr_action", "order.cod_decision", "feedback.received"):
        assert await shop.sent(event) == []


async def test_a_list_row_naming_another_customers_order_mid_return_gets_the_menu(
    shop: Shop,
) -> None:
    theirs = await shop.order("3002", RAVI)
    await shop.parcel(theirs, Milestone.DELIVERED, at=T0 - timedelta(days=2))
    their_row = f"ret:order:{theirs.id}"
    for number, days in (("2041", 1), ("2042", 3)):
        mine = await shop.order(number, ASHA)
        await shop.parcel(mine, Milestone.DELIVERED, at=T0 - timedelta(days=days))
    chat = await shop.chat(ASHA)
    [orders] = await chat.say("I want to return my order")
    assert len(orders.rows) == 2
    [reply] = await chat.pick(their_row)
    assert reply.is_menu("hi")
    assert await shop.count(Return) == 0


async def test_an_order_number_of_another_customer_is_not_found(shop: Shop) -> None:
    await shop.order("3001", RAVI, cod=True)
    await shop.order("2041", ASHA)
    chat = await shop.chat(ASHA)
    for text in ("where is my order #3001", "cancel order #3001", "3001"):
        [reply] = await chat.say(text)
        assert reply.text == said("unknown_order", "hi", order="3001"), text
    conversation = await chat.conversation()
    assert conversation.state == "bot"  # a cancel for an order not theirs is not handed over
    [mine] = await chat.say("where is my order #2041")
    assert mine.text.startswith("ऑर्डर #2041:")


# --- 7. silence mid-flow ---------------------------------------------------------------


async def _failed_parcel(shop: Shop) -> tuple[Order, Shipment, Chat]:
    order = await shop.order("2041", RAVI)
    parcel = await shop.parcel(order, Milestone.DELIVERY_ATTEMPT_FAILED, at=T0 - timedelta(hours=1))
    return order, parcel, await shop.chat(order)


async def test_a_flow_left_for_more_than_half_an_hour_is_dropped(shop: Shop) -> None:
    order, parcel, chat = await _failed_parcel(shop)
    [days] = await chat.press(f"ndr:reattempt:{order.external_id}/{parcel.id}")
    assert days.kind == "list"
    assert (await chat.conversation()).flow == "ndr"
    chat.later(minutes=31)
    [reply] = await chat.say("2")  # would have picked a day half an hour ago
    assert reply.is_menu("en")
    conversation = await chat.conversation()
    assert (conversation.flow, conversation.flow_state, conversation.flow_expires_at) == (
        None,
        {},
        None,
    )
    await shop.session.refresh(parcel)
    assert parcel.ndr_action is None
    [booked] = await chat.pick(days.row_ids[0])  # the list's rows name their day: still good
    assert booked.text.startswith("Done: the courier will deliver order #2041 again")


async def test_a_flow_answered_within_half_an_hour_goes_on(shop: Shop) -> None:
    order, parcel, chat = await _failed_parcel(shop)
    await chat.press(f"ndr:reattempt:{order.external_id}/{parcel.id}")
    chat.later(minutes=29)
    [reply] = await chat.say("2")
    assert reply.kind == "text"
    assert "#2041" in reply.text
    await shop.session.refresh(parcel)
    assert parcel.ndr_action == "reattempt"


# --- 8. handoff ------------------------------------------------------------------------


async def test_asking_for_a_person_mid_flow_hands_over_and_the_bot_goes_quiet(
    shop: Shop,
) -> None:
    await shop.endpoint()
    order, parcel, chat = await _failed_parcel(shop)
    [days] = await chat.press(f"ndr:reattempt:{order.external_id}/{parcel.id}")
    [handoff] = await chat.say("talk to a person")
    assert handoff.text == said("handoff", "en")
    conversation = await chat.conversation()
    assert (conversation.state, conversation.flow, conversation.flow_state) == ("waiting", None, {})
    [event] = await shop.sent("conversation.handoff")
    assert (event["conversation_id"], event["source"], event["reason"]) == (
        conversation.id,
        "bot",
        "customer_asked",
    )
    assert event["message"] == "talk to a person"

    queued = await replies_queued(shop)
    assert await chat.say("hello?") == []
    assert await chat.say("where is my order") == []
    assert await chat.say("2") == []  # would pick a day in the flow: words are the person's
    assert await replies_queued(shop) == queued
    await shop.session.refresh(parcel)
    assert parcel.ndr_action is None
    [booked] = await chat.pick(days.row_ids[0])  # a row names its parcel and day: it still acts
    assert booked.text.startswith("Done: the courier will deliver order #2041 again")
    await shop.session.refresh(parcel)
    assert parcel.ndr_action == "reattempt"
    assert (await chat.conversation()).state == "waiting"  # the person keeps the conversation
    assert await shop.count(ConversationMessage, ConversationMessage.direction == "in") == 6

    conversation = await chat.conversation()
    conversation.state = "resolved"  # an agent closes the conversation
    await shop.session.commit()
    [answer] = await chat.say("where is my order")
    assert answer.text.startswith("Order #2041:")
    assert (await chat.conversation()).state == "bot"


async def test_where_is_my_order_says_when_the_parcel_is_expected(shop: Shop) -> None:
    order = await shop.order("2041", EMMA)
    edd = date(2026, 11, 6)
    parcel = await shop.parcel(order, Milestone.IN_TRANSIT, at=T0 - timedelta(hours=5), edd=edd)
    chat = await shop.chat(order)
    [answer] = await chat.say("where is my order")
    assert answer.text.startswith("Order #2041: on its way. Expected by Nov 6, 2026.")
    await shop.parcel(await shop.fresh(order), Milestone.DELIVERED, at=chat.now, edd=edd)
    await shop.session.refresh(parcel)
    assert parcel.edd == edd
    [delivered] = await chat.say("where is my order")
    assert delivered.text.startswith("Order #2041: delivered.")
    assert "Expected" not in delivered.text  # a date to come, never one that has passed


@pytest.mark.parametrize(
    ("language", "asked"),
    [("hi", "mera order kahan hai"), ("es", "dónde está mi pedido"),
     ("pt", "cadê meu pedido"), ("id", "pesanan saya di mana")],
)  # fmt: skip
async def test_the_expected_delivery_date_is_in_the_customers_language(
    shop: Shop, language: str, asked: str
) -> None:
    who = CUSTOMERS[language]
    order = await shop.order("2041", who)
    edd = date(2026, 11, 6)
    await shop.parcel(order, Milestone.DISPATCHED, at=T0 - timedelta(hours=5), edd=edd)
    chat = await shop.chat(order)
    [answer] = await chat.say(asked)
    when = format_date(edd, "medium", locale=locale_for(language, who[0]))
    assert said("edd", language, date=when) in answer.text
    assert "2026" in when  # a date, not an empty string


async def test_the_menus_person_button_hands_over(shop: Shop) -> None:
    chat = await shop.chat(JAVIER)
    [menu] = await chat.say("asdfgh")
    [handoff] = await chat.tap(menu.button_ids[2], menu.buttons[2][1])
    assert handoff.text == said("handoff", "es")
    assert (await chat.conversation()).state == "waiting"


async def test_a_menu_button_tapped_mid_flow_is_what_the_customer_asks_for(shop: Shop) -> None:
    order = await shop.order("2041", RAVI, items=[item("Kettle"), item("Cups")])
    await shop.parcel(order, Milestone.DELIVERED, at=T0 - timedelta(days=1))
    chat = await shop.chat(order)
    [menu] = await chat.say("hmm")
    [items] = await chat.tap(menu.button_ids[1])
    assert items.row_ids == ["ret:item:0", "ret:item:1", "ret:item:all"]
    [status] = await chat.tap(menu.button_ids[0])  # the menu above, scrolled back to
    assert status.text.startswith("Order #2041: delivered")
    assert (await chat.conversation()).flow is None


# --- 9. carts from the catalog -----------------------------------------------------------


GOOD_LINES: list[Any] = [
    {"product_retailer_id": "CHAI-250", "quantity": 2, "item_price": 250, "currency": "INR"},
    {"product_retailer_id": "MUG 1/b", "quantity": "1", "item_price": "99.50", "currency": "inr"},
]
BAD_LINES: list[Any] = [
    {"product_retailer_id": "KETTLE", "quantity": -1, "item_price": 900, "currency": "INR"},
    {"quantity": 1, "item_price": 10, "currency": "INR"},
    {"product_retailer_id": "  ", "quantity": 1, "item_price": 10, "currency": "INR"},
    {"product_retailer_id": "SPOON", "quantity": 1, "item_price": "abc", "currency": "INR"},
    {"product_retailer_id": "TRAY", "quantity": "lots", "item_price": 5, "currency": "INR"},
    "not a line",
]


async def _with_checkout(shop: Shop, template: str | None) -> None:
    store = await shop.store()
    store.checkout_url_template = template
    await shop.session.commit()


async def test_a_cart_becomes_a_draft_order_and_a_checkout_link(shop: Shop) -> None:
    await _with_checkout(shop, "https://chai.example/cart/{items}?catalog={catalog_id}")
    chat = await shop.chat(RAVI)
    [reply] = await chat.cart(GOOD_LINES + BAD_LINES, catalog_id="cat 9")
    assert reply.kind == "cta_url"
    assert reply.url == "https://chai.example/cart/CHAI-250:2,MUG%201%2Fb:1?catalog=cat%209"
    total = format_currency(Decimal("599.50"), "INR", locale=locale_for("en", RAVI[0]))
    assert reply.text == said("cart_checkout", "en", count="3", total=total)
    [draft] = await shop.session.scalars(select(DraftOrder))
    assert [(i["retailer_id"], i["quantity"], i["price"]) for i in draft.items] == [
        ("CHAI-250", 2, "250"),
        ("MUG 1/b", 1, "99.50"),
    ]
    assert (draft.currency, draft.total, draft.checkout_url) == (
        "INR",
        Decimal("599.50"),
        reply.url,
    )
    assert draft.contact_id == chat.contact_id
    assert draft.catalog_id == "cat 9"

    assert await chat.again() == []  # the same webhook again
    assert await shop.count(DraftOrder) == 1


async def test_a_cart_of_nothing_usable_is_said_to_be_empty(shop: Shop) -> None:
    await _with_checkout(shop, "https://chai.example/cart/{items}")
    chat = await shop.chat(ASHA)
    [reply] = await chat.cart(BAD_LINES)
    assert reply.text == said("cart_empty", "hi")
    assert await shop.count(DraftOrder) == 0
    assert (await chat.conversation()).state == "bot"


async def test_a_cart_without_a_checkout_template_goes_to_a_person(shop: Shop) -> None:
    await shop.endpoint()
    chat = await shop.chat(LUCAS)
    [reply] = await chat.cart(GOOD_LINES[:1])
    assert reply.text == said("cart_handoff", "pt", count="2")
    assert (await chat.conversation()).state == "waiting"
    [draft] = await shop.session.scalars(select(DraftOrder))
    assert draft.checkout_url is None
    [event] = await shop.sent("conversation.handoff")
    assert event["reason"] == "cart"


# --- 10. the store's FAQ -----------------------------------------------------------------


async def test_a_question_in_other_words_gets_the_stores_answer(shop: Shop) -> None:
    store = await shop.store()
    faq = FaqList(
        items=[
            FaqItem(id="pune", question="Do you deliver to Pune?", answer="Yes, in 2-3 days."),
            FaqItem(
                id="cod",
                question="Is cash on delivery available?",
                alternatives=["Do you have COD?"],
                answer="Yes, up to ₹5,000.",
            ),
            FaqItem(
                id="size",
                question="साइज़ चार्ट कहाँ मिलेगा?",
                alternatives=["size chart kahan hai"],
                answer="वेबसाइट पर हर प्रोडक्ट के नीचे।",
                language="hi",
            ),
        ]
    )
    save_faq(store, faq)
    await shop.session.commit()
    emma = await shop.chat(EMMA)
    [pune] = await emma.say("hi, do u guys ship to pune? need it by friday")
    assert pune.text == "Yes, in 2-3 days."
    [cod] = await emma.say("COD available?")
    assert cod.text == "Yes, up to ₹5,000."
    [other] = await emma.say("do you deliver to Delhi?")  # another city: not that question
    assert other.is_menu("en")
    asha = await shop.chat(ASHA)
    [size] = await asha.say("size chart kaha milega")
    assert size.text == "वेबसाइट पर हर प्रोडक्ट के नीचे।"


# --- 11. redelivered webhooks ------------------------------------------------------------


async def test_a_redelivered_message_is_answered_once(shop: Shop) -> None:
    await shop.endpoint()
    order = await shop.order("2041", ASHA, cod=True)
    chat = await shop.chat(order)
    [answer] = await chat.say("mera order kahan hai")
    assert answer.text.startswith("ऑर्डर #2041:")
    assert await chat.again() == []
    [confirmed] = await chat.press("cod:confirm:2041")
    assert confirmed.text == said("cod_confirmed", "hi", order="#2041")
    assert await chat.again() == []
    assert await replies_queued(shop) == 2
    assert await shop.count(ConversationMessage, ConversationMessage.direction == "in") == 2
    assert len(await shop.sent("order.cod_decision")) == 1
    assert len(await shop.sent("message.inbound")) == 2


async def test_a_chat_from_an_ad_keeps_the_ad_it_came_from(shop: Shop) -> None:
    chat = await shop.chat(RAVI)
    ad = {"source_url": "https://fb.me/ad/1", "source_type": "ad", "source_id": "120",
          "headline": "Kurtas, 20% off", "ctwa_clid": "ARAk1"}  # fmt: skip
    [reply] = await chat.send("text", {"body": "hi, is this in stock?"}, referral=ad)
    assert reply.is_menu("en")
    kept = await shop.session.scalar(
        select(ConversationMessage).where(ConversationMessage.direction == "in")
    )
    assert kept is not None
    assert kept.content["referral"] == ad
