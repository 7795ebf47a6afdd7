"""`make demo`: Ordertalk and the sandbox in one process, and a conversation you can watch."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.migrations import upgrade_async
from ordertalk.sandbox.app import create_app as create_sandbox
from ordertalk.sandbox.settings import Behaviour, SandboxSettings
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.webhooks import parse_webhook, statuses
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent

CUSTOMER = "919876543210"


def _server(app: object, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    return uvicorn.Server(config)


async def _wait_until_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def run_demo(settings: Settings, *, sandbox_port: int, console: Console) -> None:
    """Start both servers, play a customer who says hi and gets an answer, then keep serving."""
    await upgrade_async(settings.database_url)
    sandbox_settings = SandboxSettings(
        app_secret=settings.whatsapp_app_secret.get_secret_value(),
        verify_token=settings.whatsapp_verify_token.get_secret_value(),
        behaviour=Behaviour.model_validate(
            {
                "webhook_url": f"http://127.0.0.1:{settings.port}/webhooks/whatsapp",
                "sent_delay_s": 0.3,
                "delivered_delay_s": 0.8,
                "read_delay_s": 1.5,
            }
        ),
    )
    servers = [
        _server(create_sandbox(sandbox_settings), sandbox_port),
        _server(create_app(settings), settings.port),
    ]
    serving = [asyncio.create_task(s.serve()) for s in servers]
    base = f"http://127.0.0.1:{sandbox_port}"
    await _wait_until_up(f"{base}/_sandbox/health")
    await _wait_until_up(f"http://127.0.0.1:{settings.port}/healthz")
    console.print(
        f"[bold]Sandbox[/bold] {base}   [bold]Ordertalk[/bold] http://127.0.0.1:{settings.port}"
    )

    async with httpx.AsyncClient(base_url=base) as control:
        check = (await control.post("/_sandbox/verify-webhook")).json()
        console.print(f"webhook handshake: {'ok' if check.get('ok') else check}")
        hello = {"from": CUSTOMER, "type": "text", "text": {"body": "Hi! Where is my order?"}}
        await control.post("/_sandbox/inbound", json=hello | {"profile_name": "Asha"})
        console.print("customer Asha: [italic]Hi! Where is my order?[/italic]")
        async with WhatsAppClient(
            base_url=base,
            api_version=settings.graph_api_version,
            access_token=sandbox_settings.access_token,
            phone_number_id=sandbox_settings.phone_number_id,
        ) as client:
            result = await client.send_text(
                CUSTOMER, "Hello Asha! Your order #1001 is out for delivery today."
            )
            console.print(f"business reply accepted as {result.wamid[:28]}…")
        await asyncio.sleep(2.5)
        phone = (await control.get(f"/_sandbox/phones/{CUSTOMER}/messages")).json()

    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        events = (await session.scalars(select(WhatsAppWebhookEvent))).all()
    await engine.dispose()
    table = Table(title="Webhooks Ordertalk received (signature verified, stored)")
    for column in ("#", "fields", "what"):
        table.add_column(column)
    for event in events[-6:]:
        found = statuses(parse_webhook(event.body))
        label = ", ".join(s.status for _, s in found) or f"{event.messages} inbound message(s)"
        table.add_row(str(event.id), event.fields, label)
    console.print(table)
    console.print(f"the customer's phone shows: {phone[-1]['text']!r} ({phone[-1]['status']})")
    console.print(
        "Play with it: POST /_sandbox/inbound on the sandbox, see README. Ctrl-C to stop."
    )
    try:
        await asyncio.gather(*serving)
    finally:
        for server in servers:
            server.should_exit = True
