"""Shopify webhooks: orders, fulfillments, fulfillment events and refunds (reference §1, §4.3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
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
from ordertalk.commerce.milestones import Milestone, info
from ordertalk.integrations.base import (
    MAX_ID,
    MAX_URL,
    Delivery,
    Fields,
    Identified,
    NormaliseError,
    country_code,
    currency_code,
    cut,
    first,
    hmac_sha256_b64,
    is_cod,
    joined,
    need_time,
    parse_json,
    parse_time,
    payload_errors,
    reason,
    same_secret,
    store_country,
    store_zone,
    unknown_status,
)

M = Milestone
TOPIC = "x-shopify-topic"
SIGNATURE = "x-shopify-hmac-sha256"
WEBHOOK_ID = "x-shopify-webhook-id"
TRIGGERED_AT = "x-shopify-triggered-at"
ORDER_TOPICS = ("orders/create", "orders/paid", "orders/cancelled")
FULFILLMENT_TOPICS = ("fulfillments/create", "fulfillments/update")

# `shipment_status` on a fulfillment and `status` on a fulfillment event share one vocabulary.
SHIPMENT_STATUS: dict[str, Milestone] = {
    "label_purchased": M.PACKED,
    "label_printed": M.PACKED,
    "confirmed": M.DISPATCHED,  # Shopify's default value: low signal, never better than shipped
    "carrier_picked_up": M.DISPATCHED,
    "in_transit": M.IN_TRANSIT,
    "out_for_delivery": M.OUT_FOR_DELIVERY,
    "attempted_delivery": M.DELIVERY_ATTEMPT_FAILED,
    "ready_for_pickup": M.READY_FOR_PICKUP,
    "ready_for_recipient_pickup": M.READY_FOR_PICKUP,
    "picked_up": M.DELIVERED,  # the customer collected it
    "delivered": M.DELIVERED,
    "delayed": M.DELAYED,
    "failure": M.EXCEPTION,
    "buyer_action_required": M.EXCEPTION,
    "returning_to_sender": M.RTO_IN_TRANSIT,
}

FINANCIAL_STATUS: dict[str, PaymentStatus] = {
    "pending": PaymentStatus.PENDING,
    "authorized": PaymentStatus.AUTHORIZED,
    "paid": PaymentStatus.PAID,
    "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
    "refunded": PaymentStatus.REFUNDED,
    "voided": PaymentStatus.VOIDED,
    "expired": PaymentStatus.FAILED,  # the authorisation lapsed uncaptured
}
# Money is committed, so the order goes ahead; a deposit counts.
CONFIRMING = frozenset({"paid", "authorized", "partially_paid"})
# Fulfillment record states in which nothing has left the warehouse.
NOT_SHIPPED = frozenset({"pending", "open"})
FAILED_FULFILLMENT = frozenset({"cancelled", "error", "failure"})


class Shopify:
    """Shopify: base64 HMAC of the raw body; one delivery id per webhook delivery."""

    name = "shopify"

    def verify(self, delivery: Delivery, secret: str) -> bool:
        """Check X-Shopify-Hmac-Sha256 against the raw body."""
        if not secret:
            return False
        expected = hmac_sha256_b64(secret.encode(), delivery.raw)
        return same_secret(expected, delivery.headers.get(SIGNATURE))

    def is_ping(self, delivery: Delivery) -> bool:
        """Shopify has no ping."""
        return False

    def identify(self, delivery: Delivery) -> Identified:
        """Dedup on X-Shopify-Webhook-Id; the topic comes from X-Shopify-Topic."""
        webhook_id = (delivery.headers.get(WEBHOOK_ID) or "").strip()
        if not webhook_id:
            raise NormaliseError("header 'X-Shopify-Webhook-Id' is missing")
        if len(webhook_id) > MAX_ID:
            raise NormaliseError(f"header 'X-Shopify-Webhook-Id' is longer than {MAX_ID}")
        topic = (delivery.headers.get(TOPIC) or "").strip()
        if not topic:
            raise NormaliseError("header 'X-Shopify-Topic' is missing")
        body = Fields.of(parse_json(delivery.raw)).data
        triggered = delivery.headers.get(TRIGGERED_AT)
        sent_at = parse_time(triggered, UTC) if triggered else None
        return Identified(external_id=webhook_id, topic=topic, body=body, sent_at=sent_at)

    def normalise(self, identified: Identified, options: Mapping[str, Any]) -> list[CommerceEvent]:
        """Orders, fulfillments, fulfillment events and refunds; other topics give nothing."""
        body = Fields.of(identified.body)
        topic = identified.topic or ""
        zone = store_zone(options)
        with payload_errors():
            if topic in ORDER_TOPICS:
                return [_order_event(topic, body, options, zone, identified.sent_at)]
            if topic in FULFILLMENT_TOPICS:
                return _fulfillment_events(topic, body, zone, identified.sent_at)
            if topic == "fulfillment_events/create":
                return [_tracking_event(body, zone, identified.sent_at)]
            if topic == "refunds/create":
                return [_refund_event(body, zone, identified.sent_at)]
        return []


def _when(body: Fields, keys: tuple[str, ...], zone: tzinfo, sent_at: datetime | None) -> datetime:
    for key in keys:
        value = body.time(key, zone)
        if value is not None:
            return value
    return need_time(sent_at, ", ".join(keys) + " or header 'X-Shopify-Triggered-At'")


def _event(
    milestone: Milestone | None, raw: str | None, time: datetime, **facts: Any
) -> CommerceEvent:
    return CommerceEvent(
        source="shopify", milestone=milestone, raw_status=cut(raw, 200), event_time=time, **facts
    )


# --- orders -------------------------------------------------------------------------------


def _order_event(
    topic: str, body: Fields, options: Mapping[str, Any], zone: tzinfo, sent_at: datetime | None
) -> CommerceEvent:
    order = _order(body, options, zone)
    financial = body.text("financial_status")
    if topic == "orders/create":
        cod = order.payment_method is PaymentMethod.COD
        milestone = M.ORDER_CONFIRMED if cod or financial in CONFIRMING else None
        time = _when(body, ("created_at", "updated_at"), zone, sent_at)
        return _event(milestone, financial, time, order=order)
    if topic == "orders/paid":
        paid = order.model_copy(update={"payment_status": PaymentStatus.PAID})
        time = _when(body, ("updated_at", "processed_at", "created_at"), zone, sent_at)
        return _event(M.ORDER_CONFIRMED, financial or "paid", time, order=paid)
    time = _when(body, ("cancelled_at", "updated_at"), zone, sent_at)
    why = body.text("cancel_reason", 500, "cut")
    return _event(M.CANCELLED, "cancelled", time, detail=why, order=order)


def _order(body: Fields, options: Mapping[str, Any], zone: tzinfo) -> OrderFacts:
    gateways = [*body.strings("payment_gateway_names"), body.text("gateway")]
    if is_cod(gateways):
        method: PaymentMethod | None = PaymentMethod.COD
    else:
        method = PaymentMethod.PREPAID if any(gateways) else None
    financial = body.text("financial_status")
    return OrderFacts(
        external_id=body.need_ident("id"),
        name=body.text("name", 200, "cut"),
        customer=_customer(body, options),
        currency=currency_code(body.text("currency")),
        total=body.money("total_price"),
        items=_items(body) if body.raw("line_items") is not None else None,
        payment_method=method,
        payment_status=FINANCIAL_STATUS.get(financial) if financial else None,
        status_url=body.text("order_status_url", MAX_URL, "drop"),
        placed_at=body.time("created_at", zone),
    )


def _customer(body: Fields, options: Mapping[str, Any]) -> CustomerFacts | None:
    shipping = body.child("shipping_address")
    billing = body.child("billing_address")
    person = body.child("customer")
    # The delivery phone is the likeliest reachable mobile for shipping updates.
    candidates = [
        shipping.text("phone") if shipping else None,
        body.text("phone"),
        person.text("phone") if person else None,
        billing.text("phone") if billing else None,
    ]
    phone = next((p for p in candidates if p is not None and len(p) <= 64), None)
    name = first(
        joined(person.text("first_name"), person.text("last_name")) if person else None,
        shipping.text("name") if shipping else None,
        billing.text("name") if billing else None,
    )
    country = first(
        country_code(shipping.text("country_code")) if shipping else None,
        country_code(billing.text("country_code")) if billing else None,
    )
    if phone is None and name is None:
        return None
    if country is None and phone is not None:
        country = store_country(options)
    language = body.text("customer_locale", 16, "drop")
    return CustomerFacts(phone=phone, name=cut(name, 200), language=language, country=country)


def _items(body: Fields) -> list[LineItem]:
    return [
        LineItem(
            title=first(item.text("title", 500, "cut"), item.text("name", 500, "cut")) or "Item",
            quantity=item.need_integer("quantity"),
            sku=item.text("sku", 200, "cut"),
            price=item.money("price"),
            external_id=item.ident("id"),
        )
        for item in body.children("line_items")
    ]


# --- fulfillments -------------------------------------------------------------------------


def _shipment(body: Fields, id_key: str) -> ShipmentFacts:
    numbers = body.strings("tracking_numbers")
    urls = [url for url in body.strings("tracking_urls") if len(url) <= MAX_URL]
    return ShipmentFacts(
        external_id=body.need_ident(id_key),
        order_external_id=body.need_ident("order_id"),
        carrier=body.text("tracking_company", 200),
        tracking_number=first(body.text("tracking_number", 200), *numbers[:1]),
        tracking_url=first(body.text("tracking_url", MAX_URL, "drop"), *urls[:1]),
    )


def _fulfillment_events(
    topic: str, body: Fields, zone: tzinfo, sent_at: datetime | None
) -> list[CommerceEvent]:
    shipment = _shipment(body, "id")
    creating = topic == "fulfillments/create"
    keys = ("created_at", "updated_at") if creating else ("updated_at", "created_at")
    time = _when(body, keys, zone, sent_at)
    status = body.text("status")
    if status in FAILED_FULFILLMENT:
        # The fulfillment record itself was withdrawn: internal, not a carrier milestone.
        return [_event(None, status, time, detail=f"fulfillment {status}", shipment=shipment)]
    shipment_status = body.text("shipment_status")
    mapped = SHIPMENT_STATUS.get(shipment_status) if shipment_status else None
    if shipment_status and mapped is None:
        unknown_status("shopify", "shipment_status", shipment_status)
    if not creating:
        # A null shipment_status is a facts-only update (tracking number or URL added).
        return [_event(mapped, shipment_status or status, time, shipment=shipment)]
    base = M.PACKED if status in NOT_SHIPPED else M.DISPATCHED
    events = [_event(base, shipment_status or status, time, shipment=shipment)]
    if mapped is not None and mapped is not base:
        if info(mapped).side:
            events.append(_event(mapped, shipment_status, time, shipment=shipment))
        elif info(mapped).rank > info(base).rank:
            events = [_event(mapped, shipment_status, time, shipment=shipment)]
    return events


def _tracking_event(body: Fields, zone: tzinfo, sent_at: datetime | None) -> CommerceEvent:
    status = body.need_text("status", 200)
    milestone = SHIPMENT_STATUS.get(status)
    if milestone is None:
        unknown_status("shopify", "fulfillment event status", status)
    shipment = ShipmentFacts(
        external_id=body.need_ident("fulfillment_id"),
        order_external_id=body.need_ident("order_id"),
        edd=body.day("estimated_delivery_at"),
    )
    time = _when(body, ("happened_at", "created_at"), zone, sent_at)
    detail = reason(milestone, body.text("message", 500, "cut"))
    return _event(milestone, status, time, detail=detail, shipment=shipment)


# --- refunds ------------------------------------------------------------------------------


def _refund_event(body: Fields, zone: tzinfo, sent_at: datetime | None) -> CommerceEvent:
    transactions = [
        t for t in body.children("transactions") if (t.text("kind") or "refund") == "refund"
    ]
    statuses = {t.text("status") or "unknown" for t in transactions}
    if "pending" in statuses:
        milestone: Milestone | None = M.REFUND_INITIATED
    elif "success" in statuses:
        milestone = M.REFUND_COMPLETED
    else:
        milestone = None  # failed, errored or money-less (restock-only) refunds
    moving = [t.money("amount") for t in transactions if t.text("status") in ("pending", "success")]
    amounts = [amount for amount in moving if amount is not None]
    linked = body.child("return")
    refund = RefundFacts(
        external_id=body.need_ident("id"),
        order_external_id=body.need_ident("order_id"),
        return_external_id=linked.ident("id") if linked else None,
        amount=sum(amounts[1:], amounts[0]) if amounts else None,
        currency=first(*(currency_code(t.text("currency")) for t in transactions)),
    )
    time = _when(body, ("processed_at", "created_at"), zone, sent_at)
    raw = ",".join(sorted(statuses)) or None
    # The refund `note` is staff-written and may be internal, so it is not passed on as detail.
    return _event(milestone, raw, time, refund=refund)


SOURCE = Shopify()
