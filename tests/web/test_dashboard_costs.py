"""Costs on the dashboard: the overview adds up each day's costs per currency (another store's
left out, unpriced messages counted apart), the order page shows each message's cost or "—",
and the owner edits the rate card in Settings (validated like the API; agents may not)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordertalk.messaging.outbox import enqueue
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.web.users import Role
from tests.api_support import ApiClient, new_store
from tests.conversations.inbox_support import Customer, customer
from tests.web.dashboard_support import log_in, new_user, page_token

pytestmark = pytest.mark.database


@pytest.fixture
async def shop(client: ApiClient) -> tuple[str, Customer]:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id)
    asha = await _customer(client, store_id, "+919876543210")
    await log_in(client, "priya@chai.example")
    return store_id, asha


async def _customer(client: ApiClient, store_id: str, phone: str) -> Customer:
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        wrote_at = datetime.now(UTC) - timedelta(hours=1)
        return await customer(session, store, phone=phone, wrote_at=wrote_at)


async def _messages(client: ApiClient, who: Customer, rows: list[dict[str, Any]]) -> list[int]:
    """Delivered utility messages of the customer's order, with these fields set."""
    ids = []
    async with client.sessions() as session, session.begin():
        for index, row in enumerate(rows):
            message = await enqueue(
                session,
                store_id=who.order.store_id,
                contact_id=who.contact.id,
                order_id=who.order.id,
                intent="out_for_delivery",
                purpose=Purpose.UTILITY,
                dedup_key=f"test:{index}",
                not_before=datetime.now(UTC),
            )
            assert message is not None
            fields = {"state": "delivered", "pricing_category": "utility", "billable": True}
            for name, value in (fields | row).items():
                setattr(message, name, value)
            await session.flush()
            ids.append(message.id)
    return ids


