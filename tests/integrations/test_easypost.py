"""EasyPost tracker events: status and status_detail become milestones on the shipment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import NormaliseError
from ordertalk.integrations.easypost import SOURCE
from tests.integrations.fixtures import data, deliver, delivery, normalise, only

M = Milestone


def with_result(name: str = "in_transit_arrived_at_facility_us", **result: Any) -> Any:
    body = data("easypost", name)
    body["result"] |= result
    return only(normalise("easypost", deliver("easypost", body)))


@pytest.mark.parametrize(
    ("status", "detail", "milestone"),
    [
        ("pre_transit", "label_created", M.PACKED),
        ("pre_transit", "status_update", M.PACKED),
        ("in_transit", "received_at_origin_facility", M.DISPATCHED),
        ("in_transit", "departed_origin_facility", M.DISPATCHED),
        ("in_transit", "arrived_at_facility", M.IN_TRANSIT),
        ("in_transit", "departed_facility", M.IN_TRANSIT),
        ("in_transit", "in_transit", M.IN_TRANSIT),
        ("in_transit", None, M.IN_TRANSIT),
        ("in_transit", "delayed", M.DELAYED),
        ("in_transit", "weather_delay", M.DELAYED),
        ("in_transit", "held", M.DELAYED),
        ("in_transit", "transit_exception", M.DELAYED),
        ("in_transit", "missorted", M.DELAYED),
        ("out_for_delivery", "out_for_delivery", M.OUT_FOR_DELIVERY),
        ("available_for_pickup", "arrived_at_pickup_location", M.READY_FOR_PICKUP),
        ("delivered", "arrived_at_destination", M.DELIVERED),
        ("failure", "delivery_exception", M.DELIVERY_ATTEMPT_FAILED),
        ("failure", "address_correction", M.EXCEPTION),
        ("failure", "refused", M.EXCEPTION),
        ("failure", "lost", M.LOST_OR_DAMAGED),
        ("failure", "damaged", M.LOST_OR_DAMAGED),
        ("return_to_sender", "return", M.RTO_INITIATED),
        ("cancelled", "cancelled", M.CANCELLED),
        ("unknown", "unknown", None),
        ("error", None, None),
        ("vanished", None, None),
    ],
)
def test_status_and_detail_map_to_a_milestone(
    status: str, detail: str | None, milestone: M | None
) -> None:
    event = with_result(status=status, status_detail=detail)
    assert event.milestone is milestone
    assert event.raw_status == (f"{status}:{detail}" if detail else status)
    assert event.source == "easypost"


@pytest.mark.parametrize(
    ("name", "milestone"),
    [
        ("pre_transit_us", M.PACKED),
        ("in_transit_departed_origin_us", M.DISPATCHED),
        ("in_transit_arrived_at_facility_us", M.IN_TRANSIT),
        ("in_transit_weather_delay_us", M.DELAYED),
        ("out_for_delivery_us", M.OUT_FOR_DELIVERY),
        ("delivered_us", M.DELIVERED),
        ("failure_delivery_exception_us", M.DELIVERY_ATTEMPT_FAILED),
        ("failure_lost_us", M.LOST_OR_DAMAGED),
        ("return_to_sender_us", M.RTO_INITIATED),
    ],
)
def test_each_fixture_reaches_its_milestone(name: str, milestone: M) -> None:
    assert only(normalise("easypost", name)).milestone is milestone


def test_the_shipment_carries_tracking_code_carrier_public_url_and_edd() -> None:
    shipment = only(normalise("easypost", "out_for_delivery_us")).shipment
    assert shipment is not None
    assert shipment.tracking_number == "9400111899223033005048"
    assert shipment.carrier == "USPS"
    assert shipment.tracking_url == "https://track.easypost.com/djE6dHJrXzViMmQ3ZTljNDFhYQ"
    assert shipment.edd == date(2026, 1, 10)


def test_the_carriers_local_delivery_date_wins_over_the_utc_estimate() -> None:
    body = data("easypost", "out_for_delivery_us")
    body["result"]["carrier_detail"]["est_delivery_date_local"] = "2026-01-11"
    shipment = only(normalise("easypost", deliver("easypost", body))).shipment
    assert shipment is not None
    assert shipment.edd == date(2026, 1, 11)


def test_event_time_is_the_newest_tracking_detail_whatever_the_order() -> None:
    event = only(normalise("easypost", "out_for_delivery_us"))  # details listed newest first
    assert event.event_time == datetime(2026, 1, 10, 13, 0, tzinfo=UTC)


def test_without_tracking_details_event_time_is_the_tracker_update() -> None:
    event = with_result(tracking_details=[], updated_at="2026-01-09T22:11:00Z")
    assert event.event_time == datetime(2026, 1, 9, 22, 11, tzinfo=UTC)


def test_a_failure_carries_the_carrier_message_as_detail() -> None:
    event = only(normalise("easypost", "failure_delivery_exception_us"))
    assert event.detail == "Delivery Attempted - No Access to Delivery Location"


def test_a_return_label_tracker_still_gives_shipment_events() -> None:
    event = with_result("delivered_us", is_return=True)
    assert event.milestone is M.DELIVERED
    assert event.shipment is not None
    assert event.return_ is None


def test_tracker_created_is_handled_like_tracker_updated() -> None:
    identified = SOURCE.identify(delivery("easypost", "pre_transit_us"))
    assert identified.topic == "tracker.created"
    assert SOURCE.normalise(identified, {"timezone": "UTC"})[0].milestone is M.PACKED


def test_non_tracker_events_give_no_events() -> None:
    assert normalise("easypost", "batch_updated") == []


def test_the_dedup_key_is_the_event_id() -> None:
    one = SOURCE.identify(delivery("easypost", "delivered_us"))
    assert one.external_id == "evt_5b6c7d8e9f0a4b1c3d2e4f06"
    assert SOURCE.identify(delivery("easypost", "delivered_us")).external_id == one.external_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "'id' is missing"),
        ({"result": None}, "'result' is missing"),
        ({"result": "trk_1"}, "'result' must be"),
    ],
)
def test_malformed_events_are_refused_with_the_field_named(
    change: dict[str, Any], field: str
) -> None:
    body = data("easypost", "delivered_us") | change
    with pytest.raises(NormaliseError, match=field):
        normalise("easypost", deliver("easypost", body))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": None}, "'result.status' is missing"),
        ({"tracking_code": None}, "'result.tracking_code' is missing"),
        ({"tracking_details": "many"}, "'result.tracking_details' must be"),
        ({"tracking_details": [], "updated_at": "then"}, "'result.updated_at'"),
    ],
)
def test_malformed_trackers_are_refused_with_the_field_named(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(NormaliseError, match=field):
        with_result(**change)
