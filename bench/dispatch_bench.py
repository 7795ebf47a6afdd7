"""Dispatch: messages/s from a filled outbox to "accepted" by the sandbox, and the same sends done
the way a Python developer would without Ordertalk (pywa, sync and async).

Ordertalk's figure includes everything a real send does: claiming rows with a lease, the policy
(consent, window, template status, quiet hours, caps, budget), rendering from the order's rows
with Babel, pacing per number and per customer, the HTTP call, and recording the wamid. The
outbox is filled beforehand through the real path (an order event applied, the playbook
planning its confirmation), which is not timed. pywa only sends a fixed template: it does none
of that work, so the ratio is how much the bookkeeping costs against a bare loop.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from pywa import WhatsApp
from pywa.types.templates import TemplateLanguage
from pywa_async import WhatsApp as AsyncWhatsApp
from sqlalchemy import func, select
from tests.servers import free_port

from bench.httpload import Sink
from bench.rig import API, NUMBER, TOKEN, fresh_database, make_store, sandbox, scratch
from ordertalk.commerce.events import CommerceEvent, CustomerFacts, OrderFacts, PaymentMethod
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.service import CommerceService
from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.journeys.service import plan
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import DispatchConfig, Dispatcher
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store


@dataclass
class DispatchRun:
    """What one backend measured."""

    backend: str
    database_url: str  # kept, with every message accepted, for the ingest benchmark
    sends: int
    ordertalk_s: float
    pywa_sync_s: float
    pywa_async_s: float

    @property
    def ordertalk_per_s(self) -> float:
        """Outbox rows accepted by the sandbox per second."""
        return self.sends / self.ordertalk_s

    @property
    def pywa_sync_per_s(self) -> float:
        """A plain pywa loop's sends per second."""
        return self.sends / self.pywa_sync_s

    @property
    def pywa_async_per_s(self) -> float:
        """pywa_async with asyncio.gather in bounded batches, sends per second."""
        return self.sends / self.pywa_async_s


def _customer(i: int) -> str:
    return f"+9198{i:08d}"


async def _fill(database_url: str, store_id: str, sends: int) -> None:
    """`sends` prepaid orders, each confirmed: one order_confirmed outbox row per customer."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    try:
        for start in range(0, sends, 500):
            async with sessions() as session:
                store = await session.get(Store, store_id)
                assert store is not None
                for i in range(start, min(start + 500, sends)):
                    event = CommerceEvent(
                        source="bench",
                        milestone=Milestone.ORDER_CONFIRMED,
                        event_time=now,
                        order=OrderFacts(
                            external_id=f"B{i}",
                            name=f"#{10_000 + i}",
                            customer=CustomerFacts(phone=_customer(i), name=f"Customer {i}"),
                            currency="INR",
                            total=Decimal("1499.00"),
                            payment_method=PaymentMethod.PREPAID,
                            placed_at=now,
                        ),
                    )
                    applied = await CommerceService(session, store).apply(event)
                    await plan(session, store, applied, now)
                await session.commit()
    finally:
        await engine.dispose()


async def _dispatch(database_url: str, sandbox_url: str, sends: int) -> float:
    """Seconds for the dispatcher to take every row to "accepted"."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    pool = ClientPool(Settings(graph_base_url=sandbox_url))
    dispatcher = Dispatcher(sessions, pool, config=DispatchConfig())
    accepted_rows = select(func.count()).where(OutboundMessage.wamid.is_not(None))
    stop = asyncio.Event()
    try:
        started = time.perf_counter()
        # The dispatcher's own loop, as `ordertalk worker` runs it (passes overlap by one).
        running = asyncio.create_task(dispatcher.run(stop))
        accepted = 0
        while accepted < sends and not running.done():
            await asyncio.sleep(0.05)
            async with sessions() as session:
                accepted = int(await session.scalar(accepted_rows) or 0)
            if time.perf_counter() - started > 600:
                break
        elapsed = time.perf_counter() - started
        stop.set()
        await running
        if accepted != sends:
            raise RuntimeError(f"only {accepted} of {sends} messages were accepted")
        return elapsed
    finally:
        await pool.aclose()
        await engine.dispose()


def _pywa_sync(sandbox_url: str, sends: int) -> float:
    """A plain loop of pywa sends, as the pywa docs show."""
    with httpx.Client(timeout=30) as session:
        client = WhatsApp(phone_id=NUMBER, token=TOKEN, session=session)
        client.api._session.base_url = f"{sandbox_url}/{API}"
        started = time.perf_counter()
        for i in range(sends):
            client.send_template(
                to=_customer(1_000_000 + i).lstrip("+"),
                name="hello_world",
                language=TemplateLanguage.ENGLISH_US,
            )
        return time.perf_counter() - started


async def _pywa_async(sandbox_url: str, sends: int, batch: int = 64) -> float:
    """pywa_async with asyncio.gather, `batch` sends at a time."""
    async with httpx.AsyncClient(timeout=30) as session:
        client = AsyncWhatsApp(phone_id=NUMBER, token=TOKEN, session=session)
        client.api._session.base_url = f"{sandbox_url}/{API}"
        started = time.perf_counter()
        for start in range(0, sends, batch):
            await asyncio.gather(
                *(
                    client.send_template(
                        to=_customer(2_000_000 + i).lstrip("+"),
                        name="hello_world",
                        language=TemplateLanguage.ENGLISH_US,
                    )
                    for i in range(start, min(start + batch, sends))
                )
            )
        return time.perf_counter() - started


async def run(backend: str, sends: int) -> DispatchRun:
    """Ordertalk, pywa and pywa_async, each sending `sends` messages through one sandbox."""
    sink = Sink()
    sink_port = free_port()
    server = await sink.start(sink_port)
    try:
        async with sandbox(f"http://127.0.0.1:{sink_port}/webhook") as box:
            database_url = await fresh_database(backend, scratch())
            store_id = await make_store(database_url, box.url)
            await _fill(database_url, store_id, sends)
            ordertalk_s = await _dispatch(database_url, box.url, sends)
            # Let the sandbox's throughput bucket refill between contestants.
            await asyncio.sleep(2)
            sync_s = await asyncio.to_thread(_pywa_sync, box.url, sends)
            await asyncio.sleep(2)
            async_s = await _pywa_async(box.url, sends)
        return DispatchRun(backend, database_url, sends, ordertalk_s, sync_s, async_s)
    finally:
        await sink.close(server)
