"""Validation of the JSON body of ``POST /{version}/{phone_number_id}/messages``.

A pure function of the body plus two collaborators (template rendering, media lookup): every
invalid request raises :class:`GraphError` with the code and details the Cloud API would answer,
and nothing else can escape, whatever the input. Mark-as-read bodies are handled elsewhere.
Codes follow one rule (see ``validate_fields``): 131008 missing, 100 wrong type / unknown key /
plain Graph string limits, 131009 WhatsApp value and limit checks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ordertalk.sandbox.errors import invalid_parameter, unknown_field
from ordertalk.sandbox.model import RenderedTemplate, ValidatedMessage
from ordertalk.sandbox.validate_fields import (
    Rendering,
    as_object,
    check_keys,
    check_max_chars,
    check_wamid,
    item_path,
    key_path,
    media_reference,
    missing,
    not_one_of,
    optional_bool,
    optional_object,
    optional_str,
    required_object,
    required_str,
    wrong_type,
)
from ordertalk.sandbox.validate_interactive import validate_interactive

MESSAGE_TYPES = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
    "interactive",
    "template",
)
RECIPIENT_TYPES = ("individual", "group")
TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX = 512

_TOP_LEVEL_KEYS = frozenset(
    {
        "messaging_product",
        "recipient_type",
        "to",
        "recipient",
        "type",
        "context",
        "biz_opaque_callback_data",
        "recipient_identity_key_hash",
    }
)
# Which keys each media object takes: captions only where the phone can show one.
_MEDIA_KEYS: dict[str, tuple[str, ...]] = {
    "image": ("id", "link", "caption"),
    "video": ("id", "link", "caption"),
    "audio": ("id", "link", "voice"),
    "document": ("id", "link", "caption", "filename"),
    "sticker": ("id", "link"),
}
_CONTACT_KEYS = ("name", "phones", "emails", "org", "urls", "addresses", "birthday")
_CONTACT_NAME_KEYS = (
    "formatted_name",
    "first_name",
    "last_name",
    "middle_name",
    "suffix",
    "prefix",
)
_CONTACT_LIST_KEYS = ("phones", "emails", "urls", "addresses")

# Meta tolerates "+", spaces and common separators in `to` and normalises them away.
_PHONE_SEPARATORS = re.compile(r"[+ \-.()]")
# E.164 allows up to 15 digits; the shortest real numbers with country code have 8.
_PHONE_DIGITS = re.compile(r"[1-9][0-9]{7,14}")
_BSUID = re.compile(r"[A-Z]{2}\.[0-9]{1,64}")

_EMOJI_MAX_CODE_POINTS = 10
_ZWJ = 0x200D
_KEYCAP = 0x20E3
_KEYCAP_BASES = frozenset(ord(c) for c in "0123456789#*")
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
# Code points that modify the emoji before them: variation selectors, skin tones, flag tags.
_EMOJI_MODIFIERS = frozenset([0xFE0E, 0xFE0F, _KEYCAP, *range(0x1F3FB, 0x1F400)])
_EMOJI_TAGS = range(0xE0020, 0xE0080)
# Emoji that Unicode files under punctuation rather than symbols (‼ ⁉ 〰 〽).
_PUNCTUATION_EMOJI = frozenset([0x203C, 0x2049, 0x3030, 0x303D])


def validate_send(
    body: object,
    *,
    render_template: Callable[[Any], RenderedTemplate],
    media_exists: Callable[[str], bool],
) -> ValidatedMessage:
    """Validate a send body and return it as the phone will show it, or raise GraphError."""
    if not isinstance(body, dict):
        raise unknown_field("The request body must be a JSON object.")
    message: dict[str, Any] = body
    if "messaging_product" not in message:
        raise unknown_field("The parameter messaging_product is required.")
    if not _is_whatsapp(message["messaging_product"]):
        raise not_one_of("messaging_product", ("whatsapp",))
    msg_type = _message_type(message)
    check_keys(message, _TOP_LEVEL_KEYS | {msg_type}, "")
    if "recipient_type" in message and message["recipient_type"] not in RECIPIENT_TYPES:
        raise not_one_of("recipient_type", RECIPIENT_TYPES)
    to_input, wa_id, user_id = _recipient(message)
    context_message_id = _context(message)
    callback_data = optional_str(message, "biz_opaque_callback_data", "")
    if callback_data is not None:
        check_max_chars(callback_data, CALLBACK_DATA_MAX, "biz_opaque_callback_data")
    optional_str(message, "recipient_identity_key_hash", "")

    view = _render(message, msg_type, render_template, media_exists)
    return ValidatedMessage(
        type=msg_type,
        to_input=to_input,
        wa_id=wa_id,
        user_id=user_id,
        text=view.text,
        buttons=view.buttons,
        rows=view.rows,
        template=view.template,
        context_message_id=context_message_id,
        biz_opaque_callback_data=callback_data,
        media_links=view.media_links,
        raw=message,
    )


def _is_whatsapp(value: object) -> bool:
    """True only for the string "whatsapp" (not some object that compares equal to it)."""
    return isinstance(value, str) and value == "whatsapp"


def _message_type(message: dict[str, Any]) -> str:
    """The message type; Meta defaults an omitted type to text."""
    value = message.get("type", "text")
    if not isinstance(value, str) or value not in MESSAGE_TYPES:
        raise not_one_of("type", MESSAGE_TYPES)
    return value


def _recipient(message: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(to_input, wa_id, user_id) from ``to`` or, failing that, a BSUID ``recipient``."""
    if "to" in message:  # `to` wins over `recipient` when both are given (reference §0)
        to = message["to"]
        if not isinstance(to, str):
            raise wrong_type("to", "a string")
        digits = _PHONE_SEPARATORS.sub("", to)
        if not _PHONE_DIGITS.fullmatch(digits):
            raise unknown_field(
                "Param to must be a phone number with country code: 8 to 15 digits, not "
                "starting with 0 (+, spaces, dashes, dots and parentheses are ignored)."
            )
        return to, digits, None
    if "recipient" in message:
        recipient = message["recipient"]
        if not isinstance(recipient, str):
            raise wrong_type("recipient", "a string")
        if not _BSUID.fullmatch(recipient):
            raise unknown_field(
                "Param recipient must be a business-scoped user ID: two capital letters, a dot "
                'and digits, like "US.13491208655302741918".'
            )
        return recipient, None, recipient
    raise missing("to")


