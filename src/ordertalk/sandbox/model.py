"""The sandbox's shared vocabulary: what a validated send looks like to the rest of the sandbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TemplateCategory(StrEnum):
    """Template categories as Meta names them."""

    MARKETING = "MARKETING"
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"


class TemplateStatus(StrEnum):
    """Template review and lifecycle states."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of an interactive list, as the customer sees it."""

    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RenderedTemplate:
    """A template send that passed validation, rendered as the customer's phone shows it."""

    template_id: str
    name: str
    language: str
    category: TemplateCategory
    text: str
    # Labels of the template's buttons, in order (quick replies, URL, phone, copy code).
    buttons: list[str] = field(default_factory=list)
    # Quick-reply payloads by button index, echoed back in an inbound `button` message on tap.
    quick_reply_payloads: dict[int, str] = field(default_factory=dict)
    # Final URLs of URL buttons (base URL + suffix), by button index.
    urls: dict[int, str] = field(default_factory=dict)
    # The media object of an image/video/document header ({"id": ...} or {"link": ...}),
    # checked against the media store by the send validator.
    header_media: dict[str, Any] | None = None
    header_format: str | None = None
    # The parts `text` joins, for views that show them apart (the sandbox's phone page).
    header_text: str | None = None
    body_text: str = ""
    footer_text: str | None = None


@dataclass(frozen=True, slots=True)
class ValidatedMessage:
    """An outbound message that passed validation and is ready to be accepted."""

    type: str
    to_input: str
    # The customer's WhatsApp id (digits only), or None when sent to a BSUID `recipient`.
    wa_id: str | None
    user_id: str | None
    text: str
    buttons: list[str] = field(default_factory=list)
    rows: list[ListRow] = field(default_factory=list)
    template: RenderedTemplate | None = None
    context_message_id: str | None = None
    biz_opaque_callback_data: str | None = None
    # Media given by link: the sandbox fails these asynchronously (131053) if the link is bad.
    media_links: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
