"""Opting out and back in, end to end: the customer's own words on their phone, the consent
ledger that records them, and the order updates that follow (or do not).

Each test places the customer's order first (so Ordertalk knows them), then plays what the
customer does in WhatsApp through the sandbox, and reads the phone, `GET /v1/contacts/...` and
`GET /v1/orders/{id}`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.harness import Shop, settled, wait_for

pytestmark = pytest.mark.database

PRIYA = "919876543210"  # Shopify order 5302002002: COD, India, checked out in Hindi
PHONE = "+919876543210"
ORDER = "5302002002"
GONE_OUT = ("accepted", "sent", "delivered", "read")


def place_order(shop: Shop, **changes: Any) -> None:
    """Priya's COD order, an hour ago, and its confirmation request on her phone."""
    at = datetime.now(UTC) - timedelta(hours=1)
    shop.send("shopify", "orders_create_cod_in", at=at, **changes)
    shop.wait_order(ORDER, settled)
    assert len(shop.wait_phone(PRIYA, 1)) == 1


def contact(shop: Shop) -> dict[str, Any]:
    """`GET /v1/contacts?phone=…`."""
    found: dict[str, Any] = shop.get("/v1/contacts", phone=PHONE)
    return found


def ledger(shop: Shop) -> list[dict[str, Any]]:
    """The contact's consent ledger, newest first."""
    events: list[dict[str, Any]] = shop.get(f"/v1/contacts/{contact(shop)['id']}/consent")["events"]
    return events


def newest(events: list[dict[str, Any]], purpose: str) -> dict[str, Any]:
    """The newest ledger row for one purpose."""
    return next(e for e in events if e["purpose"] == purpose)


def message(order: dict[str, Any], intent: str) -> dict[str, Any]:
    """The order's only message with this intent."""
    found: list[dict[str, Any]] = [m for m in order["messages"] if m["intent"] == intent]
    assert len(found) == 1, order["messages"]
    return found[0]


