"""`/v1/orders`: an order with its parcels, timeline and messages ("why no message?")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from ordertalk.commerce.models import Order
from ordertalk.commerce.queries import order_out
from ordertalk.commerce.schemas import OrderOut, OrderSummary
from ordertalk.deps import SessionDep
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
    return await order_out(session, store.id, order_id)
