"""End to end: a store's webhook in → the message accepted by the Cloud API → its `delivered`
status recorded. Sustained events/s, and latency at a steady 80 events/s.

Ordertalk runs as `ordertalk serve` (API and worker in one process) pinned to core 0; the
sandbox and this load generator share core 1. Each event is `POST /v1/events` with the store's
key: a new prepaid order, which the playbook answers with its confirmation at once. The
sandbox reports `sent`, `delivered` and `read` at once, one per webhook POST, to Ordertalk.

Latency is measured per order from the moment its event was posted to the moment Ordertalk
finished applying the webhook that carried its message's `delivered` (the row's
`processed_at`); both are this machine's clock. No deliberate delay sits in that path: the
playbook step has none, the sandbox's status delays are zero, and the dispatcher is woken by
the event's commit rather than waiting for its poll.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from tests.servers import free_port

from bench.httpload import timed_blast
from bench.rig import (
    APP_SECRET,
    fresh_database,
    make_store_with_key,
    pinned,
    sandbox,
    scratch,
    wait_healthy,
)
from ordertalk.commerce.models import Order
from ordertalk.db import create_engine, session_factory
from ordertalk.messaging.models import OutboundMessage
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent

DELIVERED = ("delivered", "read")
WAIT_S = 600.0


@dataclass
class E2eRun:
    """What one backend measured."""

    events: int
    sustained_s: float
    latencies_ms: list[float]

    @property
    def events_per_s(self) -> float:
        """Events taken all the way to a recorded `delivered`, per second."""
        return self.events / self.sustained_s

    def percentile(self, share: float) -> float:
        """A latency percentile in ms (share 0.5 = p50)."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _event(prefix: str, i: int, host: str, key: str) -> tuple[str, bytes]:
    external_id = f"{prefix}{i}"
    body = json.dumps(
        {
            "id": f"evt-{external_id}",
            "milestone": "order_confirmed",
            "event_time": datetime.now(UTC).isoformat(),
            "order": {
                "external_id": external_id,
                "name": f"#{external_id}",
                "customer": {"phone": f"+9197{i:08d}" if prefix == "S" else f"+9196{i:08d}"},
                "currency": "INR",
                "total": "1499.00",
                "payment_method": "prepaid",
            },
        }
    ).encode()
    request = (
        f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    return external_id, request


async def _delivered(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            count = await session.scalar(
                select(func.count()).where(OutboundMessage.state.in_(DELIVERED))
            )
            return int(count or 0)
    finally:
        await engine.dispose()


async def _wait_delivered(database_url: str, target: int) -> float:
    """perf_counter() when `target` messages were delivered (polled every 0.2 s)."""
    deadline = time.perf_counter() + WAIT_S
    while (count := await _delivered(database_url)) < target:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {count} of {target} messages were delivered")
        await asyncio.sleep(0.2)
    return time.perf_counter()


async def _delivered_at(database_url: str) -> dict[str, datetime]:
    """Order external id → when the first webhook saying its message arrived was applied."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            applied: dict[str, datetime] = {}
            events = await session.execute(
                select(WhatsAppWebhookEvent.body, WhatsAppWebhookEvent.processed_at).where(
                    WhatsAppWebhookEvent.processed_at.is_not(None)
                )
            )
            for raw, processed_at in events:
                for entry in json.loads(raw).get("entry", []):
                    for change in entry.get("changes", []):
                        for status in change.get("value", {}).get("statuses", []):
                            # `read` can overtake `delivered`; either says it arrived.
                            if status.get("status") in DELIVERED:
                                wamid = status["id"]
                                applied[wamid] = min(processed_at, applied.get(wamid, processed_at))
            orders = await session.execute(
                select(OutboundMessage.wamid, Order.external_id).join(
                    Order, Order.id == OutboundMessage.order_id
                )
            )
            return {ext: applied[wamid] for wamid, ext in orders if wamid in applied}
    finally:
        await engine.dispose()


async def _paced(port: int, requests: list[tuple[str, bytes]], rate: float) -> dict[str, float]:
    """Post each request at `rate` per second on a few keep-alive sockets; when each went."""
    sent: dict[str, float] = {}
    queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (item := await queue.get()) is not None:
                external_id, raw = item
                sent[external_id] = time.time()
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line[15:])
                    for line in head.split(b"\r\n")
                    if line[:15].lower() == b"content-length:"
                )
                await reader.readexactly(length)
                if not head.startswith(b"HTTP/1.1 2"):
                    raise RuntimeError(f"event refused: {head[:40]!r}")
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    started = time.perf_counter()
    for i, item in enumerate(requests):
        # A steady schedule, not "sleep after each": late steps catch up rather than drift.
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        queue.put_nowait(item)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return sent


async def run(
    backend: str, sustained: int, paced: int, rate: float = 80.0, split: bool = False
) -> E2eRun:
    """`sustained` events as fast as they are taken, then `paced` events at `rate`/s.

    `split`: scaled out as DESIGN's deployment is, `serve --no-worker` on core 0 and
    `ordertalk worker` on core 1 (beside the sandbox and the load generator), instead of one
    `serve` doing everything on core 0.
    """
    port = free_port()
    host = f"127.0.0.1:{port}"
    async with sandbox(f"http://{host}/webhooks/whatsapp", core=1) as box:
        folder = scratch()
        database_url = await fresh_database(backend, folder)
        _, key = await make_store_with_key(database_url, box.url)
        env = os.environ | {
            "ORDERTALK_DATABASE_URL": database_url,
            "ORDERTALK_LOG_LEVEL": "WARNING",
            "ORDERTALK_WHATSAPP_APP_SECRET": APP_SECRET,
        }
        ordertalk = [sys.executable, "-m", "ordertalk.cli_entry"]
        command = [*ordertalk, "serve", "--port", str(port)]
        commands = [[*pinned(0), *command]]
        if split:
            commands = [[*pinned(0), *command, "--no-worker"], [*pinned(1), *ordertalk, "worker"]]
        # Their logs are kept beside the database, for when a run goes wrong.
        processes = []
        for n, argv in enumerate(commands):
            with (folder / f"ordertalk-{n}.err").open("w") as log:
                processes.append(
                    subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=log)
                )
        try:
            await wait_healthy(f"http://{host}/healthz")
            burst = [_event("S", i, host, key)[1] for i in range(sustained)]
            answers: list[int] = []
            started = time.perf_counter()
            await timed_blast(port, burst, 16, lambda status, _: answers.append(status))
            if bad := sorted({status for status in answers if status >= 300}):
                raise RuntimeError(f"events refused: {bad}")
            sustained_s = await _wait_delivered(database_url, sustained) - started

            steady = [_event("P", i, host, key) for i in range(paced)]
            sent = await _paced(port, steady, rate)
            await _wait_delivered(database_url, sustained + paced)
            applied = await _delivered_at(database_url)
            latencies = [
                (applied[ext].replace(tzinfo=UTC).timestamp() - at) * 1000
                for ext, at in sent.items()
            ]
            return E2eRun(sustained, sustained_s, latencies)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=20)
