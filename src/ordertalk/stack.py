"""Running Ordertalk (API + worker) and, when asked, an in-process sandbox in one event loop.

`ordertalk serve --sandbox` and `ordertalk demo` use this: every store without WhatsApp number
settings gets a sandbox number, so a fresh install can be tried without a Meta account.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn
from sqlalchemy import select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.migrations import upgrade_async
from ordertalk.sandbox.app import create_app as create_sandbox
from ordertalk.sandbox.settings import Behaviour, SandboxSettings
from ordertalk.stores.models import Store


@dataclass(frozen=True, slots=True)
class Stack:
    """Where the running pieces answer."""

    api_url: str
    sandbox_url: str | None
    sandbox: SandboxSettings | None


def sandbox_number_for(store_id: str) -> str:
    """A stable sandbox business number id for a store (digits, like Meta's)."""
    return "1065" + str(int(hashlib.sha256(store_id.encode()).hexdigest()[:12], 16))[:11]


async def connect_stores_to_sandbox(
    settings: Settings, sandbox: SandboxSettings, sandbox_url: str | None = None
) -> list[str]:
    """Give every store without a WhatsApp number a sandbox one; all sandbox numbers.

    Sandbox stores also record the sandbox's URL, so that other commands run beside the server
    (`ordertalk templates push`) reach the sandbox rather than Meta.
    """
    engine = create_engine(settings.database_url)
    numbers: list[str] = []
    try:
        async with session_factory(engine)() as session:
            for store in await session.scalars(select(Store).order_by(Store.created_at)):
                if store.phone_number_id is None:
                    store.phone_number_id = sandbox_number_for(store.id)
                    store.waba_id = sandbox.waba_id
                    store.access_token = sandbox.access_token
                    store.app_secret = sandbox.app_secret
                    store.verify_token = sandbox.verify_token
                if store.access_token == sandbox.access_token and store.phone_number_id:
                    numbers.append(store.phone_number_id)
                    if sandbox_url is not None:
                        store.graph_base_url = sandbox_url
            await session.commit()
    finally:
        await engine.dispose()
    return numbers


def _server(app: object, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )
    return uvicorn.Server(config)


async def wait_until_up(url: str) -> None:
    """Poll a health URL until it answers 200 (10 s at most)."""
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    sandbox_port: int | None,
    behaviour: Behaviour | None = None,
) -> AsyncIterator[Stack]:
    """Migrate, start the sandbox (optional) and the API, yield, then stop both."""
    await upgrade_async(settings.database_url)
    sandbox: SandboxSettings | None = None
    servers: list[uvicorn.Server] = []
    sandbox_url = None
    if sandbox_port is not None:
        sandbox_url = f"http://{settings.host}:{sandbox_port}"
        sandbox = SandboxSettings(
            behaviour=behaviour
            or Behaviour.model_validate(
                {"webhook_url": f"http://{settings.host}:{settings.port}/webhooks/whatsapp"}
            ),
        )
        numbers = await connect_stores_to_sandbox(settings, sandbox, sandbox_url)
        extra = [n for n in numbers if n != sandbox.phone_number_id]
        settings = settings.model_copy(update={"graph_base_url": sandbox_url})
        servers.append(
            _server(create_sandbox(sandbox, extra_numbers=extra), settings.host, sandbox_port)
        )
    servers.append(_server(create_app(settings), settings.host, settings.port))
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        if sandbox_url:
            await wait_until_up(f"{sandbox_url}/_sandbox/health")
        api_url = f"http://{settings.host}:{settings.port}"
        await wait_until_up(f"{api_url}/healthz")
        yield Stack(api_url=api_url, sandbox_url=sandbox_url, sandbox=sandbox)
    finally:
        for server in servers[::-1]:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
