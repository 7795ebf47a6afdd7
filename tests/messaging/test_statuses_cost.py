"""Status webhooks price a message once, from the store's rate card: when WhatsApp reports it
delivered and billable (the recipient's market, else `default`), 0 when it is not billable,
unknown (None) without a price; a later rate-card change never reprices it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import upsert_contact
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.statuses import apply_status
from ordertalk.stores.models import Store
from ordertalk.stores.rate_card import RateCardIn, set_rate_card
from ordertalk.stores.service import create_store
from tests.api_support import database_session
from tests.database import fresh_database
from tests.messaging.test_statuses import NOW, sent_message, status

pytestmark = pytest.mark.database

BILLABLE = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
FREE = {
    "billable": False,
    "pricing_model": "PMP",
    "type": "free_customer_service",
    "category": "utility",
}
CARD: dict[str, Any] = {
    "currency": "USD",
    "markets": {
        "default": {"utility": "0.004"},
        "IN": {"utility": "0.001234", "marketing": "0.0107"},
    },
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def store(session: AsyncSession) -> Store:
    store, _ = await create_store(session, name="Chai & Co", country="IN", language="en")
    await set_rate_card(session, store, RateCardIn.model_validate(CARD), NOW)
    return store


@pytest.fixture
async def contact(session: AsyncSession, store: Store) -> Contact:
    return await upsert_contact(session, store, phone="+91 98765 43210")


async def test_a_billable_message_is_priced_when_delivered_not_when_sent(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("sent", seconds=1, pricing=BILLABLE), NOW)
    # Sent is not charged: the message may still never arrive.
    assert (message.billable, message.cost, message.cost_currency) == (True, None, None)

    await apply_status(session, store.id, status("delivered", seconds=2, pricing=BILLABLE), NOW)
    assert (message.cost, message.cost_currency) == (Decimal("0.001234"), "USD")

    # Kept to the sixth decimal by the database (the migration widened the column).
    message_id = message.id
    await session.commit()
    session.expire_all()
    stored = await session.get(OutboundMessage, message_id)
    assert stored is not None
    assert (stored.cost, stored.cost_currency) == (Decimal("0.001234"), "USD")


async def test_a_delivered_status_without_pricing_prices_from_the_sent_ones(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)
    await apply_status(session, store.id, status("sent", seconds=1, pricing=BILLABLE), NOW)
    await apply_status(session, store.id, status("delivered", seconds=2), NOW)
    assert message.cost == Decimal("0.001234")


async def test_a_message_that_is_not_billable_costs_0_at_once(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)
    await apply_status(session, store.id, status("sent", seconds=1, pricing=FREE), NOW)
    assert (message.billable, message.cost, message.cost_currency) == (False, Decimal(0), "USD")


async def test_a_billable_message_that_fails_is_not_priced(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)
    await apply_status(session, store.id, status("sent", seconds=1, pricing=BILLABLE), NOW)
    await apply_status(session, store.id, status("failed", seconds=2, code=131026), NOW)
    assert message.state == "failed"
    assert message.cost is None


async def test_another_market_falls_back_to_the_default_price(
    session: AsyncSession, store: Store
) -> None:
    brazil = await upsert_contact(session, store, phone="+55 11 91234-5678")
    message = await sent_message(session, store, brazil)
    await apply_status(session, store.id, status("delivered", seconds=2, pricing=BILLABLE), NOW)
    assert (message.cost, message.cost_currency) == (Decimal("0.004"), "USD")


async def test_no_price_for_the_market_and_category_leaves_the_cost_unknown(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)
    marketing = {**BILLABLE, "category": "authentication"}
    await apply_status(session, store.id, status("delivered", seconds=2, pricing=marketing), NOW)
    assert message.billable is True
    assert (message.cost, message.cost_currency) == (None, None)


async def test_without_a_rate_card_a_billable_cost_is_unknown_and_a_free_one_is_0(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    store.rate_card = None
    billable = await sent_message(session, store, contact)
    free = await sent_message(session, store, contact, wamid="wamid.free", key="m2")
    await apply_status(session, store.id, status("delivered", seconds=2, pricing=BILLABLE), NOW)
    await apply_status(
        session, store.id, status("delivered", seconds=2, wamid="wamid.free", pricing=FREE), NOW
    )
    assert (billable.cost, billable.cost_currency) == (None, None)
    assert (free.cost, free.cost_currency) == (Decimal(0), None)


async def test_a_later_rate_card_never_reprices_a_message(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    first = await sent_message(session, store, contact)
    await apply_status(session, store.id, status("delivered", seconds=2, pricing=BILLABLE), NOW)
    assert first.cost == Decimal("0.001234")

    new_card = {"currency": "INR", "markets": {"default": {"utility": "0.115"}}}
    await set_rate_card(session, store, RateCardIn.model_validate(new_card), NOW)
    # Statuses come again (at-least-once) and later ones carry pricing too: the cost stays.
    await apply_status(session, store.id, status("delivered", seconds=2, pricing=BILLABLE), NOW)
    await apply_status(session, store.id, status("read", seconds=9, pricing=BILLABLE), NOW)
    assert (first.cost, first.cost_currency) == (Decimal("0.001234"), "USD")

    # A message delivered after the change gets the new card's price and currency.
    later = await sent_message(session, store, contact, wamid="wamid.later", key="m2")
    await apply_status(
        session,
        store.id,
        status("delivered", seconds=20, wamid="wamid.later", pricing=BILLABLE),
        NOW,
    )
    assert (later.cost, later.cost_currency) == (Decimal("0.115"), "INR")
