"""Message states and the forward-only order of delivery statuses."""

from __future__ import annotations

from enum import StrEnum


class MessageState(StrEnum):
    """Where an outbox row is, from planned to its final status."""

    SCHEDULED = "scheduled"  # waiting for not_before (and for the policy's say)
    SENDING = "sending"  # handed to the Cloud API; a crash here is settled by status webhooks
    UNCONFIRMED = "unconfirmed"  # the HTTP response was lost: wait for a status webhook
    ACCEPTED = "accepted"  # HTTP 200, a wamid
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # the policy said never
    WITHDRAWN = "withdrawn"  # its reason went away before it was due
    HELD = "held"  # needs a person: template paused/disabled, account blocked


# Status webhooks only ever move a message forward along this order; `failed` is final too.
STATUS_RANK: dict[MessageState, int] = {
    MessageState.SENDING: 0,
    MessageState.UNCONFIRMED: 0,
    MessageState.ACCEPTED: 1,
    MessageState.SENT: 2,
    MessageState.DELIVERED: 3,
    MessageState.READ: 4,
    MessageState.FAILED: 5,
}

OPEN_STATES = frozenset({MessageState.SCHEDULED, MessageState.HELD})
"""States in which a message has not gone out and can still be withdrawn."""
