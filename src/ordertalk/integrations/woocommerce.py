"""WooCommerce order webhooks (reference §2, §4.3): order status changes into CommerceEvents."""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ordertalk.commerce.events import (
    CommerceEvent,
    CustomerFacts,
    LineItem,
    OrderFacts,
    PaymentMethod,
    PaymentStatus,
    RefundFacts,
    ShipmentFacts,
)
from ordertalk.commerce.milestones import Milestone
from ordertalk.integrations.base import (
    MAX_URL,
    Delivery,
    Fields,
    Identified,
    NormaliseError,
    country_code,
    currency_code,
    cut,
    digest_key,
    first,
    hmac_sha256_b64,
    is_cod,
    joined,
    need_time,
    parse_json,
    payload_errors,
    same_secret,
    store_country,
    store_zone,
    unknown_status,
)

M = Milestone
TOPIC = "x-wc-webhook-topic"
SIGNATURE = "x-wc-webhook-signature"
ORDER_TOPICS = ("order.created", "order.updated")
# The creation ping is form-encoded and unsigned; WooCommerce wants exactly a 200 for it.
_PING = re.compile(rb"\s*webhook_id=\d{1,20}\s*")
_TRACKING_META = "_wc_shipment_tracking_items"
log = logging.getLogger("ordertalk.integrations")

STATUS: dict[str, Milestone] = {
    "processing": M.ORDER_CONFIRMED,
    "on-hold": M.ORDER_CONFIRMED,  # awaiting a bank transfer: the order itself is confirmed
    "failed": M.PAYMENT_FAILED,
    "cancelled": M.CANCELLED,
    "ready-for-pickup": M.READY_FOR_PICKUP,
}
COMPLETED_MEANS = {"dispatched": M.DISPATCHED, "delivered": M.DELIVERED}
# Known statuses with no milestone of their own (refunds come from `refunds[]`).
FACTS_ONLY = frozenset({"pending", "refunded"})
# Drafts and the bin are not orders a customer knows about yet (or any more).
IGNORED = frozenset({"checkout-draft", "trash", "draft", "auto-draft", "new"})
SHIPPING = frozenset({M.DISPATCHED, M.DELIVERED, M.READY_FOR_PICKUP})


class WooCommerce:
    """WooCommerce: base64 HMAC keyed by the HTML-decoded secret; no unique delivery id."""

    name = "woocommerce"

    def verify(self, delivery: Delivery, secret: str) -> bool:
        """Check X-WC-Webhook-Signature, keyed like WordPress (entities in the secret decoded)."""
        if not secret:
            return False
        key = html.unescape(secret).encode()
        expected = hmac_sha256_b64(key, delivery.raw)
        return same_secret(expected, delivery.headers.get(SIGNATURE))

    def is_ping(self, delivery: Delivery) -> bool:
        """The form-encoded `webhook_id=<n>` ping sent when a webhook is saved."""
        return _PING.fullmatch(delivery.raw) is not None

    def identify(self, delivery: Delivery) -> Identified:
        """A key from (topic, id, date_modified_gmt, status): WooCommerce's delivery id repeats."""
        topic = (delivery.headers.get(TOPIC) or "").strip()
        if not topic:
            raise NormaliseError("header 'X-WC-Webhook-Topic' is missing")
        body = Fields.of(parse_json(delivery.raw))
        if topic.startswith("order."):
            order_id = body.need_ident("id")
            key = digest_key(topic, order_id, body.raw("date_modified_gmt"), body.raw("status"))
        else:
            # Topics we do not normalise (products, coupons, actions) may carry no id at all.
            key = digest_key(topic, hashlib.sha256(delivery.raw).hexdigest())
        return Identified(external_id=key, topic=topic, body=body.data)

    def normalise(self, identified: Identified, options: Mapping[str, Any]) -> list[CommerceEvent]:
        """order.created / order.updated; other topics give nothing."""
        if identified.topic not in ORDER_TOPICS:
            return []
        body = Fields.of(identified.body)
        status = body.need_text("status", 200)
        if status in IGNORED:
            return []
        with payload_errors():
            return _events(body, status, options)


def _completed(options: Mapping[str, Any]) -> Milestone:
    choice = options.get("completed_means", "dispatched")
    if not isinstance(choice, str) or choice not in COMPLETED_MEANS:
        log.warning("woocommerce completed_means %r is not dispatched|delivered", choice)
        return M.DISPATCHED
    return COMPLETED_MEANS[choice]


def _events(body: Fields, status: str, options: Mapping[str, Any]) -> list[CommerceEvent]:
    zone = store_zone(options)
    # *_gmt fields are UTC written without a zone; the plain ones are in the store's zone.
    time = need_time(
        first(
            body.time("date_modified_gmt", UTC),
            body.time("date_modified", zone),
            body.time("date_created_gmt", UTC),
        ),
        "date_modified_gmt, date_modified, date_created_gmt",
    )
    order = _order(body, status, options)
    if status == "completed":
        milestone: Milestone | None = _completed(options)
    else:
        milestone = STATUS.get(status)
        if milestone is None and status not in FACTS_ONLY:
            unknown_status("woocommerce", "order status", status)
    shipment = _shipment(body, order.external_id) if milestone in SHIPPING else None
    events = [
        CommerceEvent(
            source="woocommerce",
            milestone=milestone,
            raw_status=status,
            event_time=time,
            order=order,
            shipment=shipment,
        )
    ]
    events.extend(_refunds(body, status, order, time))
    return events


