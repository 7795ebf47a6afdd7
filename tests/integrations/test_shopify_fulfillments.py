"""Shopify fulfillments, fulfillment events and refunds become shipment and refund events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ordertalk.commerce.milestones import Milestone
from tests.integrations.fixtures import data, deliver, normalise, only

M = Milestone


def event_for(name: str) -> Any:
    return only(normalise("shopify", name, {"timezone": "UTC"}))


def changed(name: str, topic: str, **fields: Any) -> list[Any]:
    body = data("shopify", name) | fields
    return normalise("shopify", deliver("shopify", body, topic=topic))


# --- fulfillments -------------------------------------------------------------------------


def test_fulfillments_create_is_dispatched_with_tracking_facts() -> None:
    event = event_for("fulfillments_create_in")
    assert event.milestone is M.DISPATCHED
    shipment = event.shipment
    assert shipment is not None
    assert shipment.external_id == "4401001"
    assert shipment.order_external_id == "5302002002"
    assert shipment.carrier == "Delhivery"
    assert shipment.tracking_number == "4210610508756"
    assert shipment.tracking_url == "https://www.delhivery.com/track/package/4210610508756"
    assert event.event_time == datetime(2026, 2, 4, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("shipment_status", "milestones"),
    [
        (None, [M.DISPATCHED]),
        ("confirmed", [M.DISPATCHED]),
        ("label_printed", [M.DISPATCHED]),  # never lower than shipped
        ("in_transit", [M.IN_TRANSIT]),
        ("delivered", [M.DELIVERED]),
        ("delayed", [M.DISPATCHED, M.DELAYED]),  # a side-state does not replace shipped
        ("brand_new_status", [M.DISPATCHED]),
    ],
)
def test_fulfillments_create_uses_shipment_status_only_when_it_says_more(
    shipment_status: str | None, milestones: list[M]
) -> None:
    events = changed(
        "fulfillments_create_in", "fulfillments/create", shipment_status=shipment_status
    )
    assert [e.milestone for e in events] == milestones


@pytest.mark.parametrize("status", ["pending", "open"])
def test_a_fulfillment_not_yet_handed_over_is_packed(status: str) -> None:
    events = changed("fulfillments_create_in", "fulfillments/create", status=status)
    assert [e.milestone for e in events] == [M.PACKED]


def test_fulfillments_update_with_out_for_delivery_is_out_for_delivery() -> None:
    event = event_for("fulfillments_update_out_for_delivery_in")
    assert event.milestone is M.OUT_FOR_DELIVERY
    assert event.raw_status == "out_for_delivery"
    assert event.event_time == datetime(2026, 2, 6, 3, 42, 44, tzinfo=UTC)  # updated_at


def test_a_cancelled_fulfillment_has_no_milestone_and_says_so() -> None:
    event = event_for("fulfillments_update_cancelled_es")
    assert event.milestone is None
    assert event.detail == "fulfillment cancelled"
    assert event.shipment is not None
    assert event.shipment.external_id == "4405005"


def test_a_fulfillment_update_without_shipment_status_only_updates_facts() -> None:
    event = only(
        changed(
            "fulfillments_update_out_for_delivery_in",
            "fulfillments/update",
            shipment_status=None,
            tracking_number=None,
            tracking_numbers=["NEW123"],
        )
    )
    assert event.milestone is None
    assert event.shipment is not None
    assert event.shipment.tracking_number == "NEW123"


SHIPMENT_STATUSES = [
    ("label_purchased", M.PACKED),
    ("label_printed", M.PACKED),
    ("confirmed", M.DISPATCHED),
    ("carrier_picked_up", M.DISPATCHED),
    ("in_transit", M.IN_TRANSIT),
    ("out_for_delivery", M.OUT_FOR_DELIVERY),
    ("attempted_delivery", M.DELIVERY_ATTEMPT_FAILED),
    ("ready_for_pickup", M.READY_FOR_PICKUP),
    ("picked_up", M.DELIVERED),
    ("delivered", M.DELIVERED),
    ("delayed", M.DELAYED),
    ("failure", M.EXCEPTION),
    ("returning_to_sender", M.RTO_IN_TRANSIT),
    ("ready_for_recipient_pickup", M.READY_FOR_PICKUP),
    ("buyer_action_required", M.EXCEPTION),
]


@pytest.mark.parametrize(("status", "milestone"), SHIPMENT_STATUSES)
def test_fulfillments_update_maps_shipment_status(status: str, milestone: M) -> None:
    event = only(
        changed(
            "fulfillments_update_out_for_delivery_in", "fulfillments/update", shipment_status=status
        )
    )
    assert event.milestone is milestone
    assert event.raw_status == status


@pytest.mark.parametrize(("status", "milestone"), SHIPMENT_STATUSES)
def test_fulfillment_events_map_their_status(status: str, milestone: M) -> None:
    event = only(
        changed(
            "fulfillment_events_create_delivered_es", "fulfillment_events/create", status=status
        )
    )
    assert event.milestone is milestone
    assert event.raw_status == status


def test_an_unknown_shipment_status_is_kept_without_a_milestone() -> None:
    event = only(
        changed(
            "fulfillments_update_out_for_delivery_in",
            "fulfillments/update",
            shipment_status="teleported",
        )
    )
    assert event.milestone is None
    assert event.raw_status == "teleported"


def test_an_attempted_delivery_event_carries_its_message_edd_and_happened_at() -> None:
    event = event_for("fulfillment_events_create_attempted_delivery_br")
    assert event.milestone is M.DELIVERY_ATTEMPT_FAILED
    assert event.detail == "Destinatário ausente; nova tentativa amanhã"
    assert event.event_time == datetime(2026, 3, 14, 18, 40, tzinfo=UTC)
    assert event.shipment is not None
    assert event.shipment.external_id == "4403003"
    assert event.shipment.order_external_id == "5303003003"
    assert event.shipment.edd == date(2026, 3, 15)


def test_a_delivered_event_is_delivered_without_detail() -> None:
    event = event_for("fulfillment_events_create_delivered_es")
    assert event.milestone is M.DELIVERED
    assert event.detail is None
    assert event.event_time == datetime(2026, 5, 15, 11, 5, tzinfo=UTC)


# --- refunds ------------------------------------------------------------------------------


def test_a_pending_refund_is_initiated() -> None:
    event = event_for("refunds_create_pending_br")
    assert event.milestone is M.REFUND_INITIATED
    refund = event.refund
    assert refund is not None
    assert (refund.external_id, refund.order_external_id) == ("8803003", "5303003003")
    assert (refund.amount, refund.currency) == (Decimal("289.90"), "BRL")


def test_a_successful_refund_is_completed_and_linked_to_its_return() -> None:
    event = event_for("refunds_create_success_es")
    assert event.milestone is M.REFUND_COMPLETED
    assert event.refund is not None
    assert event.refund.return_external_id == "9905005"
    assert event.refund.amount == Decimal("74.50")


def test_a_refund_with_one_pending_transaction_is_only_initiated() -> None:
    body = data("shopify", "refunds_create_success_es")
    settled = body["transactions"][0]
    body["transactions"] = [settled, settled | {"id": 2, "status": "pending", "amount": "5.00"}]
    event = only(normalise("shopify", deliver("shopify", body, topic="refunds/create")))
    assert event.milestone is M.REFUND_INITIATED
    assert event.refund is not None
    assert event.refund.amount == Decimal("79.50")


@pytest.mark.parametrize("transactions", [[], [{"kind": "refund", "status": "failure"}]])
def test_a_refund_that_moved_no_money_has_no_milestone(transactions: list[Any]) -> None:
    event = only(changed("refunds_create_success_es", "refunds/create", transactions=transactions))
    assert event.milestone is None
    assert event.refund is not None
