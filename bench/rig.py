"""What the Ordertalk benchmarks share: a sandbox process on its own core, a fresh database of
either kind, and a store on that sandbox with every template approved.

The sandbox runs as `ordertalk sandbox` pinned to core 0; the benchmark (Ordertalk itself, or a
plain pywa loop) runs pinned to core 1, so both sides of every figure share one machine the way
they would share two small ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import make_url, text
from tests.servers import free_port

from ordertalk.db import create_engine, session_factory
from ordertalk.migrations import upgrade_async
from ordertalk.stores.service import create_store
from ordertalk.templates.service import push
from ordertalk.whatsapp.client import WhatsAppClient

TOKEN = "bench-token"
APP_SECRET = "bench-app-secret"
WABA = "300000000000001"
NUMBER = "200000000000001"
API = "v25.0"
POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"
)
BACKENDS = ("sqlite", "postgresql")


@dataclass
class SandboxProcess:
    """A sandbox in its own process."""

    url: str
    process: subprocess.Popen[bytes]


async def wait_healthy(url: str, attempts: int = 400) -> None:
    """Return once `url` answers 200 (a server just started)."""
    async with httpx.AsyncClient() as client:
        for _ in range(attempts):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def pinned(core: int) -> list[str]:
    """`taskset` for one core, when there is more than one."""
    return ["taskset", "-c", str(core)] if (os.cpu_count() or 1) > 1 else []


@contextlib.asynccontextmanager
async def sandbox(
    webhook_url: str, *, throughput: int = 1000, core: int = 0
) -> AsyncIterator[SandboxProcess]:
    """`ordertalk sandbox` on one core with one number at `throughput`, statuses at once."""
    port = free_port()
    args = [
        sys.executable, "-m", "ordertalk.cli_entry", "sandbox", "--port", str(port),
        "--webhook-url", webhook_url, "--access-token", TOKEN, "--app-secret", APP_SECRET,
        "--throughput", str(throughput), "--phone-number-id", NUMBER, "--waba-id", WABA,
    ]  # fmt: skip
    process = subprocess.Popen(
        [*pinned(core), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(f"{url}/_sandbox/health")
        async with httpx.AsyncClient(base_url=url) as control:
            answer = await control.put(
                "/_sandbox/config",
                json={
                    "sent_delay_s": 0,
                    "delivered_delay_s": 0,
                    "read_delay_s": 0,
                    "messaging_limit_tier": "TIER_UNLIMITED",
                    "batch_window_ms": 20,
                },
            )
            answer.raise_for_status()
        yield SandboxProcess(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


async def fresh_database(backend: str, folder: Path, postgres_url: str = POSTGRES) -> str:
    """A migrated, empty database of the given kind (PostgreSQL: `postgres_url`, recreated)."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    else:
        url = postgres_url
        name = make_url(url).database
        maintenance = make_url(url).set(database="postgres")
        engine = create_engine(maintenance.render_as_string(hide_password=False))
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await engine.dispose()
    await upgrade_async(url)
    return url


def scratch() -> Path:
    """A folder for one benchmark's files."""
    return Path(tempfile.mkdtemp(prefix="ordertalk-bench-"))


async def make_store(database_url: str, sandbox_url: str) -> str:
    """A store on the sandbox's number at 1,000 messages/s, every template approved; its id."""
    store_id, _ = await make_store_with_key(database_url, sandbox_url)
    return store_id


async def make_store_with_key(database_url: str, sandbox_url: str) -> tuple[str, str]:
    """:func:`make_store`, and the store's API key."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            store, key = await create_store(
                session,
                name="Bench & Co",
                country="IN",
                language="en",
                quiet_hours=None,
                phone_number_id=NUMBER,
                waba_id=WABA,
                access_token=TOKEN,
                app_secret=APP_SECRET,
                graph_base_url=sandbox_url,
                throughput_per_s=1000,
                messaging_limit=10_000_000,
            )
            await session.commit()
            async with WhatsAppClient(
                base_url=sandbox_url,
                api_version=API,
                access_token=TOKEN,
                phone_number_id=NUMBER,
                waba_id=WABA,
            ) as client:
                await push(session, store.id, client)
                await session.commit()
                # Reading the list back records the sandbox's verdicts (all approved) at once.
                await push(session, store.id, client)
                await session.commit()
            return store.id, key
    finally:
        await engine.dispose()
