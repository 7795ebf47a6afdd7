"""The agents' inbox: conversations listed and read, handed over, assigned, answered, resolved.

Who answers a conversation is its `ConversationState`:

    bot ──handoff──► waiting ──assign──► agent ──resolve──► resolved ──(customer writes)──► bot
     └──────────────────────assign / an agent writes──────────►┘

An agent's message in any state but `agent` gives them the conversation (`sending.py` sends
it). A conversation left `waiting` past the 24-hour service window goes back to the bot on the
customer's next message (`bot.py`). Services flush; the route commits.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, assert_never

from sqlalchemy import and_, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.models import Order
from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.conversations.models import Conversation, ConversationMessage, ConversationNote
from ordertalk.conversations.states import ConversationState, HandoffSource
from ordertalk.errors import Conflict, InvalidInput, NotFound
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.policy.decisions import Reason
from ordertalk.stores.models import Store
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.service import emit

log = logging.getLogger(__name__)

SERVICE_WINDOW = timedelta(hours=24)
LABELS_MAX = 20
LABEL_LENGTH_MAX = 40
S = ConversationState


# --- errors -----------------------------------------------------------------------------------


class InvalidTransition(Conflict):
    """The conversation's state does not allow this."""

    code = "invalid_transition"


# --- state ------------------------------------------------------------------------------------


class Action(StrEnum):
    """What an agent (or the API) does to a conversation."""

    ASSIGN = "assign"
    HANDOFF = "handoff"
    RESOLVE = "resolve"
    MESSAGE = "message"  # an agent sends something


def next_state(state: ConversationState, action: Action, assignee: str | None = None) -> S:
    """The state after `action`; InvalidTransition with the reason when it is not allowed."""
    match action:
        case Action.ASSIGN | Action.MESSAGE:
            return S.AGENT
        case Action.HANDOFF:
            if state is S.WAITING:
                raise InvalidTransition("the conversation is already waiting for an agent")
            if state is S.AGENT:
                raise InvalidTransition(
                    f"{assignee or 'an agent'} has the conversation already; "
                    "assign it to someone else or resolve it"
                )
            return S.WAITING
        case Action.RESOLVE:
            if state is S.BOT:
                raise InvalidTransition("the bot has the conversation; there is nothing to resolve")
            if state is S.RESOLVED:
                raise InvalidTransition("the conversation is already resolved")
            return S.RESOLVED
        case _:
            assert_never(action)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedConversation:
    """A conversation in the list, with its customer and newest message."""

    conversation: Conversation
    contact: Contact
    last: ConversationMessage | None


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation with everything an agent reads."""

    conversation: Conversation
    contact: Contact
    last: ConversationMessage | None
    window_closes_at: datetime | None
    window_open: bool
    messages: list[tuple[ConversationMessage, OutboundMessage | None, str | None]]
    has_earlier_messages: bool
    notes: list[ConversationNote]
    orders: list[Order]


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def window_closes_at(contact: Contact) -> datetime | None:
    """When the customer service window closes (their last message + 24 h), if it was opened."""
    return contact.last_inbound_at + SERVICE_WINDOW if contact.last_inbound_at else None


def window_is_open(contact: Contact, now: datetime) -> bool:
    """Whether free-form messages may go to the customer now."""
    closes = window_closes_at(contact)
    return closes is not None and now < closes


def _activity() -> Any:
    return func.coalesce(Conversation.last_message_at, Conversation.created_at)


def _cursor(conversation: Conversation) -> str:
    at = (conversation.last_message_at or conversation.created_at).astimezone(UTC)
    raw = f"{at.isoformat()}|{conversation.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition("|")
        at = datetime.fromisoformat(stamp)
        conversation_id = int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("after must be a next_after value from an earlier page") from None
    if at.utcoffset() is None or not 0 < conversation_id < 2**31:
        raise InvalidInput("after must be a next_after value from an earlier page")
    return at, conversation_id


def _has_label(session: AsyncSession, label: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(Conversation.labels, JSONB).contains([label])
    values = func.json_each(Conversation.labels).table_valued("value")
    return exists(select(1).select_from(values).where(values.c.value == label))


async def list_conversations(
    session: AsyncSession,
    store: Store,
    *,
    state: ConversationState | None = None,
    assignee: str | None = None,
    label: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> tuple[list[ListedConversation], str | None]:
    """A page of the store's conversations, newest activity first, and the next page's cursor."""
    conditions: list[Any] = [Conversation.store_id == store.id]
    if state is not None:
        conditions.append(Conversation.state == state.value)
    if assignee is not None:
        if _has_control(assignee):
            raise InvalidInput("assignee must not contain control characters")
        conditions.append(Conversation.assignee == assignee.strip())
    if label is not None:
        [label] = normalise_labels([label])
        conditions.append(_has_label(session, label))
    if after is not None:
        at, conversation_id = _parse_cursor(after)
        activity = _activity()
        conditions.append(
            or_(activity < at, and_(activity == at, Conversation.id < conversation_id))
        )
    rows = (
        await session.execute(
            select(Conversation, Contact)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(*conditions)
            .order_by(_activity().desc(), Conversation.id.desc())
            .limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    lasts = await _last_messages(session, [conversation.id for conversation, _ in page])
    listed = [ListedConversation(c, contact, lasts.get(c.id)) for c, contact in page]
    next_after = _cursor(page[-1][0]) if len(rows) > limit else None
    return listed, next_after


async def _last_messages(
    session: AsyncSession, conversation_ids: Sequence[int]
) -> dict[int, ConversationMessage]:
    if not conversation_ids:
        return {}
    newest = (
        select(func.max(ConversationMessage.id))
        .where(ConversationMessage.conversation_id.in_(conversation_ids))
        .group_by(ConversationMessage.conversation_id)
    )
    rows = await session.scalars(
        select(ConversationMessage).where(ConversationMessage.id.in_(newest))
    )
    return {row.conversation_id: row for row in rows}


async def get_conversation(
    session: AsyncSession, store: Store, conversation_id: int, *, lock: bool = False
) -> Conversation:
    """One of the store's conversations (row-locked on PostgreSQL when `lock`); NotFound for an
    unknown one or another store's."""
    query = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.store_id == store.id
    )
    conversation = await session.scalar(query.with_for_update() if lock else query)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id} in this store")
    return conversation


