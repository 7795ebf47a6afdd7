"""`message_cost` (pure): a market's own price, else the `default` market's; 0 when WhatsApp says
the message is not billable; None, never a made-up 0, when the price is not known."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordertalk.messaging.cost import market_of, message_cost
from ordertalk.stores.rate_card import StoredRateCard

CARD = StoredRateCard(
    currency="USD",
    markets={
        "default": {"marketing": "0.025", "utility": "0.004"},
        "IN": {"marketing": "0.0107", "utility": "0.0014"},
        "BR": {"authentication": "0.0068"},
    },
    updated_at="2026-11-22T10:00:00+00:00",
)


@pytest.mark.parametrize(
    ("category", "market", "expected"),
    [
        ("utility", "IN", Decimal("0.0014")),  # the market's own price
        ("marketing", "IN", Decimal("0.0107")),
        ("utility", "BR", Decimal("0.004")),  # BR has no utility price: the default's
        ("authentication", "BR", Decimal("0.0068")),
        ("marketing", "AE", Decimal("0.025")),  # a market the card does not name
        ("marketing", None, Decimal("0.025")),  # a number with no country
        ("authentication", "IN", None),  # neither IN nor default prices it
        ("service", "AE", None),
        ("referral_conversion", "IN", None),
        (None, "IN", None),  # no category reported
    ],
)
def test_a_billable_message_costs_its_markets_price_or_the_defaults(
    category: str | None, market: str | None, expected: Decimal | None
) -> None:
    assert message_cost(CARD, category, market, billable=True) == expected


def test_a_message_that_is_not_billable_costs_nothing_even_without_a_card() -> None:
    assert message_cost(CARD, "utility", "IN", billable=False) == Decimal(0)
    assert message_cost(None, "service", None, billable=False) == Decimal(0)


def test_without_a_card_or_a_billable_flag_the_cost_is_unknown() -> None:
    assert message_cost(None, "utility", "IN", billable=True) is None
    assert message_cost(CARD, "utility", "IN", billable=None) is None


def test_no_default_market_leaves_other_markets_unknown() -> None:
    card = StoredRateCard(currency="INR", markets={"IN": {"utility": "0.115"}}, updated_at="")
    assert message_cost(card, "utility", "IN", billable=True) == Decimal("0.115")
    assert message_cost(card, "utility", "BR", billable=True) is None


def test_a_stored_price_that_is_not_a_number_is_unknown_not_a_crash() -> None:
    card = StoredRateCard(currency="USD", markets={"default": {"utility": "n/a"}}, updated_at="")
    assert message_cost(card, "utility", "IN", billable=True) is None


@pytest.mark.parametrize(
    ("phone", "market"),
    [
        ("+919876543210", "IN"),
        ("+5511912345678", "BR"),
        ("+14155550123", "US"),
        ("+80012345678", None),  # international freephone: no country
        ("not a number", None),
    ],
)
def test_the_market_is_the_country_of_the_number(phone: str, market: str | None) -> None:
    assert market_of(phone) == market
