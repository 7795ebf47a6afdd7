"""Turn a control-plane request into the message a real customer's phone would have sent.

`POST /_sandbox/inbound` takes a webhook `messages[]` item without `id` and `timestamp`. What a
real phone fills in by itself is filled in here: media ids that resolve through the media API,
the `context` of a button tap (the message it answers), a quick-reply's `payload`, and the
`errors` of an unsupported message.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.platform import Line, Platform
from ordertalk.sandbox.state import Chat, new_wamid

INBOUND_TYPES = frozenset(
    {
        "text", "image", "video", "audio", "document", "sticker", "location", "contacts",
        "reaction", "interactive", "button", "order", "system", "unsupported", "request_welcome",
    }
)  # fmt: skip
MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})
INTERACTIVE_REPLIES = frozenset({"button_reply", "list_reply", "nfm_reply"})
_WA_ID = re.compile(r"^[1-9]\d{7,14}$")
_BSUID = re.compile(r"^[A-Z]{2}\.\d{5,40}$")
_KNOWN_KEYS = frozenset(
    {"from", "from_user_id", "type", "profile_name", "context", "referral", "phone_number_id"}
)


def _bad(details: str) -> GraphError:
    return GraphError(100, details)


def build_inbound(platform: Platform, body: object) -> tuple[Line, Chat, dict[str, Any]]:
    """Validate the request and build the `messages[]` item the webhook will carry."""
    if not isinstance(body, dict):
        raise _bad("The body must be a JSON object like a webhook messages[] item.")
    wa_id = body.get("from")
    user_id = body.get("from_user_id")
    if wa_id is None and user_id is None:
        raise GraphError(131008, 'Give "from" (the customer\'s wa_id) or "from_user_id" (a BSUID).')
    if wa_id is not None and (not isinstance(wa_id, str) or not _WA_ID.match(wa_id)):
        raise _bad('"from" must be the customer\'s WhatsApp id: 8 to 15 digits, no "+".')
    if user_id is not None and (not isinstance(user_id, str) or not _BSUID.match(user_id)):
        raise _bad('"from_user_id" must be a BSUID like "US.13491208655302741918".')
    kind = body.get("type", "text")
    if kind not in INBOUND_TYPES:
        raise _bad(f'"type" must be one of: {", ".join(sorted(INBOUND_TYPES))}.')
    allowed = _KNOWN_KEYS | {kind}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _bad(f'Unexpected key "{unknown[0]}" for an inbound {kind} message.')
    number_id = body.get("phone_number_id", platform.primary.phone_number_id)
    line = platform.lines.get(str(number_id))
    if line is None:
        raise _bad(f'"phone_number_id" {number_id!r} is not a number of this sandbox.')
    name = body.get("profile_name")
    if name is not None and (not isinstance(name, str) or not 0 < len(name) <= 100):
        raise _bad('"profile_name" must be a string of 1 to 100 characters.')

    customer = platform.directory.customer(wa_id, user_id)
    if name is not None:
        customer.profile_name = name
    chat = platform.directory.chat(line.phone_number_id, customer)
    now = platform.clock.now()
    message: dict[str, Any] = {}
    if customer.wa_id is not None:
        message["from"] = customer.wa_id
    message["from_user_id"] = customer.user_id
    message["id"] = new_wamid(customer.key)
    message["timestamp"] = str(int(now))
    message["type"] = kind

    context = body.get("context")
    if context is not None and not isinstance(context, dict):
        raise _bad('"context" must be an object like {"id": "wamid..."}.')
    payload = body.get(kind)
    _fill_payload(platform, chat, kind, payload, message, context)
    if context is not None:
        message["context"] = dict(context)
    if "id" in message.get("context", {}):  # a reply's context names the business's number
        message["context"]["from"] = line.display_phone_number
    referral = body.get("referral")
    if referral is not None:
        if not isinstance(referral, dict):
            raise _bad('"referral" must be an object (source_url, source_id, source_type...).')
        message["referral"] = referral
    return line, chat, message


def play_inbound(platform: Platform, body: object) -> dict[str, Any]:
    """Build the customer's message, deliver it (signed webhook) and log it: what
    `POST /_sandbox/inbound` and the phone page's taps and texts do. The new message."""
    line, chat, message = build_inbound(platform, body)
    platform.deliver_inbound(line, chat, message)
    platform.log_request({"method": "POST", "path": "/_sandbox/inbound", "kind": "inbound"})
    return message


