"""Plain words for the reasons and statuses merchants read on the dashboard."""

from __future__ import annotations

from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Reason

REASONS: dict[str, str] = {
    Reason.OK: "allowed",
    Reason.NO_CONSENT: "the customer has not agreed to these messages",
    Reason.OPTED_OUT: "the customer opted out (STOP)",
    Reason.NOT_ON_WHATSAPP: "this number is not on WhatsApp",
    Reason.WINDOW_CLOSED_NO_TEMPLATE: (
        "more than 24 h since the customer last wrote, and no approved template fits"
    ),
    Reason.WINDOW_CLOSED: "a free-form reply, but more than 24 h since the customer last wrote",
    Reason.NOTHING_TO_SEND: "neither a text nor a template is configured for it",
    Reason.MARKETING_CAP: "the customer reached this week's cap of marketing messages",
    Reason.DUPLICATE: "the same message was sent already",
    Reason.STALE: "the order or parcel moved on: the message would no longer be true",
    Reason.WITHDRAWN: "its reason went away (paid, delivered, cancelled…) before it was due",
    Reason.TEMPLATE_REJECTED: "Meta rejected the template",
    Reason.EXPIRED: "it waited too long to still be useful",
    Reason.RENDER_FAILED: "the message could not be written for this customer",
    Reason.QUIET_HOURS: "the customer's quiet hours: it waits until morning",
    Reason.MESSAGING_LIMIT: "today's limit of customers reached outside the window: it waits",
    Reason.TEMPLATE_NOT_APPROVED: "the template is not approved (pending, paused or disabled)",
    Reason.RATE_LIMITED: "sending too fast: it waits a moment",
    Reason.RETRY: "a temporary error: it is tried again",
    Reason.ACCOUNT_BLOCKED: "the WhatsApp account is blocked or restricted",
    Reason.AWAITING_STATUS: "the answer to the send was lost: waiting for WhatsApp's status",
}

STATES: dict[str, str] = {
    MessageState.SCHEDULED: "scheduled",
    MessageState.SENDING: "sending",
    MessageState.UNCONFIRMED: "sent? (waiting for WhatsApp)",
    MessageState.ACCEPTED: "accepted by WhatsApp",
    MessageState.SENT: "sent",
    MessageState.DELIVERED: "delivered",
    MessageState.READ: "read",
    MessageState.FAILED: "failed",
    MessageState.SUPPRESSED: "not sent",
    MessageState.WITHDRAWN: "withdrawn",
    MessageState.HELD: "held: needs a person",
}


def reason_text(reason: str | None) -> str:
    """A reason code in plain words (the code itself when it has none)."""
    if not reason:
        return ""
    return REASONS.get(reason, reason.replace("_", " "))


def state_text(state: str | None) -> str:
    """A message state in plain words."""
    return STATES.get(state or "", state or "")


def ticks(state: str | None) -> str:
    """WhatsApp's ticks for a state: ✓ sent, ✓✓ delivered or read, ✗ failed; else nothing."""
    match state:
        case MessageState.SENT | MessageState.ACCEPTED:
            return "✓"
        case MessageState.DELIVERED | MessageState.READ:
            return "✓✓"
        case MessageState.FAILED:
            return "✗"
        case _:
            return ""
