"""The phone page: the sandbox's customers in a browser, WhatsApp-like (`/_sandbox/phones`).

Server-rendered with Jinja2 (autoescaped) and a few lines of vanilla JS (`static/phone.js`) that
poll the chat every second and send taps without reloading; without JS every button is a form
POST and the page reloads. What a customer sends goes through `play_inbound`, the code path of
`POST /_sandbox/inbound`, so Ordertalk receives the same signed webhook. Like the rest of the
control plane this is unauthenticated: bind the sandbox to localhost.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ordertalk.sandbox import bubbles as view
from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.graph_api import error_response, json_response, platform_of
from ordertalk.sandbox.inbound import play_inbound
from ordertalk.sandbox.platform import Line, Platform
from ordertalk.sandbox.state import Chat, Customer, PhoneMessage
from ordertalk.sandbox.text_format import whatsapp_text

HERE = Path(__file__).parent
STATIC = {"phone.css": "text/css; charset=utf-8", "phone.js": "text/javascript; charset=utf-8"}
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
PHOTO_MAX = 5 * 1024 * 1024
# Media shown inline on the page; anything else (a customer may send any bytes and any type,
# e.g. text/html) is only ever downloaded, never rendered on the sandbox's origin.
INLINE_TYPES = frozenset(
    {
        "image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/3gpp",
        "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg", "application/pdf",
    }
)  # fmt: skip
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = lambda ts: datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M")
    env.filters["iso"] = lambda ts: datetime.fromtimestamp(float(ts), UTC).isoformat()
    env.filters["whatsapp"] = whatsapp_text
    return env


def _page(name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    html = _environment().get_template(name).render(context)
    return HTMLResponse(html, status, headers=SECURITY_HEADERS)


def wants_html(request: Request) -> bool:
    """Does the caller want the page? `?format=json|html` decides, else the Accept header: a
    browser's names text/html; API clients (httpx, curl, fetch) send */* and keep JSON."""
    chosen = request.query_params.get("format")
    if chosen in ("json", "html"):
        return chosen == "html"
    accept = request.headers.get("accept", "").lower()
    html, json_at = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json_at < 0 or html < json_at)


# -- the chat list ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatRow:
    """One line of the chat list."""

    key: str
    customer: Customer
    href: str
    number: str | None  # the business number, when the sandbox has several
    last: str | None
    last_mine: bool
    time: float | None
    unread: int
    typing: bool


async def chat_list(request: Request, error: str | None = None, status: int = 200) -> Response:
    """`GET /_sandbox/phones` for a browser: every customer's chats, newest activity first."""
    platform = platform_of(request)
    rows = _chat_rows(platform)
    if request.query_params.get("fragment"):
        return _page("phone_list_items.html", {"rows": rows})
    return _page("phone_list.html", {"rows": rows, "error": error}, status)


def _chat_rows(platform: Platform) -> list[ChatRow]:
    now = platform.clock.now()
    several = len(platform.lines) > 1
    rows: list[ChatRow] = []
    for customer in platform.directory.customers.values():
        chats = platform.directory.chats_of(customer.key) or [
            Chat(platform.primary.phone_number_id, customer)
        ]
        for chat in chats:
            last = chat.history[-1] if chat.history else None
            preview = view.bubbles(_last_only(chat), platform.media, now) if last else []
            line = platform.lines[chat.phone_number_id]
            rows.append(
                ChatRow(
                    key=view.key_of(f"{customer.key}/{chat.phone_number_id}"),
                    customer=customer,
                    href=_chat_url(customer.key, _number_param(platform, chat.phone_number_id)),
                    number=line.display_phone_number if several else None,
                    last=view.preview(preview[-1]) if preview else None,
                    last_mine=bool(preview) and preview[-1].mine,
                    time=preview[-1].time if preview else None,
                    unread=chat.unread,
                    typing=chat.typing_until is not None and chat.typing_until > now,
                )
            )
    rows.sort(key=lambda row: -(row.time or 0.0))
    return rows


def _last_only(chat: Chat) -> Chat:
    """The chat with only its newest message (a list line needs no more)."""
    return Chat(chat.phone_number_id, chat.customer, history=chat.history[-1:])


