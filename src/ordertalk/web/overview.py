"""The overview's numbers: a store's messages over the last days, by intent, by outcome, by
failure reason, by pricing category and by cost. Portable SQL (SQLite and PostgreSQL): days are
bucketed with a CASE over UTC day bounds rather than a dialect's date functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.states import MessageState
from ordertalk.web.costs import CurrencyCosts, costs_per_day

DAYS = 14
DELIVERED_STATES = (MessageState.DELIVERED.value, MessageState.READ.value)


@dataclass(frozen=True, slots=True)
class Day:
    """One UTC day's messages: planned, sent (WhatsApp accepted them), delivered, read, failed."""

    day: date
    planned: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0


@dataclass(slots=True)
class Overview:
    """What the overview page shows for one store and period."""

    since: datetime
    until: datetime
    days: list[Day] = field(default_factory=list)
    by_intent: list[tuple[str, int]] = field(default_factory=list)
    failures: list[tuple[int | None, str, int]] = field(default_factory=list)  # code, title, n
    suppressed: list[tuple[str, int]] = field(default_factory=list)  # policy reason, n
    pricing: list[tuple[str, int, int]] = field(default_factory=list)  # category, n, billable
    costs: list[CurrencyCosts] = field(default_factory=list)  # per currency, per day
    unpriced: int = 0  # delivered billable messages the rate card had no price for

    @property
    def planned(self) -> int:
        """Messages planned in the period."""
        return sum(day.planned for day in self.days)

    @property
    def sent(self) -> int:
        """Messages WhatsApp accepted (they have a wamid)."""
        return sum(day.sent for day in self.days)

    @property
    def delivered(self) -> int:
        """Messages delivered (read ones included)."""
        return sum(day.delivered for day in self.days)

    @property
    def read(self) -> int:
        """Messages read."""
        return sum(day.read for day in self.days)

    @property
    def failed(self) -> int:
        """Messages that failed."""
        return sum(day.failed for day in self.days)

    def rate(self, part: int) -> float | None:
        """`part` as a share of the messages sent (None when none was sent)."""
        return part / self.sent if self.sent else None


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def overview(
    session: AsyncSession, store_id: str, now: datetime, days: int = DAYS
) -> Overview:
    """The store's messages created in the last `days` UTC days (today included)."""
    today = now.astimezone(UTC).date()
    starts = [
        datetime(d.year, d.month, d.day, tzinfo=UTC)
        for d in (today - timedelta(days=days - 1 - i) for i in range(days))
    ]
    since, until = starts[0], starts[-1] + timedelta(days=1)
    m = OutboundMessage
    in_period = (m.store_id == store_id, m.created_at >= since, m.created_at < until)
    # Newest bound first: the first bound a row is past is its day.
    bucket = case(
        *[(m.created_at >= start, index) for index, start in reversed(list(enumerate(starts)))],
        else_=-1,
    ).label("bucket")
    rows = await session.execute(
        select(
            bucket,
            func.count(m.id),
            _count(m.wamid.is_not(None)),
            _count(m.state.in_(DELIVERED_STATES)),
            _count(m.state == MessageState.READ.value),
            _count(m.state == MessageState.FAILED.value),
        )
        .where(*in_period)
        .group_by(bucket)
    )
    found = {int(index): tuple(int(v or 0) for v in values) for index, *values in rows}
    result = Overview(since=since, until=until)
    for index, start in enumerate(starts):
        planned, sent, delivered, read, failed = found.get(index, (0, 0, 0, 0, 0))
        result.days.append(Day(start.date(), planned, sent, delivered, read, failed))
    intents = await session.execute(
        select(m.intent, func.count(m.id))
        .where(*in_period)
        .group_by(m.intent)
        .order_by(func.count(m.id).desc(), m.intent)
    )
    result.by_intent = [(intent, int(n)) for intent, n in intents]
    failures = await session.execute(
        select(m.error_code, func.max(m.error_title), func.count(m.id))
        .where(*in_period, m.state == MessageState.FAILED.value)
        .group_by(m.error_code)
        .order_by(func.count(m.id).desc(), m.error_code)
    )
    result.failures = [(code, title or "", int(n)) for code, title, n in failures]
    # A suppressed message's reason is its policy decision "suppress" (one per message).
    suppressed = await session.execute(
        select(MessageEvent.reason, func.count(func.distinct(m.id)))
        .join(MessageEvent, MessageEvent.message_id == m.id)
        .where(
            *in_period,
            m.state == MessageState.SUPPRESSED.value,
            MessageEvent.kind == "decision",
            MessageEvent.outcome == "suppress",
        )
        .group_by(MessageEvent.reason)
        .order_by(func.count(func.distinct(m.id)).desc(), MessageEvent.reason)
    )
    result.suppressed = [(reason or "unknown", int(n)) for reason, n in suppressed]
    pricing = await session.execute(
        select(m.pricing_category, func.count(m.id), _count(m.billable.is_(True)))
        .where(*in_period, m.pricing_category.is_not(None))
        .group_by(m.pricing_category)
        .order_by(m.pricing_category)
    )
    result.pricing = [(category, int(n), int(billable or 0)) for category, n, billable in pricing]
    days_seen = [day.day for day in result.days]
    result.costs, result.unpriced = await costs_per_day(session, in_period, bucket, days_seen)
    return result