async def listed(session: AsyncSession, conversation: Conversation) -> ListedConversation:
    """The conversation as the list shows it (after a change)."""
    contact = await contact_of(session, conversation)
    last = await _last_messages(session, [conversation.id])
    return ListedConversation(conversation, contact, last.get(conversation.id))


async def contact_of(session: AsyncSession, conversation: Conversation) -> Contact:
    """The conversation's customer."""
    contact = await session.get(Contact, conversation.contact_id)
    assert contact is not None  # a foreign key, deleted only with the conversation
    return contact


async def read_conversation(
    session: AsyncSession,
    store: Store,
    conversation_id: int,
    now: datetime,
    *,
    limit: int = 100,
    before: int | None = None,
) -> ConversationView:
    """The conversation, its newest `limit` messages (before message `before`) oldest first,
    with each outbound message's status, its notes and the customer's latest orders."""
    conversation = await get_conversation(session, store, conversation_id)
    contact = await contact_of(session, conversation)
    conditions: list[Any] = [ConversationMessage.conversation_id == conversation.id]
    if before is not None:
        conditions.append(ConversationMessage.id < before)
    rows = (
        await session.execute(
            select(ConversationMessage, OutboundMessage)
            .outerjoin(
                OutboundMessage, OutboundMessage.id == ConversationMessage.outbound_message_id
            )
            .where(*conditions)
            .order_by(ConversationMessage.id.desc())
            .limit(limit + 1)
        )
    ).all()
    page = list(reversed(rows[:limit]))
    reasons = await _reasons(session, [out.id for _, out in page if out is not None])
    notes = await session.scalars(
        select(ConversationNote)
        .where(ConversationNote.conversation_id == conversation.id)
        .order_by(ConversationNote.id)
    )
    orders = await session.scalars(
        select(Order)
        .where(Order.store_id == store.id, Order.contact_id == contact.id)
        .order_by(Order.updated_at.desc(), Order.id.desc())
        .limit(5)
    )
    lasts = await _last_messages(session, [conversation.id])
    return ConversationView(
        conversation=conversation,
        contact=contact,
        last=lasts.get(conversation.id),
        window_closes_at=window_closes_at(contact),
        window_open=window_is_open(contact, now),
        messages=[
            (message, out, reasons.get(out.id) if out is not None else None)
            for message, out in page
        ],
        has_earlier_messages=len(rows) > limit,
        notes=list(notes),
        orders=list(orders),
    )


