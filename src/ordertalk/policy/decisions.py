"""What the send gate can answer, and the reasons it gives (stored with every message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Purpose(StrEnum):
    """Why a message is sent; consent is kept per purpose."""

    UTILITY = "utility"  # order and shipment updates
    MARKETING = "marketing"  # cart recovery, back in stock, offers
    SERVICE = "service"  # a reply inside the customer service window (STOP confirmation, bot)


class Form(StrEnum):
    """How a message goes out: a free-form message (inside the window) or an approved template."""

    FREEFORM = "freeform"
    TEMPLATE = "template"


class Reason(StrEnum):
    """Every reason a message is sent, deferred, suppressed, withdrawn or held."""

    OK = "ok"
    # suppress
    NO_CONSENT = "no_consent"
    OPTED_OUT = "opted_out"
    NOT_ON_WHATSAPP = "not_on_whatsapp"
    WINDOW_CLOSED_NO_TEMPLATE = "window_closed_no_template"
    WINDOW_CLOSED = "window_closed"  # a reply that may only go inside the customer service window
    NOTHING_TO_SEND = "nothing_to_send"  # neither a free-form text nor a template is configured
    MARKETING_CAP = "marketing_cap"
    DUPLICATE = "duplicate"
    STALE = "stale"  # the milestone is no longer the entity's current state
    WITHDRAWN = "withdrawn"  # the reason for a scheduled message has gone (paid, delivered…)
    TEMPLATE_REJECTED = "template_rejected"
    EXPIRED = "expired"  # deferred for too long to still be useful
    RENDER_FAILED = "render_failed"  # a value WhatsApp would refuse (a broadcast skips it)
    # defer
    QUIET_HOURS = "quiet_hours"
    MESSAGING_LIMIT = "messaging_limit"
    TEMPLATE_NOT_APPROVED = "template_not_approved"  # pending review, paused, disabled: held
    RATE_LIMITED = "rate_limited"
    RETRY = "retry"
    ACCOUNT_BLOCKED = "account_blocked"
    AWAITING_STATUS = "awaiting_status"  # HTTP response lost: wait for a status webhook


@dataclass(frozen=True, slots=True)
class Send:
    """Send now, in this form."""

    form: Form
    reason: Reason = Reason.OK


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: try again at `until`."""

    until: datetime
    reason: Reason


@dataclass(frozen=True, slots=True)
class Suppress:
    """Never send this message."""

    reason: Reason


Decision = Send | Defer | Suppress
