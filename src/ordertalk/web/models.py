"""Tables behind the pages: people who log in to the dashboard, and the tracking links
messages carry (with their clicks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordertalk.db import Base, UtcDateTime, utcnow


class DashboardUser(Base):
    """A person who logs in to a store's dashboard (an owner, an operator or an agent)."""

    __tablename__ = "dashboard_users"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, never logged or shown
    role: Mapped[str] = mapped_column(String(16), default="owner")  # owner / agent
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout-everywhere or a password change: older session cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TrackingLink(Base):
    """A short link (/t/{code}) to an order's tracking page, carried by one message."""

    __tablename__ = "tracking_links"
    __table_args__ = (
        UniqueConstraint("code"),
        Index("ix_tracking_links_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))  # unguessable, URL-safe
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"), unique=True
    )
    milestone: Mapped[str | None] = mapped_column(String(40))  # what the message announced
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    first_click_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_click_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
