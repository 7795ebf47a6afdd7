"""Store webhooks as Shopify and WooCommerce post them (shapes from the integration fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ordertalk.demo_data.model import SHOP_URL, Action, Order, Parcel, Webhook, iso, naive

# --- Shopify ------------------------------------------------------------------------------


def shopify_order(order: Order) -> Callable[[datetime], Action]:
    """`orders/create`, as Shopify posts it."""

    def build(at: datetime) -> Action:
        c = order.customer
        stamp = iso(c.local(at))
        address = {
            "name": c.name,
            "phone": c.phone,
            "address1": "—",
            "city": c.city,
            "zip": c.zip,
            "province_code": None,
            "country_code": c.country,
        }
        body = {
            "id": int(order.id),
            "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
            "name": order.name,
            "order_number": int(order.number),
            "email": None,
            "phone": None,
            "created_at": stamp,
            "updated_at": stamp,
            "processed_at": stamp,
            "currency": order.currency,
            "presentment_currency": order.currency,
            "total_price": order.total,
            "financial_status": order.financial_status,
            "fulfillment_status": None,
            "cancelled_at": None,
            "cancel_reason": None,
            "gateway": order.gateway,
            "payment_gateway_names": [order.gateway],
            "buyer_accepts_marketing": False,
            "customer_locale": c.locale,
            "order_status_url": f"{SHOP_URL}/orders/{order.id}/authenticate?key=k{order.id}",
            "customer": {
                "id": 7100 + sum(map(ord, c.key)),
                "first_name": c.first,
                "last_name": c.last,
                "phone": None,
                "email": None,
                "sms_marketing_consent": None,
            },
            "shipping_address": address,
            "billing_address": address,
            "line_items": [
                {
                    "id": item.id,
                    "title": item.title,
                    "quantity": item.quantity,
                    "sku": item.sku,
                    "price": item.price,
                    "variant_id": item.id + 7,
                    "product_id": item.id + 13,
                }
                for item in order.items
            ],
            "fulfillments": [],
            "refunds": [],
        }
        return Webhook("shopify", body, "orders/create")

    return build


def shopify_fulfillment(order: Order, parcel: Parcel, index: int) -> Callable[[datetime], Action]:
    """`fulfillments/create`: the parcel left the warehouse with a tracking number."""

    def build(at: datetime) -> Action:
        stamp = iso(order.customer.local(at))
        body = {
            "id": parcel.id,
            "order_id": int(order.id),
            "name": f"{order.name}.{index}",
            "status": "success",
            "shipment_status": None,
            "created_at": stamp,
            "updated_at": stamp,
            "location_id": 655441491,
            "service": "manual",
            "tracking_company": parcel.carrier,
            "tracking_number": parcel.tracking_number,
            "tracking_numbers": [parcel.tracking_number],
            "tracking_url": parcel.tracking_url,
            "tracking_urls": [parcel.tracking_url],
            "line_items": [
                {"id": item.id, "title": item.title, "quantity": item.quantity}
                for item in (parcel.items or order.items)
            ],
            "notify_customer": False,
            "admin_graphql_api_id": f"gid://shopify/Fulfillment/{parcel.id}",
        }
        return Webhook("shopify", body, "fulfillments/create")

    return build


def shopify_tracking(
    order: Order, parcel: Parcel, status: str, message: str
) -> Callable[[datetime], Action]:
    """`fulfillment_events/create`: the carrier's scan, as Shopify relays it."""

    def build(at: datetime) -> Action:
        c = order.customer
        stamp = iso(c.local(at))
        event_id = parcel.id * 10 + len(status)
        body = {
            "id": event_id,
            "fulfillment_id": parcel.id,
            "order_id": int(order.id),
            "shop_id": 548380009,
            "status": status,
            "message": message,
            "happened_at": stamp,
            "estimated_delivery_at": None,
            "city": c.city,
            "province": None,
            "country": c.country,
            "zip": None,
            "address1": None,
            "latitude": None,
            "longitude": None,
            "created_at": stamp,
            "updated_at": stamp,
            "admin_graphql_api_id": f"gid://shopify/FulfillmentEvent/{event_id}",
        }
        return Webhook("shopify", body, "fulfillment_events/create")

    return build


