"""The overview's numbers against a known set of outbox rows: totals and rates, per day, by
intent, failures by WhatsApp error and by policy reason, pricing categories; rows older than
14 days and another store's rows left out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordertalk.messaging.outbox import enqueue, note
from ordertalk.policy.decisions import Purpose, Reason
from ordertalk.stores.models import Store
from tests.api_support import ApiClient, new_store
from tests.conversations.inbox_support import Customer, customer
from tests.web.dashboard_support import log_in, new_user

pytestmark = pytest.mark.database


async def _customer(client: ApiClient, store_id: str, phone: str) -> Customer:
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        wrote_at = datetime.now(UTC) - timedelta(hours=1)
        return await customer(session, store, phone=phone, wrote_at=wrote_at)


async def _messages(client: ApiClient, who: Customer, rows: list[dict[str, Any]]) -> None:
    async with client.sessions() as session, session.begin():
        for index, row in enumerate(rows):
            message = await enqueue(
                session,
                store_id=who.order.store_id,
                contact_id=who.contact.id,
                order_id=who.order.id,
                intent=row.pop("intent"),
                purpose=Purpose.UTILITY,
                dedup_key=f"test:{index}",
                not_before=datetime.now(UTC),
            )
            assert message is not None
            reason = row.pop("suppressed_for", None)
            for name, value in row.items():
                setattr(message, name, value)
            if reason is not None:
                note(session, message, kind="decision", outcome="suppress", reason=reason)


def _table(html: str, table_id: str) -> list[list[str]]:
    """The rows of the table with this id, as cell texts."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert body, table_id
    rows = re.findall(r"<tr>(.*?)</tr>", body[0], re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[re.sub(r"\s+", " ", c).strip() for c in row] for row in cells if row]


async def test_the_overview_counts_a_known_set_of_messages(client: ApiClient) -> None:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id)
    asha = await _customer(client, store_id, "+919876543210")
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    await _messages(
        client,
        asha,
        [
            {"intent": "out_for_delivery", "state": "delivered", "wamid": "w1",
             "pricing_category": "utility", "billable": True},
            {"intent": "out_for_delivery", "state": "read", "wamid": "w2",
             "pricing_category": "utility", "billable": True},
            {"intent": "shipment_dispatched", "state": "failed", "wamid": "w3",
             "error_code": 131026, "error_title": "Message undeliverable"},
            {"intent": "shipment_dispatched", "state": "failed", "wamid": "w4",
             "error_code": 131026, "error_title": "Message undeliverable"},
            {"intent": "order_confirmed", "state": "suppressed",
             "suppressed_for": Reason.OPTED_OUT},
            {"intent": "order_confirmed", "state": "sent", "wamid": "w6",
             "pricing_category": "utility", "billable": False, "created_at": yesterday},
            # Older than 14 days: left out.
            {"intent": "delivered", "state": "delivered", "wamid": "w7",
             "created_at": now - timedelta(days=20)},
        ],
    )  # fmt: skip
    other_id, _ = await new_store(client, name="Other")
    other = await _customer(client, other_id, "+919800000001")
    await _messages(client, other, [{"intent": "delivered", "state": "failed", "wamid": "x1"}])
    await log_in(client, "priya@chai.example")
    response = await client.get("/ui/overview")
    assert response.status_code == 200
    html = response.text
    assert _table(html, "totals") == [
        ["Planned", "6"],
        ["Sent (accepted by WhatsApp)", "5"],
        ["Delivered", "2 (40% of sent)"],
        ["Read", "1 (20% of sent)"],
        ["Failed", "2"],
    ]
    per_day = _table(html, "per-day")
    assert per_day[0] == ["Day", "Planned", "Sent", "Delivered", "Read", "Failed"]
    assert len(per_day) == 1 + 14
    assert per_day[-1] == [now.date().isoformat(), "5", "4", "2", "1", "2"]
    assert per_day[-2] == [yesterday.date().isoformat(), "1", "1", "0", "0", "0"]
    assert all(row[1:] == ["0"] * 5 for row in per_day[1:-2])
    assert _table(html, "by-intent")[1:] == [
        ["order_confirmed", "2"],
        ["out_for_delivery", "2"],
        ["shipment_dispatched", "2"],
    ]
    assert _table(html, "failures")[1:] == [["131026 Message undeliverable", "2"]]
    assert _table(html, "suppressed")[1:] == [["opted_out: the customer opted out (STOP)", "1"]]
    # Billable counts per category; amounts are in the Cost section (no rate card here).
    assert "Billable messages by pricing category" in html
    assert _table(html, "pricing") == [
        ["Category", "Messages priced", "Billable"],
        ["utility", "3", "2"],
    ]
    assert "utility: 2 billable of 3 priced" in html
    assert "Amounts are under Cost, from your rate card." in html
    assert "No rate card yet" in html
    chart = re.search(r'<svg[^>]*id="pricing-chart".*?</svg>', html, re.S)
    assert chart is not None
    assert re.findall(r'class="chart-value">(\d+)</text>', chart[0]) == ["2"]
    assert html.count("<svg") >= 5  # charts drawn on the server
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]


async def test_an_empty_store_has_an_overview_too(client: ApiClient) -> None:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id)
    await log_in(client, "priya@chai.example")
    html = (await client.get("/ui/overview")).text
    assert _table(html, "totals")[0] == ["Planned", "0"]
    assert "No messages in this period." in html
    assert "No failures in this period." in html
