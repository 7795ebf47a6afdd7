"""ClickPost forward, reverse and managed-returns webhooks become shipment and return events."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordertalk.commerce.events import ReturnKind
from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import NormaliseError
from ordertalk.integrations.clickpost import SOURCE
from tests.integrations.fixtures import data, deliver, delivery, normalise, only

M = Milestone
IST = timedelta(hours=5, minutes=30)


def scan_with(name: str, code: int, *, rvp: bool | None = None, **more: Any) -> dict[str, Any]:
    """A fixture whose outer scan and latest status both become `code`."""
    body = copy.deepcopy(data("clickpost", name))
    body["clickpost_status_code"] = code
    body["additional"]["latest_status"]["clickpost_status_code"] = code
    if rvp is not None:
        body["additional"]["is_rvp"] = rvp
    body["additional"] |= more
    return body


def event_of(body: dict[str, Any], options: Any = None) -> Any:
    return only(normalise("clickpost", deliver("clickpost", body), options))


FORWARD = [
    (1, M.PACKED),
    (2, M.PACKED),
    (28, M.PACKED),
    (25, M.PACKED),
    (3, None),
    (4, M.DISPATCHED),
    (5, M.IN_TRANSIT),
    (1004, M.IN_TRANSIT),
    (6, M.OUT_FOR_DELIVERY),
    (7, M.DELIVERY_ATTEMPT_FAILED),
    (9, M.DELIVERY_ATTEMPT_FAILED),
    (8, M.DELIVERED),
    (10, M.CANCELLED),
    (11, M.RTO_INITIATED),
    (12, M.RTO_INITIATED),
    (13, M.RTO_IN_TRANSIT),
    (15, M.RTO_IN_TRANSIT),
    (21, M.RTO_IN_TRANSIT),
    (26, M.RTO_IN_TRANSIT),
    (27, M.RTO_IN_TRANSIT),
    (14, M.RTO_DELIVERED),
    (16, M.LOST_OR_DAMAGED),
    (17, M.LOST_OR_DAMAGED),
    (18, M.DELAYED),
    (20, M.DELAYED),
    (19, M.EXCEPTION),
    (23, None),
    (777, None),
]
REVERSE = [
    (1, M.RETURN_PICKUP_SCHEDULED),
    (2, M.RETURN_PICKUP_SCHEDULED),
    (28, M.RETURN_PICKUP_SCHEDULED),
    (25, M.RETURN_PICKUP_SCHEDULED),
    (3, M.EXCEPTION),
    (4, M.RETURN_PICKED_UP),
    (5, None),
    (1004, None),
    (6, None),
    (7, None),
    (9, None),
    (8, M.RETURN_RECEIVED),
    (10, M.RETURN_CANCELLED),
    (16, M.LOST_OR_DAMAGED),
    (17, M.LOST_OR_DAMAGED),
    (18, M.DELAYED),
    (20, M.DELAYED),
    (19, M.EXCEPTION),
    (23, None),
    (30, M.RETURN_PICKED_UP),
    (31, None),
    (32, M.RETURN_RECEIVED),
    (101, M.RETURN_REQUESTED),
    (102, M.RETURN_APPROVED),
]


@pytest.mark.parametrize(("code", "milestone"), FORWARD)
def test_forward_status_codes_map_to_shipment_milestones(code: int, milestone: M | None) -> None:
    event = event_of(scan_with("forward_6_out_for_delivery_in", code))
    assert event.milestone is milestone
    assert event.raw_status is not None
    assert event.raw_status.startswith(f"{code}:")
    assert event.shipment is not None
    assert event.return_ is None


@pytest.mark.parametrize(("code", "milestone"), REVERSE)
def test_reverse_status_codes_map_to_return_milestones(code: int, milestone: M | None) -> None:
    event = event_of(scan_with("reverse_4_picked_up_in", code))
    assert event.milestone is milestone
    assert event.return_ is not None
    assert event.shipment is None


@pytest.mark.parametrize(
    ("code", "milestone"), [(101, M.RETURN_REQUESTED), (102, M.RETURN_APPROVED)]
)
def test_return_request_codes_are_returns_even_without_is_rvp(code: int, milestone: M) -> None:
    event = event_of(scan_with("reverse_4_picked_up_in", code, rvp=False))
    assert event.milestone is milestone
    assert event.return_ is not None


@pytest.mark.parametrize(
    ("name", "milestone"),
    [
        ("forward_4_picked_up_in", M.DISPATCHED),
        ("forward_6_out_for_delivery_in", M.OUT_FOR_DELIVERY),
        ("forward_9_failed_delivery_in", M.DELIVERY_ATTEMPT_FAILED),
        ("forward_8_delivered_in", M.DELIVERED),
        ("forward_11_rto_requested_in", M.RTO_INITIATED),
        ("forward_14_rto_delivered_in", M.RTO_DELIVERED),
        ("reverse_25_out_for_pickup_in", M.RETURN_PICKUP_SCHEDULED),
        ("reverse_4_picked_up_in", M.RETURN_PICKED_UP),
        ("reverse_8_delivered_in", M.RETURN_RECEIVED),
        ("returns_101_placed_in", M.RETURN_REQUESTED),
        ("returns_102_approved_in", M.RETURN_APPROVED),
    ],
)
def test_each_fixture_reaches_its_milestone(name: str, milestone: M) -> None:
    assert only(normalise("clickpost", name)).milestone is milestone


def test_a_forward_scan_is_a_shipment_found_by_waybill() -> None:
    event = only(normalise("clickpost", "forward_6_out_for_delivery_in"))
    shipment = event.shipment
    assert shipment is not None
    assert shipment.tracking_number == "4210610508756"
    assert shipment.carrier == "Delhivery Surface"
    assert shipment.order_external_id == "5302002002"
    assert shipment.external_id is None


def test_a_failed_delivery_carries_the_remark_as_detail() -> None:
    assert only(normalise("clickpost", "forward_9_failed_delivery_in")).detail == (
        "Consignee unavailable"
    )


def test_a_reverse_pickup_is_a_return_with_its_reference_items_and_reverse_awb() -> None:
    event = only(normalise("clickpost", "reverse_4_picked_up_in"))
    ret = event.return_
    assert ret is not None
    assert ret.external_id == "RET-2041-01"
    assert ret.order_external_id == "5302002002"  # from forward_order_id
    assert ret.tracking_number == "14231710045678"
    assert ret.kind is ReturnKind.RETURN
    assert ret.reason == "Size too small"
    assert ret.items is not None
    assert (ret.items[0].sku, ret.items[0].quantity) == ("KRT-IND-L", 1)


def test_a_return_without_a_reference_number_is_known_by_its_waybill() -> None:
    body = data("clickpost", "reverse_4_picked_up_in")
    del body["additional"]["return_reference_number"]
    ret = event_of(body).return_
    assert ret is not None
    assert ret.external_id == "14231710045678"


def test_exchange_codes_make_an_exchange() -> None:
    ret = event_of(scan_with("reverse_4_picked_up_in", 30)).return_
    assert ret is not None
    assert ret.kind is ReturnKind.EXCHANGE


def test_the_managed_returns_envelope_is_unwrapped() -> None:
    placed = only(normalise("clickpost", "returns_101_placed_in"))
    approved = only(normalise("clickpost", "returns_102_approved_in"))
    for event in (placed, approved):
        assert event.return_ is not None
        assert event.return_.external_id == "RET-2041-01"
        assert event.return_.tracking_number is None  # no reverse AWB yet
    assert placed.event_time == datetime(2026, 2, 10, 6, 15, 48, 702402, tzinfo=UTC)


def test_an_unknown_return_code_falls_back_to_the_notification_event() -> None:
    body = data("clickpost", "returns_102_approved_in")
    body["payload"]["clickpost_status_code"] = 103
    body["payload"]["additional"]["latest_status"]["clickpost_status_code"] = 103
    body["payload"]["additional"]["notification_event_id"] = 23
    assert event_of(body).milestone is M.RETURN_REJECTED


def test_when_latest_status_differs_both_scans_become_events() -> None:
    outer, latest = normalise("clickpost", "forward_outer_5_latest_8_in")
    assert (outer.milestone, latest.milestone) == (M.IN_TRANSIT, M.DELIVERED)
    assert outer.event_time == datetime(2026, 2, 5, 3, 10, tzinfo=UTC) + -IST
    assert latest.event_time == datetime(2026, 2, 7, 14, 5, 10, tzinfo=UTC) + -IST
    assert latest.shipment == outer.shipment


def test_when_latest_status_is_the_outer_scan_there_is_one_event() -> None:
    assert len(normalise("clickpost", "forward_8_delivered_in")) == 1


def test_zone_less_timestamps_are_india_time_by_default() -> None:
    event = only(normalise("clickpost", "forward_8_delivered_in", {"timezone": None}))
    assert event.event_time.utcoffset() == IST
    assert event.event_time == datetime(2026, 2, 7, 8, 35, 10, tzinfo=UTC)


def test_zone_less_timestamps_follow_the_store_timezone() -> None:
    event = only(normalise("clickpost", "forward_8_delivered_in", {"timezone": "Asia/Dubai"}))
    assert event.event_time == datetime(2026, 2, 7, 10, 5, 10, tzinfo=UTC)


def test_timestamps_with_a_zone_are_taken_as_written() -> None:
    body = data("clickpost", "forward_8_delivered_in")
    body["timestamp"] = body["additional"]["latest_status"]["timestamp"] = "2026-02-07T08:35:10Z"
    event = event_of(body, {"timezone": "America/Sao_Paulo"})
    assert event.event_time == datetime(2026, 2, 7, 8, 35, 10, tzinfo=UTC)


def test_the_dedup_key_is_waybill_code_and_timestamp() -> None:
    identified = SOURCE.identify(delivery("clickpost", "forward_6_out_for_delivery_in"))
    assert identified.external_id == "4210610508756:6:2026-02-06 09:12:44"
    assert identified.topic == "clickpost:6"
    again = SOURCE.identify(delivery("clickpost", "forward_6_out_for_delivery_in"))
    assert again.external_id == identified.external_id


def test_a_new_scan_of_the_same_parcel_has_a_new_key() -> None:
    keys = {
        SOURCE.identify(delivery("clickpost", name)).external_id
        for name in (
            "forward_4_picked_up_in",
            "forward_6_out_for_delivery_in",
            "forward_8_delivered_in",
        )
    }
    assert len(keys) == 3


def test_the_returns_envelope_key_uses_the_return_reference() -> None:
    identified = SOURCE.identify(delivery("clickpost", "returns_102_approved_in"))
    assert identified.external_id == "RET-2041-01:102:2026-02-11 09:30:08.396840"
    assert identified.topic == "clickpost:102"


def test_a_status_code_written_as_text_is_accepted() -> None:
    body = data("clickpost", "forward_8_delivered_in")
    body["clickpost_status_code"] = "8"
    assert event_of(body).milestone is M.DELIVERED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"waybill": None}, "'waybill' is missing"),
        ({"clickpost_status_code": None}, "'clickpost_status_code' is missing"),
        ({"clickpost_status_code": "delivered"}, "'clickpost_status_code' must be"),
        ({"timestamp": None}, "'timestamp' is missing"),
        ({"additional": "yes"}, "'additional' must be"),
    ],
)
def test_malformed_scans_are_refused_with_the_field_named(
    change: dict[str, Any], field: str
) -> None:
    body = data("clickpost", "forward_8_delivered_in") | change
    with pytest.raises(NormaliseError, match=field):
        normalise("clickpost", deliver("clickpost", body))


def test_an_unreadable_scan_time_is_refused_naming_it() -> None:
    body = data("clickpost", "forward_8_delivered_in") | {"timestamp": "07/02/2026 14:05"}
    with pytest.raises(NormaliseError, match="'timestamp'"):
        normalise("clickpost", deliver("clickpost", body))


def test_a_latest_status_without_a_code_is_refused_naming_it() -> None:
    body = data("clickpost", "forward_outer_5_latest_8_in")
    del body["additional"]["latest_status"]["clickpost_status_code"]
    with pytest.raises(NormaliseError, match=r"additional\.latest_status\.clickpost_status_code"):
        normalise("clickpost", deliver("clickpost", body))


def test_a_returns_envelope_whose_payload_is_not_an_object_is_refused() -> None:
    with pytest.raises(NormaliseError, match="'payload' must be"):
        SOURCE.identify(deliver("clickpost", {"payload": [1], "internal": {}}))