def _context(message: dict[str, Any]) -> str | None:
    """The wamid this message replies to, if any."""
    context = optional_object(message, "context", "")
    if context is None:
        return None
    check_keys(context, ("message_id",), "context")
    message_id = required_str(context, "message_id", "context")
    check_wamid(message_id, "context['message_id']")
    return message_id


def _render(
    message: dict[str, Any],
    msg_type: str,
    render_template: Callable[[Any], RenderedTemplate],
    media_exists: Callable[[str], bool],
) -> Rendering:
    """Validate the type-named object and render it."""
    if msg_type == "contacts":
        return _contacts(message)
    payload = required_object(message, msg_type, "")
    if msg_type == "text":
        return _text(payload)
    if msg_type == "location":
        return _location(payload)
    if msg_type == "reaction":
        return _reaction(payload)
    if msg_type == "interactive":
        return validate_interactive(payload, media_exists)
    if msg_type == "template":
        template = render_template(payload)
        links: list[str] = []
        if template.header_media is not None and template.header_format is not None:
            kind = template.header_format.lower()
            path = f"template['components'][header]['parameters'][0]['{kind}']"
            link = media_reference(template.header_media, path, media_exists)
            links = [link] if link else []
        return Rendering(
            text=template.text, buttons=list(template.buttons), media_links=links, template=template
        )
    return _media(payload, msg_type, media_exists)


def _text(text: dict[str, Any]) -> Rendering:
    """A text message: a 1..4096 character body and an optional link-preview flag."""
    check_keys(text, ("body", "preview_url"), "text")
    body = required_str(text, "body", "text")
    if not body:
        raise unknown_field("Param text['body'] must be at least 1 characters long.")
    check_max_chars(body, TEXT_MAX, "text['body']")
    optional_bool(text, "preview_url", "text")
    return Rendering(text=body)


def _media(media: dict[str, Any], kind: str, media_exists: Callable[[str], bool]) -> Rendering:
    """Image, video, audio, document or sticker, by uploaded id or by link."""
    check_keys(media, _MEDIA_KEYS[kind], kind)
    link = media_reference(media, kind, media_exists)
    caption = optional_str(media, "caption", kind)
    if caption is not None:
        check_max_chars(caption, CAPTION_MAX, key_path(kind, "caption"))
    filename = optional_str(media, "filename", kind)
    optional_bool(media, "voice", kind)
    label = f"[{kind} {filename}]" if filename else f"[{kind}]"
    text = f"{label} {caption}" if caption else label
    return Rendering(text=text, media_links=[link] if link else [])


