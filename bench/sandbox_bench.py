"""How fast the sandbox accepts sends while it emits their status webhooks.

The sandbox runs as `ordertalk sandbox` in its own process pinned to core 0; this process (the
load and the webhook sink) is pinned to core 1. Status delays are zero, so every accepted send
immediately produces `sent`, `delivered` and `read` webhooks that compete for the same core.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
from tests.servers import free_port

from bench.httpload import Sink, blast, post_bytes

TOKEN = "bench-token"
NUMBERS = ["200000000000001", "200000000000002", "200000000000003", "200000000000004"]


@dataclass
class SandboxRun:
    """What one run measured."""

    sends: int
    accepted: int
    accept_s: float
    complete_s: float
    statuses: int
    posts: int

    @property
    def accepted_per_s(self) -> float:
        """Sends accepted per second, counted until every status webhook was delivered."""
        return self.accepted / self.complete_s


def _start_sandbox(port: int, sink_port: int, batch: int) -> subprocess.Popen[bytes]:
    args = [
        sys.executable, "-m", "ordertalk.cli_entry", "sandbox", "--port", str(port),
        "--webhook-url", f"http://127.0.0.1:{sink_port}/webhook", "--access-token", TOKEN,
        "--throughput", "1000", "--status-batch-size", str(batch),
    ]  # fmt: skip
    for number in NUMBERS:
        args += ["--phone-number-id", number]
    taskset = ["taskset", "-c", "0"] if os.cpu_count() and os.cpu_count() > 1 else []  # type: ignore[operator]
    return subprocess.Popen([*taskset, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _wait_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise RuntimeError("sandbox did not start")


async def run(sends: int, batch: int) -> SandboxRun:
    """Send ``sends`` template messages to distinct customers across four numbers."""
    port, sink_port = free_port(), free_port()
    sink = Sink()
    server = await sink.start(sink_port)
    process = _start_sandbox(port, sink_port, batch)
    try:
        await _wait_up(f"http://127.0.0.1:{port}/_sandbox/health")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as control:
            await control.put(
                "/_sandbox/config",
                json={
                    "sent_delay_s": 0,
                    "delivered_delay_s": 0,
                    "read_delay_s": 0,
                    "messaging_limit_tier": "TIER_UNLIMITED",
                    "batch_window_ms": 20,
                },
            )
        host = f"127.0.0.1:{port}"
        requests = []
        for i in range(sends):
            body = json.dumps(
                {
                    "messaging_product": "whatsapp",
                    "to": f"91{9_000_000_000 + i}",
                    "type": "template",
                    "template": {"name": "hello_world", "language": {"code": "en_US"}},
                    "biz_opaque_callback_data": f"bench:{i}",
                }
            ).encode()
            number = NUMBERS[i % len(NUMBERS)]
            requests.append(post_bytes(host, f"/v25.0/{number}/messages", body, TOKEN))
        accepted = 0

        def count(status: int, _body: bytes) -> None:
            nonlocal accepted
            accepted += status == 200

        started = time.perf_counter()
        accept_s = await blast(port, requests, connections=64, on_answer=count)
        await sink.wait_for(accepted * 3, within=120)
        complete_s = max(sink.last_at - started, accept_s)
        return SandboxRun(sends, accepted, accept_s, complete_s, sink.statuses, sink.posts)
    finally:
        process.terminate()
        process.wait(timeout=10)
        await sink.close(server)
