"""Contacts (one per store and E.164 number) and the consent ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class Contact(Base):
    """A customer of one store, known by their WhatsApp number."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("store_id", "phone"),
        # A store's contacts in id order: paging them (broadcast audiences) is one range read.
        Index("ix_contacts_store_id_id", "store_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, "+919876543210"
    wa_id: Mapped[str] = mapped_column(String(20), index=True)  # E.164 without "+"
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    # Current consent per purpose, mirrored from the latest ledger row (None: never recorded).
    utility_consent: Mapped[bool | None] = mapped_column(Boolean)
    marketing_consent: Mapped[bool | None] = mapped_column(Boolean)
    # False once the Cloud API said the number is not on WhatsApp (131026).
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ConsentEvent(Base):
    """One consent change, kept forever: who agreed (or stopped) to what, when, how, and proof."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_contact_purpose", "contact_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # ConsentPurpose
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(40))  # ConsentSource
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
