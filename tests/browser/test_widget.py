"""The opt-in widget on a store's page, in Chromium: ticks and a number become consent, each
row with the page, the time and the exact wording the customer saw next to the box."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.browser.conftest import screenshot
from tests.e2e.conftest import shop  # noqa: F401  (the running Ordertalk and its store)
from tests.e2e.harness import Shop
from tests.servers import ServerThread


@pytest.fixture
def store_site(shop: Shop) -> Iterator[ServerThread]:  # noqa: F811
    """The store's own website: a thank-you page that includes the widget's script tag."""

    async def thank_you(request: Request) -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><html lang='en'><head><meta name='viewport' "
            "content='width=device-width'><title>Thanks</title></head><body>"
            "<h1>Thank you for your order</h1>"
            f"<script src='{shop.url}/widget/{shop.store_id}.js'></script></body></html>"
        )

    site = ServerThread(Starlette(routes=[Route("/thank-you", thank_you)])).start()
    yield site
    site.stop()


def test_a_customer_ticks_both_boxes_and_their_consent_is_in_the_ledger(
    shop: Shop,  # noqa: F811
    store_site: ServerThread,
    page: Page,
) -> None:
    settings = {"allowed_origins": [store_site.url], "whatsapp_number": "+91 98765 00000"}
    saved = shop.api.put("/v1/store/widget", json=settings, headers=shop.auth)
    assert saved.status_code == 200, saved.text
    before = datetime.now(UTC) - timedelta(seconds=1)
    page.goto(f"{store_site.url}/thank-you")
    page.get_by_label("Your WhatsApp number").fill("+91 98765 43210")
    boxes = {
        "utility": page.get_by_role("checkbox", name="order and delivery updates"),
        "marketing": page.get_by_role("checkbox", name="offers"),
    }
    # What the customer reads next to each box, as the browser shows it.
    shown = {}
    for purpose, box in boxes.items():
        box.check()
        shown[purpose] = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
    assert shown["utility"] == "Send me order and delivery updates on WhatsApp"
    chat = page.get_by_role("link", name="Chat with us on WhatsApp")
    expect(chat).to_have_attribute("href", "https://wa.me/919876500000")
    page.get_by_role("button", name="Save my WhatsApp choice").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    screenshot(page, "optin-widget")
    contact = shop.get("/v1/contacts", phone="+919876543210")
    ledger = shop.get(f"/v1/contacts/{contact['id']}/consent")["events"]
    by_purpose = {e["purpose"]: e for e in ledger}
    assert len(ledger) == 2
    assert set(by_purpose) == {"utility", "marketing"}
    for purpose, event in by_purpose.items():
        assert (event["source"], event["granted"]) == ("widget", True)
        assert event["evidence"]["wording"] == shown[purpose]
        assert event["evidence"]["page"] == f"{store_site.url}/thank-you"
        assert event["evidence"]["origin"] == store_site.url
        assert before <= datetime.fromisoformat(event["at"]) <= datetime.now(UTC)
    assert (contact["utility_consent"], contact["marketing_consent"]) == (True, True)
