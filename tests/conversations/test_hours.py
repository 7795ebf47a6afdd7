"""Business hours: validation, open or closed at an instant, the next opening across DST changes,
and the away message (pure functions; property-tested)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ordertalk.conversations.hours import (
    DAYS,
    away_text,
    is_open,
    next_opening,
    normalise_away_message,
    normalise_business_hours,
)
from ordertalk.errors import InvalidInput
from ordertalk.stores.models import Store

WEEKDAYS = {day: ["09:00", "18:00"] for day in DAYS[:5]}
MADRID = "Europe/Madrid"
NEW_YORK = "America/New_York"


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


# --- validation -------------------------------------------------------------------------------


def test_hours_are_stored_in_week_order_with_zero_padded_times() -> None:
    raw = {"fri": ["9:00", "24:00"], "mon": ["08:00", "12:30"], "tue": None}
    assert normalise_business_hours(raw) == {"mon": ["08:00", "12:30"], "fri": ["09:00", "24:00"]}
    assert normalise_business_hours(None) is None
    assert normalise_business_hours({}) == {}  # never open: the away message always applies


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"monday": ["09:00", "18:00"]}, "is not a day; use mon, tue"),
        ({"Mon": ["09:00", "18:00"]}, "is not a day"),
        ({"mon": ["09:00"]}, "must be [start, end]"),
        ({"mon": "09:00-18:00"}, "must be [start, end]"),
        ({"mon": ["9am", "18:00"]}, 'times look like "09:00"'),
        ({"mon": ["09:00", "25:00"]}, "is not a time of day"),
        ({"mon": ["24:00", "24:00"]}, "is not a time of day"),
        ({"mon": ["09:60", "18:00"]}, "is not a time of day"),
        ({"mon": ["18:00", "09:00"]}, "hours past midnight go on the next day"),
        ({"mon": ["09:00", "09:00"]}, "is not after"),
        ({"mon": [9, 18]}, 'times look like "09:00"'),
    ],
)
def test_malformed_hours_are_refused_with_the_reason(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidInput, match="business_hours") as caught:
        normalise_business_hours(raw)
    assert problem in caught.value.message


def test_away_message_is_trimmed_and_bounded() -> None:
    assert normalise_away_message("  Back at 9.\nThanks!  ") == "Back at 9.\nThanks!"
    assert normalise_away_message("   ") is None
    assert normalise_away_message(None) is None
    with pytest.raises(InvalidInput, match="at most 1000"):
        normalise_away_message("x" * 1001)
    with pytest.raises(InvalidInput, match="control characters"):
        normalise_away_message("a\x00b")


# --- open or closed ---------------------------------------------------------------------------


def test_open_inside_the_days_range_in_the_stores_time_zone() -> None:
    monday_morning = local("Asia/Kolkata", 2026, 3, 2, 9, 0)  # a Monday
    assert is_open(WEEKDAYS, "Asia/Kolkata", monday_morning)
    assert not is_open(WEEKDAYS, "Asia/Kolkata", monday_morning - timedelta(microseconds=1))
    assert not is_open(WEEKDAYS, "Asia/Kolkata", local("Asia/Kolkata", 2026, 3, 2, 18, 0))
    assert not is_open(WEEKDAYS, "Asia/Kolkata", local("Asia/Kolkata", 2026, 3, 7, 12, 0))  # Sat
    # The same instant is 03:30 UTC: it is the store's clock that counts.
    assert monday_morning.astimezone(UTC).hour == 3
    assert is_open(None, "Asia/Kolkata", monday_morning)  # no hours: always open


def test_twenty_four_hundred_is_the_end_of_the_day() -> None:
    late = {"fri": ["18:00", "24:00"], "sat": ["00:00", "02:00"]}
    assert is_open(late, MADRID, local(MADRID, 2026, 3, 6, 23, 59, 59))
    assert is_open(late, MADRID, local(MADRID, 2026, 3, 7, 0, 0))
    assert not is_open(late, MADRID, local(MADRID, 2026, 3, 7, 2, 0))


def test_naive_times_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(WEEKDAYS, MADRID, datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="unknown time zone"):
        is_open(WEEKDAYS, "Mars/Olympus", datetime(2026, 3, 2, 10, tzinfo=UTC))


# --- next opening -----------------------------------------------------------------------------


def test_next_opening_is_now_while_open_and_the_next_start_otherwise() -> None:
    friday_evening = local(MADRID, 2026, 3, 6, 19, 0)
    assert next_opening(WEEKDAYS, MADRID, friday_evening) == local(MADRID, 2026, 3, 9, 9, 0)
    tuesday_noon = local(MADRID, 2026, 3, 3, 12, 0)
    assert next_opening(WEEKDAYS, MADRID, tuesday_noon) == tuesday_noon
    assert next_opening(None, MADRID, tuesday_noon) == tuesday_noon
    assert next_opening({}, MADRID, tuesday_noon) is None
    only_monday = {"mon": ["09:00", "10:00"]}
    monday_late = local(MADRID, 2026, 3, 2, 11, 0)
    assert next_opening(only_monday, MADRID, monday_late) == local(MADRID, 2026, 3, 9, 9, 0)


def test_a_start_in_the_skipped_hour_opens_when_clocks_jump() -> None:
    # Madrid, Sunday 29 March 2026: 02:00 becomes 03:00 (01:00 UTC).
    hours = {"sun": ["02:30", "04:00"]}
    saturday = local(MADRID, 2026, 3, 28, 12, 0)
    assert next_opening(hours, MADRID, saturday) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # A range wholly inside the skipped hour never opens that day.
    gone = {"sun": ["02:10", "02:50"]}
    assert next_opening(gone, MADRID, saturday) == local(MADRID, 2026, 4, 5, 2, 10)


def test_clocks_going_back_into_a_range_reopen_it() -> None:
    # New York, Sunday 1 November 2026: 02:00 EDT becomes 01:00 EST (06:00 UTC).
    hours = {"sun": ["00:30", "01:30"]}
    after_first_pass = local(NEW_YORK, 2026, 11, 1, 1, 45)  # EDT, closed
    assert not is_open(hours, NEW_YORK, after_first_pass)
    assert next_opening(hours, NEW_YORK, after_first_pass) == datetime(
        2026, 11, 1, 6, 0, tzinfo=UTC
    )
    repeated = {"sun": ["01:10", "01:20"]}
    between = local(NEW_YORK, 2026, 11, 1, 1, 40)  # after the first 01:10-01:20
    # (compared in UTC: Python never finds an ambiguous local time equal to another zone's)
    second_pass = local(NEW_YORK, 2026, 11, 1, 1, 10, fold=1).astimezone(UTC)
    assert (
        next_opening(repeated, NEW_YORK, between)
        == second_pass
        == datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
    )


# Zones with DST forward and back, at midnight (Santiago), by 30 minutes (Lord Howe), across the
# date line (Chatham, Apia), or none at all.
ZONES = [
    "Europe/Madrid",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Asia/Beirut",
    "UTC",
]


@st.composite
def business_hours(draw: st.DrawFn) -> dict[str, list[str]]:
    hours: dict[str, list[str]] = {}
    for day in draw(st.sets(st.sampled_from(DAYS), max_size=7)):
        # Quarter hours, and some starts and ends right at DST-prone times (00:00, 02:00...).
        start = draw(st.integers(0, 95)) * 15
        end = draw(st.integers(start // 15 + 1, 96)) * 15
        hours[day] = [f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]
    return hours


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(hours=business_hours(), zone=st.sampled_from(ZONES), at=instants, probes=st.data())
@example(
    hours={"sun": ["00:30", "01:30"]},
    zone=NEW_YORK,
    at=datetime(2026, 11, 1, 5, 45, tzinfo=UTC),
    probes=None,
)
def test_next_opening_is_the_first_open_instant(
    hours: dict[str, list[str]], zone: str, at: datetime, probes: st.DataObject | None
) -> None:
    opening = next_opening(hours, zone, at)
    if opening is None:
        assert hours == {}
        return
    assert opening >= at
    assert is_open(hours, zone, opening)
    if opening == at:
        return
    # Closed from `at` right up to the opening.
    assert not is_open(hours, zone, opening - timedelta(microseconds=1))
    assert opening - at <= timedelta(days=8)
    span = opening - at
    fractions = [i / 50 for i in range(50)]
    if probes is not None:
        fractions += probes.draw(st.lists(st.floats(0, 1, exclude_max=True), max_size=20))
    for fraction in fractions:
        # (timedelta products round to the microsecond: keep each probe before the opening)
        probe = min(at + span * fraction, opening - timedelta(microseconds=1))
        assert not is_open(hours, zone, probe)


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), at=instants)
def test_no_hours_means_always_open(zone: str, at: datetime) -> None:
    assert is_open(None, zone, at)
    assert next_opening(None, zone, at) == at


# --- away message -----------------------------------------------------------------------------


def _store(**fields: Any) -> Store:
    return Store(id="st_test", name="Chai & Co", timezone=MADRID, **fields)


def test_the_away_message_is_said_only_while_closed() -> None:
    store = _store(business_hours=WEEKDAYS, away_message="We answer Mon-Fri 9-18.")
    assert away_text(store, local(MADRID, 2026, 3, 7, 12, 0)) == "We answer Mon-Fri 9-18."
    assert away_text(store, local(MADRID, 2026, 3, 6, 12, 0)) is None
    assert away_text(_store(business_hours=WEEKDAYS, away_message=None),
                     local(MADRID, 2026, 3, 7, 12, 0)) is None  # fmt: skip
    assert away_text(_store(business_hours=None, away_message="Away"),
                     local(MADRID, 2026, 3, 7, 12, 0)) is None  # fmt: skip


def test_unreadable_stored_hours_say_nothing_rather_than_fail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = _store(business_hours={"mon": "nine to five"}, away_message="Away")
    assert away_text(store, datetime(2026, 3, 7, 12, tzinfo=UTC)) is None
    assert "unreadable" in caplog.text
