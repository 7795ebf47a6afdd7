"""What several flows need: the customer's own orders and parcels, the menu, and the handoff."""

from __future__ import annotations

import hashlib

from sqlalchemy import or_, select

from ordertalk.commerce.models import Order, Shipment
from ordertalk.contacts.phones import mask
from ordertalk.conversations.hours import away_text
from ordertalk.conversations.states import ConversationState, HandoffSource
from ordertalk.conversations.turn import Turn
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.service import emit

# The states in which a person answers the customer (the bot acts only on a flow's taps).
PEOPLE_STATES = (ConversationState.WAITING.value, ConversationState.AGENT.value)
MENU_WISMO = "menu:wismo"
MENU_RETURN = "menu:return"
MENU_HUMAN = "menu:human"
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


def digits(text: str) -> int | None:
    """The whole number `text` is in decimal digits ("2", "२"), else None; "²" is a digit to
    `str.isdigit` but not a number `int` reads, and ten digits are more than any id or choice."""
    return int(text) if 0 < len(text) <= 10 and text.isdecimal() else None


def row_id(text: str) -> int | None:
    """The id a button or row carries, if it can be a row's id at all."""
    value = digits(text)
    return value if value is not None and 0 < value <= MAX_ROW_ID else None


def order_label(order: Order) -> str:
    """How the customer knows the order: the store's name for it ("#1001"), else its id."""
    return order.name or order.external_id


async def find_order(turn: Turn, number: str | None = None) -> Order | None:
    """One of this customer's own orders: by number, else the latest. Never someone else's."""
    mine = (Order.store_id == turn.store.id, Order.contact_id == turn.contact.id)
    if number is None:
        return await turn.session.scalar(
            select(Order).where(*mine).order_by(Order.updated_at.desc(), Order.id.desc()).limit(1)
        )
    bare = number.lstrip("#")
    return await turn.session.scalar(
        select(Order)
        .where(*mine, or_(Order.external_id == bare, Order.name.in_([bare, f"#{bare}"])))
        .limit(1)
    )


async def own_order(turn: Turn, order_id: int) -> Order | None:
    """The order with this id if it is the customer's, else None."""
    order = await turn.session.get(Order, order_id)
    if order is None or order.store_id != turn.store.id or order.contact_id != turn.contact.id:
        return None
    return order


async def own_order_by_external(turn: Turn, external_id: str) -> Order | None:
    """The order with the store's id if it is the customer's, else None."""
    return await turn.session.scalar(
        select(Order).where(
            Order.store_id == turn.store.id,
            Order.contact_id == turn.contact.id,
            Order.external_id == external_id,
        )
    )


async def own_shipment(turn: Turn, shipment_id: int) -> tuple[Shipment, Order] | None:
    """The parcel with this id and its order, if the order is the customer's."""
    shipment = await turn.session.get(Shipment, shipment_id)
    if shipment is None or shipment.store_id != turn.store.id:
        return None
    order = await own_order(turn, shipment.order_id)
    return (shipment, order) if order is not None else None


async def latest_shipment(turn: Turn, order: Order) -> Shipment | None:
    """The order's furthest-along parcel."""
    return await turn.session.scalar(
        select(Shipment)
        .where(Shipment.order_id == order.id)
        .order_by(Shipment.rank.desc(), Shipment.id.desc())
        .limit(1)
    )


def with_person(turn: Turn) -> bool:
    """Whether a person has the conversation (the bot answers only a flow's taps)."""
    return turn.conversation.state in PEOPLE_STATES


async def menu(turn: Turn, key: str = "menu") -> None:
    """Anything the bot did not understand: never a dead end, always a way to a person.

    While a person has the conversation, nothing: a tap the bot cannot act on is theirs to read,
    and a menu offering a person would talk over them."""
    turn.end_flow()
    if with_person(turn):
        return
    await turn.reply_buttons(
        turn.say(key),
        [
            (MENU_WISMO, turn.say("button_wismo")),
            (MENU_RETURN, turn.say("return_btn")),
            (MENU_HUMAN, turn.say("button_human")),
        ],
    )


async def handoff(turn: Turn, reason: str, key: str = "handoff", **values: str) -> None:
    """Hand the conversation to a person: the bot goes quiet and the merchant hears at once."""
    turn.end_flow()
    conversation = turn.conversation
    conversation.state = ConversationState.WAITING
    await emit(
        turn.session,
        turn.store.id,
        WebhookEventType.CONVERSATION_HANDOFF,
        {
            "conversation_id": conversation.id,
            "contact_id": turn.contact.id,
            "customer": mask(turn.contact.phone),
            "source": HandoffSource.BOT.value,
            "reason": reason,
            "message": (turn.message.text or "")[:500],
        },
        event_id="handoff-" + hashlib.sha256(turn.message.id.encode()).hexdigest()[:40],
        occurred_at=turn.at,
    )
    body = turn.say(key, **values)
    away = away_text(turn.store, turn.at)
    await turn.reply_text(f"{body}\n\n{away}" if away else body)
