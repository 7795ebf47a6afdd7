"""The typed vocabulary of conversations: who is answering, read receipts, and kept media."""

from __future__ import annotations

from enum import StrEnum


class ConversationState(StrEnum):
    """Who answers the customer: the bot, nobody yet (waiting for an agent), or an agent."""

    BOT = "bot"
    WAITING = "waiting"  # handed over; the bot stays quiet until an agent resolves it
    AGENT = "agent"
    RESOLVED = "resolved"  # back to the bot on the customer's next message


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
