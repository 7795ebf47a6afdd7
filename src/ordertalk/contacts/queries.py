"""Reading contacts for people: a searchable page of a store's customers, and what one
customer has with the store (their conversation and orders). Rules live in `service`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.models import Order
from ordertalk.contacts.models import Contact
from ordertalk.conversations.models import Conversation


async def search_contacts(
    session: AsyncSession, store_id: str, query: str | None, *, offset: int, limit: int
) -> tuple[list[Contact], bool]:
    """A page of the store's contacts, newest first, whose number contains the digits of
    `query` (any format) when given; and whether more follow."""
    conditions = [Contact.store_id == store_id]
    digits = "".join(ch for ch in (query or "") if ch.isdigit())
    if digits:
        # A local number's leading zero is not part of the WhatsApp id (country code, no "+").
        conditions.append(Contact.wa_id.contains(digits.lstrip("0") or digits, autoescape=True))
    rows = list(
        await session.scalars(
            select(Contact)
            .where(*conditions)
            .order_by(Contact.created_at.desc(), Contact.id.desc())
            .offset(offset)
            .limit(limit + 1)
        )
    )
    return rows[:limit], len(rows) > limit


async def contact_conversation(session: AsyncSession, contact: Contact) -> Conversation | None:
    """The customer's conversation with the store, if they have one."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.store_id == contact.store_id, Conversation.contact_id == contact.id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def contact_orders(session: AsyncSession, contact: Contact, limit: int = 50) -> list[Order]:
    """The customer's orders with the store, newest first."""
    return list(
        await session.scalars(
            select(Order)
            .where(Order.store_id == contact.store_id, Order.contact_id == contact.id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )
