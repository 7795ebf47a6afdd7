"""`/ui/inbox`: the agents' inbox as pages, through the same services as `/v1/conversations`
(`conversations.inbox`, `.sending`, `.canned`): the rules (the 24-hour window, the templates
that fit, who has the conversation) live there, never here.

Every action is a form (CSRF-checked) that redirects back to the conversation; a refused one
(window closed, a blank message…) shows the conversation again with the reason, nothing saved.
Lists and threads refresh themselves by fetching their HTML fragment every few seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ordertalk.conversations import canned, inbox, sending
from ordertalk.conversations.inbox import ListedConversation
from ordertalk.conversations.media import media_of_messages
from ordertalk.conversations.media_api import get_media
from ordertalk.conversations.schemas import (
    AgentMessageIn,
    AssignIn,
    LabelsIn,
    NoteIn,
    TemplateSendIn,
)
from ordertalk.conversations.states import ConversationState
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep, SettingsDep
from ordertalk.errors import InvalidInput, NotFound, OrdertalkError
from ordertalk.web.auth import Viewer, ViewerDep
from ordertalk.web.csrf import FormViewerDep
from ordertalk.web.pages import PREFIX, page
from ordertalk.web.users import store_users

router = APIRouter(prefix=PREFIX, include_in_schema=False)

ConversationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LIST_LIMIT = 50
REFRESH_S = 4


# --- the list ---------------------------------------------------------------------------------


Filter = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True, slots=True)
class _Chosen:
    """The inbox's filters as the agent chose them (query parameters, shared by the page and
    the list it refreshes)."""

    state: str = ""
    assignee: str = ""
    label: str = ""


async def _chosen(state: Filter = "", assignee: Filter = "", label: Filter = "") -> _Chosen:
    return _Chosen(state, assignee, label)


ChosenDep = Annotated[_Chosen, Depends(_chosen)]


def _filters(chosen: _Chosen, viewer: Viewer) -> dict[str, Any]:
    if chosen.state and chosen.state not in {s.value for s in ConversationState}:
        raise InvalidInput("state must be waiting, agent, bot or resolved")
    assignee = viewer.user.name if chosen.assignee == "me" else chosen.assignee.strip()
    return {
        "state": ConversationState(chosen.state) if chosen.state else None,
        "assignee": assignee or None,
        "label": chosen.label.strip() or None,
    }


async def _sections(
    session: SessionDep, viewer: Viewer, filters: dict[str, Any]
) -> list[tuple[str, list[ListedConversation]]]:
    """The conversations to show: waiting for an agent first, then with agents (or, with a
    state chosen, those in it)."""
    store = viewer.store
    if filters["state"] is not None:
        rows, _ = await inbox.list_conversations(session, store, **filters, limit=LIST_LIMIT)
        return [(filters["state"].value, rows)]
    sections = []
    for state in (ConversationState.WAITING, ConversationState.AGENT):
        rows, _ = await inbox.list_conversations(
            session, store, **(filters | {"state": state}), limit=LIST_LIMIT
        )
        sections.append((state.value, rows))
    return sections


@router.get("/inbox")
async def inbox_page(
    request: Request, viewer: ViewerDep, session: SessionDep, chosen: ChosenDep
) -> HTMLResponse:
    """Conversations waiting for an agent, then those with agents; by state, assignee, label."""
    filters = _filters(chosen, viewer)
    return page(
        request,
        "ui_inbox.html",
        viewer,
        section="inbox",
        sections=await _sections(session, viewer, filters),
        users=await store_users(session, viewer.store.id),
        chosen={"state": chosen.state, "assignee": chosen.assignee, "label": chosen.label},
        query=request.url.query,
        refresh_s=REFRESH_S,
    )


@router.get("/inbox/list")
async def inbox_fragment(
    request: Request, viewer: ViewerDep, session: SessionDep, chosen: ChosenDep
) -> HTMLResponse:
    """The list alone (the page fetches it every few seconds)."""
    filters = _filters(chosen, viewer)
    return page(
        request,
        "ui_inbox_list.html",
        viewer,
        sections=await _sections(session, viewer, filters),
    )


# --- one conversation ---------------------------------------------------------------------------


def _canned_values(view: inbox.ConversationView, viewer: Viewer) -> dict[str, str]:
    """What an inserted canned response's placeholders become (as sending fills them)."""
    latest = view.orders[0] if view.orders else None
    values = {"store_name": viewer.store.name}
    name = view.contact.name or (latest.customer_name if latest is not None else None)
    if name and name.strip():
        values["customer_name"] = name.strip()
    if latest is not None:
        values["order_number"] = latest.name or latest.external_id
    return values


