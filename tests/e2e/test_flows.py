"""The flows that act, played as customers through the sandbox in five languages: a COD order
confirmed or cancelled, a missed delivery rescheduled or sent to a new address, a return with a
photo, a feedback survey, and a catalog cart turned into a checkout link."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from ordertalk.phone import PHOTO
from tests.e2e.customer import Customer
from tests.e2e.harness import Shop, post_event, wait_for

pytestmark = pytest.mark.database

ASHA = "919876543210"  # Shopify order 5302002002 "#2041" (COD, India, Hindi)
DEWI = "6281298765432"  # Shopify order 5306006006 "#6002" (COD, Indonesia, Indonesian)
LUCAS = "5511912345678"  # Shopify order 5303003003 "#3107" (Brazil, Portuguese)
JAVIER = "34612345678"  # Shopify order 5305005005 (Spain, Spanish)
EMMA = "14155552671"  # orders through POST /v1/events (US, English)


PHOTO_B64 = base64.b64encode(PHOTO).decode()


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def emma_delivered(shop: Shop, *, delivered_hours_ago: float) -> None:
    """Emma's order ERP-77, two items, delivered some hours ago."""
    order = {
        "external_id": "ERP-77",
        "name": "#77",
        "currency": "USD",
        "total": "58.00",
        "items": [
            {"title": "Linen shirt", "quantity": 1, "price": "38.00", "sku": "LS-1"},
            {"title": "Canvas belt", "quantity": 1, "price": "20.00", "sku": "CB-2"},
        ],
        "customer": {"phone": "+1 415 555 2671", "name": "Emma", "language": "en"},
    }
    parcel = {"external_id": "ERP-77-1", "order_external_id": "ERP-77", "carrier": "UPS",
              "tracking_number": "1Z999AA10123456784"}  # fmt: skip
    hours = delivered_hours_ago
    post_event(shop, {"id": "e77-1", "milestone": "order_confirmed", "order": order,
                      "event_time": ago(hours=hours + 50).isoformat()})  # fmt: skip
    post_event(shop, {"id": "e77-2", "milestone": "dispatched", "shipment": parcel,
                      "event_time": ago(hours=hours + 30).isoformat()})  # fmt: skip
    post_event(shop, {"id": "e77-3", "milestone": "delivered", "shipment": parcel,
                      "event_time": ago(hours=hours).isoformat()})  # fmt: skip


def test_a_cod_order_is_confirmed_with_one_tap_in_hindi(shop: Shop) -> None:
    asha = Customer(shop, ASHA)
    shop.step("shopify", "orders_create_cod_in", "5302002002")
    ask = asha.wait_template("cod_confirmation")
    asha.tap(ask["buttons"][0])
    reply = asha.next_reply()
    assert "ऑर्डर #2041 कन्फ़र्म" in reply["text"]
    order = wait_for(lambda: shop.order("5302002002"), lambda o: o["cod_decision"] is not None)
    assert order["cod_decision"] == "confirmed"
    assert order["cod_decided_at"] is not None
    # Tapping again changes nothing and says so.
    asha.tap(ask["buttons"][0])
    assert asha.next_reply()["text"] != reply["text"]
    assert shop.order("5302002002")["cod_decision"] == "confirmed"


def test_a_cod_order_is_cancelled_only_after_a_second_tap_in_indonesian(shop: Shop) -> None:
    dewi = Customer(shop, DEWI)
    shop.step("shopify", "orders_create_cod_id", "5306006006")
    ask = dewi.wait_template("cod_confirmation")
    dewi.tap(ask["buttons"][1])  # cancel
    really = dewi.next_reply()
    assert "#6002" in really["text"]
    assert len(really["buttons"]) == 2
    assert shop.order("5306006006")["cod_decision"] is None  # not yet
    dewi.tap(really["buttons"][0])  # yes, cancel
    done = dewi.next_reply()
    assert "#6002" in done["text"]
    order = wait_for(lambda: shop.order("5306006006"), lambda o: o["cod_decision"] is not None)
    assert order["cod_decision"] == "cancelled"
    actions = [t for t in order["timeline"] if t["outcome"] == "customer_action"]
    assert [(t["raw_status"], t["source"]) for t in actions] == [("customer:cod_cancelled", "chat")]


