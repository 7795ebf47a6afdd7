"""The sandbox's phone page in Chromium at a phone's width: a customer confirms a cash-on-delivery
order with the template's button and asks where it is, and the bot's answers appear by
themselves (the page polls; nothing is reloaded); a list's rows open from its menu button.
The phone list and a chat fit 375 px."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_fits, screenshot
from tests.conftest import Sandbox
from tests.e2e.conftest import shop  # noqa: F401  (the running Ordertalk and its store)
from tests.e2e.harness import Shop
from tests.sandbox.steps import list_message

ASHA = "919876543210"  # Shopify order 5302002002 "#2041" (COD, India, Hindi)
ORDER = "5302002002"


def test_a_customer_taps_confirm_and_asks_where_the_order_is(
    shop: Shop,  # noqa: F811
    page: Page,
) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER)
    page.goto(f"{shop.sandbox.url}/_sandbox/phones")
    assert_fits(page)
    screenshot(page, "phone-view-list")
    page.get_by_role("link", name=re.compile(ASHA)).click()
    expect(page).to_have_url(re.compile(rf"/_sandbox/phones/{ASHA}"))

    theirs = page.locator("li.msg.theirs")
    mine = page.locator("li.msg.mine")
    ask = theirs.filter(has=page.locator(".tpl", has_text="cod_confirmation"))
    expect(ask).to_have_count(1)
    expect(ask.locator("[data-status]")).to_have_attribute("aria-label", "Read")
    confirm = ask.get_by_role("button").first
    label = confirm.inner_text().replace("↩", "").strip()
    screenshot(page, "phone-view-template")
    confirm.click()

    expect(mine.last).to_contain_text(label)
    expect(theirs).to_have_count(2)
    expect(theirs.nth(1)).to_contain_text("#2041")

    box = page.get_by_label("Type a message")
    box.fill("where is my order")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(mine.last).to_contain_text("where is my order")
    expect(theirs).to_have_count(3)
    expect(theirs.nth(2)).to_contain_text("#2041")
    assert_fits(page)
    screenshot(page, "phone-view")


def test_a_list_opens_from_its_menu_button_and_a_row_is_chosen_with_the_keyboard(
    sandbox: Sandbox, page: Page
) -> None:
    sandbox.inbound(
        **{"from": ASHA, "type": "text", "text": {"body": "hi"}, "profile_name": "Asha"}
    )
    sandbox.send_ok(list_message(ASHA))
    page.goto(f"{sandbox.url}/_sandbox/phones/{ASHA}")

    menu = page.get_by_role("button", name="See options")
    rows = page.get_by_role("dialog", name="See options")
    expect(rows).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(rows).to_be_visible()
    screenshot(page, "phone-view-list-menu")
    rows.get_by_role("button", name="Express").focus()
    page.keyboard.press("Enter")

    expect(rows).to_be_hidden()
    expect(page.locator("li.msg.mine").last).to_contain_text("Express")
    reply = sandbox.control.get(f"/_sandbox/phones/{ASHA}/sent").json()[-1]["message"]
    assert reply["interactive"]["list_reply"]["id"] == "express"
