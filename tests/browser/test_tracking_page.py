"""The tracking page in Chromium at a phone's width: a customer whose delivery failed opens
the link from WhatsApp, picks a day for the courier to come back, and the page confirms it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.conftest import Sandbox
from tests.e2e.customer import Customer
from tests.e2e.harness import Shop, open_tracked_shop, post_event, wait_for

PUBLIC = "https://track.chai.example"
SHORT = re.compile(re.escape(PUBLIC) + r"/t/([A-Za-z0-9_-]{12})")
ASHA = "919876543210"


@pytest.fixture
def tracked_shop(tmp_path: Path, sandbox: Sandbox) -> Iterator[Shop]:
    """A shop whose customers reach Ordertalk at PUBLIC."""
    yield from open_tracked_shop(tmp_path, sandbox, PUBLIC)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def test_a_customer_reschedules_a_missed_delivery_from_the_tracking_page(
    tracked_shop: Shop,
    page: Page,
) -> None:
    shop = tracked_shop
    cards = {"items": [
        {"title": "Cardamom chai, 250 g", "url": "https://chai.example/p/cardamom",
         "price": "349.00", "currency": "INR"},
        {"title": "Clay cups (set of 4)", "url": "https://chai.example/p/kulhad"},
    ]}  # fmt: skip
    assert shop.api.put("/v1/store/cross-sell", json=cards, headers=shop.auth).status_code == 200
    asha = Customer(shop, ASHA)
    order = {
        "external_id": "ERP-41",
        "name": "#41",
        "currency": "INR",
        "total": "698.00",
        "items": [{"title": "Masala chai, 250 g", "quantity": 2, "price": "349.00"}],
        "customer": {"phone": "+91 98765 43210", "name": "Asha", "language": "en"},
    }
    parcel = {
        "external_id": "ERP-41-1",
        "order_external_id": "ERP-41",
        "carrier": "Delhivery",
        "tracking_number": "4210610508756",
        "tracking_url": "https://www.delhivery.com/track/package/4210610508756",
    }
    post_event(shop, {"id": "o41", "milestone": "order_confirmed", "order": order,
                      "event_time": ago(hours=30)})  # fmt: skip
    asha.wait_template("order_confirmed")
    post_event(shop, {"id": "d41", "milestone": "dispatched", "shipment": parcel,
                      "event_time": ago(hours=20)})  # fmt: skip
    shipped = asha.wait_template("shipment_dispatched")
    post_event(shop, {"id": "f41", "milestone": "delivery_attempt_failed",
                      "detail": "Consignee unavailable", "shipment": {"external_id": "ERP-41-1"},
                      "event_time": ago(minutes=5)})  # fmt: skip
    asha.wait_template("delivery_attempt_failed")

    found = SHORT.search(shipped["text"])
    assert found is not None, shipped["text"]
    page.goto(f"{shop.url}/t/{found.group(1)}")  # PUBLIC is where this Ordertalk is reached

    expect(page.get_by_role("heading", name="Order #41")).to_be_visible()
    expect(page.get_by_text("Delivery attempt failed").first).to_be_visible()
    expect(page.get_by_role("heading", name="We missed you")).to_be_visible()
    # Phone first: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide at 375px"

    days = page.get_by_role("radio")
    expect(days).to_have_count(5)
    chosen = days.nth(1)
    day_value = chosen.get_attribute("value")
    chosen.check()
    page.get_by_role("button", name="Deliver on this day").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Done: the courier will deliver order #41 again on"
    )
    expect(page.get_by_text("You asked for a new attempt on")).to_be_visible()
    expect(page.get_by_role("link", name="Cardamom chai, 250 g")).to_have_attribute(
        "rel", "noopener"
    )
    screenshot(page, "tracking-page")

    result = wait_for(
        lambda: shop.order("ERP-41"), lambda o: o["shipments"][0]["ndr_action"] is not None
    )
    [shipment] = result["shipments"]
    assert shipment["ndr_action"] == "reattempt"
    assert shipment["reattempt_on"] == day_value
    clicks = {m["intent"]: m["link_clicks"] for m in result["messages"]}
    assert clicks["shipment_dispatched"] == 1
