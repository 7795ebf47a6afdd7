"""A return or exchange asked for in chat, and the 0–10 feedback after delivery, as the customer
answers them (service level, on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import CommerceEvent, LineItem, ReturnFacts
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Feedback, Order, Return, Shipment
from ordertalk.conversations.flows.common import MENU_HUMAN
from ordertalk.conversations.flows.returns import REASONS
from ordertalk.conversations.models import InboundMedia
from ordertalk.templates.registry import REGISTRY
from tests.api_support import database_session
from tests.conversations.chat import ASHA, JAVIER, RAVI, T0, Chat, Shop, item, new_shop, said
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


async def delivered(
    shop: Shop,
    number: str,
    days_ago: float,
    who: tuple[str, str] = RAVI,
    items: list[LineItem] | None = None,
) -> Order:
    """An order of `who` delivered `days_ago` days before T0."""
    at = T0 - timedelta(days=days_ago)
    order = await shop.order(number, who, items=items, at=at - timedelta(days=3))
    await shop.parcel(order, Milestone.DELIVERED, at=at)
    return order


async def returns(shop: Shop) -> list[Return]:
    return list(await shop.session.scalars(select(Return).order_by(Return.id)))


TWO_ITEMS = [item("Linen shirt", "1299.00"), item("Canvas belt", "499.00", quantity=2)]


# --- 5. returns ----------------------------------------------------------------------------


async def test_only_orders_delivered_within_the_return_window_are_offered(shop: Shop) -> None:
    recent = await delivered(shop, "5001", days_ago=2)
    older = await delivered(shop, "5002", days_ago=20)
    await delivered(shop, "5003", days_ago=40)  # past the default 30 days
    moving = await shop.order("5004", RAVI)
    await shop.parcel(moving, Milestone.OUT_FOR_DELIVERY, at=T0 - timedelta(hours=3))
    await delivered(shop, "6001", days_ago=1, who=ASHA)  # someone else's
    expected = [f"ret:order:{recent.id}", f"ret:order:{older.id}"]
    chat = await shop.chat(RAVI)
    [orders] = await chat.say("I want to return my order")
    assert orders.text == said("return_pick_order", "en")
    assert orders.row_ids == expected
    assert [title for _, title in orders.rows] == ["#5001", "#5002"]

    store = await shop.store()
    store.settings = {**store.settings, "return_days": 10}
    await shop.session.commit()
    chat.later(hours=1)  # the list went unanswered
    [reasons] = await chat.say("I want to return my order")  # only #5001 now: no order to pick
    assert reasons.text == said("return_pick_reason", "en")

    store = await shop.store()
    store.settings = {**store.settings, "return_days": 1}
    await shop.session.commit()
    chat.later(hours=1)
    [none] = await chat.say("I want to return my order")
    assert none.text == said("return_none", "en", days="1")
    assert (await chat.conversation()).flow is None


async def test_an_order_with_an_open_return_is_not_asked_about_again(shop: Shop) -> None:
    order = await delivered(shop, "5001", days_ago=3)
    await shop.apply(
        CommerceEvent(
            source="test",
            milestone=Milestone.RETURN_REQUESTED,
            event_time=T0 - timedelta(days=1),
            return_=ReturnFacts(external_id="RMA-1", order_external_id=order.external_id),
        )
    )
    chat = await shop.chat(RAVI)
    [reply] = await chat.say("I want to return my order")
    assert reply.text == said("return_pending", "en", order="#5001")
    assert (await chat.conversation()).flow is None
    assert len(await returns(shop)) == 1


async def test_a_return_of_one_item_with_a_reason_and_a_photo(shop: Shop) -> None:
    order = await delivered(shop, "5001", days_ago=3, items=TWO_ITEMS)
    order_id = order.id
    chat = await shop.chat(RAVI)
    [items] = await chat.say("I want to return my order")
    assert items.text == said("return_pick_items", "en", order="#5001")
    assert items.rows == [
        ("ret:item:0", "Linen shirt"),
        ("ret:item:1", "Canvas belt"),
        ("ret:item:all", said("return_all_row", "en")),
    ]
    [reasons] = await chat.pick("ret:item:1", "Canvas belt")
    assert reasons.text == said("return_pick_reason", "en")
    assert reasons.row_ids == [f"ret:reason:{code}" for code in REASONS]
    assert len(reasons.rows) == 6
    [photo] = await chat.pick("ret:reason:damaged")
    assert photo.text == said("return_ask_photo", "en")
    assert photo.button_ids == ["ret:skip"]
    assert await returns(shop) == []  # nothing registered before the last step

    [done] = await chat.image("media-belt-1", caption="The buckle came off")
    [request] = await returns(shop)
    media = await shop.session.scalar(
        select(InboundMedia).where(InboundMedia.media_id == "media-belt-1")
    )
    assert media is not None
    assert done.text == said(
        "return_done", "en", kind=said("kind_return", "en"), order="#5001", ref=str(request.id)
    )
    assert (request.order_id, request.kind, request.source) == (order_id, "return", "chat")
    assert (request.milestone, request.reason) == ("return_requested", "damaged")
    assert [(i["title"], i["quantity"]) for i in request.items] == [("Canvas belt", 2)]
    assert (request.photo_media_id, request.comment) == (media.id, "The buckle came off")
    [event] = await shop.sent("return.requested")
    assert (event["return_id"], event["order_external_id"], event["reason"]) == (
        request.id,
        "5001",
        "damaged",
    )
    assert (event["photo_media_id"], event["source"]) == (media.id, "chat")
    assert (await chat.conversation()).flow is None


async def _at_reason_step(shop: Shop, who: tuple[str, str] = RAVI) -> Chat:
    await delivered(shop, "5001", days_ago=3, who=who, items=TWO_ITEMS)
    chat = await shop.chat(who)
    await chat.say("I want to return my order")
    [reasons] = await chat.pick("ret:item:all")
    assert len(reasons.rows) == 6
    return chat


async def test_a_reason_in_the_customers_own_words_is_other_with_the_words_kept(
    shop: Shop,
) -> None:
    chat = await _at_reason_step(shop)
    [photo] = await chat.say("The colour is not what the photo showed")
    assert photo.button_ids == ["ret:skip"]
    [done] = await chat.tap("ret:skip", "Skip")
    [request] = await returns(shop)
    assert done.text.startswith("Your return request for order #5001 is registered")
    assert (request.reason, request.comment, request.photo_media_id) == (
        "other",
        "The colour is not what the photo showed",
        None,
    )
    assert [i["title"] for i in request.items] == ["Linen shirt", "Canvas belt"]


@pytest.mark.parametrize("words", ["It arrived damaged", "wrong size"])
async def test_a_reason_that_itself_sounds_like_a_return_is_the_reason(
    shop: Shop, words: str
) -> None:
    chat = await _at_reason_step(shop)
    [photo] = await chat.say(words)  # not a new return request: the answer to "why?"
    assert photo.text == said("return_ask_photo", "en")
    await chat.tap("ret:skip")
    [request] = await returns(shop)
    assert (request.reason, request.comment) == ("other", words)


@pytest.mark.parametrize("words", ["No photo, sorry, it is just too tight", "The lid was cracked"])
async def test_words_instead_of_a_photo_are_kept_as_the_comment(shop: Shop, words: str) -> None:
    chat = await _at_reason_step(shop)
    await chat.pick("ret:reason:size")
    [done] = await chat.say(words)
    assert "#5001" in done.text
    [request] = await returns(shop)
    assert (request.reason, request.comment, request.photo_media_id) == ("size", words, None)


async def test_skip_tapped_twice_registers_one_return(shop: Shop) -> None:
    chat = await _at_reason_step(shop)
    await chat.pick("ret:reason:wrong_item")
    [done] = await chat.tap("ret:skip")
    [again] = await chat.tap("ret:skip")
    assert done.text.startswith("Your return request for order #5001 is registered")
    assert again.text == said("return_pending", "en", order="#5001")
    assert len(await returns(shop)) == 1
    assert len(await shop.sent("return.requested")) == 1


async def test_an_exchange_is_registered_as_one(shop: Shop) -> None:
    await delivered(shop, "5001", days_ago=3, who=JAVIER)
    chat = await shop.chat(JAVIER)
    [reasons] = await chat.say("quiero cambiar la talla")
    assert reasons.text == said("return_pick_reason", "es")
    await chat.pick("ret:reason:size")
    [done] = await chat.tap("ret:skip")
    [request] = await returns(shop)
    assert request.kind == "exchange"
    assert done.text == said(
        "return_done", "es", kind=said("kind_exchange", "es"), order="#5001", ref=str(request.id)
    )


# --- 6. feedback -----------------------------------------------------------------------------


async def rated(shop: Shop, asked_hours_ago: float = 20) -> tuple[int, Chat]:
    """An order delivered two days ago whose feedback request went out some hours ago: its id
    and a chat with its customer."""
    order = await delivered(shop, "7001", days_ago=2)
    await shop.feedback_request(order, T0 - timedelta(hours=asked_hours_ago))
    return order.id, await shop.chat(order)


async def feedback(shop: Shop) -> Feedback | None:
    return await shop.session.scalar(select(Feedback))


@pytest.mark.parametrize(
    ("text", "score"),
    [("8", 8), ("8/10", 8), ("10!", 10), (" 10 / 10 ", 10), ("0", 0), ("८", 8), ("१०/१०", 10)],
)
async def test_a_bare_number_after_a_feedback_request_is_the_score(
    shop: Shop, text: str, score: int
) -> None:
    order_id, chat = await rated(shop)
    [ask] = await chat.say(text)
    assert ask.text == said("feedback_ask_comment", "en", score=str(score))
    assert ask.button_ids == ["fb:skip"]
    row = await feedback(shop)
    assert row is not None
    assert (row.order_id, row.score, row.comment, row.carrier) == (
        order_id,
        score,
        None,
        "Delhivery",
    )
    [event] = await shop.sent("feedback.received")
    assert (event["score"], event["order_external_id"]) == (score, "7001")


async def test_a_number_without_a_feedback_request_is_not_a_score(shop: Shop) -> None:
    await delivered(shop, "7001", days_ago=2)
    chat = await shop.chat(RAVI)
    [reply] = await chat.say("8")
    assert reply.is_menu("en")
    assert await feedback(shop) is None


@pytest.mark.parametrize(("hours", "counts"), [(30, True), (24 * 7 - 1, True), (24 * 8, False)])
async def test_a_score_counts_for_a_week_after_the_request(
    shop: Shop, hours: float, counts: bool
) -> None:
    _, chat = await rated(shop, asked_hours_ago=hours)
    [reply] = await chat.say("9")
    row = await feedback(shop)
    if counts:
        assert reply.text == said("feedback_ask_comment", "en", score="9")
        assert row is not None
        assert row.score == 9
    else:
        assert reply.is_menu("en")
        assert row is None


async def test_a_score_picked_from_the_list_with_a_comment(shop: Shop) -> None:
    order_id, chat = await rated(shop)
    [scores] = await chat.say("meh")  # words, not a number: the scores as a list
    assert scores.text == said("feedback_ask", "en", order="#7001")
    assert scores.row_ids == [f"fb:score:{order_id}:{n}" for n in range(10, 0, -1)]
    [ask] = await chat.pick(scores.row_ids[1], "9/10")
    assert ask.text == said("feedback_ask_comment", "en", score="9")
    [thanks] = await chat.say("Great packaging, quick courier")
    assert thanks.text == said("feedback_done", "en")
    row = await feedback(shop)
    assert row is not None
    assert (row.score, row.comment) == (9, "Great packaging, quick courier")
    assert [e["comment"] for e in await shop.sent("feedback.received")] == [
        None,
        "Great packaging, quick courier",
    ]
    assert await shop.sent("feedback.low_score") == []
    assert (await chat.conversation()).flow is None


@pytest.mark.parametrize("ref", ["7001", "7001/{parcel}"])  # about the order, or its parcel
async def test_the_feedback_requests_button_opens_the_score_list(shop: Shop, ref: str) -> None:
    order = await delivered(shop, "7001", days_ago=2)
    parcel = await shop.session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    assert parcel is not None
    await shop.feedback_request(order, T0 - timedelta(hours=20))
    order_id, payload = order.id, "fb:rate:" + ref.format(parcel=parcel.id)
    assert payload == REGISTRY["feedback_request"].quick_replies[0].payload(
        ref.format(parcel=parcel.id)
    )
    chat = await shop.chat(order)
    [scores] = await chat.press(payload, "Rate your order")
    assert scores.kind == "list"
    assert scores.text == said("feedback_ask", "en", order="#7001")
    assert scores.row_ids == [f"fb:score:{order_id}:{n}" for n in range(10, 0, -1)]
    assert (await chat.conversation()).flow == "feedback"
    [ask] = await chat.say("0")  # the one score a ten-row list leaves to be typed
    assert ask.text == said("feedback_ask_comment", "en", score="0")
    row = await feedback(shop)
    assert row is not None
    assert (row.order_id, row.score) == (order_id, 0)


async def test_the_rate_button_of_someone_elses_order_gets_the_menu(shop: Shop) -> None:
    theirs = await delivered(shop, "3001", days_ago=2, who=ASHA)
    await delivered(shop, "7001", days_ago=2)
    chat = await shop.chat(RAVI)
    for tapped in ("fb:rate:3001", f"fb:rate:3001/{theirs.id}", "fb:rate:", "fb:rate:9999"):
        [reply] = await chat.press(tapped)
        assert reply.is_menu("en"), tapped
    assert await feedback(shop) is None


async def test_a_high_score_skipping_the_comment_is_thanked(shop: Shop) -> None:
    _, chat = await rated(shop)
    await chat.say("10")
    [thanks] = await chat.tap("fb:skip", "Skip")
    assert thanks.text == said("feedback_done", "en")
    assert await shop.sent("feedback.low_score") == []
    row = await feedback(shop)
    assert row is not None
    assert (row.score, row.comment) == (10, None)


async def test_a_low_score_tells_the_store_once_and_offers_a_person(shop: Shop) -> None:
    _, chat = await rated(shop)
    await chat.say("4")
    [low] = await shop.sent("feedback.low_score")
    assert (low["score"], low["order_external_id"]) == (4, "7001")
    [offer] = await chat.say("The box was crushed")
    assert offer.text == said("feedback_low", "en", order="#7001")
    assert offer.button_ids == [MENU_HUMAN, "fb:no"]
    assert len(await shop.sent("feedback.low_score")) == 1
    row = await feedback(shop)
    assert row is not None
    assert (row.score, row.comment) == (4, "The box was crushed")
    [handoff] = await chat.tap(MENU_HUMAN)
    assert handoff.text == said("handoff", "en")
    assert (await chat.conversation()).state == "waiting"


async def test_a_second_number_after_rating_is_not_a_second_score(shop: Shop) -> None:
    _, chat = await rated(shop)
    await chat.say("3")
    await chat.tap("fb:skip")
    [reply] = await chat.say("9")
    assert reply.is_menu("en")
    row = await feedback(shop)
    assert row is not None
    assert row.score == 3
    assert len(await shop.sent("feedback.low_score")) == 1
