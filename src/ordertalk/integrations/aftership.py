"""AfterShip Tracking webhooks (reference §3.1, §4.3): tags and subtags into milestones."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
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
    from_epoch,
    hmac_sha256_b64,
    need_time,
    parse_day,
    parse_json,
    payload_errors,
    reason,
    same_secret,
    store_zone,
    unknown_status,
)

M = Milestone
SIGNATURE = "aftership-hmac-sha256"

# What a tag means when its subtag adds nothing; Pending and Expired are internal alerts only.
TAGS: dict[str, Milestone | None] = {
    "Pending": None,
    "Expired": None,
    "InfoReceived": M.PACKED,
    "InTransit": M.IN_TRANSIT,
    "OutForDelivery": M.OUT_FOR_DELIVERY,
    "AvailableForPickup": M.READY_FOR_PICKUP,
    "AttemptFail": M.DELIVERY_ATTEMPT_FAILED,
    "Delivered": M.DELIVERED,
    "Exception": M.EXCEPTION,  # also for subtags we do not know (Exception_014, _015, newer)
}
SUBTAGS: dict[str, Milestone] = {
    "InTransit_002": M.DISPATCHED,  # the carrier's acceptance scan
    "OutForDelivery_002": M.READY_FOR_PICKUP,
    "Exception_004": M.DELAYED,
    "Exception_005": M.DELAYED,
    "Exception_016": M.DELAYED,
    "Exception_017": M.DELAYED,
    "Exception_019": M.DELAYED,
    "Exception_010": M.RTO_INITIATED,
    "Exception_011": M.RTO_DELIVERED,
    "Exception_012": M.LOST_OR_DAMAGED,
    "Exception_013": M.LOST_OR_DAMAGED,
    "Exception_021": M.LOST_OR_DAMAGED,
    "Exception_020": M.CANCELLED,
}
# Estimated delivery moved between fields across webhook versions; freshest estimate first.
EDD_FIELDS = (
    "latest_estimated_delivery",
    "custom_estimated_delivery_date",
    "courier_estimated_delivery_date",
    "aftership_estimated_delivery_date",
    "expected_delivery",
    "order_promised_delivery_date",
    "first_estimated_delivery",
)
EDD_KEYS = ("estimated_delivery_date", "datetime", "date", "estimated_delivery_date_max")


class AfterShip:
    """AfterShip Tracking: base64 HMAC of the raw body; `event_id` per delivery."""

    name = "aftership"

    def verify(self, delivery: Delivery, secret: str) -> bool:
        """Check aftership-hmac-sha256 against the raw body."""
        if not secret:
            return False
        expected = hmac_sha256_b64(secret.encode(), delivery.raw)
        return same_secret(expected, delivery.headers.get(SIGNATURE))

    def is_ping(self, delivery: Delivery) -> bool:
        """AfterShip has no ping."""
        return False

    def identify(self, delivery: Delivery) -> Identified:
        """Dedup on `event_id`; the topic is `event` (tracking_update, edd_revise, ...)."""
        body = Fields.of(parse_json(delivery.raw))
        event_id = body.need_ident("event_id")
        return Identified(
            external_id=dedup_key(event_id), topic=body.text("event", 100), body=body.data
        )

    def normalise(self, identified: Identified, options: Mapping[str, Any]) -> list[CommerceEvent]:
        """tracking_update maps the tag; edd_revise only updates facts; others give nothing."""
        body = Fields.of(identified.body)
        event = body.text("event")
        if event not in ("tracking_update", "edd_revise"):
            return []
        msg = body.need_child("msg")
        tag = msg.need_text("tag", 100)
        subtag = msg.text("subtag", 100)
        raw = subtag or tag
        # edd_revise repeats the current tag: only its new estimate is news.
        milestone = None if event == "edd_revise" else _milestone(tag, subtag)
        zone = store_zone(options)
        time, message = _latest(msg, zone)
        if time is None:
            time = msg.time("updated_at", zone)
        if time is None and body.raw("ts") is not None:
            time = from_epoch(body.raw("ts"), "ts")
        time = need_time(time, "msg.checkpoints[].checkpoint_time, msg.updated_at, ts")
        # The carrier's own checkpoint words are in the customer's language more often than
        # AfterShip's English sub-status label, so they come first.
        detail = reason(milestone, first(message, msg.text("subtag_message", 500, "cut")))
        with payload_errors():
            shipment = ShipmentFacts(
                tracking_number=msg.need_text("tracking_number", 200),
                carrier=msg.text("slug", 200),
                tracking_url=first(
                    msg.text("tracking_url", MAX_URL, "drop"),
                    msg.text("aftership_tracking_url", MAX_URL, "drop"),
                    msg.text("courier_tracking_link", MAX_URL, "drop"),
                ),
                order_external_id=msg.ident("order_id"),
                edd=_edd(msg),
            )
            return [
                CommerceEvent(
                    source="aftership",
                    milestone=milestone,
                    raw_status=raw,
                    event_time=time,
                    detail=detail,
                    shipment=shipment,
                )
            ]


def _milestone(tag: str, subtag: str | None) -> Milestone | None:
    if tag not in TAGS:
        unknown_status("aftership", "tag", tag)
        return None
    # A subtag only refines its own tag (a stray one from another tag is ignored).
    if subtag and subtag.startswith(tag + "_") and subtag in SUBTAGS:
        return SUBTAGS[subtag]
    return TAGS[tag]


def _latest(msg: Fields, zone: tzinfo) -> tuple[datetime | None, str | None]:
    """The newest checkpoint's time and message; their order in the list is not guaranteed."""
    newest: tuple[datetime, str | None] | None = None
    for checkpoint in msg.children("checkpoints"):
        when = checkpoint.time("checkpoint_time", zone, lenient=True)
        if when is not None and (newest is None or when > newest[0]):
            newest = (when, checkpoint.text("message", 500, "cut"))
    return newest if newest is not None else (None, None)


def _edd(msg: Fields) -> date | None:
    for key in EDD_FIELDS:
        value = msg.raw(key)
        if isinstance(value, str) and (day := parse_day(value)) is not None:
            return day
        if isinstance(value, dict):
            for inner in EDD_KEYS:
                text = value.get(inner)
                if isinstance(text, str) and (day := parse_day(text)) is not None:
                    return day
    return None


SOURCE = AfterShip()
