"""`message.status` for merchants' endpoints: a message moved forward, or failed for good."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.models import Order
from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.states import MessageState
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.service import emit, subscribed

ANNOUNCED = frozenset(
    {MessageState.SENT, MessageState.DELIVERED, MessageState.READ, MessageState.FAILED}
)


async def announce_status(
    session: AsyncSession, message: OutboundMessage, status: MessageState, at: datetime
) -> int:
    """Queue `message.status` once per (message, status); how many deliveries were written.

    On the status-webhook hot path: when no endpoint of the store subscribes, this costs one
    dictionary lookup (the endpoints are read once per transaction) and builds nothing.
    """
    if status not in ANNOUNCED:
        return 0
    if not await subscribed(session, message.store_id, WebhookEventType.MESSAGE_STATUS):
        return 0
    contact = await session.get(Contact, message.contact_id)
    order_id = None
    if message.order_id is not None:
        order_id = await session.scalar(
            select(Order.external_id).where(Order.id == message.order_id)
        )
    error = None
    if status is MessageState.FAILED:
        error = {"code": message.error_code, "title": message.error_title}
    data: dict[str, Any] = {
        "message_id": message.id,
        "wamid": message.wamid,
        "intent": message.intent,
        "order_id": order_id,
        "status": status.value,
        "at": at,
        "error": error,
        "pricing_category": message.pricing_category,
        "contact_id": message.contact_id,
        "customer": mask(contact.phone) if contact is not None else None,
    }
    return await emit(
        session,
        message.store_id,
        WebhookEventType.MESSAGE_STATUS,
        data,
        event_id=f"status-{message.id}-{status.value}",
        occurred_at=at,
    )
