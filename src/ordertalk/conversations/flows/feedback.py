"""Feedback after delivery: a 0–10 score (typed, or picked from a list), an optional comment.

The `feedback_request` template (sent a day after delivery) asks for a number and has a button
(`fb:rate:<order ref>`) that opens the score list, so a bare number from a customer with an
unrated request in the last week is their score, and so is a row picked from the list. A low
score tells the merchant at once (`feedback.low_score`) and offers the customer a person.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import select

from ordertalk.commerce.models import Feedback, Order
from ordertalk.conversations import replies
from ordertalk.conversations.actions import LOW_SCORE, record_feedback
from ordertalk.conversations.flows.common import (
    MENU_HUMAN,
    digits,
    menu,
    order_label,
    own_order,
    own_order_by_external,
    row_id,
    with_person,
)
from ordertalk.conversations.turn import Turn
from ordertalk.conversations.understanding import Intent
from ordertalk.journeys.playbook import FEEDBACK_REQUEST
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.states import MessageState

FLOW = "feedback"
PREFIX = "fb:"
RATE = "fb:rate:"  # the feedback_request template's button, followed by its order ref
ANSWER_WITHIN = timedelta(days=7)
# "9", "9/10", "10 !", "٩"-free: a whole message that is one score and nothing else.
_SCORE = re.compile(r"^\s*(10|[0-9])\s*(?:/\s*10)?\s*[!.]*\s*$")
_SENT = (MessageState.SENT, MessageState.DELIVERED, MessageState.READ, MessageState.ACCEPTED)


def owns(reply_id: str | None) -> bool:
    """True for this flow's list rows and buttons."""
    return reply_id is not None and reply_id.startswith(PREFIX)


def score_in(text: str | None) -> int | None:
    """The score a message is, if it is only a number from 0 to 10 (in any script's digits:
    "८" is 8)."""
    ascii_digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text or "")
    found = _SCORE.match(ascii_digits)
    return int(found.group(1)) if found else None


async def awaiting(turn: Turn) -> Order | None:
    """The order whose feedback request went to this customer within a week, still unrated."""
    since = turn.at - ANSWER_WITHIN
    return await turn.session.scalar(
        select(Order)
        .join(OutboundMessage, OutboundMessage.order_id == Order.id)
        .outerjoin(Feedback, Feedback.order_id == Order.id)
        .where(
            OutboundMessage.store_id == turn.store.id,
            OutboundMessage.contact_id == turn.contact.id,
            OutboundMessage.intent == FEEDBACK_REQUEST,
            OutboundMessage.state.in_([s.value for s in _SENT]),
            OutboundMessage.accepted_at >= since,
            Feedback.id.is_(None),
        )
        .order_by(OutboundMessage.accepted_at.desc())
        .limit(1)
    )


async def offer_scores(turn: Turn, order: Order) -> None:
    """The 0–10 question as a list: 10 down to 1, and 0 typed. A WhatsApp list holds ten rows
    in all, however many sections it has, and eleven buttons would not fit either; the
    question says "or reply with a number", and a typed "0" is read like a row."""
    rows = [(f"fb:score:{order.id}:{n}", f"{n}/10", None) for n in range(10, 0, -1)]
    body = turn.say("feedback_ask", order=order_label(order))
    await turn.reply(
        replies.choice_list(body, turn.say("feedback_scores_btn"), rows), body, order_id=order.id
    )
    turn.ask(FLOW, "score", order_id=order.id)


async def take_score(turn: Turn, order: Order, score: int) -> None:
    """Keep the score and ask for an optional comment."""
    await record_feedback(turn.session, turn.store, order, score, contact=turn.contact, at=turn.at)
    turn.ask(FLOW, "comment", order_id=order.id, score=score)
    await turn.reply_buttons(
        turn.say("feedback_ask_comment", score=str(score)),
        [("fb:skip", turn.say("skip_btn"))],
        order_id=order.id,
    )


async def _close(turn: Turn, order: Order, comment: str | None) -> None:
    score = turn.state().get("score")
    if comment is not None and isinstance(score, int):
        await record_feedback(
            turn.session, turn.store, order, score, contact=turn.contact, at=turn.at,
            comment=comment,
        )  # fmt: skip
    turn.end_flow()
    if isinstance(score, int) and score <= LOW_SCORE and not with_person(turn):
        await turn.reply_buttons(
            turn.say("feedback_low", order=order_label(order)),
            [(MENU_HUMAN, turn.say("button_human")), ("fb:no", turn.say("no_thanks_btn"))],
            order_id=order.id,
        )
    else:
        await turn.reply_text(turn.say("feedback_done"), order_id=order.id)


async def _requested_order(turn: Turn, ref: str) -> Order | None:
    """The customer's order a feedback request's button names: `<order>` or, when the request
    was about a parcel, `<order>/<shipment>` (an order id may hold a "/" itself)."""
    order = await own_order_by_external(turn, ref)
    if order is None and "/" in ref:
        order = await own_order_by_external(turn, ref.rsplit("/", 1)[0])
    return order


async def on_reply(turn: Turn, reply_id: str) -> None:
    """A tap on the request's Rate button, a score row, Skip, or No thanks."""
    if reply_id.startswith(RATE):
        order = await _requested_order(turn, reply_id.removeprefix(RATE))
        await (offer_scores(turn, order) if order is not None else menu(turn))
        return
    parts = reply_id.split(":")
    if parts[1:2] == ["score"] and len(parts) == 4:
        order_id, score = row_id(parts[2]), digits(parts[3])
        order = await own_order(turn, order_id) if order_id is not None else None
        if order is None or score is None or score > 10:
            await menu(turn)
            return
        await take_score(turn, order, score)
        return
    if parts[1:2] == ["no"]:
        turn.end_flow()
        await turn.reply_text(turn.say("feedback_done"))
        return
    order_id = turn.state().get("order_id")
    order = await own_order(turn, order_id) if isinstance(order_id, int) else None
    if parts[1:2] == ["skip"] and order is not None and turn.step() == "comment":
        await _close(turn, order, None)
        return
    await menu(turn)


async def on_answer(turn: Turn) -> bool:
    """A typed score or comment while the flow waits; False if it is not one."""
    order_id = turn.state().get("order_id")
    order = await own_order(turn, order_id) if isinstance(order_id, int) else None
    if order is None:
        turn.end_flow()
        return False
    if turn.step() == "score":
        score = score_in(turn.text)
        if score is not None:
            await take_score(turn, order, score)
            return True
        if turn.intent not in (None, Intent.UNKNOWN):
            return False
        if not turn.retry():
            await menu(turn)
            return True
        await offer_scores(turn, order)
        return True
    if turn.step() == "comment":
        if turn.intent in (Intent.HUMAN, Intent.WISMO, Intent.RETURN, Intent.EXCHANGE):
            return False
        if turn.text:
            await _close(turn, order, turn.text)
        else:
            await _close(turn, order, None)  # a photo or a sticker: thanks, and we are done
        return True
    return False
