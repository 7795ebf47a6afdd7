"""ClickPost tracking and managed-returns webhooks (reference §3.5, §4.3).

ClickPost documents no signature, so the webhook URL carries a shared secret (query parameter
`token` or `Authorization: Bearer`). Each delivery has the scan that triggered it plus
`additional.latest_status`; both become events and the state machine keeps the newest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ordertalk.commerce.events import (
    CommerceEvent,
    LineItem,
    ReturnFacts,
    ReturnKind,
    ShipmentFacts,
)
from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import (
    Delivery,
    Fields,
    Identified,
    NormaliseError,
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
DEFAULT_ZONE = "Asia/Kolkata"  # ClickPost's zone-less timestamps are IST in practice

FORWARD: dict[int, Milestone] = {
    **dict.fromkeys((1, 2, 28, 25), M.PACKED),
    4: M.DISPATCHED,
    **dict.fromkeys((5, 1004), M.IN_TRANSIT),
    6: M.OUT_FOR_DELIVERY,
    **dict.fromkeys((7, 9), M.DELIVERY_ATTEMPT_FAILED),
    8: M.DELIVERED,
    10: M.CANCELLED,
    **dict.fromkeys((11, 12), M.RTO_INITIATED),
    **dict.fromkeys((13, 15, 21, 26, 27), M.RTO_IN_TRANSIT),
    14: M.RTO_DELIVERED,
    **dict.fromkeys((16, 17), M.LOST_OR_DAMAGED),
    **dict.fromkeys((18, 20), M.DELAYED),
    19: M.EXCEPTION,
}
REVERSE: dict[int, Milestone] = {
    **dict.fromkeys((1, 2, 28, 25), M.RETURN_PICKUP_SCHEDULED),
    3: M.EXCEPTION,  # the return pickup failed
    4: M.RETURN_PICKED_UP,
    8: M.RETURN_RECEIVED,
    10: M.RETURN_CANCELLED,
    **dict.fromkeys((16, 17), M.LOST_OR_DAMAGED),
    **dict.fromkeys((18, 20), M.DELAYED),
    19: M.EXCEPTION,
    30: M.RETURN_PICKED_UP,  # hand-to-hand exchange: new item delivered, old one collected
    32: M.RETURN_RECEIVED,  # the exchanged item is back at the warehouse
    101: M.RETURN_REQUESTED,
    102: M.RETURN_APPROVED,
}
# Known codes that are recorded but mean nothing to the customer on that leg.
FORWARD_SILENT = frozenset({3, 23})
REVERSE_SILENT = frozenset({5, 6, 7, 9, 23, 31, 1004})
# Codes that only exist on the reverse leg, whatever `is_rvp` says.
REVERSE_ONLY = frozenset({30, 31, 32, 101, 102})
EXCHANGE_CODES = frozenset({30, 31, 32})
# Managed-returns notification events, for return codes newer than the table above.
RETURN_NOTIFICATIONS: dict[int, Milestone] = {
    11: M.RETURN_REQUESTED,
    22: M.RETURN_APPROVED,
    23: M.RETURN_REJECTED,
    30: M.RETURN_REQUESTED,
    29: M.RETURN_APPROVED,
    31: M.RETURN_REJECTED,
}
EXCHANGE_NOTIFICATIONS = frozenset({14, 15, 29, 30, 31})


@dataclass(frozen=True, slots=True)
class _Scan:
    code: int
    description: str | None
    remark: str | None
    time: datetime

    @classmethod
    def read(cls, fields: Fields, zone: tzinfo) -> _Scan:
        return cls(
            code=fields.need_integer("clickpost_status_code"),
            description=fields.text("clickpost_status_description", 100, "cut"),
            remark=fields.text("remark", 500, "cut"),
            time=need_time(fields.time("timestamp", zone), f"'{fields.name('timestamp')}'"),
        )


class ClickPost:
    """ClickPost: shared-secret URL token; dedup on waybill + status code + scan time."""

    name = "clickpost"

    def verify(self, delivery: Delivery, secret: str) -> bool:
        """The secret as `?token=` or `Authorization: Bearer`, compared in constant time."""
        if not secret:
            return False
        scheme, _, value = (delivery.headers.get("authorization") or "").strip().partition(" ")
        bearer = value if scheme.lower() == "bearer" else None
        by_query = same_secret(secret, delivery.query.get("token"))
        by_header = same_secret(secret, bearer)
        return by_query or by_header

    def is_ping(self, delivery: Delivery) -> bool:
        """ClickPost has no ping."""
        return False

    def identify(self, delivery: Delivery) -> Identified:
        """Waybill (or return reference) + outer status code + outer timestamp."""
        body = Fields.of(parse_json(delivery.raw))
        scan = _scan_fields(body)
        code = scan.need_integer("clickpost_status_code")
        stamp = scan.need_text("timestamp", 100)
        extra = scan.child("additional")
        ref = first(
            scan.ident("waybill"), extra.ident("return_reference_number") if extra else None
        )
        if ref is None:
            raise NormaliseError(f"field '{scan.name('waybill')}' is missing")
        return Identified(
            external_id=dedup_key(f"{ref}:{code}:{stamp}"),
            topic=f"clickpost:{code}",
            body=body.data,
        )

    def normalise(self, identified: Identified, options: Mapping[str, Any]) -> list[CommerceEvent]:
        """The outer scan, and `additional.latest_status` when it is a different scan."""
        scan = _scan_fields(Fields.of(identified.body))
        zone = store_zone(options, DEFAULT_ZONE)
        extra = scan.child("additional") or Fields({}, scan.name("additional"))
        scans = [_Scan.read(scan, zone)]
        latest = extra.child("latest_status")
        if latest is not None:
            newest = _Scan.read(latest, zone)
            if (newest.code, newest.time) != (scans[0].code, scans[0].time):
                scans.append(newest)
        with payload_errors():
            return [_event(one, scan, extra) for one in scans]


def _scan_fields(body: Fields) -> Fields:
    """Tracking webhooks are flat; managed-returns ones wrap the scan in `payload`."""
    return body.need_child("payload") if "payload" in body.data else body


def _event(scan: _Scan, outer: Fields, extra: Fields) -> CommerceEvent:
    notification = first(
        extra.integer("notification_event_id"), outer.integer("notification_event")
    )
    reverse = bool(extra.flag("is_rvp")) or scan.code in REVERSE_ONLY
    table, silent = (REVERSE, REVERSE_SILENT) if reverse else (FORWARD, FORWARD_SILENT)
    milestone = table.get(scan.code)
    if milestone is None and scan.code not in silent:
        if notification in RETURN_NOTIFICATIONS:
            milestone, reverse = RETURN_NOTIFICATIONS[notification], True
        else:
            unknown_status("clickpost", "status code", str(scan.code))
    raw = f"{scan.code}:{scan.description}" if scan.description else str(scan.code)
    waybill = outer.ident("waybill")
    order_id = first(extra.ident("order_id"), extra.ident("forward_order_id"))
    common: dict[str, Any] = {
        "source": "clickpost",
        "milestone": milestone,
        "raw_status": raw[:200],
        "event_time": scan.time,
        "detail": reason(milestone, scan.remark),
    }
    if reverse:
        exchange = scan.code in EXCHANGE_CODES or notification in EXCHANGE_NOTIFICATIONS
        return CommerceEvent(**common, return_=_return(outer, extra, waybill, order_id, exchange))
    if waybill is None:
        raise NormaliseError(f"field '{outer.name('waybill')}' is missing")
    shipment = ShipmentFacts(
        tracking_number=waybill,
        carrier=outer.text("account_code", 200, "cut"),
        order_external_id=order_id,
    )
    return CommerceEvent(**common, shipment=shipment)


def _return(
    outer: Fields, extra: Fields, waybill: str | None, order_id: str | None, exchange: bool
) -> ReturnFacts:
    external_id = first(extra.ident("return_reference_number"), waybill)
    if external_id is None:
        raise NormaliseError(f"field '{outer.name('waybill')}' is missing")
    lines = extra.children("item_info")
    items = [_item(line) for line in lines]
    reasons = [line.text("return_reason", 500, "cut") for line in lines]
    return ReturnFacts(
        external_id=external_id,
        order_external_id=order_id,
        kind=ReturnKind.EXCHANGE if exchange else ReturnKind.RETURN,
        reason=first(*reasons),
        items=items or None,
        tracking_number=waybill,
    )


def _item(line: Fields) -> LineItem:
    quantity = line.integer("quantity")
    return LineItem(
        title=first(
            line.text("name", 500, "cut"),
            line.text("product_name", 500, "cut"),
            line.text("sku", 500, "cut"),
        )
        or "Item",
        quantity=1 if quantity is None else quantity,
        sku=line.text("sku", 200, "cut"),
    )


SOURCE = ClickPost()
