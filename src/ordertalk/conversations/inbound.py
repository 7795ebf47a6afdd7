"""Keeping what a customer sends: one conversation per (store, customer), each message once.

Keeping a message also queues what it calls for, as rows a worker acts on later
(`conversations/tasks.py`): the read receipt (blue ticks), the fetch of any photo, video, audio
or document, and the `message.inbound` webhook to the store's endpoints.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.conversations.media import base_mime, declared_media
from ordertalk.conversations.models import Conversation, ConversationMessage, InboundMedia
from ordertalk.conversations.states import ConversationState, MediaState, ReadReceipt
from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.stores.models import Store
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.service import emit, subscribed
from ordertalk.whatsapp.webhook_types import InboundMessage, InboundType

# Nothing to mark read: no bubble in the chat (a number change, opening the chat) or a reaction.
NO_READ_RECEIPT = frozenset(
    {InboundType.SYSTEM.value, InboundType.REQUEST_WELCOME.value, InboundType.REACTION.value}
)


async def conversation_of(session: AsyncSession, store: Store, contact: Contact) -> Conversation:
    """The customer's conversation with the store, created on first contact."""
    key = (Conversation.store_id == store.id, Conversation.contact_id == contact.id)
    await insert_or_ignore(
        session,
        Conversation,
        {"store_id": store.id, "contact_id": contact.id, "state": ConversationState.BOT.value,
         "flow_state": {}, "labels": [], "created_at": utcnow(), "updated_at": utcnow()},
        ["store_id", "contact_id"],
    )  # fmt: skip
    conversation = await session.scalar(select(Conversation).where(*key))
    assert conversation is not None
    return conversation


def _content(message: InboundMessage) -> dict[str, Any]:
    """The type's own object, plus the ad or post a click-to-WhatsApp chat came from."""
    content = dict(message.content or {})
    if message.referral is not None:
        content["referral"] = message.referral.model_dump(exclude_none=True)
    return content


async def record_inbound(
    session: AsyncSession,
    store: Store,
    conversation: Conversation,
    message: InboundMessage,
    at: datetime,
    intent: str | None,
) -> ConversationMessage | None:
    """Keep the message once (by wamid); None when a redelivered webhook brought it again.

    A newly kept message owes the customer a read receipt, has its media queued for fetching
    (once per media id and store) and is announced as `message.inbound`.
    """
    now = utcnow()
    kind = str(message.type)
    receipt = None if kind in NO_READ_RECEIPT else ReadReceipt.PENDING.value
    stored = await insert_or_ignore(
        session,
        ConversationMessage,
        {"store_id": store.id, "conversation_id": conversation.id, "direction": "in",
         "wamid": message.id, "type": kind, "text": (message.text or "")[:4096],
         "content": _content(message), "intent": intent, "at": at,
         "read_receipt": receipt, "read_attempts": 0, "read_next_at": now if receipt else None},
        ["store_id", "wamid"],
    )  # fmt: skip
    if not stored:
        return None
    kept = await session.scalar(
        select(ConversationMessage).where(
            ConversationMessage.store_id == store.id, ConversationMessage.wamid == message.id
        )
    )
    assert kept is not None
    conversation.last_message_at = at
    conversation.updated_at = now
    media = await _queue_media(session, store, kept, now)
    await _announce(session, store, conversation, kept, message, media, at)
    return kept


async def _queue_media(
    session: AsyncSession, store: Store, kept: ConversationMessage, now: datetime
) -> InboundMedia | None:
    """The message's media row: new and pending, or the one already known for this media id."""
    declared = declared_media(kept.type, kept.content)
    if declared is None:
        return None
    await insert_or_ignore(
        session,
        InboundMedia,
        {"store_id": store.id, "message_id": kept.id, "media_id": declared["id"],
         "kind": kept.type, "declared_mime": declared["mime_type"],
         "state": MediaState.PENDING.value, "attempts": 0, "next_attempt_at": now,
         "created_at": now},
        ["store_id", "media_id"],
    )  # fmt: skip
    return await session.scalar(
        select(InboundMedia).where(
            InboundMedia.store_id == store.id, InboundMedia.media_id == declared["id"]
        )
    )


def _readable_text(message: InboundMessage) -> str | None:
    """What the customer wrote or tapped: a text, a caption, a button's or row's title."""
    if message.text is not None:
        return message.text
    content = message.content or {}
    value: Any = None
    if message.type == InboundType.INTERACTIVE:
        reply = content.get(str(content.get("type")))
        value = reply.get("title") if isinstance(reply, dict) else None
    elif message.type == InboundType.BUTTON:
        value = content.get("text")
    else:
        value = content.get("caption")
    return value[:4096] if isinstance(value, str) else None


async def _announce(
    session: AsyncSession,
    store: Store,
    conversation: Conversation,
    kept: ConversationMessage,
    message: InboundMessage,
    media: InboundMedia | None,
    at: datetime,
) -> None:
    """`message.inbound` for the store's endpoints (nothing built when none subscribes)."""
    if not await subscribed(session, store.id, WebhookEventType.MESSAGE_INBOUND):
        return
    contact = await session.get(Contact, conversation.contact_id)
    data: dict[str, Any] = {
        "message_id": kept.id,
        "wamid": message.id,
        "conversation_id": conversation.id,
        "contact_id": conversation.contact_id,
        "customer": mask(contact.phone) if contact is not None else None,
        "type": kept.type,
        "text": _readable_text(message),
        "reply_id": message.reply_id,
        "reply_to": message.context.id if message.context is not None else None,
        "intent": kept.intent,
        "media": [],
    }
    if media is not None:
        data["media"].append(
            {
                "id": media.id,
                "kind": media.kind,
                "mime_type": base_mime(media.declared_mime),
                "url": f"/v1/media/{media.id}",
            }
        )
    await emit(
        session,
        store.id,
        WebhookEventType.MESSAGE_INBOUND,
        data,
        event_id="inbound-" + hashlib.sha256(message.id.encode()).hexdigest()[:40],
        occurred_at=at,
    )
