"""A shop for the broadcast tests: a store on a fresh database, its customers made and their
consent recorded through the contacts service, and Meta's template verdicts applied the way the
template webhooks apply them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ordertalk.broadcasts.models import Broadcast
from ordertalk.broadcasts.planner import BroadcastPlanner
from ordertalk.broadcasts.schemas import BroadcastIn
from ordertalk.broadcasts.service import create_broadcast
from ordertalk.contacts.keywords import Keyword
from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import ConsentSource, apply_keyword, record_consent, upsert_contact
from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.templates.registry import REGISTRY
from ordertalk.templates.service import apply_template_update
from ordertalk.whatsapp.webhook_types import TemplateStatusUpdate
from tests.api_support import new_store
from tests.database import fresh_database
from tests.messaging.conftest import rig  # noqa: F401  (the dispatcher's rig, for test_send)

OFFER = {"offer": "20% off the monsoon collection", "shop_url": "https://chai.example/monsoon"}


@dataclass
class Shop:
    """One store on its own database, and what a broadcast test does with it."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store_id: str
    numbers: int = 0

    async def store(self, session: AsyncSession) -> Store:
        store = await session.get(Store, self.store_id)
        assert store is not None
        return store

    async def customer(
        self,
        *,
        marketing: bool | None = True,
        language: str | None = None,
        phone: str | None = None,
        name: str | None = "Priya",
        store_id: str | None = None,
    ) -> int:
        """A new customer (an Indian mobile unless `phone`), with marketing consent recorded
        as given (None: never asked); their contact id."""
        self.numbers += 1
        async with self.sessions() as session:
            store = await session.get(Store, store_id or self.store_id)
            assert store is not None
            contact = await upsert_contact(
                session,
                store,
                phone=phone or f"+9198{self.numbers:08d}",
                name=name,
                language=language,
            )
            if marketing is not None:
                await record_consent(
                    session,
                    contact,
                    Purpose.MARKETING,
                    marketing,
                    ConsentSource.API,
                    {"form": "newsletter"},
                    utcnow(),
                )
            await session.commit()
            return contact.id

    async def stop(self, contact_id: int) -> None:
        """The customer writes STOP."""
        async with self.sessions() as session:
            contact = await session.get(Contact, contact_id)
            assert contact is not None
            await apply_keyword(session, contact, Keyword.STOP, utcnow(), {"text": "STOP"})
            await session.commit()

    async def unreachable(self, contact_id: int) -> None:
        """WhatsApp said the number has no account (what a 131026 failure records)."""
        async with self.sessions() as session:
            contact = await session.get(Contact, contact_id)
            assert contact is not None
            contact.reachable = False
            await session.commit()

    async def template(
        self, key: str, status: str = "APPROVED", languages: tuple[str, ...] | None = None
    ) -> None:
        """Meta's verdict on the template in these languages (default: all of them)."""
        defn = REGISTRY[key]
        async with self.sessions() as session:
            for language in languages or defn.languages:
                update = TemplateStatusUpdate(
                    event=status,
                    message_template_id=f"{defn.name}-{language}",
                    message_template_name=defn.name,
                    message_template_language=language,
                    message_template_category=defn.category,
                )
                await apply_template_update(session, self.store_id, update)
            await session.commit()

    async def broadcast(
        self,
        *,
        key: str | None = None,
        chunk: int = 2000,
        store_id: str | None = None,
        now: datetime | None = None,
        **body: Any,
    ) -> Broadcast:
        """Create (or, with an Idempotency-Key used before, find) a broadcast and plan it."""
        fields: dict[str, Any] = {"template": "offer", "purpose": "marketing", "params": OFFER}
        request = BroadcastIn.model_validate(fields | body)
        async with self.sessions() as session:
            store = await session.get(Store, store_id or self.store_id)
            assert store is not None
            broadcast, _ = await create_broadcast(session, store, request, key, now or utcnow())
            await session.commit()
        planner = BroadcastPlanner(self.sessions, chunk=chunk)
        return await planner.plan(broadcast.store_id, broadcast.id)

    async def messages(self, broadcast_id: int | None = None) -> list[OutboundMessage]:
        """The outbox rows (of one broadcast), in contact order."""
        async with self.sessions() as session:
            query = select(OutboundMessage).order_by(OutboundMessage.contact_id)
            if broadcast_id is not None:
                prefix = f"broadcast:{broadcast_id}:"
                query = query.where(OutboundMessage.dedup_key.startswith(prefix))
            return list(await session.scalars(query))

    async def outbox_size(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count(OutboundMessage.id))) or 0)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def shop(database_url: str) -> AsyncIterator[Shop]:
    """A store (India, English) whose `offer` template Meta approved in every language."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        store_id, _ = await new_store(session, name="Chai & Co")
        await session.commit()
    shop = Shop(engine, sessions, store_id)
    await shop.template("offer")
    try:
        yield shop
    finally:
        await engine.dispose()
