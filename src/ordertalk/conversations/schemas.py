"""What the inbox API accepts and returns. Customers' numbers only ever come out masked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ordertalk.commerce.models import Order
from ordertalk.commerce.schemas import OrderSummary
from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.contacts.schemas import ContactOut
from ordertalk.conversations.media import MediaOut
from ordertalk.conversations.models import (
    CannedResponse,
    Conversation,
    ConversationMessage,
    ConversationNote,
)
from ordertalk.errors import InvalidInput
from ordertalk.messaging.models import OutboundMessage


def _one_line(value: str) -> str:
    """Trimmed, without control characters (names, authors, shortcuts, labels)."""
    value = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    if not value:
        raise ValueError("must not be blank")
    return value


def _text(value: str) -> str:
    """Free text: newlines and tabs allowed, other control characters (NUL…) not."""
    if any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters other than newlines and tabs")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Author = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]
MessageText = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_text)]
NoteBody = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_text)]
Shortcut = Annotated[str, Field(min_length=1, max_length=64)]
Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]
CannedBody = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_text)]
# The store's own order id, as in /v1/orders/{order_id} (a JSON number is taken as its digits).
OrderRef = Annotated[str | int, Field(union_mode="left_to_right")]


def _order_ref_problem(value: str | int | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or len(text) > 200 or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "order_id must be the store's order id (1 to 200 characters)"
    return None


def order_ref(value: str | int | None) -> str | None:
    """An order reference from a request as the store's order id; InvalidInput if it cannot be
    one."""
    problem = _order_ref_problem(value)
    if problem is not None:
        raise InvalidInput(problem)
    return None if value is None else str(value).strip()


def _check_order_ref(value: str | int | None) -> None:
    problem = _order_ref_problem(value)
    if problem is not None:
        raise ValueError(problem)


# --- requests -------------------------------------------------------------------------------


class AssignIn(BaseModel):
    """Give the conversation to an agent."""

    model_config = ConfigDict(extra="forbid")

    assignee: Author


class AgentMessageIn(BaseModel):
    """An agent's reply: its text, or a canned response's shortcut (placeholders filled)."""

    model_config = ConfigDict(extra="forbid")

    author: Author
    text: MessageText | None = None
    canned: Shortcut | None = None
    # Which of the customer's orders fills {order_number} (default: their latest).
    order_id: OrderRef | None = None

    @model_validator(mode="after")
    def _one_body(self) -> AgentMessageIn:
        if (self.text is None) == (self.canned is None):
            raise ValueError('give exactly one of "text" or "canned"')
        _check_order_ref(self.order_id)
        return self


class TemplateSendIn(BaseModel):
    """An approved template about one of the customer's orders (default: their latest)."""

    model_config = ConfigDict(extra="forbid")

    author: Author
    template: Annotated[str, Field(min_length=1, max_length=100)]
    order_id: OrderRef | None = None

    @model_validator(mode="after")
    def _valid_order(self) -> TemplateSendIn:
        _check_order_ref(self.order_id)
        return self


class NoteIn(BaseModel):
    """A private note for the other agents."""

    model_config = ConfigDict(extra="forbid")

    author: Author
    body: NoteBody


class LabelsIn(BaseModel):
    """The conversation's labels, replacing the ones it had."""

    model_config = ConfigDict(extra="forbid")

    labels: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=100)]


class CannedIn(BaseModel):
    """A new canned response; the title defaults to the shortcut."""

    model_config = ConfigDict(extra="forbid")

    shortcut: Shortcut
    title: Title | None = None
    body: CannedBody


class CannedUpdate(BaseModel):
    """A partial change to a canned response."""

    model_config = ConfigDict(extra="forbid")

    shortcut: Shortcut | None = None
    title: Title | None = None
    body: CannedBody | None = None


class BusinessHoursIn(BaseModel):
    """When people answer and what customers are told otherwise (both fields, null allowed)."""

    model_config = ConfigDict(extra="forbid")

    # {"mon": ["09:00", "18:00"], ...} in the store's time zone; null: always open.
    business_hours: Annotated[dict[str, list[str] | None], Field(max_length=7)] | None
    away_message: Annotated[str, Field(max_length=1000)] | None


# --- responses ------------------------------------------------------------------------------


class LastMessage(BaseModel):
    """The newest message of a conversation, shortened, for a list."""

    direction: str
    type: str
    text: str | None
    at: datetime


