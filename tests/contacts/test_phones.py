"""Phone numbers: any local or international format becomes E.164; errors never echo the number."""

from __future__ import annotations

import re

import pytest

from ordertalk.contacts.phones import mask, normalise_phone, region_timezone, timezone_for, wa_id
from ordertalk.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("98765 43210", "IN", "+919876543210"),  # local, as Indian customers write it
        ("098765 43210", "IN", "+919876543210"),  # with the trunk 0
        ("+91 98765-43210", "IN", "+919876543210"),
        ("+91 98765-43210", "BR", "+919876543210"),  # international ignores the region
        ("919876543210", "IN", "+919876543210"),  # a WhatsApp id: E.164 without the "+"
        ("(11) 91234-5678", "BR", "+5511912345678"),
        ("0812-3456-7890", "ID", "+6281234567890"),
        ("612 345 678", "ES", "+34612345678"),
        ("0034 612 345 678", "ES", "+34612345678"),  # the international call prefix
        ("(650) 555-1234", "us", "+16505551234"),  # region codes are case-insensitive
    ],
)
def test_numbers_in_any_format_become_e164(raw: str, region: str, e164: str) -> None:
    assert normalise_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12345", "IN"),  # too short
        ("98765 432101234567", "IN"),  # too long
        ("call me maybe", "IN"),
        ("", "IN"),
        ("+91 00000 00000", "IN"),  # right length, not a number range that exists
        ("5511912345678" * 6, "BR"),  # absurdly long
    ],
)
def test_invalid_numbers_are_refused_without_repeating_them(raw: str, region: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone(raw, region)
    assert caught.value.message == f"phone is not a valid number for region {region}"
    digits = re.sub(r"\D", "", raw)
    if len(digits) >= 4:
        assert digits[:4] not in caught.value.message


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(InvalidInput, match="region 'XX' is not a known ISO country code"):
        normalise_phone("98765 43210", "XX")


def test_the_whatsapp_id_is_the_digits_of_the_e164_number() -> None:
    assert wa_id("+919876543210") == "919876543210"


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+919876543210", "+91•••••3210"),
        ("+5511912345678", "+55•••••5678"),
        ("+16505551234", "+1•••••1234"),
        ("+123", "•••"),  # too short to show anything
    ],
)
def test_masked_numbers_keep_the_country_and_the_last_four_digits(e164: str, masked: str) -> None:
    assert mask(e164) == masked


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+919876543210", "Asia/Kolkata"),  # phonenumbers' "Asia/Calcutta", renamed
        ("+5511912345678", "America/Sao_Paulo"),
        ("+16505551234", "America/Los_Angeles"),  # the area code decides
        ("+34612345678", "Europe/Madrid"),  # a mobile: every Spanish zone, the main one wins
        ("+79123456789", "Europe/Moscow"),
        ("+6281234567890", "Asia/Jakarta"),
    ],
)
def test_the_timezone_comes_from_the_number(e164: str, zone: str) -> None:
    assert timezone_for(e164, "UTC") == zone


@pytest.mark.parametrize("e164", ["+80012345678", "not a number"])
def test_the_fallback_timezone_when_the_number_has_none(e164: str) -> None:
    assert timezone_for(e164, "Asia/Dubai") == "Asia/Dubai"


@pytest.mark.parametrize(
    ("region", "zone"),
    [("IN", "Asia/Kolkata"), ("RU", "Europe/Moscow"), ("NG", "Africa/Lagos"), ("ZZ", "UTC")],
)
def test_a_countrys_main_timezone(region: str, zone: str) -> None:
    assert region_timezone(region) == zone
