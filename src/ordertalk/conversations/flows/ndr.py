"""A failed delivery: deliver again on a chosen day, to a corrected address, or cancel.

Starts from the NDR template's buttons (`ndr:<action>:<order>/<shipment>`) or from a customer
who writes that they want another day or address. Every answer is checked against the parcel's
current state and the customer's ownership before the shipment changes.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from sqlalchemy import select

from ordertalk.commerce.actions import NdrAction
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Shipment
from ordertalk.conversations import replies
from ordertalk.conversations.actions import (
    ADDRESS_MAX,
    ActionRefused,
    Address,
    address_from_text,
    reattempt_days,
    record_ndr_action,
)
from ordertalk.conversations.flows.common import (
    digits,
    menu,
    order_label,
    own_shipment,
    row_id,
)
from ordertalk.conversations.turn import Turn
from ordertalk.conversations.understanding import Intent
from ordertalk.messaging.context import locale_for
from ordertalk.whatsapp.webhook_types import InboundType

FLOW = "ndr"
PREFIX = "ndr:"
# What the customer may ask instead of giving an address: answered, and the flow ends.
_OTHER_REQUESTS = (Intent.WISMO, Intent.RETURN, Intent.EXCHANGE, Intent.CANCEL, Intent.FAQ)


def owns(reply_id: str | None) -> bool:
    """True for the buttons and list rows this flow sent (or the NDR template's)."""
    return reply_id is not None and reply_id.startswith(PREFIX)


def _shipment_ref(ref: str) -> int | None:
    """The shipment id in a template's `<order>/<shipment>` or the bot's own `<shipment>`."""
    tail = ref.rsplit("/", 1)[-1]
    return row_id(tail)


async def _failed_shipment(turn: Turn) -> tuple[Shipment, Order] | None:
    """The customer's parcel that is waiting for an answer after a failed attempt, if any."""
    row = await turn.session.execute(
        select(Shipment, Order)
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Order.store_id == turn.store.id,
            Order.contact_id == turn.contact.id,
            Shipment.milestone == Milestone.DELIVERY_ATTEMPT_FAILED.value,
        )
        .order_by(Shipment.milestone_at.desc(), Shipment.id.desc())
        .limit(1)
    )
    found = row.first()
    return (found[0], found[1]) if found else None


async def start(turn: Turn, wanted: Intent | None) -> None:
    """The customer wrote about a missed delivery: offer the three choices (or go straight to
    the one they asked for)."""
    found = await _failed_shipment(turn)
    if found is None:
        await turn.reply_text(turn.say("ndr_none"))
        return
    shipment, order = found
    if wanted is Intent.RESCHEDULE:
        await _offer_days(turn, shipment, order)
    elif wanted is Intent.CHANGE_ADDRESS:
        await _ask_address(turn, shipment, order)
    else:
        await _choose(turn, shipment, order)


async def _choose(turn: Turn, shipment: Shipment, order: Order) -> None:
    ref = f"{order.external_id}/{shipment.id}"
    await turn.reply_buttons(
        turn.say("ndr_choose", order=order_label(order)),
        [
            (f"ndr:reattempt:{ref}", turn.say("ndr_reattempt_btn")),
            (f"ndr:address:{ref}", turn.say("ndr_address_btn")),
            (f"ndr:cancel:{ref}", turn.say("ndr_cancel_btn")),
        ],
        order_id=order.id,
    )


def _days(turn: Turn) -> list[date]:
    return reattempt_days(turn.at, turn.contact.timezone)


async def _offer_days(turn: Turn, shipment: Shipment, order: Order) -> None:
    locale = locale_for(turn.language, turn.contact.phone)
    rows = [
        (f"ndr:day:{shipment.id}:{day.isoformat()}", format_date(day, "EEE d MMM", locale=locale),
         None)
        for day in _days(turn)
    ]  # fmt: skip
    body = turn.say("ndr_pick_date")
    await turn.reply(
        replies.choice_list(body, turn.say("ndr_days_btn"), rows), body, order_id=order.id
    )
    turn.ask(FLOW, "day", shipment_id=shipment.id)


async def _ask_address(turn: Turn, shipment: Shipment, order: Order) -> None:
    await turn.reply_text(turn.say("ndr_ask_address", order=order_label(order)), order_id=order.id)
    turn.ask(FLOW, "address", shipment_id=shipment.id)


async def on_reply(turn: Turn, reply_id: str) -> None:
    """A tap on one of this flow's buttons or list rows."""
    parts = reply_id.split(":", 2)
    if len(parts) != 3:
        await menu(turn)
        return
    _, action, ref = parts
    if action == "day":
        shipment_ref, _, day = ref.partition(":")
        await _with_shipment(turn, _shipment_ref(shipment_ref), action, day)
    else:
        await _with_shipment(turn, _shipment_ref(ref), action, None)