async def _thread_context(
    session: SessionDep, viewer: Viewer, conversation_id: int
) -> dict[str, Any]:
    view = await inbox.read_conversation(session, viewer.store, conversation_id, utcnow())
    media = await media_of_messages(session, viewer.store.id, [m for m, _, _ in view.messages])
    return {"view": view, "media": media}


async def _conversation_page(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    conversation_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    draft: str = "",
) -> HTMLResponse:
    context = await _thread_context(session, viewer, conversation_id)
    view: inbox.ConversationView = context["view"]
    offers: list[dict[str, Any]] = []
    if not view.window_open:
        _, _, fits = await sending.template_offers(session, viewer.store, conversation_id)
        offers = [sending.offer_details(fit) for fit in fits]
    values = _canned_values(view, viewer)
    responses = []
    for row in await canned.list_canned(session, viewer.store):
        used = canned.placeholders_in(row.body)
        filled = canned.fill(row.body, values) if all(p in values for p in used) else None
        responses.append({"shortcut": row.shortcut, "title": row.title, "filled": filled})
    return page(
        request,
        "ui_conversation.html",
        viewer,
        section="inbox",
        status_code=status_code,
        error=error,
        draft=draft,
        offers=offers,
        canned=responses,
        users=await store_users(session, viewer.store.id),
        refresh_s=REFRESH_S,
        **context,
    )


@router.get("/inbox/{conversation_id}")
async def conversation_page(
    request: Request, conversation_id: ConversationId, viewer: ViewerDep, session: SessionDep
) -> HTMLResponse:
    """The thread, the reply box (free text inside the window, templates outside), canned
    responses, assignment, notes and labels."""
    return await _conversation_page(request, viewer, session, conversation_id)


@router.get("/inbox/{conversation_id}/thread")
async def thread_fragment(
    request: Request, conversation_id: ConversationId, viewer: ViewerDep, session: SessionDep
) -> HTMLResponse:
    """The messages alone (the page fetches them every few seconds)."""
    context = await _thread_context(session, viewer, conversation_id)
    return page(request, "ui_thread.html", viewer, **context)


