"""Carrier webhooks as AfterShip, ClickPost and EasyPost post them (shapes from the fixtures)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ordertalk.demo_data.model import Action, Order, Parcel, Webhook, iso, ist, utc_z

# --- AfterShip ----------------------------------------------------------------------------


@dataclass(slots=True)
class AfterShipTracking:
    """One AfterShip tracking; every update carries the checkpoints seen so far."""

    order: Order
    slug: str
    tracking_number: str
    checkpoints: list[dict[str, Any]] = field(default_factory=list)

    def update(
        self,
        tag: str,
        subtag: str,
        subtag_message: str,
        local_message: str,
        edd_days: int | None = None,
    ) -> Callable[[datetime], Action]:
        """A `tracking_update` with a new checkpoint at the time it is played."""

        def build(at: datetime) -> Action:
            c = self.order.customer
            local = c.local(at)
            self.checkpoints.append(
                {
                    "checkpoint_time": iso(local),
                    "created_at": iso(local),
                    "message": local_message,
                    "tag": tag,
                    "subtag": subtag,
                    "subtag_message": local_message,
                    "city": c.city,
                    "state": None,
                    "country_iso3": {"IN": "IND", "BR": "BRA", "ES": "ESP", "ID": "IDN"}[c.country],
                    "postal_code": None,
                    "slug": self.slug,
                    "location": c.city,
                }
            )
            msg: dict[str, Any] = {
                "id": f"as-trk-{self.tracking_number.lower()}",
                "tracking_number": self.tracking_number,
                "slug": self.slug,
                "tag": tag,
                "subtag": subtag,
                "subtag_message": subtag_message,
                "order_id": self.order.id,
                "order_number": self.order.name,
                "title": self.order.name,
                "emails": [],
                "smses": [],
                "created_at": self.checkpoints[0]["checkpoint_time"],
                "updated_at": iso(at.astimezone(UTC)),
                "expected_delivery": None,
                "courier_tracking_link": None,
                "checkpoints": list(self.checkpoints),
            }
            if edd_days is not None:
                msg["latest_estimated_delivery"] = {
                    "type": "specific",
                    "source": "Carrier EDD",
                    "datetime": (local.date() + timedelta(days=edd_days)).isoformat(),
                    "datetime_min": None,
                    "datetime_max": None,
                }
            body = {
                "event": "tracking_update",
                "event_id": str(uuid.uuid4()),
                "is_tracking_first_tag": True,
                "ts": int(at.timestamp()),
                "msg": msg,
            }
            return Webhook("aftership", body)

        return build


# --- ClickPost ----------------------------------------------------------------------------


def _scan(code: int, description: str, status: str, remark: str, location: str, stamp: str) -> Any:
    return {
        "clickpost_status_code": code,
        "clickpost_status_description": description,
        "status": status,
        "remark": remark,
        "location": location,
        "timestamp": stamp,
    }


def clickpost_forward(
    order: Order,
    parcel: Parcel,
    code: int,
    description: str,
    status: str,
    remark: str,
    location: str,
) -> Callable[[datetime], Action]:
    """A forward-leg tracking webhook (flat, the scan repeated as `latest_status`)."""

    def build(at: datetime) -> Action:
        scan = _scan(code, description, status, remark, location, ist(at))
        body = {
            "waybill": parcel.tracking_number,
            "cp_id": 4,
            "account_code": parcel.carrier,
            **scan,
            "clickpost_status_bucket": None,
            "clickpost_status_bucket_description": None,
            "additional": {
                "latest_status": scan,
                "order_id": order.id,
                "is_rvp": False,
                "notification_event_id": {4: 2, 6: 3, 9: 4, 8: 5}.get(code),
            },
        }
        return Webhook("clickpost", body)

    return build


def clickpost_return_request(
    order: Order, reference: str, forward: Parcel, code: int, event: int, reason: str
) -> Callable[[datetime], Action]:
    """A managed-returns notification (101 placed, 102 approved), wrapped in `payload`."""
    description = {101: "Return Order Placed", 102: "Return Request Approved"}[code]

    def build(at: datetime) -> Action:
        c = order.customer
        location = f"{c.city}, {c.zip}"
        scan = _scan(code, description, "SUCCESS", description, location, utc_z(at))
        extra = {
            "latest_status": scan,
            "is_rvp": True,
            "notification_event_id": event,
            "self_shipped": False,
            "return_reference_number": reference,
            "forward_awb": forward.tracking_number,
            "forward_order_id": order.id,
            "item_info": [
                {
                    "sku": order.items[0].sku,
                    "quantity": 1,
                    "return_reason": reason,
                    "refund_mode": "Back to source",
                }
            ],
        }
        payload = {
            "waybill": "",
            "cp_id": -1,
            **scan,
            "notification_event": event,
            "clickpost_status_bucket": 8,
            "clickpost_status_bucket_description": description,
            "account_code": None,
            "additional": extra,
        }
        internal = {
            "tracking_id": 611764000 + int(order.number),
            "key": "None",
            "enterprise_user_profile_id": 180001,
            "url": "None",
            "notification_event": event,
            "is_custom": True,
        }
        return Webhook("clickpost", {"payload": payload, "internal": internal})

    return build


def clickpost_reverse(
    order: Order,
    reference: str,
    forward: Parcel,
    reverse: Parcel,
    code: int,
    description: str,
    status: str,
    remark: str,
    reason: str,
) -> Callable[[datetime], Action]:
    """A reverse-leg (return pickup) tracking webhook: `is_rvp` and the return reference."""

    def build(at: datetime) -> Action:
        location = f"{order.customer.city}_DC"
        scan = _scan(code, description, status, remark, location, ist(at))
        body = {
            "waybill": reverse.tracking_number,
            "cp_id": 6,
            "account_code": reverse.carrier,
            **scan,
            "clickpost_status_bucket": None,
            "clickpost_status_bucket_description": None,
            "additional": {
                "latest_status": scan,
                "is_rvp": True,
                "notification_event_id": {25: 1, 4: 2, 8: 5}.get(code),
                "return_reference_number": reference,
                "forward_awb": forward.tracking_number,
                "forward_order_id": order.id,
                "item_info": [
                    {
                        "sku": order.items[0].sku,
                        "quantity": 1,
                        "return_reason": reason,
                        "refund_mode": "Back to source",
                    }
                ],
            },
        }
        return Webhook("clickpost", body)

    return build


# --- EasyPost -----------------------------------------------------------------------------


@dataclass(slots=True)
class EasyPostTracker:
    """One EasyPost tracker; every event carries the tracking details seen so far."""

    order: Order
    carrier: str
    tracking_code: str
    details: list[dict[str, Any]] = field(default_factory=list)

    def update(
        self, status: str, status_detail: str, message: str, edd_days: int = 1
    ) -> Callable[[datetime], Action]:
        """A `tracker.updated` Event with a new tracking detail at the time it is played."""

        def build(at: datetime) -> Action:
            c = self.order.customer
            self.details.append(
                {
                    "object": "TrackingDetail",
                    "datetime": utc_z(at),
                    "message": message,
                    "description": message,
                    "status": status,
                    "status_detail": status_detail,
                    "source": self.carrier,
                    "carrier_code": None,
                    "tracking_location": {
                        "object": "TrackingLocation",
                        "city": c.city.upper(),
                        "state": None,
                        "country": c.country,
                        "zip": None,
                    },
                }
            )
            created = self.details[0]["datetime"]
            edd = (at.astimezone(UTC).date() + timedelta(days=edd_days)).isoformat()
            tracker = {
                "id": f"trk_{self.tracking_code.lower()}",
                "object": "Tracker",
                "mode": "production",
                "tracking_code": self.tracking_code,
                "carrier": self.carrier,
                "status": status,
                "status_detail": status_detail,
                "est_delivery_date": f"{edd}T20:00:00Z",
                "signed_by": None,
                "weight": None,
                "shipment_id": None,
                "is_return": False,
                "public_url": f"https://track.easypost.com/{self.tracking_code}",
                "created_at": created,
                "updated_at": utc_z(at),
                "tracking_details": list(self.details),
                "carrier_detail": {
                    "object": "CarrierDetail",
                    "service": "Express",
                    "est_delivery_date_local": None,
                    "origin_location": "MADRID, 28001",
                    "destination_location": f"{c.city.upper()}, {c.zip}",
                },
            }
            body = {
                "id": f"evt_{uuid.uuid4().hex[:24]}",
                "object": "Event",
                "mode": "production",
                "description": "tracker.updated",
                "created_at": utc_z(at),
                "updated_at": utc_z(at),
                "previous_attributes": {},
                "pending_urls": [],
                "completed_urls": [],
                "result": tracker,
            }
            return Webhook("easypost", body)

        return build
