"""Rows for inbox tests: a customer who wrote, their conversation, an order with a parcel, and
Meta's verdicts on the templates (as `templates push` records them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.models import Order, Shipment
from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import note_inbound, upsert_contact
from ordertalk.conversations.models import Conversation, ConversationMessage
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import REGISTRY


@dataclass
class Customer:
    """A contact, their conversation and their order with one parcel."""

    contact: Contact
    conversation: Conversation
    order: Order
    shipment: Shipment


async def approve_templates(
    session: AsyncSession, store: Store, language: str = "en", **statuses: str
) -> None:
    """Every registry template approved in `language`, except those given another status."""
    for defn in REGISTRY.values():
        if not defn.template:
            continue
        session.add(
            TemplateStatus(
                store_id=store.id,
                name=defn.name,
                language=language,
                status=statuses.get(defn.key, "APPROVED"),
                category="UTILITY",
            )
        )
    await session.flush()


async def customer(
    session: AsyncSession,
    store: Store,
    *,
    phone: str = "+919876543210",
    name: str | None = "Asha",
    wrote_at: datetime,
    state: str = "waiting",
    order_id: str = "1001",
    milestone: str = "out_for_delivery",
    text: str = "I want to talk to a person",
) -> Customer:
    """A customer who wrote at `wrote_at` (so the window closes 24 h later), with an order
    whose parcel is at `milestone`."""
    contact = await upsert_contact(session, store, phone=phone, name=name, language="en")
    await note_inbound(session, contact, wrote_at)
    conversation = Conversation(
        store_id=store.id,
        contact_id=contact.id,
        state=state,
        flow_state={},
        labels=[],
        last_message_at=wrote_at,
        created_at=wrote_at - timedelta(minutes=5),
        updated_at=wrote_at,
    )
    session.add(conversation)
    await session.flush()
    session.add(
        ConversationMessage(
            store_id=store.id,
            conversation_id=conversation.id,
            direction="in",
            wamid=f"wamid.{store.id}.{contact.id}.{wrote_at.timestamp()}",
            type="text",
            text=text,
            content={},
            at=wrote_at,
        )
    )
    order = Order(
        store_id=store.id,
        external_id=order_id,
        name=f"#{order_id}",
        contact_id=contact.id,
        customer_name=name,
        currency="INR",
        total=Decimal("1499.00"),
        items=[],
        payment_method="prepaid",
        payment_status="paid",
        status_url=f"https://shop.example/orders/{order_id}",
        milestone="order_confirmed",
        rank=10,
        milestone_at=wrote_at - timedelta(days=3),
        created_at=wrote_at - timedelta(days=3),
        updated_at=wrote_at - timedelta(days=1),
    )
    session.add(order)
    await session.flush()
    shipment = Shipment(
        store_id=store.id,
        order_id=order.id,
        external_id=f"f-{order_id}",
        carrier="Delhivery",
        tracking_number=f"AWB{order_id}",
        tracking_url=f"https://track.example/AWB{order_id}",
        milestone=milestone,
        rank=90 if milestone == "delivered" else 50,
        milestone_at=wrote_at - timedelta(hours=2),
        created_at=wrote_at - timedelta(days=2),
    )
    session.add(shipment)
    await session.flush()
    return Customer(contact, conversation, order, shipment)


def offered(body: dict[str, Any]) -> list[str]:
    """The template keys a 409 body or offers list names."""
    return sorted(t["template"] for t in body["templates"])