class ConversationSummary(BaseModel):
    """A conversation in the inbox list."""

    id: int
    contact_id: int
    customer_name: str | None
    phone_masked: str
    state: str
    assignee: str | None
    labels: list[str]
    flow: str | None
    last_message_at: datetime | None
    last_message: LastMessage | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, conversation: Conversation, contact: Contact, last: ConversationMessage | None
    ) -> ConversationSummary:
        """The list view of a conversation."""
        return cls(
            id=conversation.id,
            contact_id=contact.id,
            customer_name=contact.name,
            phone_masked=mask(contact.phone),
            state=conversation.state,
            assignee=conversation.assignee,
            labels=list(conversation.labels or []),
            flow=conversation.flow,
            last_message_at=conversation.last_message_at,
            last_message=(
                LastMessage(
                    direction=last.direction,
                    type=last.type,
                    text=(last.text or "")[:200] or None,
                    at=last.at,
                )
                if last is not None
                else None
            ),
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
        )


class ConversationList(BaseModel):
    """A page of conversations, newest activity first; pass `next_after` as `after` for the
    next page (null: no more)."""

    conversations: list[ConversationSummary]
    next_after: str | None


# Outbox states in which a message is on its way or arrived (no reason to explain).
_UNDER_WAY = frozenset({"sending", "unconfirmed", "accepted", "sent", "delivered", "read"})


class ConversationMessageOut(BaseModel):
    """A message in a conversation: the customer's, the bot's or an agent's (`author`).

    Ours carry the outbox row's `status` (scheduled, sent, delivered, read, failed, suppressed…),
    why it waits or was not sent (`status_reason`, e.g. quiet_hours, window_closed), and the
    Cloud API's error when it failed.
    """

    id: int
    direction: str
    type: str
    text: str | None
    content: dict[str, Any]
    intent: str | None
    author: str | None
    at: datetime
    outbound_message_id: int | None
    status: str | None
    status_reason: str | None
    template: str | None
    error: dict[str, Any] | None
    media: list[MediaOut] = []  # a customer's photo, video, audio or document: GET /v1/media/{id}

    @classmethod
    def of(
        cls,
        message: ConversationMessage,
        outbound: OutboundMessage | None,
        reason: str | None,
        media: list[MediaOut] | None = None,
    ) -> ConversationMessageOut:
        """From a conversation row, its outbox row and the latest reason given about that."""
        error = None
        if outbound is not None and (outbound.error_code is not None or outbound.error_title):
            error = {"code": outbound.error_code, "title": outbound.error_title}
        return cls(
            id=message.id,
            direction=message.direction,
            type=message.type,
            text=message.text,
            content=dict(message.content or {}),
            intent=message.intent,
            author=message.author,
            at=message.at,
            outbound_message_id=message.outbound_message_id,
            status=outbound.state if outbound is not None else None,
            status_reason=(
                reason if outbound is not None and outbound.state not in _UNDER_WAY else None
            ),
            template=outbound.template_name if outbound is not None else None,
            error=error,
            media=media or [],
        )


class NoteOut(BaseModel):
    """A private note."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, note: ConversationNote) -> NoteOut:
        """The API view of a note."""
        return cls.model_validate(note)


class ConversationOut(ConversationSummary):
    """A conversation with its customer, service window, messages, notes and orders."""

    contact: ContactOut
    # The 24-hour customer service window: free-form replies only while it is open.
    window_open: bool
    window_closes_at: datetime | None
    messages: list[ConversationMessageOut]  # oldest first
    has_earlier_messages: bool  # ask again with `before` = the first message's id
    notes: list[NoteOut]
    orders: list[OrderSummary]  # the customer's latest orders, newest first


def order_summary(order: Order) -> OrderSummary:
    """An order as the orders list shows it."""
    return OrderSummary(
        order_id=order.external_id,
        name=order.name,
        milestone=order.milestone,
        milestone_at=order.milestone_at,
        side_state=order.side_state,
        side_reason=order.side_reason,
        payment_method=order.payment_method,
        payment_status=order.payment_status,
        updated_at=order.updated_at,
    )


class TemplateOfferOut(BaseModel):
    """An approved template that fits one of the customer's orders, ready to send."""

    template: str  # the key to send (`POST /v1/conversations/{id}/templates`)
    name: str  # Meta's template name
    language: str
    order_id: str
    about: str  # order / shipment / return / refund
    milestone: str | None
    description: str
    preview: str


class TemplateOffers(BaseModel):
    """What can be sent now: templates always, free-form only while the window is open."""

    window_open: bool
    window_closes_at: datetime | None
    templates: list[TemplateOfferOut]


class CannedOut(BaseModel):
    """A canned response and the placeholders its body uses."""

    id: int
    shortcut: str
    title: str
    body: str
    placeholders: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CannedResponse, placeholders: list[str]) -> CannedOut:
        """The API view of a canned response."""
        return cls(
            id=row.id,
            shortcut=row.shortcut,
            title=row.title,
            body=row.body,
            placeholders=placeholders,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class BusinessHoursOut(BaseModel):
    """The store's business hours (in its time zone), away message, and whether it is open."""

    timezone: str
    business_hours: dict[str, list[str]] | None
    away_message: str | None
    open_now: bool
    next_opening: datetime | None  # now while open; null when it never opens
