"""Agents writing to customers: free-form replies inside the service window, templates outside.

Free-form replies go only inside the 24-hour customer service window (the customer's last
message + 24 h); outside it the refusal names the approved templates that fit the customer's
latest order, which `send_template` sends. Either way the message is an outbox row plus a
conversation message with its author, and an agent writing takes the conversation (see
`inbox.py`). An `Idempotency-Key` makes a retried request answer with the first one's message.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.models import Order
from ordertalk.contacts.models import Contact
from ordertalk.conversations import canned as canned_responses
from ordertalk.conversations import replies
from ordertalk.conversations.inbox import (
    agent_writes,
    contact_of,
    get_conversation,
    window_closes_at,
    window_is_open,
)
from ordertalk.conversations.models import Conversation, ConversationMessage
from ordertalk.conversations.offers import Fit, fitting_templates
from ordertalk.errors import Conflict, InvalidInput, NotFound
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import enqueue
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.templates import texts as template_texts
from ordertalk.templates.registry import REGISTRY, TemplateDef
from ordertalk.templates.render import choose_language

TEXT_MAX = 4096
IDEMPOTENCY_KEY_MAX = 100
TEMPLATE_EXPIRY = timedelta(hours=24)  # a held template reply is not worth sending a day late


class WindowClosed(Conflict):
    """A free-form message outside the 24-hour customer service window."""

    code = "window_closed"


class TemplateNotApproved(Conflict):
    """Meta has not approved the template in the customer's language."""

    code = "template_not_approved"


class TemplateNotApplicable(Conflict):
    """The template is not true of the order now (or cannot be rendered from it)."""

    code = "template_not_applicable"


class UnknownTemplate(InvalidInput):
    """No template of that name."""

    code = "unknown_template"


class NoOrder(Conflict):
    """The message needs an order and the customer has none."""

    code = "no_order"


class OptedOut(Conflict):
    """The customer stopped order updates."""

    code = "opted_out"


class IdempotencyConflict(Conflict):
    """An Idempotency-Key reused for a different message."""

    code = "idempotency_conflict"


async def order_for(
    session: AsyncSession, store: Store, contact: Contact, order_ref: str | None
) -> Order | None:
    """The customer's order with this id (NotFound if it is not theirs), or their latest."""
    mine = (Order.store_id == store.id, Order.contact_id == contact.id)
    if order_ref is None:
        return await session.scalar(
            select(Order).where(*mine).order_by(Order.updated_at.desc(), Order.id.desc()).limit(1)
        )
    order = await session.scalar(select(Order).where(*mine, Order.external_id == order_ref))
    if order is None:
        raise NotFound(f"no order {order_ref[:64]!r} for this customer")
    return order


def _dedup_key(kind: str, conversation: Conversation, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return f"{kind}:{conversation.id}:{uuid.uuid4().hex}"
    key = idempotency_key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable() or not key.isascii():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters"
        )
    return f"{kind}:{conversation.id}:{key}"


async def _sent_before(
    session: AsyncSession, store: Store, dedup_key: str
) -> tuple[ConversationMessage, OutboundMessage] | None:
    """What an earlier request with the same Idempotency-Key queued, if one did."""
    row = (
        await session.execute(
            select(ConversationMessage, OutboundMessage)
            .join(OutboundMessage, OutboundMessage.id == ConversationMessage.outbound_message_id)
            .where(OutboundMessage.store_id == store.id, OutboundMessage.dedup_key == dedup_key)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def _same_request(earlier: ConversationMessage, author: str, what: str | None) -> None:
    """The replayed request must be the one the key was first used for."""
    if earlier.author != author or what is None:
        raise IdempotencyConflict(
            "this Idempotency-Key was used for a different message; use a new key"
        )


async def _sendable_offers(
    session: AsyncSession, store: Store, contact: Contact, order: Order | None
) -> list[Fit]:
    if order is None:
        return []
    return [fit for fit in await fitting_templates(session, store, contact, order) if fit.sendable]


def offer_details(fit: Fit) -> dict[str, Any]:
    """An offered template as the API shows it."""
    return {
        "template": fit.defn.key,
        "name": fit.defn.name,
        "language": fit.language,
        "order_id": fit.order.external_id,
        "about": fit.entity.value,
        "milestone": fit.milestone,
        "description": fit.defn.description,
        "preview": fit.preview or "",
    }


async def template_offers(
    session: AsyncSession,
    store: Store,
    conversation_id: int,
    order_ref: str | None = None,
) -> tuple[Conversation, Contact, list[Fit]]:
    """The approved templates an agent can send now about the order (default: the latest)."""
    conversation = await get_conversation(session, store, conversation_id)
    contact = await contact_of(session, conversation)
    order = await order_for(session, store, contact, order_ref)
    return conversation, contact, await _sendable_offers(session, store, contact, order)


def _customer_name(contact: Contact, order: Order | None, store: Store) -> str:
    name = contact.name or (order.customer_name if order is not None else None)
    if name and name.strip():
        return name.strip()
    language = choose_language("order_confirmed", [contact.language, store.language])
    return template_texts.FALLBACKS["customer_name"].get(language, "there")


async def _canned_text(
    session: AsyncSession, store: Store, contact: Contact, shortcut: str, order_ref: str | None
) -> tuple[str, Order | None]:
    row = await canned_responses.by_shortcut(session, store, shortcut)
    used = canned_responses.placeholders_in(row.body)
    order = await order_for(session, store, contact, order_ref) if used or order_ref else None
    values = {"store_name": store.name, "customer_name": _customer_name(contact, order, store)}
    if "order_number" in used:
        if order is None:
            raise NoOrder(
                f"the canned response {shortcut!r} mentions {{order_number}}, "
                "but this customer has no order"
            )
        values["order_number"] = order.name or order.external_id
    return canned_responses.fill(row.body, values), order


async def send_message(
    session: AsyncSession,
    store: Store,
    conversation_id: int,
    *,
    author: str,
    now: datetime,
    text: str | None = None,
    canned: str | None = None,
    order_ref: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[ConversationMessage, OutboundMessage]:
    """Queue an agent's free-form reply (its text, or a canned response filled in) and show it
    in the conversation; WindowClosed, offering the fitting templates, outside the window.

    The same Idempotency-Key answers with the message queued the first time.
    """
    conversation = await get_conversation(session, store, conversation_id, lock=True)
    contact = await contact_of(session, conversation)
    order: Order | None = None
    if canned is not None:
        body, order = await _canned_text(session, store, contact, canned, order_ref)
    elif text is not None:
        body = text
        if order_ref is not None:
            order = await order_for(session, store, contact, order_ref)
    else:
        raise InvalidInput('give exactly one of "text" or "canned"')
    if len(body) > TEXT_MAX:
        raise InvalidInput(f"the message is {len(body)} characters; WhatsApp allows {TEXT_MAX}")
    dedup_key = _dedup_key("agent-reply", conversation, idempotency_key)
    earlier = await _sent_before(session, store, dedup_key)
    if earlier is not None:
        _same_request(earlier[0], author, body if earlier[0].text == body else None)
        return earlier
    if not window_is_open(contact, now):
        await _refuse_outside_window(session, store, contact, order, now)
    planned = await replies.send_reply(
        session,
        contact=contact,
        conversation=conversation,
        payload=replies.text(body),
        preview=body,
        dedup_key=dedup_key,
        at=now,
        order_id=order.id if order is not None else None,
        author=author,
    )
    # The unique dedup key settles two requests racing with one key: the loser finds nothing
    # queued by itself and answers with what the winner queued.
    if planned is None:
        earlier = await _sent_before(session, store, dedup_key)
        if earlier is None:
            raise IdempotencyConflict("a request with this Idempotency-Key is in progress")
        return earlier
    agent_writes(conversation, author, now)
    await session.flush()
    return await _message_of(session, planned), planned


async def _refuse_outside_window(
    session: AsyncSession, store: Store, contact: Contact, order: Order | None, now: datetime
) -> None:
    if order is None:
        order = await order_for(session, store, contact, None)
    offers = await _sendable_offers(session, store, contact, order)
    closed_at = window_closes_at(contact)
    raise WindowClosed(
        "free-form messages are only allowed within 24 hours of the customer's last message"
        + (f" (the window closed at {closed_at:%Y-%m-%d %H:%M} UTC)" if closed_at else "")
        + "; send an approved template instead"
        + ("" if offers else " (none fits this customer's orders now)"),
        details={
            "window_closes_at": closed_at,
            "last_customer_message_at": contact.last_inbound_at,
            "templates": [offer_details(fit) for fit in offers],
        },
    )


async def _message_of(session: AsyncSession, planned: OutboundMessage) -> ConversationMessage:
    message = await session.scalar(
        select(ConversationMessage).where(ConversationMessage.outbound_message_id == planned.id)
    )
    assert message is not None
    return message


def _template_def(name: str) -> TemplateDef:
    key = name.strip()
    defn = REGISTRY.get(key) or REGISTRY.get(key.removeprefix("ot_"))
    if defn is None or not defn.template:
        raise UnknownTemplate(
            f"no template {name[:100]!r}; GET /v1/conversations/{{id}}/templates lists those "
            "that fit the customer's order"
        )
    return defn


async def send_template(
    session: AsyncSession,
    store: Store,
    conversation_id: int,
    *,
    template: str,
    author: str,
    now: datetime,
    order_ref: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[ConversationMessage, OutboundMessage]:
    """Queue an approved template about one of the customer's orders (default: the latest)
    and show it in the conversation; refused (with what can be sent) when Meta has not
    approved it in the customer's language or it is not true of the order now."""
    defn = _template_def(template)
    conversation = await get_conversation(session, store, conversation_id, lock=True)
    contact = await contact_of(session, conversation)
    order = await order_for(session, store, contact, order_ref)
    if order is None:
        raise NoOrder("templates are about an order, and this customer has none")
    dedup_key = _dedup_key("agent-template", conversation, idempotency_key)
    earlier = await _sent_before(session, store, dedup_key)
    if earlier is not None:  # a retry: answered even if the parcel has moved on since
        same = earlier[0].content.get("template") == defn.key and earlier[1].order_id == order.id
        _same_request(earlier[0], author, defn.key if same else None)
        return earlier
    fits = await fitting_templates(session, store, contact, order)
    fit = next((f for f in fits if f.defn.key == defn.key), None)
    offered = {"templates": [offer_details(f) for f in fits if f.sendable]}
    if fit is None or (fit.status == "APPROVED" and fit.preview is None):
        raise TemplateNotApplicable(
            f"{defn.key} is not true of order {order.external_id} now"
            + ("" if fit is None else " (it cannot be rendered from the order as it is)"),
            details=offered,
        )
    if fit.status != "APPROVED":
        raise TemplateNotApproved(
            f"Meta has not approved {defn.name} in {fit.language} (status {fit.status}); "
            "push the templates and wait for the review",
            details=offered,
        )
    if contact.utility_consent is False:
        raise OptedOut("the customer stopped order updates (STOP); they must write first")
    assert fit.preview is not None
    row = fit.outbox_row(contact, store)
    planned = await enqueue(
        session,
        store_id=store.id,
        contact_id=contact.id,
        order_id=order.id,
        entity=row.entity,
        entity_id=row.entity_id,
        milestone=row.milestone,
        intent=defn.key,
        purpose=Purpose.UTILITY,
        dedup_key=dedup_key,
        not_before=now,
        params={**fit.params(), "expires_at": (now + TEMPLATE_EXPIRY).isoformat()},
    )
    if planned is None:
        earlier = await _sent_before(session, store, dedup_key)
        if earlier is None:
            raise IdempotencyConflict("a request with this Idempotency-Key is in progress")
        return earlier
    message = ConversationMessage(
        store_id=store.id,
        conversation_id=conversation.id,
        direction="out",
        outbound_message_id=planned.id,
        type="template",
        text=fit.preview[:TEXT_MAX],
        content={
            "template": defn.key,
            "name": defn.name,
            "language": fit.language,
            "order_id": order.external_id,
        },
        author=author,
        at=now,
    )
    session.add(message)
    agent_writes(conversation, author, now)
    await session.flush()
    return message, planned
