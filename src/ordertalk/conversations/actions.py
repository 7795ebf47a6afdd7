"""What a customer can decide, from chat or the tracking page: each is a row change, a timeline
entry and an outgoing webhook for the merchant, in the caller's transaction.

Every function checks that the decision still makes sense (the parcel is still undelivered, the
order not yet shipped) and raises `ActionRefused` with a reason the customer can be told.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.actions import CodDecision, NdrAction
from ordertalk.commerce.events import CommerceEvent, LineItem, ReturnFacts, ReturnKind
from ordertalk.commerce.milestones import Milestone, Track
from ordertalk.commerce.models import Feedback, Order, Return, Shipment, TimelineEntry
from ordertalk.commerce.service import CommerceService
from ordertalk.commerce.state import Outcome
from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.stores.models import Store
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.service import emit

# At or below this a score is a detractor (NPS): the merchant is told and a person offered.
LOW_SCORE = 6
SCORES = range(11)
# Shipments a failed-delivery answer can still change.
NDR_OPEN = (Milestone.DELIVERY_ATTEMPT_FAILED.value,)
# Orders whose COD confirmation can still be given: not cancelled, and no parcel on its way.
COD_OPEN = (Milestone.ORDER_CONFIRMED.value, None)
UNSHIPPED = (Milestone.PACKED.value, Milestone.CANCELLED.value)
REATTEMPT_DAYS = 5  # days offered for the next delivery attempt, starting tomorrow
# A typed delivery address: this long, with a house or postal number and at least three words.
ADDRESS_MIN, ADDRESS_MAX = 15, 500
_DIGIT = re.compile(r"\d")


class ActionRefused(Exception):
    """The decision no longer applies; `reason` is a `texts` key the customer is told."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Address:
    """A corrected delivery address, as the customer gave it."""

    text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The address as stored on the shipment and sent to the merchant."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


def reattempt_days(at: datetime, timezone: str) -> list[date]:
    """The days a new attempt may be asked for: the next five, in the customer's time zone."""
    today = at.astimezone(ZoneInfo(timezone)).date()
    return [today + timedelta(days=n) for n in range(1, REATTEMPT_DAYS + 1)]


def address_from_text(text: str | None) -> Address | None:
    """A usable typed address (chat or tracking page), spaces tidied; None if it is not one."""
    if text is None or not (ADDRESS_MIN <= len(text) <= ADDRESS_MAX):
        return None
    if not _DIGIT.search(text) or len(text.split()) < 3:
        return None  # no house or postal number, or a single word: not an address yet
    return Address(text=" ".join(text.split()))


def _event_id(*parts: object) -> str:
    """A stable Standard Webhooks id (letters, digits, _ and -) for one decision."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:40]


def _note(
    session: AsyncSession,
    order: Order,
    track: Track,
    entity_id: int,
    what: str,
    source: str,
    at: datetime,
    detail: str | None = None,
) -> None:
    session.add(
        TimelineEntry(
            store_id=order.store_id,
            order_id=order.id,
            entity=track.value,
            entity_id=entity_id,
            milestone=None,
            raw_status=f"customer:{what}"[:200],
            source=source,
            event_time=at,
            received_at=utcnow(),
            outcome=Outcome.CUSTOMER_ACTION.value,
            detail=(detail or "")[:500] or None,
        )
    )


def _customer(contact: Contact | None) -> dict[str, Any]:
    if contact is None:
        return {"contact_id": None, "customer": None}
    return {"contact_id": contact.id, "customer": mask(contact.phone)}


async def record_ndr_action(
    session: AsyncSession,
    store: Store,
    shipment: Shipment,
    action: NdrAction,
    *,
    contact: Contact | None,
    source: str,
    at: datetime,
    reattempt_on: date | None = None,
    address: Address | None = None,
) -> None:
    """The customer's answer to a failed delivery: the shipment records it, the merchant hears."""
    if shipment.milestone not in NDR_OPEN:
        raise ActionRefused("ndr_closed")
    if action is NdrAction.REATTEMPT and reattempt_on is None:
        raise ValueError("a reattempt needs a date")
    if action is NdrAction.ADDRESS and address is None:
        raise ValueError("an address change needs the address")
    order = await session.get(Order, shipment.order_id)
    assert order is not None
    shipment.ndr_action = action.value
    shipment.ndr_action_at = at
    shipment.reattempt_on = reattempt_on if action is NdrAction.REATTEMPT else None
    shipment.delivery_address = address.as_json() if address is not None else None
    detail = reattempt_on.isoformat() if reattempt_on else None
    _note(session, order, Track.SHIPMENT, shipment.id, f"ndr_{action.value}", source, at, detail)
    await emit(
        session,
        store.id,
        WebhookEventType.SHIPMENT_NDR_ACTION,
        {
            "order_id": order.id,
            "order_external_id": order.external_id,
            "order_number": order.name,
            "shipment_id": shipment.id,
            "shipment_external_id": shipment.external_id,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "attempts": shipment.attempts,
            "action": action.value,
            "reattempt_on": reattempt_on.isoformat() if reattempt_on else None,
            "address": shipment.delivery_address,
            "source": source,
            **_customer(contact),
        },
        event_id="ndr-" + _event_id(shipment.id, shipment.attempts, action.value, at.isoformat()),
        occurred_at=at,
    )


