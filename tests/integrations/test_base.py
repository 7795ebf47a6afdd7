"""Shared normaliser helpers: keys, times, payment hints and field errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordertalk.integrations.base import (
    Fields,
    NormaliseError,
    dedup_key,
    digest_key,
    is_cod,
    parse_day,
    parse_json,
    parse_time,
    store_zone,
)
from ordertalk.integrations.registry import SOURCES, source


def test_a_short_dedup_key_is_kept_and_a_long_one_is_hashed_to_fit() -> None:
    assert dedup_key("evt_1") == "evt_1"
    long = dedup_key("x" * 500)
    assert long.startswith("sha256:")
    assert len(long) <= 200
    assert long == dedup_key("x" * 500)


def test_a_digest_key_is_stable_and_sensitive_to_every_part() -> None:
    assert digest_key("a", 1, None) == digest_key("a", 1, None)
    assert digest_key("a", 1, None) != digest_key("a", 1, "")
    assert digest_key("ab", "c") != digest_key("a", "bc")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-10T08:00:00-05:00", datetime(2026, 1, 10, 13, 0, tzinfo=UTC)),
        ("2026-01-10T13:00:00Z", datetime(2026, 1, 10, 13, 0, tzinfo=UTC)),
        ("2026-01-10 18:30:00", datetime(2026, 1, 10, 13, 0, tzinfo=UTC)),
        ("2026-01-10 18:30:00.250000", datetime(2026, 1, 10, 13, 0, 0, 250000, tzinfo=UTC)),
        ("tomorrow", None),
    ],
)
def test_times_are_aware_and_naive_ones_are_in_the_given_zone(
    text: str, expected: datetime | None
) -> None:
    parsed = parse_time(text, store_zone({"timezone": "Asia/Kolkata"}))
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-10", date(2026, 1, 10)),
        ("2026-01-10T20:00:00Z", date(2026, 1, 10)),
        ("2026-01-10T23:30:00-05:00", date(2026, 1, 10)),  # the date as written, not UTC's
        ("10/01/2026", None),
    ],
)
def test_a_delivery_date_is_the_calendar_date_written(text: str, expected: date | None) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize("zone", [None, "", "Mars/Olympus", "../etc/passwd", 42])
def test_a_bad_store_timezone_falls_back_instead_of_failing(zone: Any) -> None:
    assert store_zone({"timezone": zone}).utcoffset(datetime(2026, 1, 1)) == timedelta(0)


@pytest.mark.parametrize(
    ("names", "cod"),
    [
        (["Cash on Delivery (COD)"], True),
        (["cod"], True),
        (["wc_cod"], True),
        (["Pay on delivery"], True),
        ([None, "Bayar di tempat"], True),
        (["pago contra entrega"], True),
        (["Codensa"], False),
        (["razorpay", "pix"], False),
        ([], False),
    ],
)
def test_cash_on_delivery_is_recognised_in_several_languages(
    names: list[str | None], cod: bool
) -> None:
    assert is_cod(names) is cod


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"\xff\xfe", b"NaN", b'{"a": Infinity}', b"[" * 100_000, b"1" * 5000]
)
def test_anything_but_strict_json_is_a_normalise_error(raw: bytes) -> None:
    with pytest.raises(NormaliseError, match="not valid JSON"):
        parse_json(raw)


def test_field_errors_name_the_path_and_never_the_value() -> None:
    fields = Fields.of({"customer": {"phone": 919876543210}})
    customer = fields.need_child("customer")
    with pytest.raises(NormaliseError) as caught:
        customer.text("phone")
    assert str(caught.value) == "field 'customer.phone' must be a string"
    assert "9876" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("29.95", Decimal("29.95")), (29.95, Decimal("29.95")), (3, Decimal(3)), ("", None)],
)
def test_amounts_are_decimals_from_strings_or_numbers(value: Any, expected: Decimal | None) -> None:
    assert Fields.of({"x": value}).money("x") == expected


@pytest.mark.parametrize("value", ["NaN", "Infinity", "lots", True, [1]])
def test_impossible_amounts_are_refused(value: Any) -> None:
    with pytest.raises(NormaliseError, match="'x'"):
        Fields.of({"x": value}).money("x")


def test_an_identifier_longer_than_the_column_is_refused() -> None:
    with pytest.raises(NormaliseError, match="at most 200"):
        Fields.of({"id": "9" * 201}).need_ident("id")


def test_the_registry_knows_every_source_by_its_own_name() -> None:
    assert sorted(SOURCES) == ["aftership", "clickpost", "easypost", "shopify", "woocommerce"]
    for name, adapter in SOURCES.items():
        assert adapter.name == name
        assert source(name) is adapter


def test_an_unknown_source_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="shopify"):
        source("magento")
