"""Quiet hours as people write them: "21:00-08:00" (customer-local, may cross midnight) or "off"."""

from __future__ import annotations

from datetime import time

import pytest

from ordertalk.errors import InvalidInput
from ordertalk.stores.schemas import format_quiet_hours
from ordertalk.stores.service import parse_quiet_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00-08:00", (time(21, 0), time(8, 0))),
        (" 22:30 - 07:15 ", (time(22, 30), time(7, 15))),
        ("9:05-17:00", (time(9, 5), time(17, 0))),
        ("off", None),
        ("OFF", None),
    ],
)
def test_quiet_hours_are_read_from_start_end_or_off(
    text: str, expected: tuple[time, time] | None
) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize(
    "text", ["", "9pm-8am", "21:00", "25:00-08:00", "21:60-08:00", "21:00-21:00", "never"]
)
def test_quiet_hours_garbage_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="quiet_hours"):
        parse_quiet_hours(text)


@pytest.mark.parametrize("text", ["21:00-08:00", "00:00-06:30", "off"])
def test_quiet_hours_read_back_as_they_were_written(text: str) -> None:
    hours = parse_quiet_hours(text)
    assert format_quiet_hours(*(hours or (None, None))) == text
