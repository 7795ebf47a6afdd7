"""Order updates end to end: store and carrier webhooks in over HTTP, messages on the phone.

Each test plays a real sequence of deliveries (realistic fixtures, signed the way each source
signs them, moved to "just now") into a running Ordertalk whose number is the sandbox's, and
reads what the customer's phone received and what `GET /v1/orders/{id}` explains.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.harness import Shop, settled, wait_for

pytestmark = pytest.mark.database

ASHA = "919876543210"  # Shopify order 5302002002: COD, India, Delhivery AWB 4210610508756
ORDER = "5302002002"


def minutes_ago(minutes: float) -> datetime:
    """A moment shortly before now (events must be recent to be announced)."""
    return datetime.now(UTC) - timedelta(minutes=minutes)


def intents(order: dict[str, Any]) -> list[str]:
    """The intents of an order's messages that went out, in order."""
    return [
        m["intent"]
        for m in order["messages"]
        if m["state"] in ("accepted", "sent", "delivered", "read")
    ]


def templates_on(phone: list[dict[str, Any]]) -> list[str]:
    """The template names a phone received, in order."""
    return [m["template"]["name"] if "template" in m else m["type"] for m in phone]


def test_a_cod_order_from_shopify_asks_the_customer_to_confirm_or_cancel(shop: Shop) -> None:
    answer = shop.send("shopify", "orders_create_cod_in")
    assert answer["milestones"] == ["order_confirmed"]
    phone = shop.wait_phone(ASHA, 1)
    assert len(phone) == 1
    order = shop.wait_order(ORDER, settled)
    [message] = order["messages"]
    assert message["intent"] == "cod_confirmation"
    assert message["form"] == "template"
    assert message["state"] in ("accepted", "sent", "delivered", "read")
    assert [e["outcome"] for e in message["events"] if e["kind"] == "decision"] == ["send"]
    assert phone[0]["type"] == "template"


def test_a_parcel_through_a_failed_attempt_gets_one_message_per_milestone(shop: Shop) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER, at=minutes_ago(60))
    shop.step("shopify", "fulfillments_create_in", ORDER, at=minutes_ago(50))
    shop.step("clickpost", "forward_4_picked_up_in", ORDER, at=minutes_ago(45))  # dispatched again
    shop.step("clickpost", "forward_6_out_for_delivery_in", ORDER, at=minutes_ago(30))
    shop.step("clickpost", "forward_9_failed_delivery_in", ORDER, at=minutes_ago(20))
    shop.step("clickpost", "forward_6_out_for_delivery_in", ORDER, at=minutes_ago(10))  # again
    shop.step("clickpost", "forward_8_delivered_in", ORDER, at=minutes_ago(1))

    phone = shop.wait_phone(ASHA, 6)
    order = shop.wait_order(ORDER, settled)
    assert intents(order) == [
        "cod_confirmation",
        "shipment_dispatched",
        "out_for_delivery",
        "delivery_attempt_failed",
        "out_for_delivery",
        "delivered",
    ]
    assert templates_on(phone) == [
        "ot_cod_confirmation",
        "ot_shipment_dispatched",
        "ot_out_for_delivery",
        "ot_delivery_attempt_failed",
        "ot_out_for_delivery",
        "ot_delivered",
    ]
    # Asha checked out in Hindi; the failed-attempt message carries her three actions.
    assert {m["template"]["language"] for m in phone} == {"hi"}
    assert phone[3]["buttons"][0] == "दोबारा डिलीवरी"
    payloads = [
        c["parameters"][0]["payload"]
        for c in phone[3]["raw"]["template"]["components"]
        if c.get("sub_type") == "quick_reply"
    ]
    assert [p.split(":")[:2] for p in payloads] == [
        ["ndr", "reattempt"],
        ["ndr", "address"],
        ["ndr", "cancel"],
    ]
    [shipment] = order["shipments"]
    assert shipment["milestone"] == "delivered"
    assert shipment["attempts"] == 1
    assert order["delivered"] is True
    # The feedback request waits a day after delivery.
    [feedback] = [m for m in order["messages"] if m["intent"] == "feedback_request"]
    assert feedback["state"] == "scheduled"


