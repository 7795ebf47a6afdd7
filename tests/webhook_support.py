"""Waiting for kept WhatsApp webhooks to be applied.

`/webhooks/whatsapp` answers once a body is stored; the applier running beside the API applies
it a moment later. A test that posts a webhook and then looks at what it changed waits here
first, the way anyone reading Ordertalk's state after a webhook would.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.db import create_engine, session_factory
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent


async def until_applied(sessions: async_sessionmaker[AsyncSession], within: float = 15.0) -> None:
    """Wait until no kept webhook waits to be applied (applied, or kept aside with its error)."""
    waiting = (
        select(func.count())
        .select_from(WhatsAppWebhookEvent)
        .where(WhatsAppWebhookEvent.processed_at.is_(None), WhatsAppWebhookEvent.error.is_(None))
    )
    deadline = time.monotonic() + within
    while True:
        async with sessions() as session:
            left = int(await session.scalar(waiting) or 0)
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} kept webhooks were not applied within {within:g} s")
        await asyncio.sleep(0.01)


async def until_applied_on(database_url: str, within: float = 15.0) -> None:
    """`until_applied` on Ordertalk's database, from a test that has no session factory of it."""
    engine = create_engine(database_url)
    try:
        await until_applied(session_factory(engine), within)
    finally:
        await engine.dispose()


def outcome_at(database_url: str, event_id: int, within: float = 15.0) -> str | None:
    """Wait until the kept webhook `event_id` is applied (None) or set aside (its error)."""

    async def wait() -> str | None:
        engine = create_engine(database_url)
        deadline = time.monotonic() + within
        try:
            while True:
                async with session_factory(engine)() as session:
                    event = await session.get(WhatsAppWebhookEvent, event_id)
                    assert event is not None, f"webhook {event_id} was never kept"
                    if event.processed_at is not None or event.error is not None:
                        return event.error
                if time.monotonic() > deadline:
                    raise AssertionError(f"webhook {event_id} was not applied within {within:g} s")
                await asyncio.sleep(0.005)
        finally:
            await engine.dispose()

    return asyncio.run(wait())