async def _reasons(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, str]:
    """The latest reason the policy or the dispatcher gave about each message that is not on
    its way (why it waits, or why it was not sent)."""
    if not message_ids:
        return {}
    found: dict[int, str] = {}
    rows = await session.execute(
        select(MessageEvent.message_id, MessageEvent.reason)
        .where(
            MessageEvent.message_id.in_(message_ids),
            MessageEvent.reason.is_not(None),
            MessageEvent.reason != Reason.OK.value,
        )
        .order_by(MessageEvent.id)
    )
    for message_id, reason in rows:
        if reason:
            found[message_id] = reason
    return found


# --- transitions ------------------------------------------------------------------------------


def _move(conversation: Conversation, action: Action, now: datetime) -> None:
    conversation.state = next_state(
        ConversationState(conversation.state), action, conversation.assignee
    ).value
    conversation.updated_at = now


async def assign(
    session: AsyncSession, store: Store, conversation_id: int, assignee: str, now: datetime
) -> Conversation:
    """Give the conversation to an agent, from any state (reassigning, or reopening one)."""
    conversation = await get_conversation(session, store, conversation_id, lock=True)
    _move(conversation, Action.ASSIGN, now)
    conversation.assignee = assignee
    await session.flush()
    log.info("conversation %s assigned in store %s", conversation.id, store.id)
    return conversation


async def handoff(
    session: AsyncSession, store: Store, conversation_id: int, now: datetime
) -> Conversation:
    """Take the conversation from the bot into the queue for an agent (the bot stays quiet);
    the store's endpoints hear it as `conversation.handoff` from the API, as they hear the
    bot's own handoffs."""
    conversation = await get_conversation(session, store, conversation_id, lock=True)
    _move(conversation, Action.HANDOFF, now)
    conversation.assignee = None
    contact = await contact_of(session, conversation)
    await emit(
        session,
        store.id,
        WebhookEventType.CONVERSATION_HANDOFF,
        {
            "conversation_id": conversation.id,
            "contact_id": contact.id,
            "customer": mask(contact.phone),
            "source": HandoffSource.API.value,
            "reason": "manual",
            "message": None,
        },
        occurred_at=now,
    )
    await session.flush()
    return conversation


async def resolve(
    session: AsyncSession, store: Store, conversation_id: int, now: datetime
) -> Conversation:
    """Done: the bot answers the customer's next message, starting afresh (no flow)."""
    conversation = await get_conversation(session, store, conversation_id, lock=True)
    _move(conversation, Action.RESOLVE, now)
    conversation.flow = None
    conversation.flow_state = {}
    conversation.flow_expires_at = None
    await session.flush()
    return conversation


def agent_writes(conversation: Conversation, author: str, now: datetime) -> None:
    """An agent's message gives them the conversation unless an agent has it already."""
    if conversation.state != S.AGENT.value:
        conversation.assignee = author
    _move(conversation, Action.MESSAGE, now)
    conversation.last_message_at = now


# --- notes and labels -------------------------------------------------------------------------


async def add_note(
    session: AsyncSession, store: Store, conversation_id: int, author: str, body: str,
    now: datetime,
) -> ConversationNote:  # fmt: skip
    """A private note on the conversation (never sent to the customer)."""
    conversation = await get_conversation(session, store, conversation_id)
    note = ConversationNote(
        store_id=store.id,
        conversation_id=conversation.id,
        author=author,
        body=body,
        created_at=now,
    )
    session.add(note)
    await session.flush()
    return note


def normalise_labels(labels: Sequence[str]) -> list[str]:
    """Trimmed, de-duplicated (first spelling kept), at most 20 of 1–40 characters each."""
    clean: list[str] = []
    for raw in labels:
        label = " ".join(raw.split())
        if not label or len(label) > LABEL_LENGTH_MAX:
            raise InvalidInput(f"labels must be 1 to {LABEL_LENGTH_MAX} characters each")
        if _has_control(label):
            raise InvalidInput("labels must not contain control characters")
        if label not in clean:
            clean.append(label)
    if len(clean) > LABELS_MAX:
        raise InvalidInput(f"a conversation can have at most {LABELS_MAX} labels")
    return clean


async def set_labels(
    session: AsyncSession, store: Store, conversation_id: int, labels: Sequence[str],
    now: datetime,
) -> Conversation:  # fmt: skip
    """Replace the conversation's labels."""
    clean = normalise_labels(labels)
    conversation = await get_conversation(session, store, conversation_id, lock=True)
    conversation.labels = clean
    conversation.updated_at = now
    await session.flush()
    return conversation
