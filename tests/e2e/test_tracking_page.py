"""The tracking page end to end: with a public URL set, the shipped message on the customer's
phone and the bot's where-is-my-order answer carry short /t/ links to it, and opening one shows
the order and counts a click on that message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.e2e.customer import Customer
from tests.e2e.harness import Shop, open_tracked_shop, post_event, wait_for

pytestmark = pytest.mark.database

PUBLIC = "https://track.chai.example"
SHORT = re.compile(re.escape(PUBLIC) + r"/t/([A-Za-z0-9_-]{12})")
EMMA = "14155552671"
CARRIER_URL = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile"


@pytest.fixture
def tracked_shop(tmp_path: Path, sandbox: Sandbox) -> Iterator[Shop]:
    """A shop whose Ordertalk is reached by customers at PUBLIC."""
    yield from open_tracked_shop(tmp_path, sandbox, PUBLIC)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


ORDER = {
    "external_id": "ERP-88",
    "name": "#88",
    "currency": "USD",
    "total": "38.00",
    "items": [{"title": "Linen shirt", "quantity": 1, "price": "38.00"}],
    "customer": {"phone": "+1 415 555 2671", "name": "Emma", "language": "en"},
}
PARCEL = {
    "external_id": "ERP-88-1",
    "order_external_id": "ERP-88",
    "carrier": "UPS",
    "tracking_number": "1Z999AA10123456784",
    "tracking_url": CARRIER_URL,
}


def ship(shop: Shop) -> None:
    """Emma's order, confirmed and then shipped (each message out before the next event)."""
    post_event(shop, {"id": "e88-1", "milestone": "order_confirmed", "order": ORDER,
                      "event_time": ago(minutes=30)})  # fmt: skip
    Customer(shop, EMMA).wait_template("order_confirmed")
    parcel = PARCEL | {"edd": (date.today() + timedelta(days=3)).isoformat()}
    post_event(shop, {"id": "e88-2", "milestone": "dispatched", "shipment": parcel,
                      "event_time": ago(minutes=1)})  # fmt: skip


def test_the_shipped_message_and_the_bots_answer_carry_tracking_page_links(
    tracked_shop: Shop,
) -> None:
    shop = tracked_shop
    emma = Customer(shop, EMMA)
    ship(shop)
    shipped = emma.wait_template("shipment_dispatched")
    found = SHORT.search(shipped["text"])
    assert found is not None, shipped["text"]
    assert CARRIER_URL not in shipped["text"]
    code = found.group(1)

    emma.catch_up()
    emma.say("where is my order?")
    answer = emma.next_reply()
    other = SHORT.search(answer["text"])
    assert other is not None, answer["text"]
    assert other.group(1) != code  # a link per message

    # The customer opens the shipped message's link (where PUBLIC points: this Ordertalk).
    page = shop.api.get(f"/t/{code}", headers={"user-agent": BROWSER})
    assert page.status_code == 200
    assert "Order #88" in page.text
    assert "UPS" in page.text
    assert f'href="{CARRIER_URL.replace("&", "&amp;")}"' in page.text
    # WhatsApp's own preview fetch is not a click.
    shop.api.get(f"/t/{code}", headers={"user-agent": "WhatsApp/2.24.6.77 i"})

    order = wait_for(
        lambda: shop.order("ERP-88"),
        lambda o: any(m["link_clicks"] for m in o["messages"]),
    )
    clicks = {m["intent"]: m["link_clicks"] for m in order["messages"]}
    assert clicks["shipment_dispatched"] == 1
    assert clicks["reply"] == 0
    assert clicks["order_confirmed"] is None
