"""Fixtures for the template tests: a store row on a fresh database, and a ready-made context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.stores.models import Store
from ordertalk.templates.render import RenderContext
from ordertalk.templates.service import apply_template_update
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.webhook_types import TemplateStatusUpdate, TemplateUpdate
from ordertalk.whatsapp.webhooks import parse_webhook, template_updates
from tests.api_support import database_session
from tests.conftest import API, SETTINGS, Sandbox
from tests.database import fresh_database

STORE_ID = "st_test"


def context(**changes: object) -> RenderContext:
    """A complete order context (Indian customer, rupees); keyword arguments replace fields."""
    fields: dict[str, object] = {
        "store_name": "Chai Co",
        "locale": "hi_IN",
        "timezone": "Asia/Kolkata",
        "customer_name": "Priya",
        "order_number": "#1042",
        "order_ref": "o_1042",
        "amount": Decimal("1499.50"),
        "currency": "INR",
        "carrier": "Delhivery",
        "tracking_number": "AWB123456789",
        "tracking_url": "https://track.example.com/AWB123456789",
        "edd": date(2026, 3, 5),
        "event_time": datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        "reason": "Customer not available",
        "invoice_url": "https://chai.example.com/invoices/1042.pdf",
        "status_url": "https://chai.example.com/orders/1042",
        "offer": "20% off the monsoon collection",
        "product": "the Assam tea gift box",
        "shop_url": "https://chai.example.com/monsoon",
    }
    fields.update(changes)
    return RenderContext(**fields)  # type: ignore[arg-type]


def sandbox_client(sandbox: Sandbox) -> WhatsAppClient:
    """A Cloud API client for the sandbox's business number and WABA."""
    return WhatsAppClient(
        base_url=sandbox.url,
        api_version=API,
        access_token=SETTINGS.access_token,
        phone_number_id=SETTINGS.phone_number_id,
        waba_id=SETTINGS.waba_id,
    )


def received_updates(sandbox: Sandbox) -> list[TemplateUpdate]:
    """Every template webhook value the receiver got so far, parsed like the real endpoint."""
    return [
        update
        for delivery in sandbox.receiver.snapshot()
        for _entry, update in template_updates(parse_webhook(delivery.body))
    ]


def wait_for_reviews(sandbox: Sandbox, event: str, count: int) -> None:
    """Wait until ``count`` template status webhooks with ``event`` have arrived."""

    def reviewed(_: object) -> bool:
        updates = received_updates(sandbox)
        found = sum(isinstance(u, TemplateStatusUpdate) and u.event == event for u in updates)
        return found >= count

    sandbox.receiver.wait_for(reviewed, timeout=15, what=f"{count} {event} reviews")


async def apply_received(session: AsyncSession, sandbox: Sandbox, skip: int = 0) -> int:
    """Apply the template webhooks received after the first ``skip``; how many there are now."""
    updates = received_updates(sandbox)
    for update in updates[skip:]:
        await apply_template_update(session, STORE_ID, update)
    await session.commit()
    return len(updates)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session with the `st_test` store committed (template rows point at it)."""
    async with database_session(database_url) as session:
        session.add(
            Store(
                id=STORE_ID,
                name="Test",
                country="IN",
                language="en",
                timezone="Asia/Kolkata",
                waba_id=SETTINGS.waba_id,
                phone_number_id=SETTINGS.phone_number_id,
            )
        )
        await session.commit()
        yield session