def shopify_refund(order: Order, refund_id: int, note: str) -> Callable[[datetime], Action]:
    """`refunds/create` with a successful refund transaction."""

    def build(at: datetime) -> Action:
        stamp = iso(order.customer.local(at))
        body = {
            "id": refund_id,
            "order_id": int(order.id),
            "created_at": stamp,
            "processed_at": stamp,
            "note": note,
            "restock": True,
            "refund_line_items": [],
            "refund_shipping_lines": [],
            "order_adjustments": [],
            "transactions": [
                {
                    "id": refund_id + 1,
                    "kind": "refund",
                    "status": "success",
                    "amount": order.total,
                    "currency": order.currency,
                    "gateway": order.gateway,
                }
            ],
            "return": None,
        }
        return Webhook("shopify", body, "refunds/create")

    return build


# --- WooCommerce --------------------------------------------------------------------------


@dataclass(slots=True)
class WooOrder:
    """A WooCommerce order; every webhook carries the whole order, creation date included."""

    order: Order
    created: datetime | None = None

    def webhook(self, status: str, parcel: Parcel | None = None) -> Callable[[datetime], Action]:
        """`order.created` (processing) or `order.updated` (completed, with Shipment Tracking)."""
        topic = "order.created" if status == "processing" else "order.updated"

        def build(at: datetime) -> Action:
            if self.created is None:
                self.created = at
            return Webhook("woocommerce", self._body(status, parcel, at), topic)

        return build

    def _body(self, status: str, parcel: Parcel | None, at: datetime) -> dict[str, Any]:
        order, created = self.order, self.created or at
        c = order.customer
        zone = ZoneInfo(c.zone)
        person = {
            "first_name": c.first,
            "last_name": c.last,
            "company": "",
            "address_1": "—",
            "address_2": "",
            "city": c.city,
            "state": "",
            "postcode": c.zip,
            "country": c.country,
        }
        meta: list[dict[str, Any]] = []
        if parcel is not None:
            tracking = {
                "tracking_provider": "",
                "custom_tracking_provider": parcel.carrier,
                "custom_tracking_link": parcel.tracking_url,
                "tracking_number": parcel.tracking_number,
                "date_shipped": str(int(at.timestamp())),
                "tracking_id": "a1b2c3",
            }
            meta.append({"id": 9001, "key": "_wc_shipment_tracking_items", "value": [tracking]})
        completed = status == "completed"
        return {
            "id": int(order.id),
            "parent_id": 0,
            "number": order.number,
            "order_key": f"wc_order_k{order.id}",
            "created_via": "checkout",
            "version": "9.6.0",
            "status": status,
            "currency": order.currency,
            "date_created": naive(created, zone),
            "date_created_gmt": naive(created),
            "date_modified": naive(at, zone),
            "date_modified_gmt": naive(at),
            "discount_total": "0.00",
            "shipping_total": "0.00",
            "total": order.total,
            "customer_id": 12,
            "customer_note": "",
            "billing": person | {"phone": c.phone, "email": f"{c.key}@example.com"},
            "shipping": person | {"phone": ""},
            "payment_method": order.gateway,
            "payment_method_title": "Tarjeta",
            "transaction_id": "",
            "date_paid": naive(created, zone),
            "date_paid_gmt": naive(created),
            "date_completed": naive(at, zone) if completed else None,
            "date_completed_gmt": naive(at) if completed else None,
            "cart_hash": "",
            "meta_data": meta,
            "line_items": [
                {
                    "id": item.id,
                    "name": item.title,
                    "product_id": item.id + 90,
                    "variation_id": 0,
                    "quantity": item.quantity,
                    "sku": item.sku,
                    "price": float(item.price),
                    "subtotal": order.total,
                    "total": order.total,
                }
                for item in order.items
            ],
            "tax_lines": [],
            "shipping_lines": [{"id": 1, "method_title": "Flat rate", "total": "0.00"}],
            "fee_lines": [],
            "coupon_lines": [],
            "refunds": [],
            "payment_url": f"https://shop.example/checkout/order-pay/{order.id}/",
        }
