"""What a message says, read fresh from the rows at send time (so an EDD change is never stale)."""

from __future__ import annotations

import functools
from datetime import datetime

import phonenumbers
from babel import Locale, UnknownLocaleError
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Track
from ordertalk.commerce.models import Order, Refund, Return, Shipment, TimelineEntry
from ordertalk.contacts.models import Contact
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.templates.registry import BROADCAST_FIELDS, REGISTRY
from ordertalk.templates.render import RenderContext
from ordertalk.web.links import short_url


def locale_for(language: str, phone: str) -> str:
    """A Babel locale from the contact's language and their number's country ("hi" → "hi_IN")."""
    return _locale_in(language.replace("-", "_"), region_of(phone))


def region_of(phone: str) -> str | None:
    """The region of an E.164 number, as phonenumbers would say from the parsed number; from the
    calling code alone when only one region uses it (+91), without parsing (a broadcast asks
    this once per recipient)."""
    national = phone[1:]
    if phone.startswith("+") and national.isdigit():
        for length in (1, 2, 3):  # calling codes are prefix-free: the first one found is it
            regions = COUNTRY_CODE_TO_REGION_CODE.get(int(national[:length]))
            if regions is not None:
                if len(regions) == 1 and 2 <= len(national) - length <= 17:
                    return regions[0]
                break
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return None


@functools.lru_cache(maxsize=1024)
def _locale_in(base: str, region: str | None) -> str:
    if "_" not in base and region:
        try:
            Locale.parse(f"{base}_{region}")
            return f"{base}_{region}"
        except (UnknownLocaleError, ValueError):
            pass
    try:
        return str(Locale.parse(base))
    except (UnknownLocaleError, ValueError):
        return "en"


async def _reason(session: AsyncSession, message: OutboundMessage) -> str | None:
    """Why the milestone happened ("consignee unavailable"), as its event said."""
    if message.milestone is None or message.entity_id is None:
        return None
    detail: str | None = await session.scalar(
        select(TimelineEntry.detail)
        .where(
            TimelineEntry.entity == message.entity,
            TimelineEntry.entity_id == message.entity_id,
            TimelineEntry.milestone == message.milestone,
            TimelineEntry.detail.is_not(None),
        )
        .order_by(TimelineEntry.event_time.desc(), TimelineEntry.id.desc())
        .limit(1)
    )
    return detail


def broadcast_values(params: dict[str, object]) -> dict[str, str]:
    """The values a broadcast gave its messages (`offer`, `product`, `shop_url`), from a row's
    params; they fill the RenderContext fields of the same names."""
    given = params.get("values")
    if not isinstance(given, dict):
        return {}
    return {name: str(given[name]) for name in BROADCAST_FIELDS if given.get(name) is not None}


def carries_tracking_link(intent: str) -> bool:
    """Whether the message's body names the tracking link (e.g. shipment_dispatched)."""
    defn = REGISTRY.get(intent)
    return defn is not None and "tracking_url" in defn.params


async def render_context(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    message: OutboundMessage,
    *,
    public_url: str | None = None,
) -> RenderContext:
    """Everything a template may mention, from the message's order and entity; with a
    `public_url`, a message naming the tracking link gets its own short link to the tracking
    page (created here, so its row is written before the message leaves)."""
    order = await session.get(Order, message.order_id) if message.order_id else None
    shipment = refund = None
    reason: str | None = None
    if message.entity == Track.SHIPMENT.value and message.entity_id:
        shipment = await session.get(Shipment, message.entity_id)
        reason = await _reason(session, message) or (shipment.side_reason if shipment else None)
    elif message.entity == Track.REFUND.value and message.entity_id:
        refund = await session.get(Refund, message.entity_id)
    elif message.entity == Track.RETURN.value and message.entity_id:
        returned = await session.get(Return, message.entity_id)
        reason = returned.reason if returned else None
    event_time = message.params.get("event_time")
    amount = refund.amount if refund is not None and refund.amount is not None else None
    if amount is None and order is not None:
        amount = order.total
    currency = refund.currency if refund is not None else None
    if currency is None and order is not None:
        currency = order.currency
    ref = order.external_id if order else str(message.id)
    tracking_url = shipment.tracking_url if shipment else None
    if public_url and carries_tracking_link(message.intent):
        tracking_url = (
            await short_url(
                session,
                public_url,
                message,
                shipment_id=shipment.id if shipment else None,
                milestone=message.milestone,
            )
            or tracking_url
        )
    if shipment is not None and order is not None:
        ref = f"{order.external_id}/{shipment.id}"
    values = broadcast_values(message.params)
    return RenderContext(
        store_name=store.name,
        locale=locale_for(contact.language, contact.phone),
        timezone=contact.timezone,
        customer_name=contact.name or (order.customer_name if order else None),
        order_number=(order.name or order.external_id) if order else None,
        order_ref=ref,
        amount=amount,
        currency=currency,
        carrier=shipment.carrier if shipment else None,
        tracking_number=shipment.tracking_number if shipment else None,
        tracking_url=tracking_url,
        edd=shipment.edd if shipment else None,
        event_time=datetime.fromisoformat(str(event_time)) if event_time else None,
        reason=reason,
        invoice_url=order.invoice_url if order else None,
        status_url=order.status_url if order else None,
        offer=values.get("offer"),
        product=values.get("product"),
        shop_url=values.get("shop_url"),
    )