def _location(location: dict[str, Any]) -> Rendering:
    """A pin: coordinates in range, optional name and address."""
    check_keys(location, ("latitude", "longitude", "name", "address"), "location")
    latitude = _coordinate(location, "latitude", 90)
    longitude = _coordinate(location, "longitude", 180)
    name = optional_str(location, "name", "location")
    address = optional_str(location, "address", "location")
    described = ", ".join(part for part in (name, address) if part)
    return Rendering(text=f"[location] {described or f'{latitude}, {longitude}'}")


def _coordinate(location: dict[str, Any], key: str, limit: int) -> float | int:
    """A latitude or longitude: a JSON number (not a boolean) within ±limit."""
    path = key_path("location", key)
    if key not in location:
        raise missing(path)
    value = location[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(path, "a number")
    # Compare without converting: an int too large for a float must not raise OverflowError.
    in_range = -limit <= value <= limit
    if not in_range or (isinstance(value, float) and not math.isfinite(value)):
        raise invalid_parameter(f"Param {path} must be between -{limit} and {limit}.")
    return value


def _contacts(message: dict[str, Any]) -> Rendering:
    """Contact cards: a non-empty array, each with ``name.formatted_name``."""
    if "contacts" not in message:
        raise missing("contacts")
    contacts = message["contacts"]
    if not isinstance(contacts, list) or not contacts:
        raise wrong_type("contacts", "a non-empty array")
    names = [_contact(item, item_path("contacts", index)) for index, item in enumerate(contacts)]
    return Rendering(text=f"[contact] {', '.join(names)}")


def _contact(item: object, path: str) -> str:
    """One contact card; returns its formatted name."""
    contact = as_object(item, path)
    check_keys(contact, _CONTACT_KEYS, path)
    name_path = key_path(path, "name")
    name = required_object(contact, "name", path)
    check_keys(name, _CONTACT_NAME_KEYS, name_path)
    formatted = required_str(name, "formatted_name", name_path)
    if not formatted.strip():
        raise missing(key_path(name_path, "formatted_name"))
    for key in _CONTACT_LIST_KEYS:
        if key in contact and not isinstance(contact[key], list):
            raise wrong_type(key_path(path, key), "an array")
    optional_object(contact, "org", path)
    optional_str(contact, "birthday", path)
    return formatted


def _reaction(reaction: dict[str, Any]) -> Rendering:
    """A reaction to an earlier message; an empty emoji removes it."""
    check_keys(reaction, ("message_id", "emoji"), "reaction")
    message_id = required_str(reaction, "message_id", "reaction")
    check_wamid(message_id, "reaction['message_id']")
    emoji = required_str(reaction, "emoji", "reaction")
    if emoji and not is_single_emoji(emoji):
        raise invalid_parameter(
            "Invalid emoji in param reaction['emoji']: it must be a single emoji, "
            "or empty to remove the reaction."
        )
    return Rendering(text=emoji)


def is_single_emoji(value: str) -> bool:
    """True when ``value`` looks like one emoji grapheme (ZWJ sequences, flags, keycaps)."""
    code_points = [ord(char) for char in value]
    if not code_points or len(code_points) > _EMOJI_MAX_CODE_POINTS:
        return False
    graphemes = 0
    previous: int | None = None
    half_flag = False  # a flag is two regional indicators; the second joins the first
    for cp in code_points:
        if cp in _EMOJI_MODIFIERS or cp in _EMOJI_TAGS or cp == _ZWJ:
            if previous is None:
                return False
        elif _is_emoji_base(cp) or (cp in _KEYCAP_BASES and _KEYCAP in code_points):
            is_indicator = cp in _REGIONAL_INDICATORS
            if previous == _ZWJ:
                pass
            elif is_indicator and half_flag:
                half_flag = False
            else:
                graphemes += 1
                half_flag = is_indicator
        else:
            return False
        previous = cp
    return graphemes == 1 and previous != _ZWJ


def _is_emoji_base(cp: int) -> bool:
    """A code point that can be an emoji by itself (symbols, pictographs; never ASCII)."""
    if cp < 0x80:
        return False
    if 0x1F000 <= cp <= 0x1FAFF or cp in _PUNCTUATION_EMOJI:
        return True  # includes pictographs newer than this Python's Unicode tables
    return unicodedata.category(chr(cp)) in ("So", "Sk", "Sm")
