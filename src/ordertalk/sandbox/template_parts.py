"""Reading a template definition: its variables and the layout the customer's phone shows.

Shared by creation (which checks the text) and sending (which fills it in), so both agree on what
a variable is. Component and button types are matched case-insensitively because clients differ
(Meta's docs write ``BODY``, some SDKs send ``body``) and Graph accepts both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ordertalk.sandbox.model import TemplateCategory

# Anything between double braces is meant as a variable; creation decides whether it is valid.
TOKEN = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
POSITIONAL_NAME = re.compile(r"[1-9][0-9]*")
NAMED_NAME = re.compile(r"[a-z_]+")

# Authentication templates carry no text of their own: Meta writes it, in the template's language.
# The sandbox shows the English wording whatever the language (the rendering is for tests).
AUTH_BODY = "*{{1}}* is your verification code."
AUTH_SECURITY = " For your security, do not share this code."
AUTH_FOOTER = "This code expires in {minutes} minutes."
COPY_CODE_LABEL = "Copy offer code"
OTP_LABELS = {"COPY_CODE": "Copy code", "ONE_TAP": "Autofill", "ZERO_TAP": "Autofill"}


def variables(text: str) -> list[str]:
    """The distinct variable names in ``text`` ("1", "order_id"), in order of first use."""
    return list(dict.fromkeys(match.group(1) for match in TOKEN.finditer(text)))


def hydrate(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{{name}}`` replaced by ``values[name]`` (unknown names kept)."""
    return TOKEN.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def kind(value: object) -> str:
    """The upper-cased type/format of a component or button, or "" when it is not a string."""
    return value.upper() if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class Button:
    """One button of a template definition."""

    type: str  # QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE or OTP
    label: str
    url: str | None = None  # base URL of a URL button, possibly ending in {{1}}


@dataclass(frozen=True, slots=True)
class Layout:
    """What a stored template looks like before its variables are filled in."""

    header_format: str | None  # TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION or None
    header_text: str | None
    body_text: str
    footer_text: str | None
    buttons: list[Button] = field(default_factory=list)


def layout(category: TemplateCategory, components: list[dict[str, Any]]) -> Layout:
    """The layout of a template that passed creation validation."""
    parts = {kind(component.get("type")): component for component in components}
    header, body, footer = parts.get("HEADER"), parts.get("BODY", {}), parts.get("FOOTER")
    buttons = [_button(b) for b in parts.get("BUTTONS", {}).get("buttons", [])]
    if category is TemplateCategory.AUTHENTICATION:
        body_text = AUTH_BODY + (AUTH_SECURITY if body.get("add_security_recommendation") else "")
        minutes = footer.get("code_expiration_minutes") if footer else None
        footer_text = AUTH_FOOTER.format(minutes=minutes) if minutes is not None else None
        return Layout(None, None, body_text, footer_text, buttons)
    header_format = kind(header.get("format")) if header else None
    header_text = str(header.get("text", "")) if header and header_format == "TEXT" else None
    footer_text = str(footer.get("text", "")) if footer else None
    return Layout(header_format, header_text, str(body.get("text", "")), footer_text, buttons)


def _button(button: dict[str, Any]) -> Button:
    button_type = kind(button.get("type"))
    text = button.get("text")
    if button_type == "COPY_CODE":
        return Button(button_type, COPY_CODE_LABEL)
    if button_type == "OTP":
        default = OTP_LABELS.get(kind(button.get("otp_type")), "Copy code")
        return Button(button_type, text if isinstance(text, str) and text else default)
    url = button.get("url") if button_type == "URL" else None
    return Button(button_type, str(text), url if isinstance(url, str) else None)
