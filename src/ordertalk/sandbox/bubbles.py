"""What the phone page shows: each message of a chat as a bubble, and what can be tapped on it.

Business messages (`PhoneMessage`) and the customer's own (`messages[]` items the sandbox sent
by webhook) become `Bubble`s; templates, HTML and escaping are the page's business
(`phone_view.py`). What a tap sends is decided here, from the message the sandbox keeps, never
from what the browser posted, so the page sends exactly what `ordertalk phone` would.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ordertalk.sandbox.media import MediaStore
from ordertalk.sandbox.model import ListRow
from ordertalk.sandbox.state import Chat, PhoneMessage

MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")
# Where a location request's "Send location" button puts the pin (Bengaluru, as phone.py shows).
SAMPLE_PIN = {"latitude": 12.9716, "longitude": 77.5946, "name": "Sandbox pin"}
_QUOTE_CHARS = 80


@dataclass(frozen=True, slots=True)
class Option:
    """Something on a received message the customer can tap."""

    kind: str  # "template" (a quick reply), "button" (reply button), "row" or "location"
    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """A button under a bubble: a reply to tap (`option` indexes `options()`), a link, or a
    label the sandbox cannot act on (call, copy code)."""

    label: str
    option: int | None = None
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One section of a list message, its rows with their option indexes."""

    title: str | None
    rows: list[tuple[int, ListRow]]


@dataclass(frozen=True, slots=True)
class Menu:
    """A list message's button and the rows it opens."""

    label: str
    sections: list[Section]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo, video, voice note, document or sticker on a bubble."""

    kind: str
    href: str | None  # the sandbox's media route, an http(s) link, or None when gone
    stored: bool  # bytes held by the sandbox: shown inline (images, stickers, audio, video)
    filename: str | None = None


@dataclass(slots=True)
class Bubble:
    """One message as the phone page shows it."""

    id: str
    key: str  # short and HTML-id safe
    mine: bool  # the customer's own message (on the right)
    time: float
    status: str  # business: accepted/sent/delivered/read/failed; the customer's: sent/read
    header: str | None = None
    attachment: Attachment | None = None
    body: str | None = None
    footer: str | None = None
    note: str | None = None  # what stands for a message without text ("Location", ...)
    quote: str | None = None
    actions: list[Action] = field(default_factory=list)
    menu: Menu | None = None
    template: str | None = None


def options(message: PhoneMessage) -> list[Option]:
    """The replies a received message offers, in order (quick replies, buttons, rows)."""
    template = message.template
    if template is not None:
        return [
            Option("template", label, label)
            for index, label in enumerate(template.buttons)
            if index in template.quick_reply_payloads
        ]
    if message.rows:
        return [Option("row", r.id, r.title, r.description) for r in message.rows]
    interactive = _interactive(message)
    if interactive.get("type") == "location_request_message":
        return [Option("location", "", "Send location")]
    buttons = interactive.get("action", {}).get("buttons", [])
    return [Option("button", b["reply"]["id"], b["reply"]["title"]) for b in buttons]


def reply_body(message: PhoneMessage, option: Option) -> dict[str, Any]:
    """The `/_sandbox/inbound` body of tapping ``option`` on ``message`` (without `from`)."""
    context = {"id": message.id}
    match option.kind:
        case "template":
            return {"type": "button", "button": {"text": option.title}, "context": context}
        case "location":
            return {"type": "location", "location": dict(SAMPLE_PIN), "context": context}
        case _:
            kind = "button_reply" if option.kind == "button" else "list_reply"
            reply = {"id": option.id, "title": option.title}
            if option.description:
                reply["description"] = option.description
            return {
                "type": "interactive",
                "interactive": {"type": kind, kind: reply},
                "context": context,
            }


def bubbles(chat: Chat, media: MediaStore, now: float) -> list[Bubble]:
    """Every message of the chat, oldest first."""
    snippets: dict[str, str] = {}
    out: list[Bubble] = []
    for item in chat.history:
        if isinstance(item, PhoneMessage):
            bubble = _business(item, media, now)
            quoted = str(item.raw.get("context", {}).get("message_id", ""))
        else:
            bubble = _customer(item, media, now)
            quoted = str(item["message"].get("context", {}).get("id", ""))
        bubble.quote = snippets.get(quoted)
        snippets[bubble.id] = preview(bubble)
        out.append(bubble)
    return out


def preview(bubble: Bubble) -> str:
    """One line for a quote or the chat list."""
    text = bubble.body or bubble.header or bubble.note or ""
    if bubble.attachment is not None and not bubble.body:
        text = bubble.attachment.filename or _KIND_NAMES.get(bubble.attachment.kind, "Media")
    line = " ".join(text.split())
    return line if len(line) <= _QUOTE_CHARS else line[: _QUOTE_CHARS - 1] + "…"


def safe_href(url: object) -> str | None:
    """The URL if it is http(s) (never `javascript:` and the like), else None."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def key_of(message_id: str) -> str:
    """A short id for HTML (`id`, `popovertarget`), stable for the message."""
    return hashlib.sha1(message_id.encode(), usedforsecurity=False).hexdigest()[:12]