@router.get("/media/{media_id}")
async def media_file(
    media_id: ConversationId, viewer: ViewerDep, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """A photo, video, audio or document a customer sent (as `GET /v1/media/{id}`)."""
    return await get_media(media_id, viewer.store, session, settings)


# --- actions ------------------------------------------------------------------------------------


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


async def _undo(session: SessionDep, viewer: Viewer) -> None:
    """Roll back a refused action, reloading what the page shows about the viewer."""
    await session.rollback()
    await session.refresh(viewer.user)
    await session.refresh(viewer.store)


async def _act(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    conversation_id: int,
    work: Callable[[], Awaitable[object]],
    *,
    draft: str = "",
    anchor: str = "reply",
) -> Response:
    """Do `work`, commit and go back to the conversation; or show why it was refused."""
    try:
        await work()
    except ValidationError as exc:
        await _undo(session, viewer)
        return await _conversation_page(
            request, viewer, session, conversation_id,
            error=_problem(exc), status_code=422, draft=draft,
        )  # fmt: skip
    except NotFound:
        raise
    except OrdertalkError as exc:
        await _undo(session, viewer)
        return await _conversation_page(
            request, viewer, session, conversation_id,
            error=exc.message, status_code=exc.status_code, draft=draft,
        )  # fmt: skip
    await session.commit()  # before the dispatcher is woken, so that it finds the row
    dispatcher = getattr(request.app.state, "dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()
    return RedirectResponse(f"{PREFIX}/inbox/{conversation_id}#{anchor}", status_code=303)


Text = Annotated[str, Form(max_length=8192)]


@router.post("/inbox/{conversation_id}/reply")
async def reply(
    request: Request,
    conversation_id: ConversationId,
    viewer: FormViewerDep,
    session: SessionDep,
    text: Text = "",
) -> Response:
    """Send the agent's free-form reply (inside the customer service window)."""

    async def work() -> object:
        body = AgentMessageIn(author=viewer.user.name, text=text or None)
        return await sending.send_message(
            session, viewer.store, conversation_id,
            author=body.author, text=body.text, now=utcnow(),
        )  # fmt: skip

    return await _act(request, viewer, session, conversation_id, work, draft=text)


@router.post("/inbox/{conversation_id}/canned")
async def send_canned(
    request: Request,
    conversation_id: ConversationId,
    viewer: FormViewerDep,
    session: SessionDep,
    shortcut: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Send a canned response as it is (its placeholders filled by the sending service)."""

    async def work() -> object:
        body = AgentMessageIn(author=viewer.user.name, canned=shortcut or None)
        return await sending.send_message(
            session, viewer.store, conversation_id,
            author=body.author, canned=body.canned, now=utcnow(),
        )  # fmt: skip

    return await _act(request, viewer, session, conversation_id, work)


@router.post("/inbox/{conversation_id}/template")
async def send_template(
    request: Request,
    conversation_id: ConversationId,
    viewer: FormViewerDep,
    session: SessionDep,
    template: Annotated[str, Form(max_length=100)] = "",
    order_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Send one of the approved templates that fit the customer's order (outside the window)."""

    async def work() -> object:
        body = TemplateSendIn(author=viewer.user.name, template=template, order_id=order_id or None)
        return await sending.send_template(
            session, viewer.store, conversation_id,
            template=body.template, author=body.author,
            order_ref=str(body.order_id) if body.order_id is not None else None, now=utcnow(),
        )  # fmt: skip

    return await _act(request, viewer, session, conversation_id, work)


@router.post("/inbox/{conversation_id}/assign")
async def assign(
    request: Request,
    conversation_id: ConversationId,
    viewer: FormViewerDep,
    session: SessionDep,
    assignee: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Give the conversation to me (`assignee=me`) or to someone else."""

    async def work() -> object:
        body = AssignIn(assignee=viewer.user.name if assignee == "me" else assignee)
        return await inbox.assign(session, viewer.store, conversation_id, body.assignee, utcnow())

    return await _act(request, viewer, session, conversation_id, work, anchor="manage")


@router.post("/inbox/{conversation_id}/resolve")
async def resolve(
    request: Request, conversation_id: ConversationId, viewer: FormViewerDep, session: SessionDep
) -> Response:
    """Done: the bot answers the customer's next message."""

    async def work() -> object:
        return await inbox.resolve(session, viewer.store, conversation_id, utcnow())

    return await _act(request, viewer, session, conversation_id, work, anchor="manage")


@router.post("/inbox/{conversation_id}/notes")
async def add_note(
    request: Request,
    conversation_id: ConversationId,
    viewer: FormViewerDep,
    session: SessionDep,
    body: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """A private note for the other agents (never sent to the customer)."""

    async def work() -> object:
        note = NoteIn(author=viewer.user.name, body=body)
        return await inbox.add_note(
            session, viewer.store, conversation_id, note.author, note.body, utcnow()
        )

    return await _act(request, viewer, session, conversation_id, work, anchor="notes")


@router.post("/inbox/{conversation_id}/labels")
async def set_labels(
    request: Request,
    conversation_id: ConversationId,
    viewer: FormViewerDep,
    session: SessionDep,
    labels: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Replace the labels (comma-separated)."""

    async def work() -> object:
        given = LabelsIn(labels=[part for part in labels.split(",") if part.strip()])
        return await inbox.set_labels(
            session, viewer.store, conversation_id, given.labels, utcnow()
        )

    return await _act(request, viewer, session, conversation_id, work, anchor="manage")
