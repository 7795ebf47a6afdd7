"""Background work for kept events: apply the ones a crash left unapplied.

The webhook endpoints keep a raw event (commit) before applying it in a second transaction. A
process that dies in between leaves the event "received" and unapplied; a redelivery applies
it, but not every sender redelivers (a request that timed out may be counted as delivered), so
`reapply_stale` finds such events itself. Run it every so often (`run_reapply`) beside the
dispatcher, in every worker: `service.claim_unapplied` makes sure one event is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.db import utcnow
from ordertalk.integrations.base import NormaliseError
from ordertalk.integrations.models import RawEvent
from ordertalk.integrations.service import (
    STALE_AFTER,
    RawState,
    apply_events,
    claim_unapplied,
    events_of,
    mark_failed,
)
from ordertalk.stores.models import Store

log = logging.getLogger(__name__)

BATCH = 100
EVERY_S = 30.0


async def reapply_stale(
    sessions: async_sessionmaker[AsyncSession],
    older_than: timedelta = STALE_AFTER,
    *,
    batch: int = BATCH,
) -> int:
    """Apply up to `batch` kept events still "received" `older_than` after they arrived (their
    request died before applying them), oldest first, each in its own transaction; how many
    were applied.

    One whose applying fails here is marked failed, as the endpoint marks it, and left to its
    sender's redelivery (which applies a failed event again): retried here, an event that fails
    every time would be retried forever. Failed events are not swept for the same reason, and
    parked ones wait for their parcel (`service._release`).
    """
    cutoff = utcnow() - older_than
    async with sessions() as session:
        stale = list(
            await session.scalars(
                select(RawEvent.id)
                .where(RawEvent.state == RawState.RECEIVED, RawEvent.received_at < cutoff)
                .order_by(RawEvent.id)
                .limit(batch)
            )
        )
    applied = 0
    for raw_id in stale:
        async with sessions() as session:
            applied += await _reapply(session, raw_id)
    return applied


async def _reapply(session: AsyncSession, raw_id: int) -> int:
    # Not waiting for a row another transaction holds (PostgreSQL): that one is applying it.
    raw = await claim_unapplied(session, raw_id, wait=False)
    if raw is None or raw.state != RawState.RECEIVED:  # applied or failed since it was listed
        await session.rollback()
        return 0
    store = await session.get(Store, raw.store_id)
    assert store is not None  # a store's raw events go with it (ON DELETE CASCADE)
    try:
        # Read again from the kept body, as a parked event is when its parcel is known.
        events = await events_of(session, store, raw)
    except (NormaliseError, ValueError) as exc:
        # It was read once, when it arrived; the source's options have changed since.
        raw.state = RawState.INVALID
        raw.error = str(exc)[:1000]
        await session.commit()
        log.warning("raw event %s, left unapplied by a crash, no longer reads: %s", raw_id, exc)
        return 0
    try:
        await apply_events(session, store, raw, events, utcnow())
        await session.commit()
    except Exception as exc:
        await session.rollback()
        log.exception("re-applying raw event %s failed; kept for its redelivery", raw_id)
        await mark_failed(session, raw_id, exc)
        await session.commit()
        return 0
    log.info("raw event %s, left unapplied by a crash, applied", raw_id)
    return 1


async def run_reapply(
    sessions: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    every: float = EVERY_S,
    older_than: timedelta = STALE_AFTER,
) -> None:
    """`reapply_stale` every `every` seconds until `stop` is set; errors are logged, never fatal."""
    while not stop.is_set():
        try:
            # A full batch applied: more may be waiting. (Anything short of it, skipped or
            # failed events included, ends the round, so a stuck event cannot spin this loop.)
            while await reapply_stale(sessions, older_than) == BATCH:
                pass
        except Exception:
            log.exception("re-applying stale raw events failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
