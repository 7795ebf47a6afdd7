"""AfterShip tracking updates: tags and subtags become milestones on the shipment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.aftership import SOURCE
from ordertalk.integrations.base import NormaliseError
from tests.integrations.fixtures import data, deliver, delivery, normalise, only

M = Milestone


def with_msg(name: str = "in_transit_002_in", options: Any = None, **msg: Any) -> Any:
    body = data("aftership", name)
    body["msg"] |= msg
    return only(normalise("aftership", deliver("aftership", body), options))


@pytest.mark.parametrize(
    ("tag", "subtag", "milestone"),
    [
        ("Pending", "Pending_001", None),
        ("Pending", "Pending_006", None),
        ("Expired", "Expired_001", None),
        ("InfoReceived", "InfoReceived_001", M.PACKED),
        ("InTransit", "InTransit_001", M.IN_TRANSIT),
        ("InTransit", "InTransit_002", M.DISPATCHED),
        ("InTransit", "InTransit_003", M.IN_TRANSIT),
        ("InTransit", "InTransit_007", M.IN_TRANSIT),
        ("InTransit", "InTransit_009", M.IN_TRANSIT),
        ("OutForDelivery", "OutForDelivery_001", M.OUT_FOR_DELIVERY),
        ("OutForDelivery", "OutForDelivery_002", M.READY_FOR_PICKUP),
        ("OutForDelivery", "OutForDelivery_003", M.OUT_FOR_DELIVERY),
        ("OutForDelivery", "OutForDelivery_004", M.OUT_FOR_DELIVERY),
        ("AvailableForPickup", "AvailableForPickup_001", M.READY_FOR_PICKUP),
        ("AttemptFail", "AttemptFail_001", M.DELIVERY_ATTEMPT_FAILED),
        ("AttemptFail", "AttemptFail_002", M.DELIVERY_ATTEMPT_FAILED),
        ("AttemptFail", "AttemptFail_003", M.DELIVERY_ATTEMPT_FAILED),
        ("Delivered", "Delivered_001", M.DELIVERED),
        ("Delivered", "Delivered_002", M.DELIVERED),
        ("Delivered", "Delivered_003", M.DELIVERED),
        ("Delivered", "Delivered_004", M.DELIVERED),
        ("Delivered", "Delivered_005", M.DELIVERED),
        ("Exception", "Exception_001", M.EXCEPTION),
        ("Exception", "Exception_002", M.EXCEPTION),
        ("Exception", "Exception_003", M.EXCEPTION),
        ("Exception", "Exception_004", M.DELAYED),
        ("Exception", "Exception_005", M.DELAYED),
        ("Exception", "Exception_006", M.EXCEPTION),
        ("Exception", "Exception_007", M.EXCEPTION),
        ("Exception", "Exception_008", M.EXCEPTION),
        ("Exception", "Exception_009", M.EXCEPTION),
        ("Exception", "Exception_010", M.RTO_INITIATED),
        ("Exception", "Exception_011", M.RTO_DELIVERED),
        ("Exception", "Exception_012", M.LOST_OR_DAMAGED),
        ("Exception", "Exception_013", M.LOST_OR_DAMAGED),
        ("Exception", "Exception_014", M.EXCEPTION),  # meaning unknown: the tag decides
        ("Exception", "Exception_016", M.DELAYED),
        ("Exception", "Exception_017", M.DELAYED),
        ("Exception", "Exception_018", M.EXCEPTION),
        ("Exception", "Exception_019", M.DELAYED),
        ("Exception", "Exception_020", M.CANCELLED),
        ("Exception", "Exception_021", M.LOST_OR_DAMAGED),
        ("InTransit", None, M.IN_TRANSIT),
        ("InTransit", "Exception_013", M.IN_TRANSIT),  # a stray subtag does not override
    ],
)
def test_tag_and_subtag_map_to_a_milestone(
    tag: str, subtag: str | None, milestone: M | None
) -> None:
    event = with_msg(tag=tag, subtag=subtag)
    assert event.milestone is milestone
    assert event.raw_status == (subtag or tag)
    assert event.source == "aftership"


def test_an_unknown_tag_is_kept_without_a_milestone() -> None:
    event = with_msg(tag="Teleported", subtag="Teleported_001")
    assert event.milestone is None
    assert event.raw_status == "Teleported_001"


@pytest.mark.parametrize(
    ("name", "milestone"),
    [
        ("info_received_in", M.PACKED),
        ("in_transit_002_in", M.DISPATCHED),
        ("out_for_delivery_001_br", M.OUT_FOR_DELIVERY),
        ("attempt_fail_001_id", M.DELIVERY_ATTEMPT_FAILED),
        ("delivered_001_es", M.DELIVERED),
        ("exception_010_in", M.RTO_INITIATED),
        ("exception_004_br", M.DELAYED),
        ("pending_001", None),
    ],
)
def test_each_fixture_reaches_its_milestone(name: str, milestone: M | None) -> None:
    assert only(normalise("aftership", name)).milestone is milestone


def test_the_shipment_is_found_by_tracking_number_with_carrier_and_order() -> None:
    shipment = only(normalise("aftership", "out_for_delivery_001_br")).shipment
    assert shipment is not None
    assert shipment.external_id is None  # AfterShip's own id is not our shipment id
    assert shipment.tracking_number == "OJ123456789BR"
    assert shipment.carrier == "brazil-correios"
    assert shipment.order_external_id == "5303003003"
    assert shipment.edd == date(2026, 3, 14)


def test_a_failed_attempt_explains_itself_in_the_carriers_own_words() -> None:
    event = only(normalise("aftership", "attempt_fail_001_id"))
    # The Indonesian checkpoint message, not AfterShip's English "Failed Attempt" label.
    assert event.detail == "Penerima tidak di tempat, akan dikirim ulang"
    assert event.event_time == datetime(2026, 6, 4, 7, 30, tzinfo=UTC)


def test_event_time_is_the_newest_checkpoint_whatever_the_order() -> None:
    event = only(normalise("aftership", "in_transit_002_in"))  # newest listed first
    assert event.event_time == datetime(2026, 2, 4, 14, 10, tzinfo=UTC)


def test_without_checkpoints_event_time_is_the_tracking_update_time() -> None:
    event = only(normalise("aftership", "pending_001"))
    assert event.event_time == datetime(2026, 1, 8, 16, 0, tzinfo=UTC)


def test_without_any_time_the_unsigned_ts_is_the_last_resort() -> None:
    event = with_msg("pending_001", updated_at=None)
    assert event.event_time == datetime.fromtimestamp(1767860000, UTC)


def test_a_checkpoint_without_offset_is_in_the_store_timezone() -> None:
    checkpoints = [{"checkpoint_time": "2026-02-04T19:40:00", "message": "Picked up"}]
    event = with_msg(checkpoints=checkpoints, options={"timezone": "Asia/Kolkata"})
    assert event.event_time.utcoffset() == timedelta(hours=5, minutes=30)
    assert event.event_time == datetime(2026, 2, 4, 14, 10, tzinfo=UTC)


def test_unreadable_checkpoint_times_are_skipped() -> None:
    checkpoints = [
        {"checkpoint_time": "soon", "message": "?"},
        {"checkpoint_time": "2026-02-04T19:40:00+05:30", "message": "Picked up"},
    ]
    assert with_msg(checkpoints=checkpoints).event_time == datetime(2026, 2, 4, 14, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "edd"),
    [
        ({"expected_delivery": "2026-02-08"}, date(2026, 2, 8)),
        ({"expected_delivery": "2026-02-08T18:00:00+05:30"}, date(2026, 2, 8)),
        (
            {"courier_estimated_delivery_date": {"estimated_delivery_date": "2026-02-09"}},
            date(2026, 2, 9),
        ),
        (
            {"aftership_estimated_delivery_date": {"estimated_delivery_date": "2026-02-10"}},
            date(2026, 2, 10),
        ),
        (
            {"custom_estimated_delivery_date": {"estimated_delivery_date_max": "2026-02-11"}},
            date(2026, 2, 11),
        ),
        (
            {"latest_estimated_delivery": {"type": "specific", "datetime": "2026-02-12"}},
            date(2026, 2, 12),
        ),
        ({"first_estimated_delivery": {"datetime": "2026-02-13T10:00:00Z"}}, date(2026, 2, 13)),
        ({"order_promised_delivery_date": "2026-02-14"}, date(2026, 2, 14)),
        ({"expected_delivery": "someday"}, None),
        (
            {
                "expected_delivery": "2026-02-08",
                "latest_estimated_delivery": {"datetime": "2026-02-06"},
            },
            date(2026, 2, 6),
        ),
    ],
)
def test_the_edd_is_read_from_whichever_field_this_webhook_version_uses(
    fields: dict[str, Any], edd: date | None
) -> None:
    event = with_msg(**({"expected_delivery": None} | fields))
    assert event.shipment is not None
    assert event.shipment.edd == edd


def test_an_edd_revision_updates_facts_without_a_milestone() -> None:
    body = data("aftership", "out_for_delivery_001_br") | {"event": "edd_revise"}
    event = only(normalise("aftership", deliver("aftership", body)))
    assert event.milestone is None
    assert event.shipment is not None
    assert event.shipment.edd == date(2026, 3, 14)


def test_other_webhook_events_give_no_events() -> None:
    body = data("aftership", "pending_001") | {"event": "tracking_pending_time"}
    assert normalise("aftership", deliver("aftership", body)) == []


def test_the_dedup_key_is_event_id_and_the_topic_is_the_event() -> None:
    identified = SOURCE.identify(delivery("aftership", "delivered_001_es"))
    assert identified.external_id == "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928106"
    assert identified.topic == "tracking_update"
    assert SOURCE.identify(delivery("aftership", "delivered_001_es")) == identified


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": None}, "'event_id' is missing"),
        ({"msg": None}, "'msg' is missing"),
        ({"msg": []}, "'msg' must be"),
    ],
)
def test_malformed_envelopes_are_refused_with_the_field_named(
    change: dict[str, Any], field: str
) -> None:
    body = data("aftership", "delivered_001_es") | change
    with pytest.raises(NormaliseError, match=field):
        normalise("aftership", deliver("aftership", body))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tag": None}, "'msg.tag' is missing"),
        ({"tracking_number": None}, "'msg.tracking_number' is missing"),
        ({"checkpoints": {"a": 1}}, "'msg.checkpoints' must be"),
        ({"checkpoints": [], "updated_at": "last week"}, "'msg.updated_at'"),
    ],
)
def test_malformed_trackings_are_refused_with_the_field_named(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(NormaliseError, match=field):
        with_msg("delivered_001_es", **change)
