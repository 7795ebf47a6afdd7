"""The bot's first flows: where is my order, talk to a person, and a menu for anything else.

Every inbound message is kept once (by wamid) in the customer's conversation. While a person
has the conversation (waiting or with an agent), the bot stays quiet. Replies are free-form
messages in the outbox (`intent = "reply"`, the body already rendered), so the policy still
checks the service window and nothing leaves without a row.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Shipment
from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.conversations import texts
from ordertalk.conversations.models import Conversation, ConversationMessage
from ordertalk.conversations.understanding import Intent, understand
from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.messaging.context import locale_for
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import REPLY_INTENT, enqueue
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.service import emit
from ordertalk.whatsapp.webhook_types import InboundMessage

MENU_WISMO = "menu:wismo"
MENU_HUMAN = "menu:human"
PEOPLE_STATES = ("waiting", "agent")

_SHIPMENT_STATUS = {
    Milestone.PACKED: "packed",
    Milestone.DISPATCHED: "dispatched",
    Milestone.IN_TRANSIT: "in_transit",
    Milestone.OUT_FOR_DELIVERY: "out_for_delivery",
    Milestone.DELIVERY_ATTEMPT_FAILED: "delivery_attempt_failed",
    Milestone.READY_FOR_PICKUP: "ready_for_pickup",
    Milestone.DELIVERED: "delivered",
    Milestone.RTO_INITIATED: "returning",
    Milestone.RTO_IN_TRANSIT: "returning",
    Milestone.RTO_DELIVERED: "returning",
    Milestone.CANCELLED: "cancelled",
}


async def conversation_of(session: AsyncSession, store: Store, contact: Contact) -> Conversation:
    """The customer's conversation with the store, created on first contact."""
    key = (Conversation.store_id == store.id, Conversation.contact_id == contact.id)
    await insert_or_ignore(
        session,
        Conversation,
        {"store_id": store.id, "contact_id": contact.id, "state": "bot", "flow_state": {},
         "labels": [], "created_at": utcnow(), "updated_at": utcnow()},
        ["store_id", "contact_id"],
    )  # fmt: skip
    conversation = await session.scalar(select(Conversation).where(*key))
    assert conversation is not None
    return conversation


async def handle_inbound(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    message: InboundMessage,
    at: datetime,
    *,
    answer: bool = True,
) -> list[OutboundMessage]:
    """Keep the message in its conversation and answer it when the bot has the conversation
    (`answer=False`: keep it only, e.g. a STOP that is confirmed elsewhere)."""
    conversation = await conversation_of(session, store, contact)
    understood = understand(message.text, language_hint=contact.language) if message.text else None
    intent = understood.intent if understood else None
    if message.reply_id == MENU_WISMO:
        intent = Intent.WISMO
    elif message.reply_id == MENU_HUMAN:
        intent = Intent.HUMAN
    stored = await insert_or_ignore(
        session,
        ConversationMessage,
        {"store_id": store.id, "conversation_id": conversation.id, "direction": "in",
         "wamid": message.id, "type": str(message.type), "text": (message.text or "")[:4096],
         "content": message.content or {}, "intent": intent.value if intent else None, "at": at},
        ["store_id", "wamid"],
    )  # fmt: skip
    if not stored:
        return []  # a redelivered webhook: answered the first time
    conversation.last_message_at = at
    conversation.updated_at = utcnow()
    if not answer or conversation.state in PEOPLE_STATES or intent in (Intent.STOP, Intent.START):
        return []  # a person answers, or the keyword was handled (and confirmed) already
    if intent is Intent.HUMAN:
        return await _handoff(session, store, contact, conversation, message, at)
    if intent is Intent.WISMO or (understood is not None and understood.order_number):
        number = understood.order_number if understood else None
        return await _wismo(session, store, contact, conversation, message, at, number)
    return await _menu(session, store, contact, conversation, message, at)


