"""`POST /v1/events` bodies: our own canonical vocabulary, strictly validated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.generic import GenericEvent

M = Milestone

SHIPPED: dict[str, Any] = {
    "id": "erp-evt-000123",
    "milestone": "dispatched",
    "raw_status": "SHIPPED",
    "event_time": "2026-02-04T11:00:00+05:30",
    "order": {"external_id": "ERP-2041", "currency": "INR", "total": "1499.00"},
    "shipment": {"tracking_number": "4210610508756", "carrier": "Delhivery"},
}


def test_a_valid_event_becomes_a_canonical_event_from_the_api() -> None:
    event = GenericEvent.model_validate(SHIPPED).to_event()
    assert event.source == "api"
    assert event.milestone is M.DISPATCHED
    assert event.raw_status == "SHIPPED"
    assert event.event_time == datetime(2026, 2, 4, 5, 30, tzinfo=UTC)
    assert event.event_time.utcoffset() == timedelta(hours=5, minutes=30)
    assert event.order is not None
    assert event.order.external_id == "ERP-2041"
    assert event.shipment is not None
    assert event.shipment.tracking_number == "4210610508756"


def test_a_return_is_given_under_the_key_return() -> None:
    body = {
        "id": "rma-1",
        "milestone": "return_approved",
        "event_time": "2026-02-11T09:30:08Z",
        "return": {"external_id": "RMA-1", "order_external_id": "ERP-2041", "kind": "exchange"},
    }
    event = GenericEvent.model_validate(body).to_event()
    assert event.return_ is not None
    assert event.return_.external_id == "RMA-1"
    assert event.model_dump(by_alias=True)["return"]["kind"] == "exchange"


def test_a_facts_only_event_needs_no_milestone() -> None:
    body = {
        "id": "pay-1",
        "event_time": "2026-02-11T09:30:08-03:00",
        "order": {"external_id": "ERP-9", "payment_status": "paid"},
    }
    assert GenericEvent.model_validate(body).to_event().milestone is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"id": ""}, "id"),
        ({"milestone": "teleported"}, "milestone"),
        ({"event_time": "2026-02-04T11:00:00"}, "event_time"),  # no offset: ambiguous
        ({"event_time": "soon"}, "event_time"),
        ({"order": {"external_id": "A", "surprise": 1}}, "surprise"),
        ({"order": None, "shipment": None}, "at least one of"),
        ({"shipment": {"carrier": "Delhivery"}}, "external_id or tracking_number"),
    ],
)
def test_invalid_events_are_refused_by_validation(change: dict[str, Any], field: str) -> None:
    body = SHIPPED | change
    with pytest.raises(ValidationError, match=field):
        GenericEvent.model_validate(body)


def test_the_id_is_required_for_dedup() -> None:
    body = {k: v for k, v in SHIPPED.items() if k != "id"}
    with pytest.raises(ValidationError, match="id"):
        GenericEvent.model_validate(body)


def test_an_aware_datetime_object_is_accepted() -> None:
    when = datetime(2026, 2, 4, 11, 0, tzinfo=timezone(timedelta(hours=-3)))
    event = GenericEvent.model_validate(SHIPPED | {"event_time": when})
    assert event.to_event().event_time == when