def test_a_missed_delivery_is_rescheduled_from_the_template_in_portuguese(shop: Shop) -> None:
    lucas = Customer(shop, LUCAS)
    shop.step("shopify", "orders_create_unpaid_br", "5303003003", at=ago(hours=3))
    # The fixture's newest stamp is the next day's EDD: the attempt itself is put at "now".
    shop.send(
        "shopify",
        "fulfillment_events_create_attempted_delivery_br",
        happened_at=ago(minutes=1).isoformat(),
        estimated_delivery_at=ago(hours=-24).isoformat(),
    )
    ndr = lucas.wait_template("delivery_attempt_failed")
    lucas.tap(ndr["buttons"][0])  # deliver again
    days = lucas.next_reply()
    assert days["type"] == "interactive"
    assert len(days["rows"]) == 5
    lucas.tap(days["rows"][1]["title"])  # the day after tomorrow
    done = lucas.next_reply()
    assert "#3107" in done["text"]
    order = wait_for(
        lambda: shop.order("5303003003"), lambda o: o["shipments"][0]["ndr_action"] is not None
    )
    shipment = order["shipments"][0]
    assert shipment["ndr_action"] == "reattempt"
    expected = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert shipment["reattempt_on"] == expected


def test_a_new_address_is_asked_for_until_it_is_one_then_confirmed_in_hindi(shop: Shop) -> None:
    asha = Customer(shop, ASHA)
    shop.step("shopify", "orders_create_cod_in", "5302002002", at=ago(minutes=60))
    shop.step("shopify", "fulfillments_create_in", "5302002002", at=ago(minutes=50))
    shop.step("clickpost", "forward_4_picked_up_in", "5302002002", at=ago(minutes=40))
    shop.step("clickpost", "forward_9_failed_delivery_in", "5302002002", at=ago(minutes=1))
    asha.wait_template("delivery_attempt_failed")
    asha.catch_up()
    asha.say("mujhe address change karna hai")
    ask = asha.next_reply()
    assert "#2041" in ask["text"]
    asha.say("ghar")  # not an address
    again = asha.next_reply()
    assert again["text"] != ask["text"]
    asha.send(type="image", image={"data_base64": PHOTO_B64, "mime_type": "image/png"})
    asha.next_reply()  # a photo where an address was expected: asked once more, never stuck
    asha.say("Flat 12, 3rd Cross, MG Road, Bengaluru 560001")
    confirm = asha.next_reply()
    assert "MG Road, Bengaluru 560001" in confirm["text"]
    assert len(confirm["buttons"]) == 2
    asha.tap(confirm["buttons"][0])
    asha.next_reply()
    order = wait_for(
        lambda: shop.order("5302002002"), lambda o: o["shipments"][0]["ndr_action"] is not None
    )
    shipment = order["shipments"][0]
    assert shipment["ndr_action"] == "address"
    assert shipment["delivery_address"] == {"text": "Flat 12, 3rd Cross, MG Road, Bengaluru 560001"}


def test_a_return_is_asked_for_in_spanish_with_the_reason_and_words_for_a_photo(
    shop: Shop,
) -> None:
    javier = Customer(shop, JAVIER)
    shop.step("shopify", "orders_create_authorized_es", "5305005005", at=ago(hours=30))
    shop.step("shopify", "fulfillment_events_create_delivered_es", "5305005005", at=ago(hours=2))
    javier.catch_up()
    javier.say("quiero devolver mi pedido")
    items = javier.next_reply()  # one delivered order: straight to its items
    assert items["rows"][-1]["id"] == "ret:item:all"
    javier.tap(items["rows"][0]["title"])
    reasons = javier.next_reply()
    assert next(r["id"] for r in reasons["rows"]) == "ret:reason:damaged"
    javier.tap(reasons["rows"][2]["title"])  # size
    photo = javier.next_reply()
    assert photo["buttons"]
    assert len(photo["buttons"]) == 1
    javier.say("me queda pequeña, necesito una talla más")
    done = javier.next_reply()
    order = wait_for(lambda: shop.order("5305005005"), lambda o: bool(o["returns"]))
    [request] = order["returns"]
    assert request["milestone"] == "return_requested"
    assert (request["source"], request["reason"]) == ("chat", "size")
    assert request["comment"] == "me queda pequeña, necesito una talla más"
    assert f"R{request['id']}" in done["text"]


