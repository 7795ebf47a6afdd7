"""EasyPost tracker webhooks (reference §3.2, §4.3): status and status_detail into milestones."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from ordertalk.commerce.events import CommerceEvent, ShipmentFacts
from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import (
    MAX_URL,
    Delivery,
    Fields,
    Identified,
    dedup_key,
    first,
    need_time,
    parse_json,
    payload_errors,
    reason,
    same_secret,
    store_zone,
    unknown_status,
)

M = Milestone
SIGNATURE = "x-hmac-signature"
PREFIX = "hmac-sha256-hex="
TRACKER_EVENTS = ("tracker.updated", "tracker.created")

SIMPLE: dict[str, Milestone | None] = {
    "pre_transit": M.PACKED,
    "out_for_delivery": M.OUT_FOR_DELIVERY,
    "available_for_pickup": M.READY_FOR_PICKUP,
    "delivered": M.DELIVERED,
    "return_to_sender": M.RTO_INITIATED,
    "cancelled": M.CANCELLED,
    "unknown": None,
    "error": None,
}
# Without state we cannot know which in_transit scan is the first; origin scans mean "shipped".
ORIGIN = frozenset({"received_at_origin_facility", "departed_origin_facility"})
DELAY = frozenset({"delayed", "weather_delay", "held", "transit_exception", "missorted"})
LOST = frozenset({"lost", "damaged"})


class EasyPost:
    """EasyPost: hex HMAC with an NFKD-normalised secret; Event `id` per delivery."""

    name = "easypost"

    def verify(self, delivery: Delivery, secret: str) -> bool:
        """Check X-Hmac-Signature (`hmac-sha256-hex=<hex>`) against the raw body."""
        if not secret:
            return False
        key = unicodedata.normalize("NFKD", secret).encode()
        expected = PREFIX + hmac.new(key, delivery.raw, hashlib.sha256).hexdigest()
        given = delivery.headers.get(SIGNATURE)
        return same_secret(expected, given.strip().lower() if given is not None else None)

    def is_ping(self, delivery: Delivery) -> bool:
        """EasyPost has no ping."""
        return False

    def identify(self, delivery: Delivery) -> Identified:
        """Dedup on the Event `id`; the topic is its `description` (tracker.updated, ...)."""
        body = Fields.of(parse_json(delivery.raw))
        event_id = body.need_ident("id")
        return Identified(
            external_id=dedup_key(event_id), topic=body.text("description", 100), body=body.data
        )

    def normalise(self, identified: Identified, options: Mapping[str, Any]) -> list[CommerceEvent]:
        """Tracker events; every other Event (batches, refunds, ...) gives nothing."""
        body = Fields.of(identified.body)
        if body.text("description") not in TRACKER_EVENTS:
            return []
        tracker = body.need_child("result")
        status = tracker.need_text("status", 100)
        detail_code = tracker.text("status_detail", 100)
        milestone = _milestone(status, detail_code)
        zone = store_zone(options)
        time, message = _latest(tracker, zone)
        time = need_time(
            first(time, tracker.time("updated_at", zone), body.time("created_at", zone)),
            "result.tracking_details[].datetime, result.updated_at, created_at",
        )
        carrier_detail = tracker.child("carrier_detail")
        with payload_errors():
            # A return label's tracker (is_return) is still a parcel: shipment facts either way.
            shipment = ShipmentFacts(
                tracking_number=tracker.need_text("tracking_code", 200),
                carrier=tracker.text("carrier", 200),
                tracking_url=tracker.text("public_url", MAX_URL, "drop"),
                edd=first(
                    carrier_detail.day("est_delivery_date_local") if carrier_detail else None,
                    tracker.day("est_delivery_date"),
                ),
            )
            raw = f"{status}:{detail_code}" if detail_code else status
            return [
                CommerceEvent(
                    source="easypost",
                    milestone=milestone,
                    raw_status=raw[:200],
                    event_time=time,
                    detail=reason(milestone, message),
                    shipment=shipment,
                )
            ]


def _milestone(status: str, detail: str | None) -> Milestone | None:
    if status == "in_transit":
        if detail in ORIGIN:
            return M.DISPATCHED
        return M.DELAYED if detail in DELAY else M.IN_TRANSIT
    if status == "failure":
        if detail in LOST:
            return M.LOST_OR_DAMAGED
        # A failed attempt the carrier will retry vs. something the customer must sort out.
        return M.DELIVERY_ATTEMPT_FAILED if detail == "delivery_exception" else M.EXCEPTION
    if status not in SIMPLE:
        unknown_status("easypost", "status", status)
        return None
    return SIMPLE[status]


def _latest(tracker: Fields, zone: tzinfo) -> tuple[datetime | None, str | None]:
    """The newest tracking detail's time and message (sorted here, not trusted)."""
    newest: tuple[datetime, str | None] | None = None
    for detail in tracker.children("tracking_details"):
        when = detail.time("datetime", zone, lenient=True)
        if when is not None and (newest is None or when > newest[0]):
            newest = (when, detail.text("message", 500, "cut"))
    return newest if newest is not None else (None, None)


SOURCE = EasyPost()
