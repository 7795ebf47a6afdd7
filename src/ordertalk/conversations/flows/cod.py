"""Cash on delivery: the customer confirms the order, or cancels it (after a second tap).

Starts from the COD template's buttons (`cod:confirm:<order>` / `cod:cancel:<order>`), or from
a plain "yes"/"cancel" while one of the customer's COD orders still waits for an answer.
"""

from __future__ import annotations

from sqlalchemy import select

from ordertalk.commerce.actions import CodDecision
from ordertalk.commerce.models import Order
from ordertalk.conversations.actions import (
    COD_OPEN,
    ActionRefused,
    record_cod_decision,
    shipped,
)
from ordertalk.conversations.flows.common import (
    menu,
    order_label,
    own_order,
    own_order_by_external,
)
from ordertalk.conversations.turn import Turn
from ordertalk.conversations.understanding import Intent

FLOW = "cod"
PREFIX = "cod:"


def owns(reply_id: str | None) -> bool:
    """True for the COD template's buttons and this flow's own."""
    return reply_id is not None and reply_id.startswith(PREFIX)


async def pending_order(turn: Turn) -> Order | None:
    """The customer's latest cash-on-delivery order still waiting for their confirmation."""
    order = await turn.session.scalar(
        select(Order)
        .where(
            Order.store_id == turn.store.id,
            Order.contact_id == turn.contact.id,
            Order.payment_method == "cod",
            Order.cod_decision.is_(None),
            Order.milestone.in_([m for m in COD_OPEN if m is not None]) | Order.milestone.is_(None),
        )
        .order_by(Order.id.desc())
        .limit(1)
    )
    # Once a parcel is on its way there is nothing left to confirm: "cancel" is a request for
    # a person, not a COD answer.
    return None if order is None or await shipped(turn.session, order) else order


async def asked_order(turn: Turn) -> Order | None:
    """The order the flow's "really cancel?" question is about (the customer's own)."""
    order_id = turn.state().get("order_id")
    return await own_order(turn, order_id) if isinstance(order_id, int) else None


def _names_another(turn: Turn, order: Order) -> bool:
    """True when the text names an order number that is not this order's."""
    number = turn.understood.order_number if turn.understood else None
    if number is None:
        return False
    bare = number.lstrip("#")
    return bare not in (order.external_id, (order.name or "").lstrip("#"))


async def on_reply(turn: Turn, reply_id: str) -> None:
    """A tap on Confirm / Cancel (the template's) or on the bot's "really cancel?" buttons."""
    parts = reply_id.split(":", 2)
    order = await own_order_by_external(turn, parts[2]) if len(parts) == 3 else None
    if order is None:
        await menu(turn)
        return
    match parts[1]:
        case "confirm" | "keep":
            await _decide(turn, order, CodDecision.CONFIRMED)
        case "cancel":
            await _ask_cancel(turn, order)
        case "cancel_yes":
            await _decide(turn, order, CodDecision.CANCELLED)
        case _:
            await menu(turn)


async def on_words(turn: Turn, order: Order) -> bool:
    """ "Yes" confirms and "no"/"cancel" asks again, while a COD order waits; False otherwise."""
    if _names_another(turn, order):
        return False  # "cancel order #2040" is about #2040, whatever else is pending
    if turn.in_flow(FLOW) and turn.state().get("order_id") == order.id:
        if turn.intent in (Intent.YES, Intent.CANCEL):
            await _decide(turn, order, CodDecision.CANCELLED)  # "yes, cancel it"
            return True
        if turn.intent is Intent.NO:
            await _decide(turn, order, CodDecision.CONFIRMED)  # "no, keep it"
            return True
        return False
    if turn.intent is Intent.YES:
        await _decide(turn, order, CodDecision.CONFIRMED)
        return True
    if turn.intent in (Intent.NO, Intent.CANCEL):
        await _ask_cancel(turn, order)
        return True
    return False


async def _ask_cancel(turn: Turn, order: Order) -> None:
    await turn.reply_buttons(
        turn.say("cod_confirm_cancel", order=order_label(order)),
        [
            (f"cod:cancel_yes:{order.external_id}", turn.say("cod_cancel_yes_btn")),
            (f"cod:keep:{order.external_id}", turn.say("cod_keep_btn")),
        ],
        order_id=order.id,
    )
    turn.ask(FLOW, "cancel", order_id=order.id)


async def _decide(turn: Turn, order: Order, decision: CodDecision) -> None:
    turn.end_flow()
    label = order_label(order)
    try:
        changed = await record_cod_decision(
            turn.session, turn.store, order, decision, contact=turn.contact, source="chat",
            at=turn.at,
        )  # fmt: skip
    except ActionRefused as refused:
        await turn.reply_text(turn.say(refused.reason, order=label), order_id=order.id)
        return
    if not changed:
        key = f"cod_already_{decision.value}"
    else:
        key = "cod_confirmed" if decision is CodDecision.CONFIRMED else "cod_cancelled"
    await turn.reply_text(turn.say(key, order=label), order_id=order.id)
