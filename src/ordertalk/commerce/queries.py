"""Reading an order with everything that happened to it, scoped to one store (the API and the
dashboard show the same thing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Feedback, Order, Refund, Return, Shipment, TimelineEntry
from ordertalk.commerce.schemas import (
    FeedbackOut,
    OrderOut,
    RefundOut,
    ReturnOut,
    ShipmentOut,
    TimelineOut,
)
from ordertalk.contacts.models import Contact
from ordertalk.errors import NotFound
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.queries import messages_out


async def order_out(session: AsyncSession, store_id: str, order_id: str) -> OrderOut:
    """The order (by the store's own id), its parcels, returns, refunds, timeline and messages;
    NotFound for an unknown order or another store's."""
    order = await session.scalar(
        select(Order).where(Order.store_id == store_id, Order.external_id == order_id)
    )
    if order is None:
        raise NotFound(f"no order {order_id!r} in this store")
    shipments = list(
        await session.scalars(
            select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id)
        )
    )
    returns = list(
        await session.scalars(select(Return).where(Return.order_id == order.id).order_by(Return.id))
    )
    refunds = list(
        await session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id))
    )
    timeline = await session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.order_id == order.id)
        .order_by(TimelineEntry.event_time, TimelineEntry.id)
    )
    feedback = await session.scalar(select(Feedback).where(Feedback.order_id == order.id))
    return OrderOut(
        order_id=order.external_id,
        name=order.name,
        milestone=order.milestone,
        milestone_at=order.milestone_at,
        contact_id=order.contact_id,
        customer_name=order.customer_name,
        currency=order.currency,
        total=order.total,
        items=order.items,
        payment_method=order.payment_method,
        payment_status=order.payment_status,
        cod_decision=order.cod_decision,
        cod_decided_at=order.cod_decided_at,
        status_url=order.status_url,
        delivered=bool(shipments)
        and all(s.milestone == Milestone.DELIVERED.value for s in shipments),
        shipments=[ShipmentOut.model_validate(s) for s in shipments],
        returns=[ReturnOut.model_validate(r) for r in returns],
        refunds=[RefundOut.model_validate(r) for r in refunds],
        timeline=[TimelineOut.model_validate(t) for t in timeline],
        messages=await messages_out(session, store_id, OutboundMessage.order_id == order.id),
        feedback=FeedbackOut.model_validate(feedback) if feedback is not None else None,
    )


async def search_orders(
    session: AsyncSession, store_id: str, query: str | None, *, offset: int, limit: int
) -> tuple[list[tuple[Order, str | None]], bool]:
    """A page of the store's orders, newest first, each with its customer's phone, matching
    `query` (the order's id or number, or digits of the phone) when given; and whether more
    follow."""
    conditions: list[Any] = [Order.store_id == store_id]
    text = (query or "").strip()
    if text:
        matches: list[Any] = [
            Order.external_id == text,
            Order.name.icontains(text, autoescape=True),
        ]
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 4:
            # Any format of the number: its digits are part of the WhatsApp id (no "+").
            matches.append(Contact.wa_id.contains(digits.lstrip("0") or digits, autoescape=True))
        conditions.append(or_(*matches))
    rows = (
        await session.execute(
            select(Order, Contact.phone)
            .outerjoin(Contact, Contact.id == Order.contact_id)
            .where(*conditions)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
    ).all()
    return [(order, phone) for order, phone in rows[:limit]], len(rows) > limit
