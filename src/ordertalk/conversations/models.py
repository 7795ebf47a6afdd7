"""One conversation per (store, customer), and every message in it, in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class Conversation(Base):
    """A customer's thread with a store: who is answering (the bot or a person) and its flow."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("store_id", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    # ConversationState: bot → waiting (for an agent) → agent → resolved (back to the bot)
    state: Mapped[str] = mapped_column(String(16), default="bot")
    assignee: Mapped[str | None] = mapped_column(String(200))
    flow: Mapped[str | None] = mapped_column(String(40))  # the bot flow in progress, if any
    flow_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flow_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ConversationMessage(Base):
    """A message in a conversation: the customer's (by wamid, once) or ours (by outbox row)."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        UniqueConstraint("store_id", "wamid"),
        Index("ix_conversation_messages_conversation", "conversation_id", "id"),
        Index("ix_conversation_messages_read_due", "read_receipt", "read_next_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" / "out"
    wamid: Mapped[str | None] = mapped_column(String(200))
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(String(4096))
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    intent: Mapped[str | None] = mapped_column(String(32))  # what the bot understood
    author: Mapped[str | None] = mapped_column(String(200))  # the agent, for an agent's reply
    # Inbound only: the blue ticks we owe the customer (ReadReceipt: pending / sent / failed).
    read_receipt: Mapped[str | None] = mapped_column(String(16))
    read_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the next try is due: the lease while one is in flight, the back-off after a failure.
    read_next_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class InboundMedia(Base):
    """A photo, video, audio or document a customer sent, fetched through the media API and kept.

    The message is stored first; fetching is a job on this row (retried with back-off), so a
    slow or failing download never holds up the conversation.
    """

    __tablename__ = "inbound_media"
    __table_args__ = (
        UniqueConstraint("store_id", "media_id"),
        Index("ix_inbound_media_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("conversation_messages.id", ondelete="CASCADE"), index=True
    )
    media_id: Mapped[str] = mapped_column(String(200))  # WhatsApp's id, valid for 30 days
    kind: Mapped[str] = mapped_column(String(16))  # image / video / audio / document / sticker
    declared_mime: Mapped[str | None] = mapped_column(String(200))
    mime_type: Mapped[str | None] = mapped_column(String(200))  # as fetched
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(500))  # relative to the media directory
    state: Mapped[str] = mapped_column(String(16), default="pending")  # MediaState
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ConversationNote(Base):
    """An agent's private note on a conversation (never sent to the customer)."""

    __tablename__ = "conversation_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CannedResponse(Base):
    """A saved reply agents insert with a shortcut, per store."""

    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("store_id", "shortcut"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4096))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
