"""The inbox API: `/v1/conversations` (read, assign, hand over, reply, resolve, notes, labels),
`/v1/canned-responses`, and `/v1/store/business-hours`. Every id is scoped to the caller's
store: another store's conversation, note or canned response is a 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.schemas import ContactOut
from ordertalk.conversations import canned, hours, inbox, sending
from ordertalk.conversations.media import media_of_messages
from ordertalk.conversations.models import CannedResponse, Conversation, ConversationMessage
from ordertalk.conversations.schemas import (
    AgentMessageIn,
    AssignIn,
    BusinessHoursIn,
    BusinessHoursOut,
    CannedIn,
    CannedOut,
    CannedUpdate,
    ConversationList,
    ConversationMessageOut,
    ConversationOut,
    ConversationSummary,
    LabelsIn,
    NoteIn,
    NoteOut,
    TemplateOfferOut,
    TemplateOffers,
    TemplateSendIn,
    order_ref,
    order_summary,
)
from ordertalk.conversations.states import ConversationState
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.errors import InvalidInput
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.deps import StoreDep
from ordertalk.stores.models import Store

router = APIRouter(prefix="/v1", tags=["inbox"])

# Ids are 32-bit on PostgreSQL: a larger one is a 422, not a database error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Retrying with the same key answers with the first request's message.",
    ),
]


def _wake(request: Request) -> None:
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()


async def _summary(session: AsyncSession, conversation: Conversation) -> ConversationSummary:
    found = await inbox.listed(session, conversation)
    return ConversationSummary.of(found.conversation, found.contact, found.last)


async def _queued(
    request: Request,
    session: AsyncSession,
    sent: tuple[ConversationMessage, OutboundMessage],
) -> ConversationMessageOut:
    # Committed here, before the dispatcher is woken, so that it finds the row at once.
    await session.commit()
    _wake(request)
    message, outbound = sent
    return ConversationMessageOut.of(message, outbound, None)


# --- conversations ----------------------------------------------------------------------------


@router.get("/conversations")
async def list_conversations(
    store: StoreDep,
    session: SessionDep,
    state: Annotated[ConversationState | None, Query()] = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    label: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    after: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConversationList:
    """The store's conversations, newest activity first, by state, assignee or label."""
    rows, next_after = await inbox.list_conversations(
        session, store, state=state, assignee=assignee, label=label, after=after, limit=limit
    )
    return ConversationList(
        conversations=[ConversationSummary.of(r.conversation, r.contact, r.last) for r in rows],
        next_after=next_after,
    )