def _table(html: str, table_id: str) -> list[list[str]]:
    """The rows of the table with this id, as cell texts."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert body, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", body[0], re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[re.sub(r"\s+", " ", c).strip() for c in row] for row in cells if row]


# --- overview ---------------------------------------------------------------------------------


async def test_the_overview_sums_costs_per_day_and_currency(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    _, asha = shop
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    usd, eur = "USD", "EUR"
    await _messages(
        client,
        asha,
        [
            {"cost": Decimal("0.001234"), "cost_currency": usd},
            {"cost": Decimal("0.004"), "cost_currency": usd},
            {"cost": Decimal("0"), "cost_currency": usd, "billable": False},
            {"cost": Decimal("0.025"), "cost_currency": usd, "created_at": yesterday},
            # Priced before the store changed its rate card's currency.
            {"cost": Decimal("0.03"), "cost_currency": eur},
            # Delivered and billable, but the rate card had no price: unknown, counted apart.
            {"cost": None},
            # Billable but not delivered yet: not priced, not "unpriced" either.
            {"cost": None, "state": "sent"},
            # Older than 14 days: left out.
            {"cost": Decimal("9"), "cost_currency": usd, "created_at": now - timedelta(days=20)},
        ],
    )
    other_id, _ = await new_store(client, name="Other")
    other = await _customer(client, other_id, "+919800000001")
    await _messages(client, other, [{"cost": Decimal("1"), "cost_currency": usd}])

    html = (await client.get("/ui/overview")).text

    assert _table(html, "cost-totals") == [
        ["Currency", "Total", "Messages priced"],
        ["EUR", "0.03 EUR", "1"],
        ["USD", "0.030234 USD", "4"],
    ]
    usd_days = _table(html, "cost-per-day-USD")
    assert usd_days[0] == ["Day", "Cost", "Messages priced"]
    assert len(usd_days) == 1 + 14
    assert usd_days[-1] == [now.date().isoformat(), "0.005234 USD", "3"]
    assert usd_days[-2] == [yesterday.date().isoformat(), "0.025 USD", "1"]
    assert all(row[1:] == ["0.00 USD", "0"] for row in usd_days[1:-2])
    assert _table(html, "cost-per-day-EUR")[-1] == [now.date().isoformat(), "0.03 EUR", "1"]
    assert 'id="cost-USD-chart"' in html
    assert 'id="cost-EUR-chart"' in html
    unpriced = re.search(r'id="cost-unpriced">(.*?)</p>', html, re.S)
    assert unpriced is not None
    assert unpriced[1].startswith("1 delivered billable message could not be priced")


async def test_without_a_rate_card_the_overview_says_where_to_set_one(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    html = (await client.get("/ui/overview")).text
    assert "No rate card yet" in html
    assert 'href="/ui/settings#rate-card"' in html
    assert 'id="cost-totals"' not in html


# --- order page -------------------------------------------------------------------------------


async def test_the_order_page_shows_each_messages_cost_or_a_dash(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    _, asha = shop
    priced, unknown, free = await _messages(
        client,
        asha,
        [
            {"cost": Decimal("0.001234"), "cost_currency": "USD"},
            {"cost": None},
            {"cost": Decimal(0), "cost_currency": "USD", "billable": False},
        ],
    )
    html = (await client.get("/ui/orders/1001")).text

    def cost_of(message_id: int) -> str:
        found = re.search(rf'id="message-{message_id}-cost">(.*?)</span>', html)
        assert found, message_id
        return found[1]

    assert cost_of(priced) == "0.001234 USD"
    assert cost_of(unknown) == "—"
    assert cost_of(free) == "0.00 USD"
    assert "(free)" in html


# --- settings ---------------------------------------------------------------------------------


async def _rate_card(client: ApiClient, store_id: str) -> dict[str, Any] | None:
    async with client.sessions() as session:
        store = await session.get(Store, store_id)
        assert store is not None
        return store.rate_card


async def test_the_owner_sets_the_rate_card_in_settings(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    store_id, _ = shop
    page = (await client.get("/ui/settings")).text
    assert 'id="rate-card"' in page
    assert "Not set" in page
    token = await page_token(client, "/ui/settings")
    markets = '{"default": {"utility": "0.004"}, "in": {"utility": 0.001234}}'
    response = await client.post(
        "/ui/settings/rate-card", data={"csrf": token, "currency": "usd", "markets": markets}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("?saved=rate-card#rate-card")
    card = await _rate_card(client, store_id)
    assert card is not None
    assert (card["currency"], card["markets"]) == (
        "USD",
        {"IN": {"utility": "0.001234"}, "default": {"utility": "0.004"}},
    )
    shown = (await client.get("/ui/settings?saved=rate-card")).text
    assert 'value="USD"' in shown
    assert "&#34;0.001234&#34;" in shown  # the markets' JSON, escaped, in the textarea
    assert "Last changed" in shown


@pytest.mark.parametrize(
    ("currency", "markets", "reason"),
    [
        ("USD", '{"default": {"utility": "0.004"', "markets is not valid JSON (line 1"),
        ("USD", '{"default": {"utility": "-1"}}', "greater than or equal to 0"),
        ("USD", '{"Atlantis": {"utility": "1"}}', "not an ISO 3166 alpha-2 country code"),
        ("USD", '{"default": {"whatsapp": "1"}}', "Input should be &#39;marketing&#39;"),
        ("DOLLARS", '{"default": {"utility": "1"}}', "at most 3 characters"),
        ("ABC", "{}", "not an ISO 4217 currency code"),
        ("USD", "[" * 100_000, "markets"),
    ],
)
async def test_a_refused_rate_card_says_why_and_changes_nothing(
    client: ApiClient, shop: tuple[str, Customer], currency: str, markets: str, reason: str
) -> None:
    store_id, _ = shop
    token = await page_token(client, "/ui/settings")
    response = await client.post(
        "/ui/settings/rate-card", data={"csrf": token, "currency": currency, "markets": markets}
    )
    assert response.status_code == 422, response.text
    problem = re.search(r'id="rate-card-error">(.*?)</p>', response.text, re.S)
    assert problem is not None
    assert reason in problem[1]
    assert await _rate_card(client, store_id) is None


async def test_the_rate_card_form_needs_the_csrf_token_and_an_owner(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    store_id, _ = shop
    data = {"currency": "USD", "markets": '{"default": {"utility": "1"}}'}
    assert (await client.post("/ui/settings/rate-card", data=data)).status_code == 403
    await new_user(client, store_id, email="ravi@chai.example", name="Ravi", role=Role.AGENT)
    client.cookies.clear()
    await log_in(client, "ravi@chai.example")
    token = await page_token(client, "/ui/orders")
    refused = await client.post("/ui/settings/rate-card", data={"csrf": token, **data})
    assert refused.status_code == 403
    assert await _rate_card(client, store_id) is None
