"""The rest of the dashboard in Chromium at a phone's width: an owner logs in and opens the
overview, contacts, templates, journeys and settings; each has a heading and fits 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ordertalk.web.users import Role
from tests.browser.conftest import add_dashboard_user, assert_fits, screenshot
from tests.e2e.conftest import shop  # noqa: F401  (the running Ordertalk and its store)
from tests.e2e.harness import Shop

ORDER = "5302002002"  # Shopify order, COD, India
EMAIL = "priya@chai.example"
PASSWORD = "correct horse battery"
PAGES = [
    ("Overview", "ui-overview"),
    ("Contacts", "ui-contacts"),
    ("Templates", "ui-templates"),
    ("Journeys", "ui-journeys"),
    ("Settings", "ui-settings"),
]


@pytest.fixture
def owner(shop: Shop) -> str:  # noqa: F811
    """A dashboard owner of the shop (made before the browser starts: see conftest)."""

    return add_dashboard_user(
        shop.database_url,
        shop.store_id,
        email=EMAIL,
        name="Priya",
        password=PASSWORD,
        role=Role.OWNER,
    )


def test_an_owner_opens_every_page_at_phone_width(
    shop: Shop,  # noqa: F811
    owner: str,
    page: Page,
) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER)
    shop.step("shopify", "fulfillments_create_in", ORDER)
    page.goto(f"{shop.url}/ui/login")
    page.get_by_label("Email").fill(owner)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Dashboard")
    for label, name in PAGES:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=1, name=label)).to_be_visible()
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        assert_fits(page)
        screenshot(page, name)
    # One contact, from the list (its number masked there).
    nav.get_by_role("link", name="Contacts", exact=True).click()
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", level=2, name="Consent")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(ORDER + "|#"))).to_have_count(1)
    assert_fits(page)
    screenshot(page, "ui-contact")
