"""Writing to the outbox: a message is a row, in the same transaction as the change that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Purpose, Reason


async def enqueue(
    session: AsyncSession,
    *,
    store_id: str,
    contact_id: int,
    intent: str,
    purpose: Purpose,
    dedup_key: str,
    not_before: datetime,
    order_id: int | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    milestone: str | None = None,
    params: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    """Add a message unless one with the same dedup key exists (then None: never twice)."""
    existing = await session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.store_id == store_id, OutboundMessage.dedup_key == dedup_key
        )
    )
    if existing is not None:
        return None
    message = OutboundMessage(
        store_id=store_id,
        contact_id=contact_id,
        order_id=order_id,
        entity=entity,
        entity_id=entity_id,
        milestone=milestone,
        intent=intent,
        purpose=purpose.value,
        dedup_key=dedup_key[:200],
        state=MessageState.SCHEDULED.value,
        not_before=not_before,
        params=params or {},
    )
    try:
        # A savepoint: two sources racing to report one milestone must not fail each other.
        async with session.begin_nested():
            session.add(message)
            await session.flush()
    except IntegrityError:
        return None
    return message


def note(
    session: AsyncSession,
    message: OutboundMessage,
    *,
    kind: str,
    outcome: str,
    reason: Reason | None = None,
    until: datetime | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record what happened to a message and why (the explanation merchants read)."""
    event = MessageEvent(
        message_id=message.id,
        kind=kind,
        outcome=outcome,
        reason=reason.value if reason else None,
        until=until,
        detail=(detail or "")[:1000] or None,
    )
    if at is not None:
        event.at = at
    session.add(event)
