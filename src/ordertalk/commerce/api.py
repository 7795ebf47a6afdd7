"""`/v1/orders`: an order with its parcels, timeline and messages ("why no message?")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Refund, Return, Shipment, TimelineEntry
from ordertalk.commerce.schemas import (
    OrderOut,
    OrderSummary,
    RefundOut,
    ReturnOut,
    ShipmentOut,
    TimelineOut,
)
from ordertalk.deps import SessionDep
from ordertalk.errors import NotFound
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.queries import messages_out
from ordertalk.stores.deps import StoreDep

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.get("")
async def list_orders(
    store: StoreDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[OrderSummary]:
    """The store's most recently updated orders."""
    rows = await session.scalars(
        select(Order)
        .where(Order.store_id == store.id)
        .order_by(Order.updated_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [
        OrderSummary(
            order_id=o.external_id,
            name=o.name,
            milestone=o.milestone,
            milestone_at=o.milestone_at,
            payment_method=o.payment_method,
            payment_status=o.payment_status,
            updated_at=o.updated_at,
        )
        for o in rows
    ]


@router.get("/{order_id}")
async def get_order(order_id: str, store: StoreDep, session: SessionDep) -> OrderOut:
    """The order (by the store's own id), its parcels, returns, refunds, timeline and messages."""
    order = await session.scalar(
        select(Order).where(Order.store_id == store.id, Order.external_id == order_id)
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
        status_url=order.status_url,
        delivered=bool(shipments)
        and all(s.milestone == Milestone.DELIVERED.value for s in shipments),
        shipments=[ShipmentOut.model_validate(s) for s in shipments],
        returns=[ReturnOut.model_validate(r) for r in returns],
        refunds=[RefundOut.model_validate(r) for r in refunds],
        timeline=[TimelineOut.model_validate(t) for t in timeline],
        messages=await messages_out(session, store.id, OutboundMessage.order_id == order.id),
    )
