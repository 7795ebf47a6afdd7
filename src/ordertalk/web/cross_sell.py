"""The store's products shown on its tracking page (cross-sell lives there, never in utility
templates, which Meta would re-categorise as marketing).

Kept in `Store.settings["cross_sell"]`; links go straight to the store's site, with nothing
added to them (no tracking of the customer beyond the tracking link's own click counter).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ordertalk.stores.models import Store

CROSS_SELL_KEY = "cross_sell"
MAX_ITEMS = 6


def _https(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError("must be an https:// address (no credentials)")
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def _text(value: str) -> str:
    if "\x00" in value or not value.strip():
        raise ValueError("must not be blank or contain NUL characters")
    return " ".join(value.split())


HttpsUrl = Annotated[str, Field(min_length=9, max_length=2000), AfterValidator(_https)]


class CrossSellItem(BaseModel):
    """One product card: a title, a link to it, an optional picture and price."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_text)]
    url: HttpsUrl
    image_url: HttpsUrl | None = None
    price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _price_has_currency(self) -> CrossSellItem:
        if (self.price is None) != (self.currency is None):
            raise ValueError("give price and currency together (or neither)")
        return self


class CrossSell(BaseModel):
    """The cards, in the order shown (at most six)."""

    model_config = ConfigDict(extra="forbid")

    items: list[CrossSellItem] = Field(default_factory=list, max_length=MAX_ITEMS)


def cross_sell(store: Store) -> CrossSell:
    """The store's cards (none until it saves some; an unreadable leftover shows none)."""
    raw = (store.settings or {}).get(CROSS_SELL_KEY)
    try:
        return CrossSell.model_validate(raw or {})
    except ValueError:
        return CrossSell()


def save_cross_sell(store: Store, body: CrossSell) -> CrossSell:
    """Replace the store's cards."""
    store.settings = {**(store.settings or {}), CROSS_SELL_KEY: body.model_dump(mode="json")}
    return body
