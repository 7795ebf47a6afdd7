"""What a message cost: the store's rate card × the pricing WhatsApp reported × the recipient's
market (the country of their number).

`message_cost` is pure (no I/O, no clock); `price_message` is the one call `apply_status` makes.
A cost is fixed once: a later rate-card change never reprices past messages, so an amount
always says what the rate card said when the message was delivered.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import phonenumbers
from phonenumbers import NumberParseException
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.stores.rate_card import DEFAULT_MARKET, StoredRateCard, stored_rate_card

# Meta charges a message when it is delivered (reference §6.2); `pricing` also rides on the
# `sent` status, when the message may still never arrive (and so never be charged).
CHARGED_AT = frozenset({"delivered", "read", "played"})
FREE = Decimal(0)


def market_of(phone: str) -> str | None:
    """The ISO 3166 alpha-2 country of an E.164 number (its market), or None if unknown."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except NumberParseException:
        return None
    # "001" is a non-geographic number (no market); None is a number phonenumbers can't place.
    return region if region and region.isalpha() else None


def message_cost(
    card: StoredRateCard | None,
    category: str | None,
    market: str | None,
    billable: bool | None,
) -> Decimal | None:
    """The price of one delivered message in the card's currency: 0 when WhatsApp says it is not
    billable; the market's price for its category, else the `default` market's; None (unknown,
    never a made-up 0) without a card, a category, or a price for either market."""
    if billable is False:
        return FREE
    if billable is None or card is None or not category:
        return None
    for key in (market, DEFAULT_MARKET):
        prices = card["markets"].get(key) if key else None
        if prices and category in prices:
            try:
                return Decimal(prices[category])
            except (InvalidOperation, TypeError, ValueError):
                return None  # a hand-edited row: unknown rather than a crashed webhook
    return None


async def price_message(
    session: AsyncSession, store_id: str, message: OutboundMessage, status_kind: str
) -> None:
    """Give the message its cost (and currency) from the pricing just recorded on it, once.

    A non-billable message costs 0 whatever the status; a billable one is priced when a
    delivered (or read) status reports it. A cost already set is never changed: statuses come
    more than once and out of order, and rate cards change.
    """
    if message.cost is not None or message.billable is None:
        return
    if message.billable and status_kind not in CHARGED_AT:
        return
    store = await session.get(Store, store_id)  # usually in the session already
    card = stored_rate_card(store) if store is not None else None
    market = None
    if message.billable and card is not None:
        contact = await session.get(Contact, message.contact_id)
        market = market_of(contact.phone) if contact is not None else None
    cost = message_cost(card, message.pricing_category, market, message.billable)
    if cost is not None:
        message.cost = cost
        message.cost_currency = card["currency"] if card is not None else None
