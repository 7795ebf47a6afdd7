"""The typed vocabulary of conversations: who is answering, read receipts, and kept media."""

from __future__ import annotations

from enum import StrEnum


class ConversationState(StrEnum):
    """Who answers the customer: the bot, nobody yet (waiting for an agent), or an agent."""

    BOT = "bot"
    # Handed over: the bot answers only a flow's taps until an agent resolves it, or 24 hours
    # pass with nothing said (then the customer's next message is the bot's again).
    WAITING = "waiting"
    AGENT = "agent"
    RESOLVED = "resolved"  # back to the bot on the customer's next message


class HandoffSource(StrEnum):
    """Who handed a conversation to a person (`source` in the `conversation.handoff` webhook)."""

    BOT = "bot"  # the customer asked, or the bot could not help (the reason says which)
    API = "api"  # an agent or the store's system: POST /v1/conversations/{id}/handoff


class ReadReceipt(StrEnum):
    """The blue ticks owed for an inbound message (sent through `mark_read`)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries; nothing else depends on it


class MediaState(StrEnum):
    """Where fetching a customer's media stands."""

    PENDING = "pending"  # to fetch (again, after `next_attempt_at`)
    STORED = "stored"
    FAILED = "failed"  # retries exhausted
    REJECTED = "rejected"  # too large or of a type we do not keep
