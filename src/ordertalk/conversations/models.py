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
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
