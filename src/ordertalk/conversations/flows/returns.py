"""Return or exchange: pick the order, the item and the reason, add a photo if they like.

Only delivered orders within the store's return window are offered (`settings.return_days`,
30 by default). The request becomes a `return_requested` return and a `return.requested`
webhook; the store decides the rest and its return events keep the customer informed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ordertalk.commerce.events import ReturnKind
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Return, Shipment
from ordertalk.conversations import replies
from ordertalk.conversations.actions import request_return
from ordertalk.conversations.flows.common import digits, menu, order_label, own_order, row_id
from ordertalk.conversations.turn import Turn
from ordertalk.conversations.understanding import Intent
from ordertalk.stores.schemas import DEFAULT_RETURN_DAYS
from ordertalk.whatsapp.webhook_types import InboundType

FLOW = "return"
PREFIX = "ret:"
REASONS = ("damaged", "wrong_item", "size", "not_as_described", "changed_mind", "other")
# Returns still open: a second request for the same order goes to the store, not a new row.
_CLOSED = (Milestone.RETURN_REJECTED.value, Milestone.RETURN_CANCELLED.value)
_MEDIA = (InboundType.IMAGE, InboundType.VIDEO, InboundType.DOCUMENT, InboundType.STICKER)
_MAX_ROWS = 10
# What the customer's words at the reason and photo steps may sound like and still be their
# answer: "it arrived damaged", "wrong size" read as a return or exchange, not a new request.
_DESCRIBING = (None, Intent.UNKNOWN, Intent.RETURN, Intent.EXCHANGE)


def owns(reply_id: str | None) -> bool:
    """True for this flow's list rows and buttons."""
    return reply_id is not None and reply_id.startswith(PREFIX)


def _return_days(turn: Turn) -> int:
    value = (turn.store.settings or {}).get("return_days", DEFAULT_RETURN_DAYS)
    return value if isinstance(value, int) and 0 < value <= 365 else DEFAULT_RETURN_DAYS


async def _returnable(turn: Turn) -> list[Order]:
    """The customer's orders delivered within the return window, newest first."""
    since = turn.at - timedelta(days=_return_days(turn))
    rows = await turn.session.scalars(
        select(Order)
        .join(Shipment, Shipment.order_id == Order.id)
        .where(
            Order.store_id == turn.store.id,
            Order.contact_id == turn.contact.id,
            Shipment.milestone == Milestone.DELIVERED.value,
            Shipment.milestone_at >= since,
        )
        .order_by(Shipment.milestone_at.desc(), Order.id.desc())
        .limit(_MAX_ROWS)
    )
    return list(dict.fromkeys(rows))


async def start(turn: Turn, kind: ReturnKind, number: str | None = None) -> None:
    """The customer asked to return or exchange something."""
    orders = await _returnable(turn)
    if number is not None:
        bare = number.lstrip("#")
        orders = [o for o in orders if bare in (o.external_id, (o.name or "").lstrip("#"))]
    if not orders:
        turn.end_flow()
        await turn.reply_text(turn.say("return_none", days=str(_return_days(turn))))
        return
    turn.ask(FLOW, "order", kind=kind.value)
    if len(orders) == 1:
        await _chose_order(turn, orders[0])
        return
    rows = [
        (f"ret:order:{o.id}", order_label(o)[:24],
         ", ".join(str(i.get("title", "")) for i in o.items)[:72] or None)
        for o in orders
    ]  # fmt: skip
    body = turn.say("return_pick_order")
    await turn.reply(replies.choice_list(body, turn.say("return_orders_btn"), rows), body)


async def _open_return(turn: Turn, order: Order) -> Return | None:
    return await turn.session.scalar(
        select(Return)
        .where(
            Return.order_id == order.id,
            Return.milestone.not_in(_CLOSED) | Return.milestone.is_(None),
        )
        .limit(1)
    )


async def _chose_order(turn: Turn, order: Order) -> None:
    if await _open_return(turn, order) is not None:
        turn.end_flow()
        await turn.reply_text(
            turn.say("return_pending", order=order_label(order)), order_id=order.id
        )
        return
    items = [i for i in order.items if isinstance(i, dict)]
    turn.ask(FLOW, "item", order_id=order.id)
    if len(items) <= 1:
        await _chose_items(turn, order, items)
        return
    rows: list[tuple[str, str, str | None]] = [
        (f"ret:item:{n}", str(item.get("title") or "Item")[:24],
         f"× {item.get('quantity', 1)}")
        for n, item in enumerate(items[: _MAX_ROWS - 1])
    ]  # fmt: skip
    rows.append(("ret:item:all", turn.say("return_all_row"), None))
    body = turn.say("return_pick_items", order=order_label(order))
    await turn.reply(
        replies.choice_list(body, turn.say("return_items_btn"), rows), body, order_id=order.id
    )