# -- business messages ----------------------------------------------------------------------


def _business(message: PhoneMessage, media: MediaStore, now: float) -> Bubble:
    bubble = Bubble(
        id=message.id,
        key=key_of(message.id),
        mine=False,
        time=message.timestamp,
        status=message.status,
    )
    raw = message.raw
    kind = message.type
    if kind == "template" and message.template is not None:
        _template(bubble, message, media, now)
    elif kind == "interactive":
        _interactive_bubble(bubble, message, media, now)
    elif kind == "text":
        bubble.body = str(raw.get("text", {}).get("body", message.text))
    elif kind in MEDIA_KINDS:
        part = raw.get(kind, {})
        bubble.attachment = _attachment(kind, part, media, now)
        bubble.body = part.get("caption") or None
    elif kind == "location":
        bubble.note, bubble.body = _location(raw.get("location", {}))
    elif kind == "reaction":
        bubble.note = f"Reacted {raw.get('reaction', {}).get('emoji', '')}".rstrip()
    else:  # contacts, products, flows...: the sandbox's one-line rendering
        bubble.body = message.text
    return bubble


def _template(bubble: Bubble, message: PhoneMessage, media: MediaStore, now: float) -> None:
    template = message.template
    assert template is not None
    bubble.template = f"{template.name} ({template.language})"
    bubble.header = template.header_text
    if template.header_media is not None and template.header_format is not None:
        kind = template.header_format.lower()
        bubble.attachment = _attachment(kind, template.header_media, media, now)
    bubble.body = template.body_text or template.text
    bubble.footer = template.footer_text
    replies = 0
    for index, label in enumerate(template.buttons):
        if index in template.quick_reply_payloads:
            bubble.actions.append(Action(label, option=replies))
            replies += 1
        elif index in template.urls:
            bubble.actions.append(Action(label, href=safe_href(template.urls[index])))
        else:  # call, copy code, one-time password: shown, nothing to simulate
            bubble.actions.append(Action(label))


def _interactive_bubble(
    bubble: Bubble, message: PhoneMessage, media: MediaStore, now: float
) -> None:
    interactive = _interactive(message)
    kind = interactive.get("type")
    header = interactive.get("header") or {}
    header_type = header.get("type")
    if header_type == "text":
        bubble.header = str(header.get("text", ""))
    elif header_type in MEDIA_KINDS:
        bubble.attachment = _attachment(header_type, header.get(header_type, {}), media, now)
    bubble.body = (interactive.get("body") or {}).get("text") or None
    bubble.footer = (interactive.get("footer") or {}).get("text") or None
    action = interactive.get("action", {})
    if kind == "button":
        bubble.actions = [Action(o.title, option=i) for i, o in enumerate(options(message))]
    elif kind == "list":
        bubble.menu = _menu(message, action)
    elif kind == "cta_url":
        parameters = action.get("parameters", {})
        label = str(parameters.get("display_text", "Open"))
        bubble.actions = [Action(label, href=safe_href(parameters.get("url")))]
    elif kind == "location_request_message":
        bubble.actions = [Action("Send location", option=0)]
    else:  # product, catalog, flow: what the sandbox rendered, and its button if any
        bubble.body = bubble.body or message.text
        bubble.actions = [Action(label) for label in message.buttons]


