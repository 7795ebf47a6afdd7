"""Where is my order: the live milestone, the expected delivery date and the tracking link."""

from __future__ import annotations

from babel.dates import format_date

from ordertalk.commerce.milestones import Milestone
from ordertalk.conversations import texts
from ordertalk.conversations.flows.common import find_order, latest_shipment, order_label
from ordertalk.conversations.turn import Turn
from ordertalk.messaging.context import locale_for
from ordertalk.web.links import REPLY_LINK

_SHIPMENT_STATUS = {
    Milestone.PACKED: "packed",
    Milestone.DISPATCHED: "dispatched",
    Milestone.IN_TRANSIT: "in_transit",
    Milestone.OUT_FOR_DELIVERY: "out_for_delivery",
    Milestone.DELIVERY_ATTEMPT_FAILED: "delivery_attempt_failed",
    Milestone.READY_FOR_PICKUP: "ready_for_pickup",
    Milestone.DELIVERED: "delivered",
    Milestone.RTO_INITIATED: "returning",
    Milestone.RTO_IN_TRANSIT: "returning",
    Milestone.RTO_DELIVERED: "returning",
    Milestone.CANCELLED: "cancelled",
}


async def answer(turn: Turn, number: str | None) -> None:
    """Answer about the order named (only the customer's own), else their latest one."""
    order = await find_order(turn, number)
    if order is None:
        await turn.reply_text(
            turn.say("unknown_order" if number else "no_orders", order=number or "")
        )
        return
    shipment = await latest_shipment(turn, order)
    status = "placed"
    if order.milestone == Milestone.CANCELLED.value:
        status = "cancelled"
    elif shipment is not None and shipment.milestone:
        status = _SHIPMENT_STATUS.get(Milestone(shipment.milestone), "in_transit")
    elif order.milestone == Milestone.ORDER_CONFIRMED.value:
        status = "order_confirmed"
    edd = ""
    if shipment is not None and shipment.edd and status not in ("delivered", "cancelled"):
        locale = locale_for(turn.language, turn.contact.phone)
        edd = turn.say("edd", date=format_date(shipment.edd, "medium", locale=locale))
    link = (shipment.tracking_url if shipment else None) or order.status_url
    tracking = turn.say("tracking", link=link) if link else ""
    # With a public URL, the dispatcher swaps this link for the reply's own tracking page link.
    about = {
        "url": link,
        "shipment_id": shipment.id if shipment else None,
        "milestone": (shipment.milestone if shipment else None) or order.milestone,
    }
    body = turn.say(
        "wismo",
        order=order_label(order),
        status=texts.status_words(status, turn.language),
        edd=edd,
        tracking=tracking,
    )
    await turn.reply_text(body, order_id=order.id, extra={REPLY_LINK: about} if link else None)