def _order(body: Fields, status: str, options: Mapping[str, Any]) -> OrderFacts:
    method_id = body.text("payment_method")
    cod = is_cod([method_id])
    if cod:
        method: PaymentMethod | None = PaymentMethod.COD
    else:
        method = PaymentMethod.PREPAID if method_id else None
    number = body.ident("number")
    return OrderFacts(
        external_id=body.need_ident("id"),
        name=f"#{number}" if number else None,
        customer=_customer(body, options),
        currency=currency_code(body.text("currency")),
        total=body.money("total"),
        items=_items(body) if body.raw("line_items") is not None else None,
        payment_method=method,
        payment_status=_payment(body, status, cod),
        placed_at=body.time("date_created_gmt", UTC),
    )


def _payment(body: Fields, status: str, cod: bool) -> PaymentStatus | None:
    if status == "refunded":
        return PaymentStatus.REFUNDED
    if status == "failed":
        return PaymentStatus.FAILED
    if body.has("date_paid_gmt"):
        return PaymentStatus.PAID
    if status in ("pending", "on-hold") or (cod and status in ("processing", "completed")):
        return PaymentStatus.PENDING  # COD money is collected at the door
    if status in ("processing", "completed"):
        return PaymentStatus.PAID
    return None


def _customer(body: Fields, options: Mapping[str, Any]) -> CustomerFacts | None:
    shipping = body.child("shipping")
    billing = body.child("billing")
    parts = [part for part in (shipping, billing) if part is not None]
    # shipping.phone is newer and often empty; billing.phone is the one checkout requires.
    phone = next(
        (p for part in parts if (p := part.text("phone")) is not None and len(p) <= 64), None
    )
    name = first(*(joined(part.text("first_name"), part.text("last_name")) for part in parts))
    country = first(*(country_code(part.text("country")) for part in parts))
    if phone is None and name is None:
        return None
    if country is None and phone is not None:
        country = store_country(options)  # numbers are often stored without a country code
    return CustomerFacts(phone=phone, name=cut(name, 200), country=country)


def _items(body: Fields) -> list[LineItem]:
    return [
        LineItem(
            title=item.text("name", 500, "cut") or "Item",
            quantity=item.need_integer("quantity"),
            sku=item.text("sku", 200, "cut"),
            price=item.money("price"),
            external_id=item.ident("id"),
        )
        for item in body.children("line_items")
    ]


def _shipment(body: Fields, order_id: str) -> ShipmentFacts:
    """WooCommerce has no shipment object: one per order, plus Shipment Tracking meta if any."""
    tracking: dict[str, Any] = {}
    for meta in body.children("meta_data"):
        value = meta.raw("value")
        if meta.raw("key") == _TRACKING_META and isinstance(value, list) and value:
            newest = value[-1]  # plugin data: used when it has the expected shape, else ignored
            tracking = newest if isinstance(newest, dict) else {}
    number = _plain(tracking.get("tracking_number"), 200)
    carrier = _plain(tracking.get("custom_tracking_provider"), 200) or _plain(
        tracking.get("tracking_provider"), 200
    )
    return ShipmentFacts(
        external_id=f"wc-order-{order_id}",
        order_external_id=order_id,
        carrier=carrier,
        tracking_number=number,
        tracking_url=_plain(tracking.get("custom_tracking_link"), MAX_URL),
    )


def _plain(value: Any, limit: int) -> str | None:
    if isinstance(value, str) and value.strip() and len(value.strip()) <= limit:
        return value.strip()
    return None


def _refunds(body: Fields, status: str, order: OrderFacts, time: datetime) -> list[CommerceEvent]:
    """One REFUND_COMPLETED per refunds[] entry; the state machine ignores ones it has seen."""
    refunds = [
        RefundFacts(
            external_id=entry.need_ident("id"),
            order_external_id=order.external_id,
            amount=abs(amount) if (amount := entry.money("total")) is not None else None,
            currency=order.currency,
        )
        for entry in body.children("refunds")
    ]
    if status == "refunded" and not refunds:
        full = RefundFacts(
            external_id=f"wc-order-{order.external_id}-refund",
            order_external_id=order.external_id,
            amount=order.total,
            currency=order.currency,
        )
        refunds.append(full)
    return [
        CommerceEvent(
            source="woocommerce",
            milestone=M.REFUND_COMPLETED,
            raw_status=status,
            event_time=time,
            refund=refund,
        )
        for refund in refunds
    ]


SOURCE = WooCommerce()
