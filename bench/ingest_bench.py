"""Status-webhook ingest: how many statuses per second `/webhooks/whatsapp` takes, and how long
Meta waits for each acknowledgement.

Ordertalk runs as `ordertalk serve --no-worker` pinned to core 0; the load comes from core 1
over keep-alive sockets. Every POST is what the Cloud API sends: one status (sent, delivered or
read) of a message Ordertalk really sent, signed with the app secret. Each is checked and
committed once by its digest before the 200 (the acknowledgement); the applier in the same
process, on the same core, applies them (forward-only state, pricing, the message's event log)
in batches. Two rates: acknowledged (the POSTs' own pace) and applied (until the last status
is applied, counted from the first POST).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from tests.servers import free_port

from bench.httpload import timed_blast
from bench.rig import APP_SECRET, NUMBER, WABA, pinned, wait_healthy
from ordertalk.db import create_engine, session_factory
from ordertalk.messaging.models import OutboundMessage
from ordertalk.whatsapp.signature import sign
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent

STATUSES = ("sent", "delivered", "read")
PRICING = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}


@dataclass
class IngestRun:
    """What one backend measured."""

    statuses: int
    seconds: float
    latencies_ms: list[float]
    applied_seconds: float

    @property
    def per_s(self) -> float:
        """Statuses acknowledged (kept for good) per second."""
        return self.statuses / self.seconds

    @property
    def applied_per_s(self) -> float:
        """Statuses applied per second, from the first POST to the last one applied."""
        return self.statuses / self.applied_seconds

    @property
    def p99_ms(self) -> float:
        """The 99th percentile acknowledgement time."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _body(wamid: str, wa_id: str, callback: str, status: str, at: int) -> bytes:
    item: dict[str, object] = {
        "id": wamid,
        "status": status,
        "timestamp": str(at),
        "recipient_id": wa_id,
        "biz_opaque_callback_data": callback,
    }
    if status != "read":
        item["pricing"] = PRICING
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": NUMBER},
        "statuses": [item],
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA, "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def _post(host: str, body: bytes) -> bytes:
    return (
        f"POST /webhooks/whatsapp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: {sign(APP_SECRET, body)}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _sent_messages(database_url: str) -> list[tuple[str, str, str]]:
    """(wamid, customer, callback data) of every accepted message."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(OutboundMessage.wamid, OutboundMessage.payload).where(
                    OutboundMessage.wamid.is_not(None)
                )
            )
            return [
                (str(wamid), str(payload["to"]), str(payload["biz_opaque_callback_data"]))
                for wamid, payload in rows
                if payload
            ]
    finally:
        await engine.dispose()


async def _until_applied(database_url: str, within: float = 600.0) -> None:
    engine = create_engine(database_url)
    waiting = (
        select(func.count())
        .select_from(WhatsAppWebhookEvent)
        .where(WhatsAppWebhookEvent.processed_at.is_(None))
    )
    deadline = time.perf_counter() + within
    try:
        while time.perf_counter() < deadline:
            async with session_factory(engine)() as session:
                if not await session.scalar(waiting):
                    return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"statuses not applied within {within:g} s")
    finally:
        await engine.dispose()


async def run(database_url: str, messages: int, connections: int = 16) -> IngestRun:
    """The three statuses of `messages` accepted messages, one per POST, as fast as Ordertalk
    takes them."""
    sent = (await _sent_messages(database_url))[:messages]
    port = free_port()
    host = f"127.0.0.1:{port}"
    now = int(time.time())
    requests = [
        _post(host, _body(wamid, wa_id, callback, status, now))
        for status in STATUSES
        for wamid, wa_id, callback in sent
    ]
    env = os.environ | {
        "ORDERTALK_DATABASE_URL": database_url,
        "ORDERTALK_LOG_LEVEL": "WARNING",
        "ORDERTALK_WHATSAPP_APP_SECRET": APP_SECRET,
    }
    command = [sys.executable, "-m", "ordertalk.cli_entry", "serve", "--no-worker"]
    process = subprocess.Popen(
        [*pinned(0), *command, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_healthy(f"http://{host}/healthz")
        answers: list[int] = []
        started = time.perf_counter()
        seconds, latencies = await timed_blast(
            port, requests, connections, lambda status, _: answers.append(status)
        )
        if bad := sorted({status for status in answers if status != 200}):
            raise RuntimeError(f"ingest answered {bad}")
        await _until_applied(database_url)
        applied = time.perf_counter() - started
        return IngestRun(len(requests), seconds, [s * 1000 for s in latencies], applied)
    finally:
        process.terminate()
        process.wait(timeout=20)
