"""Reading messages with their histories, scoped to one store."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.schemas import MessageOut
from ordertalk.web.models import TrackingLink


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
    clicks: dict[int, int] = {}
    if rows:
        ids = [r.id for r in rows]
        for event in await session.scalars(
            select(MessageEvent).where(MessageEvent.message_id.in_(ids)).order_by(MessageEvent.id)
        ):
            events[event.message_id].append(event)
        links = await session.execute(
            select(TrackingLink.message_id, TrackingLink.clicks).where(
                TrackingLink.message_id.in_(ids)
            )
        )
        clicks = {message_id: count for message_id, count in links if message_id is not None}
    return [MessageOut.of(row, events[row.id], clicks.get(row.id)) for row in rows]