def test_replayed_and_out_of_order_deliveries_send_nothing_twice(shop: Shop) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER, at=minutes_ago(60))
    shop.step("shopify", "fulfillments_create_in", ORDER, at=minutes_ago(50))
    delivered = shop.fixture("clickpost", "forward_8_delivered_in", at=minutes_ago(5))
    for _ in range(3):
        assert shop.post("clickpost", delivered).status_code == 200
    # An older scan arriving after the delivery must not go back in time.
    late = shop.send("clickpost", "forward_6_out_for_delivery_in", at=minutes_ago(30))
    assert late["milestones"] == []

    order = shop.wait_order(ORDER, settled)
    assert intents(order) == ["cod_confirmation", "shipment_dispatched", "delivered"]
    outcomes = [(t["milestone"], t["outcome"]) for t in order["timeline"]]
    assert ("out_for_delivery", "after_terminal") in outcomes
    assert len(shop.wait_phone(ASHA, 3)) == 3


def test_a_duplicate_delivery_is_acknowledged_and_ignored(shop: Shop) -> None:
    raw = shop.fixture("shopify", "orders_create_cod_in")
    first = shop.post("shopify", raw, name="orders_create_cod_in", webhook_id="whk-1")
    again = shop.post("shopify", raw, name="orders_create_cod_in", webhook_id="whk-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    order = shop.wait_order(ORDER, settled)
    assert len(order["messages"]) == 1


def test_a_carrier_update_for_an_unknown_parcel_is_parked_until_it_is_known(shop: Shop) -> None:
    body = json.loads(
        shop.fixture("clickpost", "forward_6_out_for_delivery_in", at=minutes_ago(10))
    )
    del body["additional"]["order_id"]  # nothing links this scan to an order yet
    early = shop.post("clickpost", json.dumps(body).encode())
    assert early.json()["state"] == "parked"
    shop.step("shopify", "orders_create_cod_in", ORDER, at=minutes_ago(60))
    shop.step("shopify", "fulfillments_create_in", ORDER, at=minutes_ago(50))
    order = shop.wait_order(ORDER, lambda o: len(intents(o)) >= 2 and settled(o))
    assert order["shipments"][0]["milestone"] == "out_for_delivery"
    # The parcel is already out for delivery: "shipped" would be old news, so only OFD goes.
    assert intents(order) == ["cod_confirmation", "out_for_delivery"]
    [shipped] = [m for m in order["messages"] if m["intent"] == "shipment_dispatched"]
    assert shipped["state"] == "withdrawn"
    assert shipped["events"][-1]["reason"] == "stale"


def test_a_carrier_update_naming_an_unseen_order_creates_it(shop: Shop) -> None:
    early = shop.send("clickpost", "forward_6_out_for_delivery_in", at=minutes_ago(10))
    assert early["state"] == "processed"
    shop.send("shopify", "orders_create_cod_in", at=minutes_ago(60))
    order = shop.wait_order(ORDER, lambda o: bool(intents(o)))
    assert order["name"] is not None  # the store's event filled in the stub
    assert order["shipments"][0]["milestone"] == "out_for_delivery"
    # No phone was known when the scan came, so only what followed is announced.
    assert intents(order) == ["cod_confirmation"]


def test_a_completed_woocommerce_order_is_announced_as_shipped(shop: Shop) -> None:
    shop.send("woocommerce", "order_updated_completed_es")
    order = shop.wait_order("2210", lambda o: bool(o["messages"]) and settled(o))
    assert intents(order) == ["shipment_dispatched"]
    # WooCommerce payloads carry no locale: the store's language is used.
    assert order["messages"][0]["language"] == "en"
    assert order["shipments"][0]["tracking_number"] == "PQ4F6P0798765430128001Y"


def test_shopify_customers_get_messages_in_their_checkout_language(shop: Shop) -> None:
    shop.send("shopify", "orders_create_authorized_es")
    order = shop.wait_order("5305005005", lambda o: bool(intents(o)))
    [message] = order["messages"]
    assert (message["intent"], message["language"]) == ("order_confirmed", "es")
    phone = shop.wait_phone("34612345678", 1)
    assert phone[0]["template"] == {"name": "ot_order_confirmed", "language": "es"}


def test_aftership_updates_reach_the_customer_of_a_shopify_order(shop: Shop) -> None:
    shop.step("shopify", "orders_create_cod_in", ORDER, at=minutes_ago(60))
    shop.step("aftership", "in_transit_002_in", ORDER, at=minutes_ago(30))
    order = shop.wait_order(ORDER, lambda o: len(intents(o)) >= 2)
    assert intents(order) == ["cod_confirmation", "shipment_dispatched"]
    assert order["shipments"][0]["tracking_number"] == "81234567890"


def test_the_generic_api_and_easypost_drive_a_us_order(shop: Shop) -> None:
    headers = {"Authorization": f"Bearer {shop.key}"}
    event = {
        "id": "erp-1",
        "milestone": "dispatched",
        "event_time": minutes_ago(30).isoformat(),
        "order": {
            "external_id": "US-77",
            "name": "#US-77",
            "customer": {"phone": "+1 502 459 2181", "name": "Bob", "language": "en"},
            "currency": "USD",
            "total": "59.90",
            "payment_status": "paid",
        },
        "shipment": {"tracking_number": "9400111899223033005048", "carrier": "USPS"},
    }
    accepted = shop.api.post("/v1/events", json=event, headers=headers)
    assert accepted.status_code == 202, accepted.text
    again = shop.api.post("/v1/events", json=event, headers=headers)
    assert again.json()["duplicate"] is True
    shop.wait_order("US-77", lambda o: bool(intents(o)))
    shop.send("easypost", "out_for_delivery_us", at=minutes_ago(5))
    order = shop.wait_order("US-77", lambda o: len(intents(o)) >= 2)
    assert intents(order) == ["shipment_dispatched", "out_for_delivery"]
    phone = wait_for(lambda: shop.sandbox.phone("15024592181"), lambda p: len(p) >= 2)
    assert len(phone) == 2


def _api_order(order_id: str, **order: Any) -> dict[str, Any]:
    return {
        "id": f"erp-{order_id}",
        "milestone": "order_confirmed",
        "event_time": minutes_ago(1).isoformat(),
        "order": {
            "external_id": order_id,
            "name": f"#{order_id}",
            "customer": {"phone": "+91 98111 22233", "name": "Meera", "language": "en"},
            "currency": "INR",
            "total": "1499.00",
            "payment_status": "paid",
            **order,
        },
    }


def test_an_invoice_goes_as_the_pdf_header_once_its_template_is_approved(shop: Shop) -> None:
    report = shop.push_templates(document_handle="4::c2FtcGxlLXBkZg==")
    assert report.created, "the invoice variants were not created"
    event = _api_order("INV-1", invoice_url="https://chai.example.com/invoices/INV-1.pdf")
    response = shop.api.post("/v1/events", json=event, headers=shop.auth)
    assert response.status_code == 202, response.text
    order = shop.wait_order("INV-1", lambda o: bool(intents(o)))
    assert intents(order) == ["order_confirmed_invoice"]
    [received] = shop.wait_phone("919811122233", 1)
    header = received["raw"]["template"]["components"][0]
    assert header["type"] == "header"
    assert header["parameters"][0]["document"]["link"].endswith("/INV-1.pdf")


def test_without_an_approved_invoice_template_the_plain_confirmation_goes(shop: Shop) -> None:
    event = _api_order("INV-2", invoice_url="https://chai.example.com/invoices/INV-2.pdf")
    assert shop.api.post("/v1/events", json=event, headers=shop.auth).status_code == 202
    order = shop.wait_order("INV-2", lambda o: bool(intents(o)))
    assert intents(order) == ["order_confirmed"]
    [message] = order["messages"]
    fallback = [e for e in message["events"] if e["outcome"] == "fallback"]
    assert "order_confirmed_invoice is not approved" in fallback[0]["detail"]
