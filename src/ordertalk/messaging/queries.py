"""Reading messages with their histories, scoped to one store."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.schemas import MessageOut


async def messages_out(
    session: AsyncSession, store_id: str, *conditions: object, limit: int = 500
) -> list[MessageOut]:
    """Messages matching `conditions`, oldest first, each with its events."""
    rows = list(
        await session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.store_id == store_id, *conditions)  # type: ignore[arg-type]
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
    )
    events: dict[int, list[MessageEvent]] = defaultdict(list)
    if rows:
        for event in await session.scalars(
            select(MessageEvent)
            .where(MessageEvent.message_id.in_([r.id for r in rows]))
            .order_by(MessageEvent.id)
        ):
            events[event.message_id].append(event)
    return [MessageOut.of(row, events[row.id]) for row in rows]
