"""While a person has the conversation: a flow's taps still act (and are confirmed, in the thread
the person reads), words are the person's; a handoff nobody took up within the service window
lapses; the away message out of hours; reactions and system notices kept but never answered
(service level, on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Feedback
from ordertalk.conversations.flows.common import MENU_WISMO
from ordertalk.conversations.hours import set_business_hours
from ordertalk.conversations.models import ConversationMessage
from ordertalk.conversations.turn import MAX_RETRIES
from ordertalk.messaging.models import OutboundMessage
from tests.api_support import database_session
from tests.conversations.chat import ASHA, EMMA, RAVI, T0, Chat, Shop, new_shop, said
from tests.database import fresh_database

pytestmark = pytest.mark.database

PEOPLE = ["waiting", "agent"]
AWAY = "We're closed now. A person will answer from 9:00 (India time)."


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


async def with_person(shop: Shop, chat: Chat, language: str, state: str) -> None:
    """The customer asks for a person; with "agent", Ravi then takes the conversation."""
    [handoff] = await chat.say("talk to a person")
    assert handoff.text == said("handoff", language)
    conversation = await chat.conversation()
    assert conversation.state == "waiting"
    if state == "agent":
        conversation.state, conversation.assignee = "agent", "Ravi"
        await shop.session.commit()


async def replies_queued(shop: Shop) -> int:
    return await shop.count(OutboundMessage, OutboundMessage.intent == "reply")


async def thread(shop: Shop, chat: Chat) -> list[tuple[str, str, str | None]]:
    """The conversation as the person reads it: (direction, type, text), oldest first."""
    conversation = await chat.conversation()
    rows = await shop.session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation.id)
        .order_by(ConversationMessage.id)
    )
    return [(row.direction, row.type, row.text) for row in rows]


# --- a flow's taps act while a person has the conversation ----------------------------------


@pytest.mark.parametrize("state", PEOPLE)
async def test_a_cod_confirm_tap_after_asking_for_a_person_confirms_the_order(
    shop: Shop, state: str
) -> None:
    order = await shop.order("2041", ASHA, cod=True)
    chat = await shop.chat(order)
    await with_person(shop, chat, "hi", state)

    [confirmed] = await chat.press("cod:confirm:2041", "कन्फ़र्म करें")
    assert confirmed.text == said("cod_confirmed", "hi", order="#2041")
    assert (await shop.fresh(order)).cod_decision == "confirmed"
    [event] = await shop.sent("order.cod_decision")
    assert (event["decision"], event["source"]) == ("confirmed", "chat")
    conversation = await chat.conversation()
    assert (conversation.state, conversation.flow) == (state, None)  # the person keeps it
    assert (await thread(shop, chat))[-2:] == [
        ("in", "button", ""),
        ("out", "text", confirmed.text),  # the agent reads what the bot confirmed
    ]


@pytest.mark.parametrize("state", PEOPLE)
async def test_the_ndr_templates_buttons_book_a_reattempt_while_a_person_has_it(
    shop: Shop, state: str
) -> None:
    order = await shop.order("2041", RAVI)
    parcel = await shop.parcel(order, Milestone.DELIVERY_ATTEMPT_FAILED, at=T0 - timedelta(hours=1))
    ref = f"2041/{parcel.id}"  # as the template's buttons carry it
    chat = await shop.chat(order)
    await with_person(shop, chat, "en", state)

    [days] = await chat.press(f"ndr:reattempt:{ref}", "Reattempt delivery")
    assert days.kind == "list"
    [done] = await chat.pick(days.row_ids[1], days.rows[1][1])
    assert done.text.startswith("Done: the courier will deliver order #2041 again")
    await shop.session.refresh(parcel)
    # The second day offered: Thursday the 5th (it is already Tuesday the 3rd in India).
    assert (parcel.ndr_action, parcel.reattempt_on) == ("reattempt", date(2026, 11, 5))
    assert len(await shop.sent("shipment.ndr_action")) == 1
    assert (await chat.conversation()).state == state


async def test_a_score_tap_is_kept_but_the_typed_comment_is_for_the_person(shop: Shop) -> None:
    order = await shop.order("7001", RAVI)
    await shop.parcel(order, Milestone.DELIVERED, at=T0 - timedelta(days=2))
    await shop.feedback_request(order, T0 - timedelta(hours=20))
    order_id = order.id
    chat = await shop.chat(order)
    await with_person(shop, chat, "en", "waiting")

    [ask] = await chat.pick(f"fb:score:{order_id}:3", "3/10")
    assert ask.text == said("feedback_ask_comment", "en", score="3")
    assert await chat.say("The box was crushed") == []  # words: the person answers them
    row = await shop.session.scalar(select(Feedback))
    assert row is not None
    assert (row.score, row.comment) == (3, None)
    assert len(await shop.sent("feedback.low_score")) == 1
    [thanks] = await chat.tap("fb:skip", "Skip")  # no "talk to a person": one has it already
    assert (thanks.kind, thanks.text) == ("text", said("feedback_done", "en"))


@pytest.mark.parametrize("state", PEOPLE)
async def test_words_stay_with_the_person_even_those_the_bot_could_act_on(
    shop: Shop, state: str
) -> None:
    order = await shop.order("2041", ASHA, cod=True)
    chat = await shop.chat(order)
    await with_person(shop, chat, "hi", state)
    queued = await replies_queued(shop)
    for words in ("haan", "yes", "cancel my order", "where is my order", "talk to a person"):
        assert await chat.say(words) == [], words
    assert await chat.image("media-1") == []
    assert await replies_queued(shop) == queued
    assert (await shop.fresh(order)).cod_decision is None
    assert (await chat.conversation()).state == state


@pytest.mark.parametrize("state", PEOPLE)
async def test_a_tap_the_bot_cannot_act_on_gets_no_menu_while_a_person_has_it(
    shop: Shop, state: str
) -> None:
    other = await shop.order("3001", RAVI, cod=True)
    chat = await shop.chat(ASHA)
    await with_person(shop, chat, "hi", state)
    queued = await replies_queued(shop)
    assert await chat.press("cod:confirm:3001") == []  # someone else's order
    assert await chat.tap("ndr:teleport:1/1") == []
    assert await chat.tap(MENU_WISMO) == []  # the menu's buttons ask the bot: the person answers
    assert await replies_queued(shop) == queued
    assert (await shop.fresh(other)).cod_decision is None
    assert (await chat.conversation()).state == state


# --- a handoff nobody took up -----------------------------------------------------------------


async def test_a_handoff_nobody_took_up_within_the_service_window_goes_back_to_the_bot(
    shop: Shop,
) -> None:
    await shop.order("2041", RAVI)
    chat = await shop.chat(RAVI)
    await with_person(shop, chat, "en", "waiting")
    chat.later(hours=23, minutes=59)
    assert await chat.say("hello? anyone?") == []  # the window is still open: still waiting
    chat.later(hours=23, minutes=59)  # measured from the last message, not the handoff
    assert await chat.say("where is my order") == []
    assert (await chat.conversation()).state == "waiting"

    chat.later(hours=24, minutes=1)
    [answer] = await chat.say("where is my order")
    assert answer.text.startswith("Order #2041:")
    assert (await chat.conversation()).state == "bot"
    [handoff] = await chat.say("talk to a person")  # and a person can be asked for again
    assert handoff.text == said("handoff", "en")
    assert len(await shop.sent("conversation.handoff")) == 2


async def test_a_conversation_an_agent_has_is_never_taken_back(shop: Shop) -> None:
    await shop.order("2041", RAVI)
    chat = await shop.chat(RAVI)
    await with_person(shop, chat, "en", "agent")
    chat.later(days=3)
    assert await chat.say("where is my order") == []
    assert (await chat.conversation()).state == "agent"


# --- business hours -------------------------------------------------------------------------


async def _hours(shop: Shop) -> None:
    store = await shop.store()
    week = {day: ["09:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    set_business_hours(store, week, AWAY)
    await shop.session.commit()


async def test_asking_for_a_person_out_of_hours_gets_the_away_message(shop: Shop) -> None:
    await _hours(shop)
    chat = await shop.chat(RAVI)  # T0: 01:30 on Tuesday in Kolkata, the store's zone
    [handoff] = await chat.say("talk to a person")
    assert handoff.text == said("handoff", "en") + "\n\n" + AWAY
    row = await shop.session.scalar(
        select(OutboundMessage).where(OutboundMessage.intent == "reply")
    )
    assert row is not None
    assert row.params["payload"]["text"]["body"].endswith(AWAY)
    assert (await chat.conversation()).state == "waiting"


async def test_asking_for_a_person_in_hours_gets_no_away_message(shop: Shop) -> None:
    await _hours(shop)
    chat = await shop.chat(EMMA, at=T0 - timedelta(hours=8))  # 16:30 on Monday in Kolkata
    [handoff] = await chat.say("talk to a person")
    assert handoff.text == said("handoff", "en")


# --- reactions and system notices ----------------------------------------------------------

REACTION: dict[str, Any] = {"message_id": "wamid.bot.1", "emoji": "👍"}
NUMBER_CHANGED: dict[str, Any] = {
    "body": "User A changed from +919812345678 to +919800000000",
    "wa_id": "919800000000",
    "type": "user_changed_number",
}


async def test_a_reaction_or_a_system_notice_is_kept_but_not_answered(shop: Shop) -> None:
    chat = await shop.chat(RAVI)
    assert await chat.send("reaction", REACTION) == []
    assert await chat.send("system", NUMBER_CHANGED) == []
    assert await replies_queued(shop) == 0
    assert [(d, t) for d, t, _ in await thread(shop, chat)] == [
        ("in", "reaction"),
        ("in", "system"),
    ]
    [menu] = await chat.say("hmm")  # the next words are answered as ever
    assert menu.is_menu("en")


async def test_a_reaction_mid_flow_is_not_a_failed_answer(shop: Shop) -> None:
    order = await shop.order("2041", RAVI)
    parcel = await shop.parcel(order, Milestone.DELIVERY_ATTEMPT_FAILED, at=T0 - timedelta(hours=1))
    chat = await shop.chat(order)
    await chat.press(f"ndr:reattempt:2041/{parcel.id}")
    for _ in range(MAX_RETRIES + 1):  # as many bad answers would have given up on the flow
        assert await chat.send("reaction", REACTION) == []
    conversation = await chat.conversation()
    assert (conversation.flow, conversation.flow_state["retries"]) == ("ndr", 0)
    [done] = await chat.say("2")
    assert done.text.startswith("Done: the courier will deliver order #2041 again")