async def _chose_items(turn: Turn, order: Order, items: list[dict[str, Any]]) -> None:
    turn.ask(FLOW, "reason", items=items)
    rows = [(f"ret:reason:{code}", turn.say(f"reason_{code}_row"), None) for code in REASONS]
    body = turn.say("return_pick_reason")
    await turn.reply(
        replies.choice_list(body, turn.say("return_reasons_btn"), rows), body, order_id=order.id
    )


async def _chose_reason(turn: Turn, order: Order, reason: str, comment: str | None) -> None:
    turn.ask(FLOW, "photo", reason=reason, comment=comment)
    await turn.reply_buttons(
        turn.say("return_ask_photo"), [("ret:skip", turn.say("skip_btn"))], order_id=order.id
    )


async def _finish(
    turn: Turn, order: Order, photo_media_id: int | None, comment: str | None
) -> None:
    state = turn.state()
    kind = ReturnKind(state.get("kind", ReturnKind.RETURN.value))
    items = state.get("items") if isinstance(state.get("items"), list) else order.items
    reason = str(state.get("reason") or "other")
    earlier = state.get("comment")
    words = " / ".join(c for c in (earlier, comment) if isinstance(c, str) and c) or None
    turn.end_flow()
    row = await request_return(
        turn.session, turn.store, order, kind=kind, items=list(items or []), reason=reason,
        comment=words, photo_media_id=photo_media_id, contact=turn.contact,
        key=f"{turn.conversation.id}-{turn.message.id}", at=turn.at,
    )  # fmt: skip
    await turn.reply_text(
        turn.say("return_done", kind=turn.say(f"kind_{kind.value}"), order=order_label(order),
                 ref=str(row.id)),
        order_id=order.id,
    )  # fmt: skip


async def _order_in_flow(turn: Turn) -> Order | None:
    order_id = turn.state().get("order_id")
    return await own_order(turn, order_id) if isinstance(order_id, int) else None


async def on_reply(turn: Turn, reply_id: str) -> None:
    """A tap on one of this flow's rows or buttons."""
    _, _, rest = reply_id.partition(":")
    what, _, value = rest.partition(":")
    tapped: Order | None = None
    if what == "order":
        order_id = row_id(value)
        tapped = await own_order(turn, order_id) if order_id is not None else None
        if tapped is None:
            await menu(turn)  # not theirs, or gone: never act on someone else's order
            return
    if not turn.in_flow(FLOW):
        await start(turn, ReturnKind.RETURN)  # an old list: start again from today's orders
        return
    if tapped is not None:
        if tapped not in await _returnable(turn):
            await start(turn, ReturnKind(turn.state().get("kind", "return")))
            return
        await _chose_order(turn, tapped)
        return
    order = await _order_in_flow(turn)
    if order is None:
        await start(turn, ReturnKind(turn.state().get("kind", "return")))
        return
    if what == "item" and turn.step() == "item":
        items = [i for i in order.items if isinstance(i, dict)]
        if value == "all":
            await _chose_items(turn, order, items)
        elif (index := digits(value)) is not None and index < len(items):
            await _chose_items(turn, order, [items[index]])
        else:
            await _chose_order(turn, order)
    elif what == "reason" and turn.step() == "reason" and value in REASONS:
        await _chose_reason(turn, order, value, None)
    elif what == "skip" and turn.step() == "photo":
        await _finish(turn, order, None, None)
    else:
        await turn.reply_text(turn.say("pick_from_list"), order_id=order.id)


async def on_answer(turn: Turn, photo_media_id: int | None) -> bool:
    """A typed answer, or the photo, while the flow waits; False if it is not one."""
    order = await _order_in_flow(turn) if turn.step() != "order" else None
    step = turn.step()
    if step == "photo" and order is not None:
        if turn.message.type in _MEDIA and photo_media_id is not None:
            caption = (turn.message.content or {}).get("caption")
            await _finish(
                turn, order, photo_media_id, caption if isinstance(caption, str) else None
            )
            return True
        if turn.text and turn.intent in (*_DESCRIBING, Intent.NO):
            await _finish(turn, order, None, turn.text)  # words instead of a photo: kept
            return True
        if turn.text is None:  # audio, a location...: ask once more for a photo
            if not turn.retry():
                await _finish(turn, order, None, None)
                return True
            await turn.reply_buttons(
                turn.say("return_photo_expected"),
                [("ret:skip", turn.say("skip_btn"))],
                order_id=order.id,
            )
            return True
        return False
    if step == "reason" and order is not None and turn.text and turn.intent in _DESCRIBING:
        await _chose_reason(turn, order, "other", turn.text)  # their own words are the reason
        return True
    if turn.intent not in (None, Intent.UNKNOWN):
        return False
    if not turn.retry():
        await menu(turn)
        return True
    await turn.reply_text(turn.say("pick_from_list"))
    return True
