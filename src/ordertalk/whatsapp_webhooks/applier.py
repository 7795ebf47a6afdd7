"""Apply kept WhatsApp webhooks in the background, many per transaction, exactly once.

Any process may run an applier (`serve`, `serve --no-worker`, `worker`): each claims the oldest
unapplied events with a lease (SKIP LOCKED on PostgreSQL), applies them together and marks them
applied in the same transaction. A crash leaves the lease to expire and the events to be
claimed again; a failing batch is applied again one event at a time, so one bad event is kept
aside with its error and retried with back-off (never given up) instead of holding up the
others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.db import utcnow
from ordertalk.idle import until_woken
from ordertalk.whatsapp.webhooks import parse_webhook
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from ordertalk.whatsapp_webhooks.process import Processed, process_webhooks

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ApplierConfig:
    """How much is claimed at once, for how long, and how often a failing event is retried."""

    # A batch is one write transaction: on SQLite it holds the only write lock throughout, so
    # acknowledgements of new webhooks wait for it; 100 statuses take about 0.1 s.
    batch: int = 100
    # A batch applies in well under a second; the lease only matters when its applier died
    # (or the database went away mid-batch), and then the statuses in it are waited for: a
    # send whose response was lost is resent if its status is not applied in the reconcile wait.
    lease: timedelta = timedelta(seconds=15)
    poll_interval: float = 1.0
    # An event is never given up (that would lose what it says): one that keeps failing is
    # tried every `max_backoff`, and from `alarm_after` attempts on each failure is an error.
    alarm_after: int = 20
    max_backoff: timedelta = timedelta(minutes=5)


_Event = tuple[int, bytes, list[str] | None]


def _groups(
    rows: Sequence[Row[int, bytes, list[str] | None, str, int]],
) -> list[list[_Event]]:
    """Claimed events in arrival order, as transactions: runs of statuses-only events together,
    anything else (a customer's message, a template review, a preference) alone.

    Statuses lock only outbox rows, together and in id order (as the dispatcher does), so a
    batch of them cannot deadlock. A customer's message or a template review writes contacts,
    conversations or template rows that API requests and `templates push` write too, in their
    own order: in one transaction per event, as when each was applied in its own request.
    """
    groups: list[list[_Event]] = []
    batched = False
    for event_id, body, signers, fields, messages in rows:
        statuses_only = fields == "messages" and not messages
        if statuses_only and batched:
            groups[-1].append((event_id, body, signers))
        else:
            groups.append([(event_id, body, signers)])
        batched = statuses_only
    return groups


class WebhookApplier:
    """Claims, applies and marks kept webhooks; `wake()` after keeping new ones."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        config: ApplierConfig | None = None,
        on_planned: Callable[[], None] | None = None,
        write_turn: asyncio.Lock | None = None,
    ) -> None:
        self.sessions = sessions
        self.write_turn = write_turn or contextlib.nullcontext()  # see Intake
        self.config = config or ApplierConfig()
        self.on_planned = on_planned
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New events were kept: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Apply until `stop` is set; a failed pass is logged and tried again."""
        while not stop.is_set():
            self._wake.clear()
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("applying webhooks failed; retrying")
                handled = 0
            if handled:
                continue
            await until_woken(self._wake, stop, self.config.poll_interval)

    async def run_once(self) -> int:
        """One pass: the number of events claimed (applied, or kept aside with their error)."""
        now = utcnow()
        ids = await self._claim(now)
        if not ids:
            return 0
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        WhatsAppWebhookEvent.id,
                        WhatsAppWebhookEvent.body,
                        WhatsAppWebhookEvent.signers,
                        WhatsAppWebhookEvent.fields,
                        WhatsAppWebhookEvent.messages,
                    )
                    .where(WhatsAppWebhookEvent.id.in_(ids))
                    .order_by(WhatsAppWebhookEvent.id)
                )
            ).all()
        processed = Processed()
        for group in _groups(rows):
            events = [
                (event_id, body, frozenset(signers or ())) for event_id, body, signers in group
            ]
            try:
                done = await self._apply(events, now)
            except Exception as exc:
                log.warning(
                    "applying %d webhooks together failed (%s); applying them one by one",
                    len(events),
                    type(exc).__name__,
                )
                for event in events:
                    processed.messages_planned += await self._apply_alone(event, now)
                continue
            processed.messages_planned += done.messages_planned
        if processed.messages_planned and self.on_planned is not None:
            self.on_planned()
        return len(rows)

    async def _claim(self, now: datetime) -> list[int]:
        cfg = self.config
        free = or_(
            WhatsAppWebhookEvent.lease_until.is_(None), WhatsAppWebhookEvent.lease_until < now
        )
        async with self.sessions() as session:
            due = (
                select(WhatsAppWebhookEvent.id)
                .where(
                    WhatsAppWebhookEvent.processed_at.is_(None),
                    WhatsAppWebhookEvent.signers.is_not(None),
                    free,
                )
                .order_by(WhatsAppWebhookEvent.id)
                .limit(cfg.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = await session.scalars(
                update(WhatsAppWebhookEvent)
                .where(WhatsAppWebhookEvent.id.in_(due.scalar_subquery()), free)
                .values(lease_until=now + cfg.lease, attempts=WhatsAppWebhookEvent.attempts + 1)
                .returning(WhatsAppWebhookEvent.id)
                .execution_options(synchronize_session=False)
            )
            ids = sorted(claimed.all())
            await session.commit()
        return ids

    async def _apply(
        self, events: list[tuple[int, bytes, frozenset[str]]], now: datetime
    ) -> Processed:
        async with self.write_turn, self.sessions() as session:
            processed = await process_webhooks(
                session, [(parse_webhook(body), signers) for _, body, signers in events]
            )
            await session.execute(
                update(WhatsAppWebhookEvent)
                .where(WhatsAppWebhookEvent.id.in_([event_id for event_id, _, _ in events]))
                .values(processed_at=utcnow(), error=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return processed

    async def _apply_alone(self, event: tuple[int, bytes, frozenset[str]], now: datetime) -> int:
        """Apply one event; on failure keep its error and set its next try. Messages planned."""
        try:
            return (await self._apply([event], now)).messages_planned
        except Exception as exc:
            error = type(exc).__name__[:200]
        event_id = event[0]
        async with self.sessions() as session:
            stored = await session.get(WhatsAppWebhookEvent, event_id)
            if stored is None:
                return 0
            backoff = min(timedelta(seconds=2 ** min(stored.attempts, 12)), self.config.max_backoff)
            stored.error = error
            stored.lease_until = now + backoff
            await session.commit()
            if stored.attempts >= self.config.alarm_after:
                log.error(
                    "webhook %s failed %d times (%s); trying again in %s",
                    event_id,
                    stored.attempts,
                    error,
                    backoff,
                )
            else:
                log.warning("webhook %s failed (%s); trying again in %s", event_id, error, backoff)
        return 0