async def start_chat(request: Request) -> Response:
    """`POST /_sandbox/phones` (form: wa_id, profile_name, text): a new customer writes first."""
    if not _same_origin(request):
        return _forbidden()
    platform = platform_of(request)
    form = await request.form(max_files=0, max_fields=10)
    wa_id = str(form.get("wa_id", "")).strip().lstrip("+").replace(" ", "")
    body: dict[str, Any] = {
        "from": wa_id,
        "type": "text",
        "text": {"body": str(form.get("text", "")).strip()},
    }
    name = str(form.get("profile_name", "")).strip()
    if name:
        body["profile_name"] = name
    try:
        play_inbound(platform, body)
    except GraphError as error:
        return await chat_list(request, error=error.details, status=400)
    return RedirectResponse(_chat_url(wa_id) + "#end", status_code=303)


# -- one chat -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opened:
    """The chat a page shows: the customer, the business number, and the chat (maybe new)."""

    customer: Customer
    line: Line
    chat: Chat
    number: str | None  # the business number for URLs (None: the primary one)


def _open(request: Request) -> Opened | None:
    """The chat the URL names; None for a customer the sandbox has never seen."""
    platform = platform_of(request)
    directory = platform.directory
    key = request.path_params["wa_id"]
    customer = directory.customers.get(key) or directory.customers.get(
        directory.by_user_id.get(key, "")
    )
    number = request.query_params.get("phone_number_id") or platform.primary.phone_number_id
    line = platform.lines.get(number)
    if customer is None or line is None:
        return None
    # Only looking creates nothing: an empty chat stays out of the directory until a message.
    chat = directory.chats.get((line.phone_number_id, customer.key)) or Chat(
        line.phone_number_id, customer
    )
    return Opened(customer, line, chat, _number_param(platform, line.phone_number_id))


async def chat_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    """`GET /_sandbox/phones/{wa_id}`: the customer's chat (`?fragment=1`: its messages only)."""
    opened = _open(request)
    if opened is None:
        return _not_found(request)
    platform = platform_of(request)
    now = platform.clock.now()
    chat = opened.chat
    chat.seen = len(chat.received)  # the customer is looking at it
    number = opened.number
    context = {
        "customer": opened.customer,
        "line": opened.line,
        "business": platform.settings.verified_name,
        "bubbles": view.bubbles(chat, platform.media, now),
        "typing": chat.typing_until is not None and chat.typing_until > now,
        "reply_url": _chat_url(opened.customer.key, number, suffix="/reply"),
        "number": number,
        "error": error,
    }
    if request.query_params.get("fragment"):
        return _page("phone_messages.html", context)
    context["refresh_url"] = _chat_url(opened.customer.key, number, fragment=True)
    return _page("phone_chat.html", context, status)


async def reply(request: Request) -> Response:
    """`POST /_sandbox/phones/{wa_id}/reply`: the customer taps an option (`message` +
    `option`), types (`text`) or sends a photo (`photo` file, `text` as caption). A form post
    is redirected back to the chat; a fetch() asking for JSON gets `{"id"}` or the error."""
    if not _same_origin(request):
        return _forbidden()
    opened = _open(request)
    if opened is None:
        return _not_found(request)
    platform = platform_of(request)
    async with request.form(max_files=1, max_fields=10) as form:
        try:
            body = await _reply_body(opened, dict(form))
            customer = opened.customer
            sender = (
                {"from": customer.wa_id}
                if customer.wa_id is not None
                else {"from_user_id": customer.user_id}
            )
            body |= sender | {"phone_number_id": opened.line.phone_number_id}
            message = play_inbound(platform, body)
        except GraphError as error:
            if _wants_json(request):
                return error_response(error)
            return await chat_page(request, error=error.details, status=400)
    if _wants_json(request):
        return json_response({"id": message["id"]})
    number = opened.number
    return RedirectResponse(_chat_url(opened.customer.key, number) + "#end", status_code=303)


