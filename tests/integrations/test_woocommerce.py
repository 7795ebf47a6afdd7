"""WooCommerce order webhooks become canonical events; the creation ping is recognised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordertalk.commerce.events import PaymentMethod, PaymentStatus
from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import Delivery, NormaliseError
from ordertalk.integrations.registry import SOURCES
from ordertalk.integrations.woocommerce import SOURCE
from tests.integrations.fixtures import data, deliver, delivery, load, normalise, only

M = Milestone


def events_with(name: str, options: dict[str, Any] | None = None, **fields: Any) -> list[Any]:
    body = data("woocommerce", name) | fields
    return normalise("woocommerce", deliver("woocommerce", body, topic="order.updated"), options)


# --- status mapping -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "milestone"),
    [
        ("processing", M.ORDER_CONFIRMED),
        ("on-hold", M.ORDER_CONFIRMED),
        ("failed", M.PAYMENT_FAILED),
        ("cancelled", M.CANCELLED),
        ("ready-for-pickup", M.READY_FOR_PICKUP),
        ("completed", M.DISPATCHED),
        ("pending", None),
        ("partially-shipped", None),
    ],
)
def test_order_status_maps_to_a_milestone(status: str, milestone: M | None) -> None:
    event = events_with("order_created_processing_in", status=status)[0]
    assert event.milestone is milestone
    assert event.raw_status == status
    assert event.source == "woocommerce"


@pytest.mark.parametrize(
    ("means", "milestone"), [("dispatched", M.DISPATCHED), ("delivered", M.DELIVERED)]
)
def test_completed_means_what_the_merchant_configured(means: str, milestone: M) -> None:
    options = {"timezone": "Europe/Madrid", "country": "ES", "completed_means": means}
    event = only(normalise("woocommerce", "order_updated_completed_es", options))
    assert event.milestone is milestone


def test_completed_defaults_to_dispatched_with_the_shipment_tracking_meta() -> None:
    event = only(normalise("woocommerce", "order_updated_completed_es"))
    assert event.milestone is M.DISPATCHED
    shipment = event.shipment
    assert shipment is not None
    assert shipment.external_id == "wc-order-2210"  # one shipment per WooCommerce order
    assert shipment.order_external_id == "2210"
    assert shipment.tracking_number == "PQ4F6P0798765430128001Y"
    assert shipment.carrier == "correos"
    assert event.order is not None
    assert event.order.currency == "EUR"


def test_a_completed_order_without_tracking_meta_still_has_its_shipment() -> None:
    event = only(events_with("order_updated_completed_es", meta_data=[]))
    assert event.shipment is not None
    assert event.shipment.external_id == "wc-order-2210"
    assert event.shipment.tracking_number is None


def test_odd_shipment_tracking_meta_is_ignored_rather_than_fatal() -> None:
    meta = [{"key": "_wc_shipment_tracking_items", "value": ["not", "an", "object"]}]
    event = only(events_with("order_updated_completed_es", meta_data=meta))
    assert event.milestone is M.DISPATCHED
    assert event.shipment is not None
    assert event.shipment.tracking_number is None


def test_ready_for_pickup_carries_the_order_shipment() -> None:
    event = only(normalise("woocommerce", "order_updated_ready_for_pickup_es"))
    assert event.milestone is M.READY_FOR_PICKUP
    assert event.shipment is not None
    assert event.shipment.external_id == "wc-order-2212"


@pytest.mark.parametrize("status", ["checkout-draft", "trash", "draft", "auto-draft"])
def test_drafts_and_trashed_orders_give_no_events(status: str) -> None:
    assert events_with("order_updated_checkout_draft", status=status) == []


def test_a_custom_plugin_status_is_kept_without_a_milestone() -> None:
    event = only(normalise("woocommerce", "order_updated_custom_status_in"))
    assert event.milestone is None
    assert event.raw_status == "partially-shipped"
    assert event.order is not None


def test_a_refunded_order_gives_a_completed_refund_per_refund_entry() -> None:
    order_event, refund_event = normalise("woocommerce", "order_updated_refunded_es")
    assert order_event.milestone is None
    assert order_event.order is not None
    assert order_event.order.payment_status is PaymentStatus.REFUNDED
    assert refund_event.milestone is M.REFUND_COMPLETED
    refund = refund_event.refund
    assert refund is not None
    assert (refund.external_id, refund.order_external_id) == ("2290", "2211")
    assert (refund.amount, refund.currency) == (Decimal("49.90"), "EUR")


def test_a_refunded_order_without_refund_entries_gets_one_full_refund() -> None:
    events = events_with("order_updated_refunded_es", refunds=[])
    refund = events[1].refund
    assert refund is not None
    assert refund.external_id == "wc-order-2211-refund"
    assert refund.amount == Decimal("49.90")


def test_a_partial_refund_on_a_processing_order_is_a_completed_refund() -> None:
    refunds = [{"id": 801, "reason": "", "total": "-100.00"}]
    events = events_with("order_created_processing_in", refunds=refunds)
    assert [e.milestone for e in events] == [M.ORDER_CONFIRMED, M.REFUND_COMPLETED]
    assert events[1].refund is not None
    assert events[1].refund.amount == Decimal("100.00")


# --- order facts --------------------------------------------------------------------------


def test_a_prepaid_processing_order_is_confirmed_and_paid() -> None:
    event = only(normalise("woocommerce", "order_created_processing_in"))
    assert event.milestone is M.ORDER_CONFIRMED
    order = event.order
    assert order is not None
    assert (order.external_id, order.name, order.currency) == ("727", "#727", "INR")
    assert order.total == Decimal("1499.00")
    assert order.payment_method is PaymentMethod.PREPAID
    assert order.payment_status is PaymentStatus.PAID
    assert order.items is not None
    assert order.items[0].title == "Handloom saree"
    assert order.items[0].price == Decimal("1499")
    assert order.placed_at == datetime(2026, 1, 8, 10, 0, tzinfo=UTC)


def test_a_cod_order_from_woocommerce_is_confirmed_with_cod_payment_pending() -> None:
    event = only(normalise("woocommerce", "order_created_cod_in"))
    assert event.milestone is M.ORDER_CONFIRMED
    assert event.order is not None
    assert event.order.payment_method is PaymentMethod.COD
    assert event.order.payment_status is PaymentStatus.PENDING


def test_an_on_hold_bank_transfer_is_confirmed_awaiting_payment() -> None:
    event = only(normalise("woocommerce", "order_created_on_hold_br"))
    assert event.milestone is M.ORDER_CONFIRMED
    assert event.order is not None
    assert event.order.payment_status is PaymentStatus.PENDING
    assert event.order.currency == "BRL"


def test_a_pending_order_has_no_milestone_and_a_pending_payment() -> None:
    event = only(normalise("woocommerce", "order_updated_pending_br"))
    assert event.milestone is None
    assert event.order is not None
    assert event.order.payment_status is PaymentStatus.PENDING


def test_a_failed_payment_is_payment_failed() -> None:
    event = only(normalise("woocommerce", "order_updated_failed_in"))
    assert event.milestone is M.PAYMENT_FAILED
    assert event.order is not None
    assert event.order.payment_status is PaymentStatus.FAILED


def test_a_cancelled_indonesian_order_is_cancelled() -> None:
    event = only(normalise("woocommerce", "order_updated_cancelled_id"))
    assert event.milestone is M.CANCELLED
    assert event.order is not None
    assert event.order.currency == "IDR"
    assert event.order.customer is not None
    assert event.order.customer.country == "ID"


def test_the_phone_comes_from_shipping_then_billing() -> None:
    event = only(normalise("woocommerce", "order_created_cod_in"))
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.phone == "+91 99887 76655"  # shipping.phone is empty
    event = only(normalise("woocommerce", "order_updated_completed_es"))
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.phone == "699 11 22 33"  # shipping.phone wins when present


def test_the_country_comes_from_shipping_then_billing_then_the_store() -> None:
    body = data("woocommerce", "order_created_processing_in")
    body["shipping"]["country"] = ""
    event = only(normalise("woocommerce", deliver("woocommerce", body, topic="order.created")))
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.country == "IN"
    body["billing"]["country"] = ""
    options = {"timezone": "America/Sao_Paulo", "country": "BR"}
    item = deliver("woocommerce", body, topic="order.created")
    event = only(normalise("woocommerce", item, options))
    assert event.order is not None
    assert event.order.customer is not None
    assert event.order.customer.country == "BR"


# --- time and dedup -----------------------------------------------------------------------


def test_event_time_is_date_modified_gmt_read_as_utc() -> None:
    event = only(normalise("woocommerce", "order_created_processing_in"))
    assert event.event_time == datetime(2026, 1, 8, 10, 0, 5, tzinfo=UTC)
    assert event.event_time.utcoffset() == timedelta(0)


def test_without_gmt_times_date_modified_is_read_in_the_store_timezone() -> None:
    events = events_with(
        "order_created_processing_in",
        {"timezone": "Asia/Kolkata", "country": "IN"},
        date_modified_gmt=None,
        date_modified="2026-01-08T15:30:05",
    )
    assert events[0].event_time == datetime(2026, 1, 8, 10, 0, 5, tzinfo=UTC)


def test_an_order_with_no_dates_is_refused() -> None:
    with pytest.raises(NormaliseError, match="date_modified_gmt"):
        events_with(
            "order_created_processing_in",
            date_modified_gmt=None,
            date_modified=None,
            date_created_gmt=None,
        )


def test_the_dedup_key_ignores_the_delivery_id_which_woocommerce_repeats() -> None:
    one = SOURCE.identify(delivery("woocommerce", "order_created_cod_in", delivery_id="aaa"))
    two = SOURCE.identify(delivery("woocommerce", "order_created_cod_in", delivery_id="bbb"))
    assert one.external_id == two.external_id
    assert len(one.external_id) <= 200
    assert one.topic == "order.created"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "completed"},
        {"date_modified_gmt": "2026-01-09T06:45:13"},
        {"id": 999},
    ],
)
def test_the_dedup_key_changes_when_the_order_changes(change: dict[str, Any]) -> None:
    before = SOURCE.identify(delivery("woocommerce", "order_created_cod_in"))
    body = data("woocommerce", "order_created_cod_in") | change
    after = SOURCE.identify(deliver("woocommerce", body, topic="order.created"))
    assert before.external_id != after.external_id


def test_the_same_order_as_created_and_updated_are_different_events() -> None:
    created = SOURCE.identify(delivery("woocommerce", "order_created_cod_in"))
    updated = SOURCE.identify(
        delivery("woocommerce", "order_created_cod_in", topic="order.updated")
    )
    assert created.external_id != updated.external_id


# --- ping, topics and errors --------------------------------------------------------------


def test_the_creation_ping_is_recognised() -> None:
    raw = load("woocommerce", "ping")
    assert raw == b"webhook_id=12"
    ping = Delivery(
        raw=raw, headers={"content-type": "application/x-www-form-urlencoded"}, query={}
    )
    assert SOURCE.is_ping(ping)


@pytest.mark.parametrize(
    "raw", [b"webhook_id=abc", b"webhook_id=", b"{}", b"id=12", b"webhook_id=1&x=2"]
)
def test_other_bodies_are_not_pings(raw: bytes) -> None:
    assert not SOURCE.is_ping(Delivery(raw=raw, headers={}, query={}))


def test_a_real_order_delivery_is_not_a_ping() -> None:
    assert not SOURCE.is_ping(delivery("woocommerce", "order_created_cod_in"))


@pytest.mark.parametrize("name", sorted(set(SOURCES) - {"woocommerce"}))
def test_no_other_source_has_a_ping(name: str) -> None:
    ping = Delivery(raw=b"webhook_id=12", headers={}, query={})
    assert not SOURCES[name].is_ping(ping)


def test_the_ping_body_is_not_json_so_identify_refuses_it() -> None:
    ping = Delivery(raw=b"webhook_id=12", headers={"x-wc-webhook-topic": "order.updated"}, query={})
    with pytest.raises(NormaliseError, match="JSON"):
        SOURCE.identify(ping)


@pytest.mark.parametrize("topic", ["product.updated", "coupon.created", "order.deleted"])
def test_other_topics_give_no_events(topic: str) -> None:
    assert (
        normalise("woocommerce", delivery("woocommerce", "order_created_cod_in", topic=topic)) == []
    )


def test_an_action_topic_without_an_id_is_identified_by_its_body() -> None:
    item = deliver(
        "woocommerce", {"action": "woocommerce_x", "arg": 3}, topic="action.woocommerce_x"
    )
    identified = SOURCE.identify(item)
    assert identified.external_id.startswith("sha256:")
    assert SOURCE.normalise(identified, {"timezone": "UTC"}) == []


def test_a_delivery_without_a_topic_is_refused() -> None:
    with pytest.raises(NormaliseError, match="X-WC-Webhook-Topic"):
        SOURCE.identify(delivery("woocommerce", "order_created_cod_in", topic=None))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "'id' is missing"),
        ({"status": None}, "'status' is missing"),
        ({"status": 3}, "'status' must be"),
        ({"billing": "Ravi"}, "'billing'"),
        ({"line_items": [{"name": "x", "quantity": "many"}]}, r"line_items\[0\].quantity"),
        ({"total": {"amount": 1}}, "'total'"),
        ({"refunds": [{"total": "-1"}]}, r"refunds\[0\].id"),
    ],
)
def test_malformed_orders_are_refused_with_the_field_named(
    change: dict[str, Any], field: str
) -> None:
    body = data("woocommerce", "order_created_cod_in") | change
    with pytest.raises(NormaliseError, match=field):
        normalise("woocommerce", deliver("woocommerce", body, topic="order.created"))