def _menu(message: PhoneMessage, action: dict[str, Any]) -> Menu:
    """The list's sections; rows are numbered as `options()` numbers them (in order)."""
    sections: list[Section] = []
    index = 0
    for section in action.get("sections", []):
        rows: list[tuple[int, ListRow]] = []
        for _ in section.get("rows", []):
            if index < len(message.rows):
                rows.append((index, message.rows[index]))
            index += 1
        sections.append(Section(section.get("title"), rows))
    return Menu(str(action.get("button", "Menu")), sections)


def _interactive(message: PhoneMessage) -> dict[str, Any]:
    interactive = message.raw.get("interactive", {})
    return interactive if isinstance(interactive, dict) else {}


# -- the customer's own messages ------------------------------------------------------------


def _customer(item: dict[str, Any], media: MediaStore, now: float) -> Bubble:
    message: dict[str, Any] = item["message"]
    bubble = Bubble(
        id=str(item["id"]),
        key=key_of(str(item["id"])),
        mine=True,
        time=float(message.get("timestamp", 0)),
        status="read" if item.get("read") else "sent",
    )
    kind = message.get("type")
    part = message.get(str(kind), {})
    if kind == "text":
        bubble.body = str(part.get("body", ""))
    elif kind == "button":
        bubble.body = str(part.get("text", ""))
    elif kind == "interactive":
        reply = part.get(part.get("type", ""), {})
        bubble.body = reply.get("title") or "Form sent"
        bubble.footer = reply.get("description") or None
    elif kind in MEDIA_KINDS:
        bubble.attachment = _attachment(str(kind), part, media, now)
        bubble.body = part.get("caption") or None
    elif kind == "location":
        bubble.note, bubble.body = _location(part)
    elif kind == "contacts":
        names = [str(c.get("name", {}).get("formatted_name", "?")) for c in message["contacts"]]
        bubble.note = "Contact: " + ", ".join(names)
    elif kind == "reaction":
        bubble.note = f"Reacted {part.get('emoji', '')}".rstrip()
    elif kind == "order":
        count = len(part.get("product_items", []))
        bubble.note = f"Cart sent: {count} item{'s' if count != 1 else ''}"
    elif kind == "system":
        bubble.note = str(part.get("body", "System message"))
    elif kind == "request_welcome":
        bubble.note = "Opened the chat"
    else:
        bubble.note = "Unsupported message"
    return bubble


# -- shared ---------------------------------------------------------------------------------

_KIND_NAMES = {
    "image": "Photo",
    "video": "Video",
    "audio": "Voice message",
    "document": "Document",
    "sticker": "Sticker",
}


def _attachment(kind: str, part: dict[str, Any], media: MediaStore, now: float) -> Attachment:
    filename = part.get("filename") if isinstance(part.get("filename"), str) else None
    media_id = part.get("id")
    if media_id is not None:
        stored = media.get(str(media_id), now)
        if stored is None:  # deleted or expired: the phone shows the bubble without it
            return Attachment(kind, None, False, filename)
        return Attachment(kind, f"/_sandbox/media/{stored.id}", True, filename or stored.filename)
    # A link is not fetched by the page (nothing leaves this machine unasked): it is a link.
    return Attachment(kind, safe_href(part.get("link")), False, filename)


def _location(location: dict[str, Any]) -> tuple[str, str | None]:
    latitude, longitude = location.get("latitude"), location.get("longitude")
    described = [str(x) for x in (location.get("name"), location.get("address")) if x]
    where = "\n".join(described) if described else None
    return f"Location {latitude}, {longitude}", where