async def _reply_body(opened: Opened, form: dict[str, Any]) -> dict[str, Any]:
    """The `/_sandbox/inbound` body of what the customer did on the page."""
    kind = form.get("kind", "text")
    text = str(form.get("text", ""))
    if kind == "option":
        target = next((m for m in opened.chat.received if m.id == form.get("message")), None)
        if target is None:
            raise GraphError(100, "That message is not in this chat.")
        return _tap(target, str(form.get("option", "")))
    if kind == "photo":
        photo = form.get("photo")
        if not isinstance(photo, UploadFile) or not photo.filename:
            raise GraphError(131008, "Choose a photo (JPEG or PNG) to send.")
        mime = (photo.content_type or "").split(";")[0].strip().lower()
        data = await photo.read(PHOTO_MAX + 1)
        if mime not in PHOTO_TYPES:
            raise GraphError(100, "A photo must be a JPEG or PNG image.")
        if not data or len(data) > PHOTO_MAX:
            raise GraphError(100, "A photo must hold between 1 byte and 5 MB.")
        image: dict[str, Any] = {"data_base64": base64.b64encode(data).decode(), "mime_type": mime}
        if text.strip():
            image["caption"] = text.strip()
        return {"type": "image", "image": image}
    if kind != "text":
        raise GraphError(100, 'kind must be "text", "option" or "photo".')
    if not text.strip():
        raise GraphError(131008, "Type a message first.")
    return {"type": "text", "text": {"body": text}}


def _tap(message: PhoneMessage, option: str) -> dict[str, Any]:
    choices = view.options(message)
    if not option.isdigit() or int(option) >= len(choices):
        raise GraphError(100, "That button is not on the message.")
    return view.reply_body(message, choices[int(option)])


# -- media and static files ---------------------------------------------------------------


async def media(request: Request) -> Response:
    """`GET /_sandbox/media/{id}`: bytes the sandbox holds (uploads and customers' media), for
    the page. Only known-safe types are shown inline; the rest are downloads."""
    platform = platform_of(request)
    found = platform.media.get(request.path_params["media_id"], platform.clock.now())
    if found is None:
        return Response("No such media.", 404, media_type="text/plain")
    mime = found.mime_type.split(";")[0].strip().lower()
    headers = SECURITY_HEADERS | {"Content-Security-Policy": "default-src 'none'; sandbox"}
    name = found.filename or f"media-{found.id}"
    download = request.query_params.get("download") or mime not in INLINE_TYPES
    if download:
        mime = mime if mime in INLINE_TYPES else "application/octet-stream"
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(found.data, media_type=mime, headers=headers)


@functools.cache
def _static_file(name: str) -> bytes:
    return (HERE / "static" / name).read_bytes()


async def static(request: Request) -> Response:
    """`GET /_sandbox/static/{name}`: the page's stylesheet and script (nothing else)."""
    name = request.path_params["name"]
    if name not in STATIC:
        return Response("Not found.", 404, media_type="text/plain")
    return Response(
        _static_file(name),
        media_type=STATIC[name],
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


# -- helpers --------------------------------------------------------------------------------


def _chat_url(
    key: str, number: str | None = None, *, fragment: bool = False, suffix: str = ""
) -> str:
    query: dict[str, str] = {}
    if number is not None:
        query["phone_number_id"] = number
    if fragment:
        query["fragment"] = "1"
    url = f"/_sandbox/phones/{quote(key, safe='')}{suffix}"
    return f"{url}?{urlencode(query)}" if query else url


def _number_param(platform: Platform, phone_number_id: str) -> str | None:
    """The `phone_number_id` a chat's URLs carry: none for the primary number."""
    return None if phone_number_id == platform.primary.phone_number_id else phone_number_id


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "").lower()


def _same_origin(request: Request) -> bool:
    """Refuse posts another site's page makes the browser send (the control plane has no
    login; this keeps a web page from playing customers through a developer's browser)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:  # not a browser, or a same-origin GET-style request
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")  # "null" never matches


def _forbidden() -> Response:
    return Response("Cross-site posts are refused.", 403, media_type="text/plain")


def _not_found(request: Request) -> Response:
    key = request.path_params["wa_id"]
    if request.query_params.get("fragment"):
        return HTMLResponse("", 404, headers=SECURITY_HEADERS)
    return _page("phone_missing.html", {"key": key}, 404)


ROUTES = [
    Route("/_sandbox/phones", start_chat, methods=["POST"]),
    Route("/_sandbox/phones/{wa_id}", chat_page, methods=["GET"]),
    Route("/_sandbox/phones/{wa_id}/reply", reply, methods=["POST"]),
    Route("/_sandbox/media/{media_id}", media, methods=["GET"]),
    Route("/_sandbox/static/{name}", static, methods=["GET"]),
]