def test_a_low_score_is_kept_with_its_comment_and_a_person_offered_in_english(shop: Shop) -> None:
    emma = Customer(shop, EMMA)
    emma_delivered(shop, delivered_hours_ago=25)
    request = emma.wait_template("feedback_request")
    emma.catch_up()
    emma.tap(request["buttons"][0])  # the template's "Rate your order": the 0–10 list
    scores = emma.next_reply()
    assert [row["title"] for row in scores["rows"]] == [f"{n}/10" for n in range(10, 0, -1)]
    emma.tap("4/10")
    ask = emma.next_reply()
    assert "4/10" in ask["text"]
    emma.say("The box was crushed")
    low = emma.next_reply()
    assert len(low["buttons"]) == 2
    order = wait_for(lambda: shop.order("ERP-77"), lambda o: o["feedback"] is not None)
    assert order["feedback"]["score"] == 4
    assert order["feedback"]["comment"] == "The box was crushed"
    assert order["feedback"]["carrier"] == "UPS"
    emma.tap(low["buttons"][0])  # talk to a person
    handoff = emma.next_reply()
    assert "person" in handoff["text"]
    emma.say("hello?")  # the bot stays quiet now
    conversations = shop.get("/v1/conversations", state="waiting")
    assert len(conversations["conversations"]) == 1


def test_a_catalog_cart_gets_a_checkout_link_from_the_store(shop: Shop) -> None:
    emma = Customer(shop, EMMA)
    response = shop.api.patch(
        "/v1/store",
        json={"checkout_url_template": "https://shop.example/cart/{items}"},
        headers=shop.auth,
    )
    assert response.status_code == 200, response.text
    emma.send(
        type="order",
        order={
            "catalog_id": "cat-1",
            "text": "",
            "product_items": [
                {"product_retailer_id": "40100", "quantity": 2, "item_price": 19.5,
                 "currency": "USD"},
                {"product_retailer_id": "40200", "quantity": 1, "item_price": 5, "currency": "USD"},
            ],
        },
    )  # fmt: skip
    reply = emma.next_reply()
    assert "3" in reply["text"]
    assert "$44.00" in reply["text"]
    action = reply["raw"]["interactive"]["action"]["parameters"]
    assert action["url"] == "https://shop.example/cart/40100:2,40200:1"


def test_silence_mid_flow_starts_afresh_and_an_old_button_works_a_day_later_in_portuguese(
    shop: Shop,
) -> None:
    lucas = Customer(shop, LUCAS)
    shop.step("shopify", "orders_create_unpaid_br", "5303003003", at=ago(hours=3))
    shop.send(
        "shopify",
        "fulfillment_events_create_attempted_delivery_br",
        happened_at=ago(minutes=1).isoformat(),
        estimated_delivery_at=ago(hours=-24).isoformat(),
    )
    ndr = lucas.wait_template("delivery_attempt_failed")
    lucas.tap(ndr["buttons"][1])  # change the address
    ask = lucas.next_reply()
    assert "#3107" in ask["text"]
    shop.sandbox.advance(31 * 60)  # Lucas goes quiet for half an hour
    lucas.say("oi")
    menu = lucas.next_reply()
    assert menu["type"] == "interactive"
    assert len(menu["buttons"]) == 3
    shop.sandbox.advance(25 * 3600)  # and answers the day-old message the next day
    lucas.tap(ndr["buttons"][0])  # reattempt
    days = lucas.next_reply()
    assert len(days["rows"]) == 5
    lucas.tap(days["rows"][0]["title"])
    done = lucas.next_reply()
    assert "#3107" in done["text"]
    order = wait_for(
        lambda: shop.order("5303003003"), lambda o: o["shipments"][0]["ndr_action"] is not None
    )
    assert order["shipments"][0]["ndr_action"] == "reattempt"
