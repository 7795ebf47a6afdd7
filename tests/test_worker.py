"""`ordertalk worker`: the outbox dispatcher as a process of its own, beside `serve --no-worker`.

The worker needs nothing from the API process but the database: it sends what is due to the
(sandbox) Cloud API. And an API started without its worker only plans messages: they wait in the
outbox until a worker runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ordertalk.commerce.service import CommerceService
from ordertalk.config import Settings
from ordertalk.db import utcnow
from ordertalk.journeys.service import plan
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from ordertalk.whatsapp.webhooks import parse_webhook
from ordertalk.whatsapp_webhooks.process import process_webhook
from ordertalk.worker import run_worker
from tests.api_support import database_session
from tests.conftest import Sandbox
from tests.database import fresh_database
from tests.e2e.harness import Shop, _prepare_store, open_shop, settled, shift_times, wait_for
from tests.integrations.fixtures import deliver, load, normalise, only

pytestmark = pytest.mark.database

PRIYA = "919876543210"  # the customer of Shopify order 5302002002 (COD, India)
ORDER = "5302002002"
GONE_OUT = ("accepted", "sent", "delivered", "read")
WAIT_S = 15.0


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


async def approve_templates(url: str, sandbox: Sandbox) -> None:
    """Apply Meta's review webhooks (they went to the test's receiver) until all are approved."""
    seen = 0
    deadline = time.monotonic() + WAIT_S
    while True:
        deliveries = sandbox.receiver.snapshot()[seen:]
        seen += len(deliveries)
        async with database_session(url) as session:
            stores = set(await session.scalars(select(Store.id)))  # signed by the sandbox
            for delivery in deliveries:
                await process_webhook(session, parse_webhook(delivery.body), stores)
            await session.commit()
            pending = await session.scalar(
                select(func.count(TemplateStatus.id)).where(TemplateStatus.status != "APPROVED")
            )
        if not pending:
            return
        assert time.monotonic() < deadline, f"{pending} templates never approved"
        await asyncio.sleep(0.05)


async def plan_cod_order(url: str, store_id: str) -> int:
    """Priya's COD order placed a minute ago, applied and planned; its message's id."""
    raw = shift_times(load("shopify", "orders_create_cod_in"), utcnow() - timedelta(minutes=1))
    event = only(normalise("shopify", deliver("shopify", raw, topic="orders/create")))
    async with database_session(url) as session:
        store = await session.get(Store, store_id)
        assert store is not None
        applied = await CommerceService(session, store).apply(event)
        [message] = await plan(session, store, applied, utcnow())
        await session.commit()
        return message.id


async def work_until(settings: Settings, sent: Callable[[], bool]) -> None:
    """Run the worker until `sent()` (a blocking check, run off the loop) holds, then stop it."""
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop))
    try:
        deadline = time.monotonic() + WAIT_S
        while not await asyncio.to_thread(sent) and time.monotonic() < deadline:
            assert not worker.done(), "the worker stopped by itself"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, WAIT_S)


async def test_the_worker_alone_sends_what_is_due(database_url: str, sandbox: Sandbox) -> None:
    store_id, _ = await _prepare_store(database_url, sandbox)
    await approve_templates(database_url, sandbox)
    message_id = await plan_cod_order(database_url, store_id)
    assert sandbox.phone(PRIYA) == []

    settings = Settings(database_url=database_url, graph_base_url=sandbox.url)
    await work_until(settings, lambda: bool(sandbox.phone(PRIYA)))

    [on_phone] = sandbox.phone(PRIYA)
    assert on_phone["template"]["name"] == "ot_cod_confirmation"
    async with database_session(database_url) as session:
        message = await session.get(OutboundMessage, message_id)
        assert message is not None
        assert (message.state, message.wamid) == ("accepted", on_phone["id"])
        outcomes = await session.scalars(
            select(MessageEvent.outcome)
            .where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.id)
        )
        assert list(outcomes) == ["send", "accepted"]


@pytest.fixture
def api_only(
    database_url: str, tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shop]:
    """Ordertalk's API as `ordertalk serve --no-worker` runs it (ORDERTALK_WORKER=false)."""
    monkeypatch.setenv("ORDERTALK_WORKER", "false")
    yield from open_shop(tmp_path, database_url, sandbox)


def test_an_api_without_its_worker_only_queues_until_a_worker_runs(
    api_only: Shop, database_url: str, sandbox: Sandbox
) -> None:
    shop = api_only
    answer = shop.send(
        "shopify", "orders_create_cod_in", at=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert answer["messages"] == 1

    # With a worker in the process this would go within moments; without one it stays queued.
    order = wait_for(
        lambda: shop.order(ORDER), lambda o: o["messages"][0]["state"] != "scheduled", 1.5
    )
    [queued] = order["messages"]
    assert queued["state"] == "scheduled"
    assert [e for e in queued["events"] if e["kind"] == "decision"] == []
    assert sandbox.phone(PRIYA) == []

    settings = Settings(database_url=database_url, graph_base_url=sandbox.url)
    asyncio.run(work_until(settings, lambda: bool(sandbox.phone(PRIYA))))

    [on_phone] = sandbox.phone(PRIYA)
    assert on_phone["template"]["name"] == "ot_cod_confirmation"
    order = shop.wait_order(ORDER, settled)
    [sent] = order["messages"]
    assert sent["state"] in GONE_OUT
    assert [e["outcome"] for e in sent["events"] if e["kind"] == "decision"] == ["send"]