@router.get("/conversations/{conversation_id}")
async def read_conversation(
    conversation_id: Id,
    store: StoreDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Newest messages to show.")] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> ConversationOut:
    """The conversation: customer (number masked), service window, messages with their
    delivery status, notes and the customer's latest orders."""
    view = await inbox.read_conversation(
        session, store, conversation_id, utcnow(), limit=limit, before=before
    )
    summary = ConversationSummary.of(view.conversation, view.contact, view.last)
    media = await media_of_messages(session, store.id, [m for m, _, _ in view.messages])
    return ConversationOut(
        **summary.model_dump(),
        contact=ContactOut.of(view.contact),
        window_open=view.window_open,
        window_closes_at=view.window_closes_at,
        messages=[
            ConversationMessageOut.of(m, out, why, media.get(m.id)) for m, out, why in view.messages
        ],
        has_earlier_messages=view.has_earlier_messages,
        notes=[NoteOut.of(note) for note in view.notes],
        orders=[order_summary(order) for order in view.orders],
    )


@router.post("/conversations/{conversation_id}/assign")
async def assign(
    conversation_id: Id, body: AssignIn, store: StoreDep, session: SessionDep
) -> ConversationSummary:
    """Give the conversation to an agent (from any state: reassigning, or reopening it)."""
    conversation = await inbox.assign(session, store, conversation_id, body.assignee, utcnow())
    return await _summary(session, conversation)


@router.post("/conversations/{conversation_id}/handoff")
async def handoff(conversation_id: Id, store: StoreDep, session: SessionDep) -> ConversationSummary:
    """Take the conversation from the bot: it waits for an agent, and the bot stays quiet."""
    conversation = await inbox.handoff(session, store, conversation_id, utcnow())
    return await _summary(session, conversation)


@router.post("/conversations/{conversation_id}/resolve")
async def resolve(conversation_id: Id, store: StoreDep, session: SessionDep) -> ConversationSummary:
    """Done: the bot answers the customer's next message."""
    conversation = await inbox.resolve(session, store, conversation_id, utcnow())
    return await _summary(session, conversation)


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_202_ACCEPTED)
async def send_message(
    conversation_id: Id,
    body: AgentMessageIn,
    request: Request,
    store: StoreDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> ConversationMessageOut:
    """Queue an agent's reply (text, or a canned response by shortcut); only within 24 hours of
    the customer's last message (409 `window_closed` offers the templates that fit)."""
    sent = await sending.send_message(
        session,
        store,
        conversation_id,
        author=body.author,
        text=body.text,
        canned=body.canned,
        order_ref=order_ref(body.order_id),
        idempotency_key=idempotency_key,
        now=utcnow(),
    )
    return await _queued(request, session, sent)


@router.get("/conversations/{conversation_id}/templates")
async def list_templates(
    conversation_id: Id,
    store: StoreDep,
    session: SessionDep,
    order_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> TemplateOffers:
    """The approved templates that fit the customer's order now (default: the latest order)."""
    _, contact, fits = await sending.template_offers(
        session, store, conversation_id, order_ref(order_id)
    )
    now = utcnow()
    return TemplateOffers(
        window_open=inbox.window_is_open(contact, now),
        window_closes_at=inbox.window_closes_at(contact),
        templates=[TemplateOfferOut(**sending.offer_details(fit)) for fit in fits],
    )


@router.post("/conversations/{conversation_id}/templates", status_code=status.HTTP_202_ACCEPTED)
async def send_template(
    conversation_id: Id,
    body: TemplateSendIn,
    request: Request,
    store: StoreDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> ConversationMessageOut:
    """Queue an approved template about one of the customer's orders (any time, e.g. outside
    the service window)."""
    sent = await sending.send_template(
        session,
        store,
        conversation_id,
        template=body.template,
        author=body.author,
        order_ref=order_ref(body.order_id),
        idempotency_key=idempotency_key,
        now=utcnow(),
    )
    return await _queued(request, session, sent)


@router.post("/conversations/{conversation_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    conversation_id: Id, body: NoteIn, store: StoreDep, session: SessionDep
) -> NoteOut:
    """A private note for the other agents (never sent to the customer)."""
    note = await inbox.add_note(session, store, conversation_id, body.author, body.body, utcnow())
    return NoteOut.of(note)


@router.put("/conversations/{conversation_id}/labels")
async def set_labels(
    conversation_id: Id, body: LabelsIn, store: StoreDep, session: SessionDep
) -> ConversationSummary:
    """Replace the labels (at most 20, 1–40 characters each; trimmed and de-duplicated)."""
    conversation = await inbox.set_labels(session, store, conversation_id, body.labels, utcnow())
    return await _summary(session, conversation)


# --- canned responses -------------------------------------------------------------------------


def _canned_out(row: CannedResponse) -> CannedOut:
    return CannedOut.of(row, canned.placeholders_in(row.body))


@router.get("/canned-responses")
async def list_canned(store: StoreDep, session: SessionDep) -> list[CannedOut]:
    """The store's canned responses, by shortcut."""
    return [_canned_out(row) for row in await canned.list_canned(session, store)]


@router.post("/canned-responses", status_code=status.HTTP_201_CREATED)
async def create_canned(body: CannedIn, store: StoreDep, session: SessionDep) -> CannedOut:
    """A new canned response; `{customer_name}`, `{store_name}` and `{order_number}` are filled
    in when it is sent (409 `duplicate_shortcut` when the shortcut is taken)."""
    row = await canned.create_canned(
        session, store, shortcut=body.shortcut, title=body.title, body=body.body, now=utcnow()
    )
    return _canned_out(row)


@router.patch("/canned-responses/{canned_id}")
async def update_canned(
    canned_id: Id, changes: CannedUpdate, store: StoreDep, session: SessionDep
) -> CannedOut:
    """Change a canned response; fields left out keep their values."""
    row = await canned.update_canned(
        session, store, canned_id, changes.model_dump(exclude_unset=True), utcnow()
    )
    return _canned_out(row)


@router.delete("/canned-responses/{canned_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned(canned_id: Id, store: StoreDep, session: SessionDep) -> Response:
    """Remove a canned response."""
    await canned.delete_canned(session, store, canned_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- business hours ---------------------------------------------------------------------------


def _hours_out(store: Store, now: datetime) -> BusinessHoursOut:
    try:
        open_now = hours.is_open(store.business_hours, store.timezone, now)
        opening = hours.next_opening(store.business_hours, store.timezone, now)
    except ValueError:
        raise InvalidInput(
            f"the store's timezone {store.timezone!r} is unknown; PATCH /v1/store to fix it"
        ) from None
    return BusinessHoursOut(
        timezone=store.timezone,
        business_hours=store.business_hours,
        away_message=store.away_message,
        open_now=open_now,
        next_opening=opening,
    )


@router.get("/store/business-hours")
async def read_business_hours(store: StoreDep) -> BusinessHoursOut:
    """When people answer (in the store's time zone), the away message, and whether it is
    open now."""
    return _hours_out(store, utcnow())


@router.put("/store/business-hours")
async def put_business_hours(
    body: BusinessHoursIn, store: StoreDep, session: SessionDep
) -> BusinessHoursOut:
    """Set both: `business_hours` ({"mon": ["09:00", "18:00"], ...}; null: always open) and
    `away_message` (up to 1,000 characters; null: none)."""
    hours.set_business_hours(store, body.business_hours, body.away_message)
    await session.flush()
    return _hours_out(store, utcnow())