async def record_cod_decision(
    session: AsyncSession,
    store: Store,
    order: Order,
    decision: CodDecision,
    *,
    contact: Contact | None,
    source: str,
    at: datetime,
) -> bool:
    """Confirm or cancel a cash-on-delivery order once; False when that was already decided."""
    if order.payment_method != "cod":
        raise ActionRefused("cod_not_cod")
    if order.cod_decision is not None:
        if order.cod_decision == decision.value:
            return False
        raise ActionRefused("cod_already_" + order.cod_decision)
    if order.milestone not in COD_OPEN or await shipped(session, order):
        raise ActionRefused("cod_closed")
    order.cod_decision = decision.value
    order.cod_decided_at = at
    order.updated_at = utcnow()
    _note(session, order, Track.ORDER, order.id, f"cod_{decision.value}", source, at)
    await emit(
        session,
        store.id,
        WebhookEventType.ORDER_COD_DECISION,
        {
            "order_id": order.id,
            "order_external_id": order.external_id,
            "order_number": order.name,
            "decision": decision.value,
            "total": str(order.total) if order.total is not None else None,
            "currency": order.currency,
            "source": source,
            **_customer(contact),
        },
        event_id="cod-" + _event_id(order.id, decision.value),
        occurred_at=at,
    )
    return True


async def shipped(session: AsyncSession, order: Order) -> bool:
    """True once one of the order's parcels is on its way (or further)."""
    moving = await session.scalar(
        select(Shipment.id)
        .where(
            Shipment.order_id == order.id,
            Shipment.milestone.is_not(None),
            Shipment.milestone.not_in(UNSHIPPED),
        )
        .limit(1)
    )
    return moving is not None


async def request_return(
    session: AsyncSession,
    store: Store,
    order: Order,
    *,
    kind: ReturnKind,
    items: list[dict[str, Any]],
    reason: str,
    comment: str | None,
    photo_media_id: int | None,
    contact: Contact | None,
    key: str,
    at: datetime,
) -> Return:
    """A return or exchange asked for in chat: a `return_requested` return and the merchant told.

    `key` makes it idempotent (the same chat request never creates two returns).
    """
    external_id = f"chat-{key}"[:200]
    event = CommerceEvent(
        source="chat",
        milestone=Milestone.RETURN_REQUESTED,
        raw_status="customer:return_requested",
        event_time=at,
        detail=reason[:500],
        return_=ReturnFacts(
            external_id=external_id,
            order_external_id=order.external_id,
            kind=kind,
            reason=reason[:500],
            items=[LineItem.model_validate(_line(item)) for item in items],
        ),
    )
    await CommerceService(session, store).apply(event)
    row = await session.scalar(
        select(Return).where(Return.store_id == store.id, Return.external_id == external_id)
    )
    assert row is not None
    row.source = "chat"
    row.comment = comment[:1000] if comment else None
    row.photo_media_id = photo_media_id
    await emit(
        session,
        store.id,
        WebhookEventType.RETURN_REQUESTED,
        {
            "return_id": row.id,
            "return_external_id": row.external_id,
            "kind": row.kind,
            "order_id": order.id,
            "order_external_id": order.external_id,
            "order_number": order.name,
            "items": row.items,
            "reason": row.reason,
            "comment": row.comment,
            "photo_media_id": photo_media_id,
            "source": "chat",
            **_customer(contact),
        },
        event_id="return-" + _event_id(store.id, external_id),
        occurred_at=at,
    )
    return row


def _line(item: dict[str, Any]) -> dict[str, Any]:
    """An order line as `LineItem` accepts it (order rows keep the dumped JSON)."""
    price = item.get("price")
    return {
        "title": str(item.get("title") or "Item")[:500],
        "quantity": int(item.get("quantity") or 1),
        "sku": item.get("sku"),
        "price": Decimal(str(price)) if price is not None else None,
        "external_id": item.get("external_id"),
    }


async def record_feedback(
    session: AsyncSession,
    store: Store,
    order: Order,
    score: int,
    *,
    contact: Contact | None,
    at: datetime,
    comment: str | None = None,
) -> Feedback:
    """Store (or update) the order's 0–10 rating with its carrier; tell the merchant.

    A low score also raises `feedback.low_score`, once per order.
    """
    if score not in SCORES:
        raise ValueError("a score is 0 to 10")
    shipment = await session.scalar(
        select(Shipment)
        .where(Shipment.order_id == order.id)
        .order_by(Shipment.rank.desc(), Shipment.id.desc())
        .limit(1)
    )
    await insert_or_ignore(
        session,
        Feedback,
        {"store_id": store.id, "order_id": order.id, "score": score,
         "contact_id": contact.id if contact else None,
         "shipment_id": shipment.id if shipment else None,
         "carrier": shipment.carrier if shipment else None,
         "created_at": at, "updated_at": at},
        ["store_id", "order_id"],
    )  # fmt: skip
    feedback = await session.scalar(
        select(Feedback).where(Feedback.store_id == store.id, Feedback.order_id == order.id)
    )
    assert feedback is not None
    feedback.score = score
    if comment is not None:
        feedback.comment = comment[:1000]
    feedback.updated_at = at
    data = {
        "feedback_id": feedback.id,
        "order_id": order.id,
        "order_external_id": order.external_id,
        "order_number": order.name,
        "score": score,
        "comment": feedback.comment,
        "carrier": feedback.carrier,
        **_customer(contact),
    }
    version = _event_id(feedback.id, score, feedback.comment or "")
    await emit(
        session,
        store.id,
        WebhookEventType.FEEDBACK_RECEIVED,
        data,
        event_id=f"feedback-{version}",
        occurred_at=at,
    )
    if score <= LOW_SCORE and comment is None:
        await emit(
            session,
            store.id,
            WebhookEventType.FEEDBACK_LOW_SCORE,
            data,
            event_id=f"lowscore-{_event_id(feedback.id, score)}",
            occurred_at=at,
        )
    return feedback
