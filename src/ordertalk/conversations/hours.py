"""Business hours: when people answer the inbox, and the away message the rest of the time.

A store's `business_hours` is `{"mon": ["09:00", "18:00"], ...}` in the store's time zone: one
range per day, a day left out is closed, and None means always open. A range ends after it
starts; "24:00" is the end of the day, and hours past midnight go on the next day
(`"fri": ["18:00", "24:00"], "sat": ["00:00", "02:00"]`).

Everything here is pure (no database, no clock) and DST-safe: a wall-clock time is read in the
store's zone at the instant asked about, so a range that starts in the hour clocks skip opens at
the jump, and one that starts in the hour clocks repeat opens the first time round.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ordertalk.errors import InvalidInput

if TYPE_CHECKING:
    from ordertalk.stores.models import Store

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day keys, in `date.weekday()` order."""

END_OF_DAY = timedelta(days=1)
AWAY_MESSAGE_MAX = 1000
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")

Ranges = dict[str, tuple[timedelta, timedelta]]
"""Parsed hours: day key → (start, end) as offsets from local midnight."""


def _clock(day: str, value: object, *, end: bool) -> timedelta:
    """ "HH:MM" as an offset from midnight; "24:00" only as the end of a range."""
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(f'business_hours.{day}: times look like "09:00" (HH:MM, 24-hour)')
    hours, minutes = int(match[1]), int(match[2])
    if end and (hours, minutes) == (24, 0):
        return END_OF_DAY
    if hours > 23 or minutes > 59:
        hint = ' (use "24:00" for the end of the day)' if end else ""
        raise InvalidInput(f"business_hours.{day}: {value!s:.8} is not a time of day{hint}")
    return timedelta(hours=hours, minutes=minutes)


def parse_business_hours(raw: Mapping[str, object] | None) -> Ranges | None:
    """Checked hours as ranges; InvalidInput saying what is wrong. None stays None (always open);
    a day given as null or left out is closed."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidInput('business_hours must be an object like {"mon": ["09:00", "18:00"]}')
    ranges: Ranges = {}
    for day, value in raw.items():
        if day not in DAYS:
            raise InvalidInput(
                f"business_hours: {str(day)[:12]!r} is not a day; use {', '.join(DAYS)}"
            )
        if value is None:
            continue
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise InvalidInput(
                f'business_hours.{day} must be [start, end], e.g. ["09:00", "18:00"], or null'
            )
        start, end = _clock(day, value[0], end=False), _clock(day, value[1], end=True)
        if end <= start:
            raise InvalidInput(
                f"business_hours.{day}: {value[1]} is not after {value[0]}; hours past midnight "
                f'go on the next day, e.g. ["18:00", "24:00"] and then ["00:00", "02:00"]'
            )
        ranges[day] = (start, end)
    return ranges


def _format(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def normalise_business_hours(raw: Mapping[str, object] | None) -> dict[str, list[str]] | None:
    """The stored form: checked, days in week order, times as zero-padded "HH:MM"."""
    ranges = parse_business_hours(raw)
    if ranges is None:
        return None
    return {
        day: [_format(ranges[day][0]), _format(ranges[day][1])] for day in DAYS if day in ranges
    }


def normalise_away_message(text: str | None) -> str | None:
    """Trimmed, at most 1,000 characters, no control characters but newlines; blank is None."""
    if text is None:
        return None
    text = text.strip()
    if len(text) > AWAY_MESSAGE_MAX:
        raise InvalidInput(f"away_message is {len(text)} characters; at most {AWAY_MESSAGE_MAX}")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise InvalidInput("away_message contains control characters")
    return text or None


def set_business_hours(
    store: Store, business_hours: Mapping[str, object] | None, away_message: str | None
) -> Store:
    """Check both settings and set them on the store (the edge commits); InvalidInput, with
    nothing changed, when either is wrong."""
    hours = normalise_business_hours(business_hours)
    away = normalise_away_message(away_message)
    store.business_hours = hours
    store.away_message = away
    log.info("store %s: business hours %s", store.id, "set" if hours is not None else "off")
    return store


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone[:64]!r}") from None


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("business hours need a timezone-aware datetime")
    return at


def _open_at(ranges: Ranges, zone: ZoneInfo, at: datetime) -> bool:
    local = at.astimezone(zone)
    hours = ranges.get(DAYS[local.weekday()])
    if hours is None:
        return False
    wall = timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return hours[0] <= wall < hours[1]


def is_open(business_hours: Mapping[str, object] | None, timezone: str, at: datetime) -> bool:
    """Whether people answer at `at` (aware); None hours mean always open.

    ValueError for a naive `at` or an unknown zone; InvalidInput for malformed hours.
    """
    ranges = parse_business_hours(business_hours)
    if ranges is None:
        return True
    return _open_at(ranges, _zone(timezone), _aware(at))


def next_opening(
    business_hours: Mapping[str, object] | None, timezone: str, at: datetime
) -> datetime | None:
    """The first instant at or after `at` when the store is open (`at` itself while open), in
    UTC; None when it never opens (no day has hours)."""
    ranges = parse_business_hours(business_hours)
    at = _aware(at)
    if ranges is None:
        return at.astimezone(UTC)
    zone = _zone(timezone)
    if _open_at(ranges, zone, at):
        return at.astimezone(UTC)
    today = at.astimezone(zone).date()
    # The store opens when the local clock reaches a range's start, or when clocks change (a
    # jump forward over a start, or back into a range). A week and a day covers every weekday,
    # including today's next week; the first such moment that is open is the answer.
    candidates: set[datetime] = set()
    for offset in range(9):
        day = today + timedelta(days=offset)
        candidates.update(_transitions(day, zone))
        hours = ranges.get(DAYS[day.weekday()])
        if hours is not None:
            candidates.update(_instants(day, (datetime.min + hours[0]).time(), zone))
    for instant in sorted(candidates):
        if instant > at and _open_at(ranges, zone, instant):
            return instant
    return None


def away_text(store: Store, at: datetime) -> str | None:
    """The store's away message when nobody answers at `at`; None when open or none is set."""
    if not store.away_message:
        return None
    try:
        open_now = is_open(store.business_hours, store.timezone, at)
    except (ValueError, InvalidInput):
        # Hours written around the API (or a zone that has gone): say nothing rather than
        # telling a customer nobody is there when someone might be.
        log.warning("store %s: business hours unreadable; no away message sent", store.id)
        return None
    return None if open_now else store.away_message


def _instants(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants the local clock reads `wall` on `day`: two when clocks go back over it,
    none when they jump forward over it (`_transitions` has the jump)."""
    naive = datetime.combine(day, wall)
    found: set[datetime] = set()
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            found.add(instant)
    return sorted(found)


def _transitions(day: date, zone: ZoneInfo) -> list[datetime]:
    """The instant the zone's UTC offset changes around local `day`, if it does (at most one a
    day in any real zone)."""
    midnight = datetime.combine(day, time()).replace(tzinfo=UTC)
    # UTC offsets lie within ±14 h: these bounds hold the whole local day.
    low = int((midnight - timedelta(hours=15)).timestamp())
    high = int((midnight + timedelta(hours=39)).timestamp())
    before = datetime.fromtimestamp(low, zone).utcoffset()
    after = datetime.fromtimestamp(high, zone).utcoffset()
    if before == after:
        return []
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return [datetime.fromtimestamp(high, UTC)]
