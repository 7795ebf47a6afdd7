"""`/ui/orders`: the store's orders, and one order with its timeline, messages and decisions
(the same reading as `GET /v1/orders/{id}`), with a Retry for a message that did not go out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from ordertalk.commerce.models import Order
from ordertalk.commerce.queries import order_out, search_orders
from ordertalk.contacts.models import Contact
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.errors import NotFound
from ordertalk.messaging import retry as retries
from ordertalk.messaging.models import OutboundMessage
from ordertalk.web.auth import ViewerDep
from ordertalk.web.csrf import FormViewerDep
from ordertalk.web.pages import PREFIX, page

router = APIRouter(prefix=f"{PREFIX}/orders", include_in_schema=False)

PAGE_SIZE = 25
OrderId = Annotated[str, Path(min_length=1, max_length=200)]
MessageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("")
async def orders(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The store's orders, newest first; search by order number or phone."""
    rows, more = await search_orders(
        session, viewer.store.id, q, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return page(
        request,
        "ui_orders.html",
        viewer,
        section="orders",
        rows=rows,
        q=q.strip(),
        page_number=page_number,
        more=more,
    )


async def _order_row(session: SessionDep, store_id: str, order_id: str) -> Order:
    order = await session.scalar(
        select(Order).where(Order.store_id == store_id, Order.external_id == order_id)
    )
    if order is None:
        raise NotFound(f"no order {order_id[:64]!r} in this store")
    return order


@router.get("/{order_id}")
async def order_page(
    request: Request,
    order_id: OrderId,
    viewer: ViewerDep,
    session: SessionDep,
    retried: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """One order: parcels, milestone timeline, every message with its status and reasons."""
    order = await order_out(session, viewer.store.id, order_id)
    contact = await session.get(Contact, order.contact_id) if order.contact_id is not None else None
    attempts: dict[int, int] = {}
    for message in order.messages:
        if message.state in retries.RETRYABLE:
            row = await session.get(OutboundMessage, message.id)
            assert row is not None
            attempts[message.id] = await retries.next_attempt(session, row)
    return page(
        request,
        "ui_order.html",
        viewer,
        section="orders",
        order=order,
        phone=contact.phone if contact is not None else None,
        attempts=attempts,
        retried=retried,
    )


@router.post("/{order_id}/messages/{message_id}/retry")
async def retry_message(
    request: Request,
    order_id: OrderId,
    message_id: MessageId,
    viewer: FormViewerDep,
    session: SessionDep,
    attempt: Annotated[int, Form(ge=1, le=retries.RETRIES_MAX)],
) -> RedirectResponse:
    """Queue the message again (a new outbox row; the policy decides again)."""
    order = await _order_row(session, viewer.store.id, order_id)
    retried = await retries.retry(
        session,
        viewer.store.id,
        message_id,
        attempt=attempt,
        by=viewer.user.name,
        now=utcnow(),
        order_id=order.id,
    )
    await session.commit()  # before the dispatcher is woken, so that it finds the row
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()
    target = request.url_for("order_page", order_id=order_id).path
    return RedirectResponse(f"{target}?retried={retried.id}#message-{retried.id}", 303)
