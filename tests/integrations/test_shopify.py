"""Shopify orders become order events; deliveries are identified, timed and checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordertalk.commerce.events import LineItem, PaymentMethod, PaymentStatus
from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import NormaliseError
from ordertalk.integrations.shopify import SOURCE
from tests.integrations.fixtures import data, deliver, delivery, normalise, only

M = Milestone


def event_for(name: str, **options: Any) -> Any:
    return only(normalise("shopify", name, {"timezone": "UTC", **options} if options else None))


def changed(name: str, topic: str, **fields: Any) -> list[Any]:
    body = data("shopify", name) | fields
    return normalise("shopify", deliver("shopify", body, topic=topic))


# --- orders -------------------------------------------------------------------------------


def test_a_prepaid_order_from_shopify_is_confirmed_with_its_facts() -> None:
    event = event_for("orders_create_prepaid_us")
    assert event.source == "shopify"
    assert event.milestone is M.ORDER_CONFIRMED
    order = event.order
    assert order is not None
    assert order.external_id == "5301001001"
    assert order.name == "#1001"
    assert order.currency == "USD"
    assert order.total == Decimal("59.90")
    assert order.items == [
        LineItem(
            title="Organic cotton T-shirt",
            quantity=2,
            sku="TS-ORG-M",
            price=Decimal("29.95"),
            external_id="6601",
        )
    ]
    assert order.payment_method is PaymentMethod.PREPAID
    assert order.payment_status is PaymentStatus.PAID
    assert order.status_url is not None
    assert order.status_url.startswith("https://demo-store.example/orders/5301001001/")
    assert order.placed_at == datetime(2026, 1, 8, 15, 0, tzinfo=UTC)


def test_a_cod_order_from_shopify_is_confirmed_with_cod_payment() -> None:
    event = event_for("orders_create_cod_in")
    assert event.milestone is M.ORDER_CONFIRMED
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.COD
    assert event.order.payment_status is PaymentStatus.PENDING
    assert event.order.currency == "INR"


def test_an_indonesian_cod_order_named_cash_on_delivery_is_cod() -> None:
    event = event_for("orders_create_cod_id")
    assert event.milestone is M.ORDER_CONFIRMED
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.COD
    assert event.order.total == Decimal("185000.00")


def test_an_authorised_card_order_is_confirmed() -> None:
    event = event_for("orders_create_authorized_es")
    assert event.milestone is M.ORDER_CONFIRMED
    assert event.order is not None
    assert event.order.payment_status is PaymentStatus.AUTHORIZED
    assert event.order.currency == "EUR"


def test_an_unpaid_non_cod_order_has_no_milestone_and_a_pending_payment() -> None:
    event = event_for("orders_create_unpaid_br")
    assert event.milestone is None
    assert event.raw_status == "pending"
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.PREPAID
    assert event.order.payment_status is PaymentStatus.PENDING


def test_orders_paid_confirms_the_order_and_marks_it_paid() -> None:
    event = event_for("orders_paid_br")
    assert event.milestone is M.ORDER_CONFIRMED
    assert event.order is not None
    assert event.order.payment_status is PaymentStatus.PAID
    assert event.event_time == datetime(2026, 3, 11, 12, 15, tzinfo=UTC)  # updated_at


def test_orders_cancelled_is_cancelled_with_the_reason_as_detail() -> None:
    event = event_for("orders_cancelled_id")
    assert event.milestone is M.CANCELLED
    assert event.detail == "customer"
    assert event.order is not None
    assert event.order.payment_status is PaymentStatus.VOIDED
    assert event.event_time == datetime(2026, 4, 1, 5, 45, tzinfo=UTC)  # cancelled_at


@pytest.mark.parametrize(
    "gateways",
    [
        ["Cash on Delivery (COD)"],
        ["cod"],
        ["cash_on_delivery"],
        ["COD - Pay at the door"],
        ["Bayar di Tempat"],
        ["Pagamento na entrega"],
        ["Contra reembolso"],
        ["manual", "Cash On Delivery"],
    ],
)
def test_cod_is_recognised_from_the_gateway_names(gateways: list[str]) -> None:
    body = data("shopify", "orders_create_unpaid_br") | {
        "payment_gateway_names": gateways,
        "gateway": None,
    }
    event = only(normalise("shopify", deliver("shopify", body, topic="orders/create")))
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.COD
    assert event.milestone is M.ORDER_CONFIRMED


@pytest.mark.parametrize("gateways", [["shopify_payments"], ["boleto"], ["Codensa card"]])
def test_card_and_bank_gateways_are_prepaid(gateways: list[str]) -> None:
    event = only(
        changed("orders_create_unpaid_br", "orders/create", payment_gateway_names=gateways)
    )
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.PREPAID


def test_cod_is_recognised_from_the_single_gateway_field_too() -> None:
    body = data("shopify", "orders_create_unpaid_br") | {
        "payment_gateway_names": [],
        "gateway": "Cash on Delivery (COD)",
    }
    event = only(normalise("shopify", deliver("shopify", body, topic="orders/create")))
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.COD


@pytest.mark.parametrize(
    ("financial", "payment", "milestone"),
    [
        ("pending", PaymentStatus.PENDING, None),
        ("authorized", PaymentStatus.AUTHORIZED, M.ORDER_CONFIRMED),
        ("partially_paid", None, M.ORDER_CONFIRMED),
        ("paid", PaymentStatus.PAID, M.ORDER_CONFIRMED),
        ("partially_refunded", PaymentStatus.PARTIALLY_REFUNDED, None),
        ("refunded", PaymentStatus.REFUNDED, None),
        ("voided", PaymentStatus.VOIDED, None),
        ("expired", PaymentStatus.FAILED, None),
        ("something_new", None, None),
    ],
)
def test_financial_status_maps_to_payment_status_and_confirmation(
    financial: str, payment: PaymentStatus | None, milestone: M | None
) -> None:
    event = only(changed("orders_create_unpaid_br", "orders/create", financial_status=financial))
    assert event.order is not None
    assert event.order.payment_status is payment
    assert event.milestone is milestone
    assert event.raw_status == financial


# --- the customer -------------------------------------------------------------------------


def test_the_customer_carries_phone_name_language_and_country() -> None:
    customer = event_for("orders_create_cod_in").order.customer
    assert customer.phone == "+91 98765 43210"  # raw: contacts normalises to E.164
    assert customer.name == "Priya Sharma"
    assert customer.language == "hi"
    assert customer.country == "IN"
    assert customer.marketing_consent is None  # no WhatsApp consent in order payloads


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        ((), "ship"),
        (("shipping_address.phone",), "order"),
        (("shipping_address.phone", "phone"), "customer"),
        (("shipping_address.phone", "phone", "customer.phone"), "billing"),
        (("shipping_address.phone", "phone", "customer.phone", "billing_address.phone"), None),
    ],
)
def test_the_phone_is_taken_shipping_then_order_then_customer_then_billing(
    remove: tuple[str, ...], expected: str | None
) -> None:
    body = data("shopify", "orders_create_prepaid_us")
    body["shipping_address"]["phone"] = "ship"
    body["phone"] = "order"
    body["customer"]["phone"] = "customer"
    body["billing_address"]["phone"] = "billing"
    for dotted in remove:
        *parents, key = dotted.split(".")
        target = body
        for parent in parents:
            target = target[parent]
        target[key] = None
    event = only(normalise("shopify", deliver("shopify", body, topic="orders/create")))
    assert event.order is not None
    customer = event.order.customer
    assert customer is not None  # the name is still there
    assert customer.phone == expected


def test_the_name_falls_back_to_the_shipping_name() -> None:
    body = data("shopify", "orders_create_cod_in") | {"customer": None}
    event = only(normalise("shopify", deliver("shopify", body, topic="orders/create")))
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.name == "Priya Sharma"


def test_the_country_falls_back_to_billing_then_to_the_store() -> None:
    body = data("shopify", "orders_cancelled_id")
    body["shipping_address"]["country_code"] = None
    event = only(normalise("shopify", deliver("shopify", body, topic="orders/cancelled")))
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.country == "ID"  # from billing
    body["billing_address"]["country_code"] = None
    event = only(
        normalise(
            "shopify",
            deliver("shopify", body, topic="orders/cancelled"),
            {"timezone": "Asia/Jakarta", "country": "id"},
        )
    )
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.country == "ID"  # the store's own country


def test_brazilian_and_spanish_locales_are_kept_as_the_language() -> None:
    assert event_for("orders_create_unpaid_br").order.customer.language == "pt-BR"
    assert event_for("orders_create_authorized_es").order.customer.language == "es"


# --- topics, time, dedup, errors ----------------------------------------------------------


@pytest.mark.parametrize("topic", ["orders/updated", "products/update", "app/uninstalled"])
def test_topics_we_do_not_use_give_no_events(topic: str) -> None:
    assert normalise("shopify", delivery("shopify", "orders_create_prepaid_us", topic=topic)) == []


def test_event_time_comes_from_the_payload_not_the_delivery() -> None:
    item = delivery("shopify", "orders_create_cod_in", triggered_at="2026-02-03T13:30:00Z")
    event = only(normalise("shopify", item))
    assert event.event_time == datetime(2026, 2, 3, 12, 55, 11, tzinfo=UTC)


def test_without_payload_times_the_triggered_at_header_is_used() -> None:
    body = data("shopify", "fulfillment_events_create_delivered_es")
    for key in ("happened_at", "created_at", "updated_at"):
        body.pop(key)
    item = deliver(
        "shopify", body, topic="fulfillment_events/create", triggered_at="2026-05-15T11:06:00Z"
    )
    assert only(normalise("shopify", item)).event_time == datetime(2026, 5, 15, 11, 6, tzinfo=UTC)


def test_with_no_time_anywhere_the_payload_is_refused() -> None:
    body = data("shopify", "fulfillment_events_create_delivered_es")
    for key in ("happened_at", "created_at", "updated_at"):
        body.pop(key)
    item = deliver("shopify", body, topic="fulfillment_events/create", triggered_at=None)
    with pytest.raises(NormaliseError, match="happened_at"):
        normalise("shopify", item)


def test_every_event_time_is_timezone_aware() -> None:
    for name in ("orders_create_cod_in", "fulfillments_create_in", "refunds_create_pending_br"):
        assert all(e.event_time.utcoffset() is not None for e in normalise("shopify", name))


def test_the_dedup_key_is_the_webhook_id_and_stable_across_redeliveries() -> None:
    first = SOURCE.identify(delivery("shopify", "orders_create_cod_in", webhook_id="wh-1"))
    again = SOURCE.identify(delivery("shopify", "orders_create_cod_in", webhook_id="wh-1"))
    other = SOURCE.identify(delivery("shopify", "orders_create_cod_in", webhook_id="wh-2"))
    assert first.external_id == again.external_id == "wh-1"
    assert other.external_id == "wh-2"
    assert first.topic == "orders/create"
    assert first.sent_at == datetime(2026, 1, 8, 15, 0, 5, 123000, tzinfo=UTC)


def test_a_delivery_without_a_webhook_id_is_refused() -> None:
    with pytest.raises(NormaliseError, match="X-Shopify-Webhook-Id"):
        SOURCE.identify(delivery("shopify", "orders_create_cod_in", webhook_id=None))


def test_a_delivery_without_a_topic_is_refused() -> None:
    with pytest.raises(NormaliseError, match="X-Shopify-Topic"):
        SOURCE.identify(delivery("shopify", "orders_create_cod_in", topic=None))


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"order"', b"{'id': 1}"])
def test_a_body_that_is_not_a_json_object_is_refused(raw: bytes) -> None:
    with pytest.raises(NormaliseError, match="JSON"):
        SOURCE.identify(deliver("shopify", raw, topic="orders/create"))


@pytest.mark.parametrize(
    ("topic", "name", "change", "field"),
    [
        ("orders/create", "orders_create_cod_in", {"id": None}, "'id' is missing"),
        ("orders/create", "orders_create_cod_in", {"id": [1]}, "'id' must be"),
        ("orders/create", "orders_create_cod_in", {"line_items": {"a": 1}}, "'line_items'"),
        ("orders/create", "orders_create_cod_in", {"total_price": "lots"}, "'total_price'"),
        ("orders/create", "orders_create_cod_in", {"created_at": "yesterday"}, "'created_at'"),
        ("orders/create", "orders_create_cod_in", {"customer": "Priya"}, "'customer'"),
        ("fulfillments/create", "fulfillments_create_in", {"order_id": None}, "'order_id'"),
        (
            "fulfillment_events/create",
            "fulfillment_events_create_delivered_es",
            {"status": None},
            "'status'",
        ),
        ("refunds/create", "refunds_create_pending_br", {"transactions": "x"}, "'transactions'"),
    ],
)
def test_malformed_payloads_are_refused_with_the_field_named(
    topic: str, name: str, change: dict[str, Any], field: str
) -> None:
    body = data("shopify", name) | change
    with pytest.raises(NormaliseError, match=field):
        normalise("shopify", deliver("shopify", body, topic=topic))


def test_a_line_item_with_an_impossible_quantity_is_refused_naming_it() -> None:
    body = data("shopify", "orders_create_cod_in")
    body["line_items"][0]["quantity"] = -3
    with pytest.raises(NormaliseError, match="quantity"):
        normalise("shopify", deliver("shopify", body, topic="orders/create"))


def test_error_messages_never_contain_the_phone_number() -> None:
    body = data("shopify", "orders_create_cod_in")
    body["shipping_address"]["phone"] = ["+91 98765 43210"]
    with pytest.raises(NormaliseError) as caught:
        normalise("shopify", deliver("shopify", body, topic="orders/create"))
    assert "98765" not in str(caught.value)
    assert "shipping_address.phone" in str(caught.value)


def test_naive_payload_times_are_read_in_the_store_timezone() -> None:
    body = data("shopify", "orders_create_cod_in") | {"created_at": "2026-02-03T18:25:11"}
    item = deliver("shopify", body, topic="orders/create")
    event = only(normalise("shopify", item, {"timezone": "Asia/Kolkata", "country": "IN"}))
    assert event.event_time.utcoffset() == timedelta(hours=5, minutes=30)
