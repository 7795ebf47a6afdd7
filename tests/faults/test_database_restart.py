"""PostgreSQL restarting mid-run: the worker and the API recover on their own.

Restarting the machine's shared PostgreSQL would break the other tests running beside this one,
so the restart is played by a TCP proxy between Ordertalk and PostgreSQL, which is what a
restart looks like to a client: every connection dropped at once, new ones refused for a
while, then accepted again.

`ordertalk worker` and `ordertalk serve --no-worker` reach the database through the proxy while
1,000 messages go out. Part-way, the database goes away for 8 s. Promised:

- the API answers 503 with Retry-After (never 500) while the database is away, on its REST
  routes and on the WhatsApp webhook (so Meta delivers the statuses again), and 2xx once it
  is back, without a restart;
- the worker keeps running and finishes the send: every message accepted exactly once (checked
  from the sandbox's request log), sends that were under way when the database went away
  settled by their status webhooks, not sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from ordertalk.whatsapp.signature import sign
from tests.faults.rig import APP_SECRET, Rig, open_rig
from tests.servers import free_port

pytestmark = pytest.mark.slow

MESSAGES = 1_000
OUTAGE_S = 8.0


class DatabaseProxy:
    """A TCP proxy that can drop every connection and refuse new ones (`cut`), then accept them
    again (`restore`). Runs its own event loop on a thread, so the test's waits never stall it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _call(self, job: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(job, self.loop).result(timeout=10)

    def start(self) -> DatabaseProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def cut(self) -> None:
        """Drop every connection (as a server going down does) and refuse new ones."""
        self._call(self._cut())

    def restore(self) -> None:
        """Accept connections again."""
        self._call(self._listen())

    def stop(self) -> None:
        self._call(self._cut())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _serve(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        try:
            server_in, server = await asyncio.open_connection(*self.target)
        except OSError:
            client.transport.abort()
            return
        self._open |= {client, server}
        await asyncio.gather(
            self._pipe(client_in, server), self._pipe(server_in, client), return_exceptions=True
        )

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while chunk := await source.read(65536):
                sink.write(chunk)
                await sink.drain()
        finally:
            sink.transport.abort()
            self._open.discard(sink)


@contextlib.contextmanager
def proxy_to(database_url: str) -> Iterator[tuple[DatabaseProxy, str]]:
    """A proxy to the database's server, and the database's URL through it."""
    url = make_url(database_url)
    proxy = DatabaseProxy(url.host or "127.0.0.1", url.port or 5432).start()
    try:
        yield proxy, url.set(port=proxy.port).render_as_string(hide_password=False)
    finally:
        proxy.stop()


def status_webhook(rig: Rig, n: int) -> int:
    """A signed status webhook (for a message the store never sent), posted as Meta would;
    its answer. The sandbox's own deliveries may all fall outside the outage (they are
    answered as soon as they are kept), so the test sends one of its own while it lasts."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": rig.number},
        "statuses": [
            {"id": f"wamid.outage-{n}", "status": "delivered",
             "timestamp": str(int(time.time())), "recipient_id": "919800000000"}
        ],
    }  # fmt: skip
    change = {"field": "messages", "value": value}
    raw = json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [change]}]}
    ).encode()
    headers = {"X-Hub-Signature-256": sign(APP_SECRET, raw), "Content-Type": "application/json"}
    answer = httpx.post(
        f"{rig.api_url}/webhooks/whatsapp", content=raw, headers=headers, timeout=15
    )
    if answer.status_code == 503:
        assert answer.headers.get("retry-after"), answer.headers
    return answer.status_code


def ask(rig: Rig) -> int:
    """An API call that reads the database: the store's own settings."""
    headers = {"Authorization": f"Bearer {rig.api_key}"}
    answer = httpx.get(f"{rig.api_url}/v1/store", headers=headers, timeout=15)
    if answer.status_code == 503:
        assert answer.headers.get("retry-after"), answer.headers
    return answer.status_code


async def test_the_worker_and_the_api_ride_out_a_database_restart(tmp_path: Path) -> None:
    async with open_rig(tmp_path, list(range(MESSAGES - 1))) as rig:
        with proxy_to(rig.database_url) as (proxy, through_proxy):
            rig.start_api(through_proxy)
            worker = rig.start_worker(through_proxy)
            assert ask(rig) == 200

            async def under_way() -> bool:
                return await rig.accepted() >= MESSAGES // 4

            await rig.until(under_way, "a quarter of the messages accepted")
            proxy.cut()
            went_away = await rig.accepted()
            answers = []
            webhooks = []
            deadline = time.monotonic() + OUTAGE_S
            while time.monotonic() < deadline:
                answers.append(ask(rig))
                webhooks.append(status_webhook(rig, len(webhooks)))
                await asyncio.sleep(0.5)
            during = rig.webhook_stats()
            assert worker.alive, worker.tail()
            proxy.restore()

            back = time.monotonic()
            while (answer := ask(rig)) != 200:
                assert answer == 503, answer
                assert time.monotonic() - back < 60, "the API did not recover"
                await asyncio.sleep(0.5)
            recovered_s = time.monotonic() - back

            await rig.until(rig.all_settled, "every message sent and settled", 240)
            assert worker.alive, worker.tail()
            await rig.check_exactly_once()

        print(
            f"\ndatabase away at {went_away} of {MESSAGES} accepted; API answers while away:"
            f" {sorted(set(answers))} x{len(answers)}; 2xx {recovered_s:.1f} s after it came back"
        )
        assert went_away < MESSAGES
        assert set(answers) == {503}, answers
        # A webhook that came while the database was away was refused with 503 (so Meta
        # delivers it again), never acknowledged unkept, never a 500; the sandbox's own
        # deliveries were delivered again since (every message settled).
        assert set(webhooks) == {503}, webhooks
        answered = Counter((a["http_status"], a["error"]) for a in during["attempts"])
        print(f"the sandbox's latest webhook deliveries at the end of the outage: {answered}")
        assert not [a for a in answered if a[0] == 500], answered