def decisions(message: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The send gate's decisions on a message, as (outcome, reason)."""
    return [(e["outcome"], e["reason"]) for e in message["events"] if e["kind"] == "decision"]


def service_reply(shop: Shop, intent: str) -> dict[str, Any]:
    """The customer's message of `intent` from `GET /v1/messages` (replies belong to no order),
    once its send is recorded (the phone can show it a moment before the outbox row says so)."""

    def read() -> list[dict[str, Any]]:
        mine: list[dict[str, Any]] = shop.get("/v1/messages", phone=PHONE)
        return [m for m in mine if m["intent"] == intent]

    [found] = wait_for(read, lambda rows: bool(rows) and rows[0]["state"] != "sending")
    return found


def assert_stopped_by_the_customer(shop: Shop, kind: str) -> list[dict[str, Any]]:
    """Both order updates and marketing revoked, newest in the ledger, by the customer's STOP
    (a message of `kind`); the two ledger rows."""
    now = contact(shop)
    assert (now["utility_consent"], now["marketing_consent"]) == (False, False)
    events = ledger(shop)
    rows = [newest(events, purpose) for purpose in ("utility", "marketing")]
    for row in rows:
        assert row["granted"] is False
        assert row["evidence"]["keyword"] == "STOP"
        assert row["evidence"]["type"] == kind
    return rows


def assert_update_suppressed(shop: Shop, intent: str, on_phone: int) -> None:
    """The order's `intent` message was never sent (opted out), and the phone got nothing new."""
    order = shop.wait_order(ORDER, settled)
    update = message(order, intent)
    assert update["state"] == "suppressed"
    assert decisions(update) == [("suppress", "opted_out")]
    # Settled: no message of the order is on its way, so nothing more can reach the phone.
    assert len(shop.sandbox.phone(PRIYA)) == on_phone


def test_stop_confirms_in_the_customers_language_and_silences_order_updates(
    shop: Shop,
) -> None:
    place_order(shop, customer_locale="en")

    shop.sandbox.say(PRIYA, "STOP")
    phone = shop.wait_phone(PRIYA, 2)
    assert len(phone) == 2
    assert phone[1]["type"] == "text"
    assert phone[1]["text"].startswith("You're unsubscribed: Chai & Co won't send you any more")
    reply = service_reply(shop, "optout_confirmed")
    assert (reply["form"], reply["language"]) == ("freeform", "en")
    assert reply["state"] in GONE_OUT
    revoked = assert_stopped_by_the_customer(shop, "text")
    assert {row["source"] for row in revoked} == {"keyword"}
    # Before the STOP, the order itself had counted as agreeing to order updates.
    assert [(e["purpose"], e["granted"], e["source"]) for e in ledger(shop)][-1] == (
        "utility",
        True,
        "checkout_implied",
    )

    shop.send("shopify", "fulfillments_create_in")
    assert_update_suppressed(shop, "shipment_dispatched", on_phone=2)

    shop.sandbox.say(PRIYA, "START")
    phone = shop.wait_phone(PRIYA, 3)
    assert phone[2]["text"].startswith("You're subscribed again: Chai & Co will send you")
    assert contact(shop)["utility_consent"] is True
    restored = newest(ledger(shop), "utility")
    assert (restored["granted"], restored["source"]) == (True, "keyword")

    shop.send("clickpost", "forward_6_out_for_delivery_in")
    order = shop.wait_order(ORDER, settled)
    assert message(order, "out_for_delivery")["state"] in GONE_OUT
    assert len(shop.wait_phone(PRIYA, 4)) == 4


def test_stop_in_hindi_is_confirmed_in_hindi_and_start_in_hindi_undoes_it(shop: Shop) -> None:
    place_order(shop)  # Priya checked out in Hindi

    shop.sandbox.say(PRIYA, "बंद करो")
    phone = shop.wait_phone(PRIYA, 2)
    assert len(phone) == 2
    assert phone[1]["type"] == "text"
    assert phone[1]["text"].startswith("आपकी सदस्यता बंद कर दी गई है: Chai & Co")
    assert service_reply(shop, "optout_confirmed")["language"] == "hi"
    revoked = assert_stopped_by_the_customer(shop, "text")
    assert {row["source"] for row in revoked} == {"keyword"}

    shop.send("shopify", "fulfillments_create_in")
    assert_update_suppressed(shop, "shipment_dispatched", on_phone=2)

    shop.sandbox.say(PRIYA, "शुरू करो")
    phone = shop.wait_phone(PRIYA, 3)
    assert phone[2]["text"].startswith("आपकी सदस्यता फिर से चालू हो गई है")
    assert contact(shop)["utility_consent"] is True


def test_the_stop_quick_reply_of_a_template_does_what_the_word_does(shop: Shop) -> None:
    place_order(shop, customer_locale="en")

    shop.sandbox.inbound(
        **{
            "from": PRIYA,
            "type": "button",
            "button": {"text": "Stop updates", "payload": "ot:stop"},
        }
    )
    phone = shop.wait_phone(PRIYA, 2)
    assert len(phone) == 2
    assert phone[1]["text"].startswith("You're unsubscribed: Chai & Co")
    # Which ledger source a tap is filed under (keyword or template_button) is not settled here;
    # that it was a button tap, and a STOP, is.
    assert_stopped_by_the_customer(shop, "button")

    shop.send("shopify", "fulfillments_create_in")
    assert_update_suppressed(shop, "shipment_dispatched", on_phone=2)


def test_stopping_marketing_in_whatsapp_revokes_marketing_only(shop: Shop) -> None:
    place_order(shop)
    before = len(ledger(shop))

    # The customer turns off this business's offers in the WhatsApp app: Meta's
    # `user_preferences` webhook, which says nothing about order updates.
    changed = shop.sandbox.control.put(
        f"/_sandbox/phones/{PRIYA}", json={"marketing_opt_out": True}
    )
    assert changed.status_code == 200, changed.text
    now = wait_for(lambda: contact(shop), lambda c: c["marketing_consent"] is False)
    assert (now["utility_consent"], now["marketing_consent"]) == (True, False)
    events = ledger(shop)
    assert len(events) == before + 1
    revoked = events[0]
    assert (revoked["purpose"], revoked["granted"], revoked["source"]) == (
        "marketing",
        False,
        "user_preferences_webhook",
    )
    assert revoked["evidence"]["value"] == "stop"

    # Order updates still go, and no confirmation was sent for a choice made in the app.
    shop.send("shopify", "fulfillments_create_in")
    order = shop.wait_order(ORDER, settled)
    assert message(order, "shipment_dispatched")["state"] in GONE_OUT
    phone = shop.wait_phone(PRIYA, 2)
    assert [m["type"] for m in phone] == ["template", "template"]