async def _reply(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    conversation: Conversation,
    message: InboundMessage,
    at: datetime,
    payload: dict[str, Any],
    preview: str,
    order_id: int | None = None,
) -> list[OutboundMessage]:
    planned = await enqueue(
        session,
        store_id=store.id,
        contact_id=contact.id,
        order_id=order_id,
        intent=REPLY_INTENT,
        purpose=Purpose.SERVICE,
        dedup_key=f"reply:{message.id}",
        not_before=at,
        params={
            "payload": payload,
            "preview": preview,
            "language": contact.language,
            "expires_at": (at + timedelta(hours=24)).isoformat(),
        },
    )
    if planned is None:
        return []
    session.add(
        ConversationMessage(
            store_id=store.id,
            conversation_id=conversation.id,
            direction="out",
            outbound_message_id=planned.id,
            type=str(payload.get("type", "text")),
            text=preview[:4096],
            content=payload,
            at=at,
        )
    )
    return [planned]


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


async def _menu(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    conversation: Conversation,
    message: InboundMessage,
    at: datetime,
) -> list[OutboundMessage]:
    """Anything the bot did not understand: never a dead end, always a way to a person."""
    language = contact.language
    body = texts.say("menu", language)
    payload = {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": MENU_WISMO,
                                                "title": texts.say("button_wismo", language)}},
                    {"type": "reply", "reply": {"id": MENU_HUMAN,
                                                "title": texts.say("button_human", language)}},
                ]
            },
        },
    }  # fmt: skip
    return await _reply(session, store, contact, conversation, message, at, payload, body)


async def _handoff(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    conversation: Conversation,
    message: InboundMessage,
    at: datetime,
) -> list[OutboundMessage]:
    conversation.state = "waiting"
    await emit(
        session,
        store.id,
        WebhookEventType.CONVERSATION_HANDOFF,
        {
            "conversation_id": conversation.id,
            "contact_id": contact.id,
            "customer": mask(contact.phone),
            "reason": "customer_asked",
            "message": (message.text or "")[:500],
        },
        event_id="handoff-" + hashlib.sha256(message.id.encode()).hexdigest()[:40],
        occurred_at=at,
    )
    body = texts.say("handoff", contact.language, store=store.name)
    return await _reply(session, store, contact, conversation, message, at, _text(body), body)


async def _find_order(
    session: AsyncSession, store: Store, contact: Contact, number: str | None
) -> Order | None:
    """Only this customer's own orders: a number from someone else's order finds nothing."""
    mine = (Order.store_id == store.id, Order.contact_id == contact.id)
    if number is None:
        return await session.scalar(
            select(Order).where(*mine).order_by(Order.updated_at.desc(), Order.id.desc()).limit(1)
        )
    bare = number.lstrip("#")
    return await session.scalar(
        select(Order)
        .where(*mine, or_(Order.external_id == bare, Order.name.in_([bare, f"#{bare}"])))
        .limit(1)
    )


async def _wismo(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    conversation: Conversation,
    message: InboundMessage,
    at: datetime,
    number: str | None,
) -> list[OutboundMessage]:
    """Where is my order: the live milestone, the EDD and the tracking link."""
    language = contact.language
    order = await _find_order(session, store, contact, number)
    if order is None:
        key = "unknown_order" if number else "no_orders"
        body = texts.say(key, language, order=number or "")
        return await _reply(session, store, contact, conversation, message, at, _text(body), body)
    shipment = await session.scalar(
        select(Shipment)
        .where(Shipment.order_id == order.id)
        .order_by(Shipment.rank.desc(), Shipment.id.desc())
        .limit(1)
    )
    status = "placed"
    if order.milestone == Milestone.CANCELLED.value:
        status = "cancelled"
    elif shipment is not None and shipment.milestone:
        status = _SHIPMENT_STATUS.get(Milestone(shipment.milestone), "in_transit")
    elif order.milestone == Milestone.ORDER_CONFIRMED.value:
        status = "order_confirmed"
    edd = ""
    if shipment is not None and shipment.edd and status not in ("delivered", "cancelled"):
        date = format_date(shipment.edd, "medium", locale=locale_for(language, contact.phone))
        edd = texts.say("edd", language, date=date)
    link = (shipment.tracking_url if shipment else None) or order.status_url
    tracking = texts.say("tracking", language, link=link) if link else ""
    body = texts.say(
        "wismo",
        language,
        order=order.name or order.external_id,
        status=texts.status_words(status, language),
        edd=edd,
        tracking=tracking,
    )
    return await _reply(
        session, store, contact, conversation, message, at, _text(body), body, order.id
    )
