"""A store's rate card: what Meta charges it per delivered message, by pricing category and
market, in one currency, as the merchant copies it from their Meta invoice or rate card.

Ordertalk keeps no prices of its own: Meta's rates differ per market, change every quarter and
come with volume tiers, so only the merchant knows what they pay. Kept in `Store.rate_card` as
`{"currency": "USD", "markets": {"default": {"marketing": "0.025"}, "IN": {...}},
"updated_at": "…"}`: prices as decimal strings (exact), markets as ISO 3166 alpha-2 codes of the
recipient's country, and `default` for every other market. `messaging/cost.py` reads it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, TypedDict

from babel.numbers import is_currency
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.phones import is_known_region
from ordertalk.stores.models import Store
from ordertalk.whatsapp.webhook_types import PricingCategory

DEFAULT_MARKET = "default"
MAX_MARKETS = 300  # Meta prices fewer than 200 markets; a bound keeps the JSON small


class StoredRateCard(TypedDict):
    """`Store.rate_card` as written by `set_rate_card`."""

    currency: str
    markets: dict[str, dict[str, str]]
    updated_at: str


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not is_currency(code):
        raise ValueError(f"{value[:8]!r} is not an ISO 4217 currency code (e.g. USD, EUR, INR)")
    return code


def _market(value: str) -> str:
    if value.strip().lower() == DEFAULT_MARKET:
        return DEFAULT_MARKET
    code = value.strip().upper()
    if len(code) != 2 or not is_known_region(code):
        raise ValueError(
            f"{value[:12]!r} is not an ISO 3166 alpha-2 country code (e.g. IN, BR) or 'default'"
        )
    return code


Currency = Annotated[
    str, Field(min_length=3, max_length=3, examples=["USD"]), AfterValidator(_currency)
]
Market = Annotated[str, Field(min_length=2, max_length=16), AfterValidator(_market)]
# A price per delivered message: up to 6 decimals (what `outbound_messages.cost` holds).
Price = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=6, examples=["0.0068"])]
Prices = dict[PricingCategory, Price]


class RateCardIn(BaseModel):
    """A whole rate card: its currency, and prices per market (`default` for any other market)
    and WhatsApp pricing category."""

    model_config = ConfigDict(extra="forbid")

    currency: Currency
    markets: Annotated[
        dict[Market, Prices],
        Field(
            max_length=MAX_MARKETS,
            examples=[{"default": {"marketing": "0.0250", "utility": "0.0040"}}],
        ),
    ]

    @model_validator(mode="before")
    @classmethod
    def _markets_once(cls, data: object) -> object:
        # "in" and "IN" name one market: refused, rather than one silently replacing the other.
        # (A key that is no market at all is reported by the field's own validation.)
        if isinstance(data, dict) and isinstance(data.get("markets"), dict):
            seen: dict[str, str] = {}
            for key in data["markets"]:
                try:
                    market = _market(key) if isinstance(key, str) else None
                except ValueError:
                    continue
                if market in seen:
                    raise ValueError(f"markets {seen[market]!r} and {key!r} name the same market")
                if market is not None:
                    seen[market] = key
        return data


class RateCardOut(BaseModel):
    """The store's rate card (`currency` null and no markets until one is set)."""

    currency: str | None
    markets: dict[str, dict[str, Decimal]]
    updated_at: datetime | None


def stored_rate_card(store: Store) -> StoredRateCard | None:
    """The store's rate card as stored, or None when it has none."""
    raw = store.rate_card
    if not isinstance(raw, dict) or not isinstance(raw.get("markets"), dict):
        return None
    if not raw.get("currency"):
        return None
    return StoredRateCard(
        currency=str(raw["currency"]),
        markets=raw["markets"],
        updated_at=str(raw.get("updated_at") or ""),
    )


def rate_card_out(store: Store) -> RateCardOut:
    """The API view of the store's rate card."""
    card = stored_rate_card(store)
    if card is None:
        return RateCardOut(currency=None, markets={}, updated_at=None)
    return RateCardOut(
        currency=card["currency"],
        markets={
            market: {category: Decimal(price) for category, price in prices.items()}
            for market, prices in card["markets"].items()
        },
        updated_at=datetime.fromisoformat(card["updated_at"]) if card["updated_at"] else None,
    )


def _text(price: Decimal) -> str:
    # "0.06250000" and "6.25E-2" are kept as "0.0625": one spelling per price.
    return format(price.normalize(), "f")


async def set_rate_card(
    session: AsyncSession, store: Store, body: RateCardIn, now: datetime
) -> RateCardOut:
    """Replace the store's rate card.

    Only messages priced from now on use it: a message's cost is fixed when WhatsApp reports it
    delivered, so past costs (and their currency) stay what they were.
    """
    card = StoredRateCard(
        currency=body.currency,
        markets={
            market: {category.value: _text(price) for category, price in sorted(prices.items())}
            for market, prices in sorted(body.markets.items())
        },
        updated_at=now.isoformat(),
    )
    store.rate_card = dict(card)  # a new object, so the JSON column is seen as changed
    await session.flush()
    return rate_card_out(store)