async def _with_shipment(turn: Turn, shipment_id: int | None, action: str, day: str | None) -> None:
    found = await own_shipment(turn, shipment_id) if shipment_id is not None else None
    if found is None:
        await menu(turn)  # not theirs, or gone: never act on someone else's parcel
        return
    shipment, order = found
    if shipment.milestone != Milestone.DELIVERY_ATTEMPT_FAILED.value:
        turn.end_flow()
        await turn.reply_text(turn.say("ndr_closed", order=order_label(order)), order_id=order.id)
        return
    match action:
        case "reattempt":
            await _offer_days(turn, shipment, order)
        case "address" | "addr_change":
            await _ask_address(turn, shipment, order)
        case "cancel":
            await turn.reply_buttons(
                turn.say("ndr_confirm_cancel", order=order_label(order)),
                [
                    (f"ndr:cancel_yes:{shipment.id}", turn.say("ndr_cancel_yes_btn")),
                    (f"ndr:keep:{shipment.id}", turn.say("ndr_keep_btn")),
                ],
                order_id=order.id,
            )
            turn.ask(FLOW, "cancel", shipment_id=shipment.id)
        case "cancel_yes":
            await _act(turn, shipment, order, NdrAction.CANCEL)
        case "keep":
            turn.end_flow()
            await turn.reply_text(turn.say("ndr_kept", order=order_label(order)), order_id=order.id)
        case "day":
            chosen = _parse_day(day)
            if chosen is None or chosen not in _days(turn):
                await _offer_days(turn, shipment, order)  # an old list: offer today's days
                return
            await _act(turn, shipment, order, NdrAction.REATTEMPT, reattempt_on=chosen)
        case "addr_yes":
            raw = turn.state().get("address")
            if not isinstance(raw, dict) or turn.state().get("shipment_id") != shipment.id:
                await _ask_address(turn, shipment, order)
                return
            address = Address(**{k: raw.get(k) for k in ("text", "latitude", "longitude", "name")})
            await _act(turn, shipment, order, NdrAction.ADDRESS, address=address)
        case _:
            await menu(turn)


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _act(
    turn: Turn,
    shipment: Shipment,
    order: Order,
    action: NdrAction,
    *,
    reattempt_on: date | None = None,
    address: Address | None = None,
) -> None:
    turn.end_flow()
    label = order_label(order)
    try:
        await record_ndr_action(
            turn.session, turn.store, shipment, action, contact=turn.contact, source="chat",
            at=turn.at, reattempt_on=reattempt_on, address=address,
        )  # fmt: skip
    except ActionRefused as refused:
        await turn.reply_text(turn.say(refused.reason, order=label), order_id=order.id)
        return
    if action is NdrAction.REATTEMPT:
        assert reattempt_on is not None
        locale = locale_for(turn.language, turn.contact.phone)
        when = format_date(reattempt_on, "full", locale=locale)  # the weekday, day and month
        await turn.reply_text(
            turn.say("ndr_reattempt_done", order=label, date=when), order_id=order.id
        )
    elif action is NdrAction.ADDRESS:
        await turn.reply_text(turn.say("ndr_address_done", order=label), order_id=order.id)
    else:
        await turn.reply_text(turn.say("ndr_cancel_done", order=label), order_id=order.id)


async def on_answer(turn: Turn) -> bool:
    """A typed answer (or a shared location) while the flow waits; False if it is not one."""
    step = turn.step()
    shipment_id = turn.state().get("shipment_id")
    found = await own_shipment(turn, shipment_id) if isinstance(shipment_id, int) else None
    if found is None:
        turn.end_flow()
        return False
    shipment, order = found
    if step == "address":
        address = _address_from(turn)
        if address is None and turn.intent in _OTHER_REQUESTS:
            return False  # "where is my order?" is a question, not a bad address
        if address is None:
            if not turn.retry():
                await menu(turn)
                return True
            await turn.reply_text(turn.say("ndr_bad_address"), order_id=order.id)
            return True
        shown = address.text or f"📍 {address.latitude:.5f}, {address.longitude:.5f}"
        await turn.reply_buttons(
            turn.say("ndr_confirm_address", order=order_label(order), address=shown),
            [
                (f"ndr:addr_yes:{shipment.id}", turn.say("yes_btn")),
                (f"ndr:addr_change:{shipment.id}", turn.say("ndr_change_btn")),
            ],
            order_id=order.id,
        )
        turn.ask(FLOW, "address_confirm", address=address.as_json())
        return True
    number = digits(turn.text) if step == "day" and turn.text else None
    if number is not None:
        days = _days(turn)
        if 0 < number <= len(days):
            await _act(turn, shipment, order, NdrAction.REATTEMPT, reattempt_on=days[number - 1])
            return True
    if step == "cancel" and turn.intent in (Intent.YES, Intent.NO):
        if turn.intent is Intent.YES:
            await _act(turn, shipment, order, NdrAction.CANCEL)
        else:
            turn.end_flow()
            await turn.reply_text(turn.say("ndr_kept", order=order_label(order)), order_id=order.id)
        return True
    if step == "address_confirm" and turn.intent is Intent.YES:
        await on_reply(turn, f"ndr:addr_yes:{shipment.id}")
        return True
    if turn.intent not in (None, Intent.UNKNOWN):
        return False  # they asked for something else: let the bot answer that
    if not turn.retry():
        await menu(turn)
        return True
    await turn.reply_text(turn.say("pick_from_list"), order_id=order.id)
    return True


def _address_from(turn: Turn) -> Address | None:
    """A usable address: a location pin, or text long enough with a house or postal number."""
    message = turn.message
    if message.type == InboundType.LOCATION:
        content = message.content or {}
        try:
            latitude = float(content["latitude"])
            longitude = float(content["longitude"])
        except (KeyError, TypeError, ValueError):
            return None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        label = " ".join(str(content.get(k) or "") for k in ("name", "address")).strip()
        return Address(text=label[:ADDRESS_MAX] or None, latitude=latitude, longitude=longitude)
    return address_from_text(turn.text)
