"""The dashboard in Chromium at a phone's width: an agent logs in (with the mouse, or with the
keyboard alone, skipping the navigation), reads an order's messages and the reasons behind them,
and answers a customer from the inbox (the customer's sandbox phone shows the answer). Every
page fits 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ordertalk.web.users import Role
from tests.browser.conftest import add_dashboard_user, assert_fits, screenshot
from tests.e2e.conftest import shop  # noqa: F401  (the running Ordertalk and its store)
from tests.e2e.harness import Shop, wait_for

ASHA = "919876543210"  # Shopify order 5302002002 (COD, India)
ORDER = "5302002002"
EMAIL = "ravi@chai.example"
PASSWORD = "correct horse battery"


@pytest.fixture
def agent(shop: Shop) -> str:  # noqa: F811
    """A dashboard agent of the shop (made before the browser starts: see conftest)."""

    return add_dashboard_user(
        shop.database_url,
        shop.store_id,
        email=EMAIL,
        name="Ravi",
        password=PASSWORD,
        role=Role.AGENT,
    )


def log_in(page: Page, shop: Shop) -> None:  # noqa: F811
    page.goto(f"{shop.url}/ui/orders")
    expect(page).to_have_url(re.compile(r"/ui/login\?next="))
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("The email or the password is wrong.")
    page.get_by_label("Password").fill(PASSWORD)
    assert_fits(page)
    screenshot(page, "dashboard-login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()


def test_an_agent_opens_an_order_and_reads_its_messages_and_reasons(
    shop: Shop,  # noqa: F811
    agent: str,
    page: Page,
) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER)
    shop.step("shopify", "fulfillments_create_in", ORDER)
    log_in(page, shop)
    expect(page.get_by_text("Chai & Co")).to_be_visible()
    nav = page.get_by_role("navigation", name="Dashboard")
    expect(nav.get_by_role("link", name="Orders")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("+91•••••3210")).to_be_visible()
    assert_fits(page)
    screenshot(page, "dashboard-orders")
    page.get_by_label("Order number or phone").fill("98765 43210")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(r"5302002002|#")).first.click()
    expect(page.get_by_role("heading", name=re.compile("^Order "))).to_be_visible()
    messages = page.locator("article.message")
    expect(messages).to_have_count(2)
    expect(messages.first).to_contain_text("ot_cod_confirmation")
    expect(messages.first).to_contain_text("✓")
    messages.first.get_by_text(re.compile("^Decisions and statuses")).click()
    expect(messages.first.get_by_text("decision: send")).to_be_visible()
    expect(messages.first).to_contain_text("allowed")
    expect(page.locator(".timeline li").first).to_contain_text("advanced")
    assert_fits(page)
    screenshot(page, "dashboard-order")


def test_an_agent_answers_a_customer_from_the_inbox(
    shop: Shop,  # noqa: F811
    agent: str,
    page: Page,
) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER)
    shop.sandbox.say(ASHA, "talk to a person")
    wait_for(
        lambda: shop.get("/v1/conversations", state="waiting")["conversations"],
        lambda rows: len(rows) == 1,
    )
    log_in(page, shop)
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Inbox").click()
    waiting = page.locator("section", has=page.get_by_role("heading", name=re.compile("Waiting")))
    expect(waiting.get_by_role("link")).to_have_count(1)
    assert_fits(page)
    screenshot(page, "dashboard-inbox")
    waiting.get_by_role("link").click()
    expect(page.locator(".thread")).to_contain_text("talk to a person")
    reply = "Namaste! Ravi here, your parcel leaves the warehouse today."
    page.get_by_label("Your message").fill(reply)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".thread")).to_contain_text(reply)
    expect(page.get_by_text("with Ravi")).to_be_visible()
    phone = wait_for(
        lambda: [m for m in shop.sandbox.phone(ASHA) if m.get("text") == reply],
        lambda found: len(found) == 1,
    )
    assert len(phone) == 1, shop.sandbox.phone(ASHA)
    # The thread refreshes itself: the ticks move on without a reload.
    expect(page.locator(".thread .status").last).to_contain_text(
        re.compile("sent|delivered|read"), timeout=15_000
    )
    assert_fits(page)
    screenshot(page, "dashboard-conversation")


def test_an_agent_logs_in_and_skips_the_navigation_with_the_keyboard_alone(
    shop: Shop,  # noqa: F811
    agent: str,
    page: Page,
) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER)
    page.goto(f"{shop.url}/ui/login")
    # The login page starts in its email field (autofocus: the page's one task); the skip link
    # is the stop before it.
    email = page.get_by_label("Email")
    skip = page.get_by_role("link", name="Skip to content")
    expect(email).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused, not only to screen readers
    page.keyboard.press("Tab")
    expect(email).to_be_focused()
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    # A page with the navigation: Tab reaches the skip link first, and following it puts the
    # next Tab in the page's content, past every navigation link.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Order number or phone")).to_be_focused()
    screenshot(page, "dashboard-keyboard")
