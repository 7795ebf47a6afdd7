"""Money on the dashboard: the overview's cost per day and currency, amounts as people read them,
and the Settings page's rate-card form (a currency and the markets as JSON).

Costs are what `messaging/cost.py` fixed on each message from the store's rate card; the
overview adds them up, never recomputes them. Portable SQL, like `overview.py`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.errors import InvalidInput
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.states import MessageState
from ordertalk.stores.models import Store
from ordertalk.stores.rate_card import RateCardIn, rate_card_out

_CHARGED_STATES = (MessageState.DELIVERED.value, MessageState.READ.value)
_MICRO = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class CurrencyCosts:
    """One currency's costs in the period: per day (cost, messages priced) and in total."""

    currency: str
    days: list[tuple[date, Decimal, int]]

    @property
    def total(self) -> Decimal:
        """What the period's messages cost in this currency."""
        return sum((cost for _, cost, _ in self.days), Decimal(0))

    @property
    def priced(self) -> int:
        """How many messages were priced in this currency (free ones included)."""
        return sum(n for *_, n in self.days)


async def costs_per_day(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    bucket: Any,
    days: list[date],
) -> tuple[list[CurrencyCosts], int]:
    """The costs of the messages `where` selects, per currency and day (`bucket` is the day's
    index in `days`), and how many delivered billable messages have no known cost."""
    m = OutboundMessage
    rows = await session.execute(
        select(bucket, m.cost_currency, func.sum(m.cost), func.count(m.id))
        .where(*where, m.cost.is_not(None), m.cost_currency.is_not(None))
        .group_by(bucket, m.cost_currency)
    )
    found: dict[str, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    for index, currency, total, n in rows:
        # SQLite sums in floating point: back to the 6 decimals a cost has.
        found[str(currency)][int(index)] = (Decimal(total or 0).quantize(_MICRO), int(n))
    costs = [
        CurrencyCosts(
            currency,
            [(day, *found[currency].get(index, (Decimal(0), 0))) for index, day in enumerate(days)],
        )
        for currency in sorted(found)
    ]
    unpriced = await session.scalar(
        select(func.count(m.id)).where(
            *where, m.billable.is_(True), m.cost.is_(None), m.state.in_(_CHARGED_STATES)
        )
    )
    return costs, int(unpriced or 0)


def money(value: Decimal | None, currency: str | None = None) -> str:
    """An amount as people read it: "1,234.50 USD", "0.0068 USD" (a message's price keeps its
    decimals, never rounded to cents); "—" when unknown."""
    if value is None:
        return "—"
    whole, _, fraction = format(value.quantize(_MICRO).normalize(), ",f").partition(".")
    text = f"{whole}.{fraction.ljust(2, '0')}"
    return f"{text} {currency}" if currency else text


@dataclass(frozen=True, slots=True)
class RateCardForm:
    """The rate card as the Settings form shows it: the currency and the markets as JSON."""

    currency: str
    markets: str
    updated_at: str | None


def rate_card_form(store: Store) -> RateCardForm:
    """The store's rate card for the form (empty when none is set)."""
    card = rate_card_out(store)
    markets = {
        market: {category: format(price, "f") for category, price in prices.items()}
        for market, prices in card.markets.items()
    }
    return RateCardForm(
        currency=card.currency or "",
        markets=json.dumps(markets, indent=2) if markets else "",
        updated_at=card.updated_at.strftime("%Y-%m-%d %H:%M UTC") if card.updated_at else None,
    )


def rate_card_from_form(currency: str, markets: str) -> RateCardIn:
    """The form's fields as the API's input (InvalidInput for JSON that does not parse;
    pydantic's ValidationError for a price, market or category the API would refuse)."""
    try:
        parsed = json.loads(markets) if markets.strip() else {}
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"markets is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise InvalidInput("markets is nested too deeply to be a rate card") from None
    return RateCardIn.model_validate({"currency": currency.strip(), "markets": parsed})