def _fill_payload(
    platform: Platform,
    chat: Chat,
    kind: str,
    payload: object,
    message: dict[str, Any],
    context: dict[str, Any] | None,
) -> None:
    if kind in {"unsupported", "request_welcome"}:
        if kind == "unsupported":
            message["errors"] = [
                {
                    "code": 131051,
                    "title": "Message type unknown",
                    "message": "Message type unknown",
                    "error_data": {"details": "Message type is currently not supported."},
                }
            ]
        return
    if kind == "contacts":
        if not isinstance(payload, list) or not payload:
            raise _bad('"contacts" must be a non-empty list of contact cards.')
        message["contacts"] = payload
        return
    if not isinstance(payload, dict):
        raise GraphError(131008, f'An inbound {kind} message needs a "{kind}" object.')
    item = dict(payload)
    if kind == "text":
        if not isinstance(item.get("body"), str) or not item["body"]:
            raise GraphError(131008, "text.body is required and must be a non-empty string.")
    elif kind in MEDIA_TYPES:
        _fill_media(platform, kind, item)
    elif kind == "location":
        for axis, bound in (("latitude", 90), ("longitude", 180)):
            value = item.get(axis)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise GraphError(131008, f"location.{axis} is required and must be a number.")
            if not -bound <= value <= bound:
                raise _bad(f"location.{axis} must be between -{bound} and {bound}.")
    elif kind == "reaction":
        if "message_id" not in item:
            last = chat.last_received()
            if last is None:
                raise GraphError(131008, "reaction.message_id is required (nothing to react to).")
            item["message_id"] = last.id
        if not isinstance(item.get("emoji"), str):
            raise GraphError(131008, 'reaction.emoji is required ("" removes a reaction).')
    elif kind == "interactive":
        _fill_interactive(chat, item, message, context)
    elif kind == "button":
        _fill_quick_reply(chat, item, message, context)
    elif kind == "order":
        items = item.get("product_items")
        if not isinstance(items, list) or not items or not isinstance(item.get("catalog_id"), str):
            raise GraphError(131008, "order needs catalog_id and a non-empty product_items list.")
    elif kind == "system":
        if not isinstance(item.get("body"), str):
            raise GraphError(131008, "system.body is required.")
        item.setdefault("type", "user_changed_number")  # Meta always says which change
    message[kind] = item


def _fill_media(platform: Platform, kind: str, item: dict[str, Any]) -> None:
    now = platform.clock.now()
    media_id = item.get("id")
    encoded = item.pop("data_base64", None)
    if encoded is not None:
        # The customer's own bytes: `{"data_base64": "...", "mime_type": "image/png"}`.
        if media_id is not None:
            raise _bad(f"Give {kind}.id or {kind}.data_base64, not both.")
        try:
            data = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise _bad(f"{kind}.data_base64 is not valid base64.") from None
        if not data:
            raise _bad(f"{kind}.data_base64 is empty.")
        mime = item.get("mime_type")
        media = platform.media.customer(kind, data, now, mime if isinstance(mime, str) else None)
    elif media_id is None:
        mime = item.get("mime_type")
        media = platform.media.placeholder(kind, now, mime if isinstance(mime, str) else None)
    else:
        found = platform.media.get(str(media_id), now)
        if found is None:
            raise _bad(f"{kind}.id {media_id} is not a media id of this sandbox.")
        media = found
    item["id"] = media.id
    item["mime_type"] = media.mime_type
    item["sha256"] = media.sha256
    if kind == "audio":
        item.setdefault("voice", True)
    if kind == "sticker":
        item.setdefault("animated", False)


def _fill_interactive(
    chat: Chat, item: dict[str, Any], message: dict[str, Any], context: dict[str, Any] | None
) -> None:
    reply_type = item.get("type")
    if reply_type not in INTERACTIVE_REPLIES:
        raise _bad(f"interactive.type must be one of: {', '.join(sorted(INTERACTIVE_REPLIES))}.")
    reply = item.get(reply_type)
    if not isinstance(reply, dict):
        raise GraphError(131008, f"interactive.{reply_type} is required.")
    if reply_type != "nfm_reply" and not (
        isinstance(reply.get("id"), str) and isinstance(reply.get("title"), str)
    ):
        raise GraphError(131008, f"interactive.{reply_type} needs an id and a title.")
    if context is None:
        last = chat.last_received(kinds=("interactive",))
        if last is not None:
            message["context"] = {"from": chat.phone_number_id, "id": last.id}


def _fill_quick_reply(
    chat: Chat, item: dict[str, Any], message: dict[str, Any], context: dict[str, Any] | None
) -> None:
    text = item.get("text")
    if not isinstance(text, str) or not text:
        raise GraphError(131008, "button.text (the label tapped) is required.")
    # Find the template whose quick reply was tapped: the one named in context, else the newest
    # template with a button of that label.
    target_id = context.get("id") if context else None
    for sent in reversed(chat.received):
        template = sent.template
        if template is None or (target_id is not None and sent.id != target_id):
            continue
        if text in template.buttons:
            index = template.buttons.index(text)
            item.setdefault("payload", template.quick_reply_payloads.get(index, text))
            if context is None:
                message["context"] = {"from": chat.phone_number_id, "id": sent.id}
            return
    item.setdefault("payload", text)
