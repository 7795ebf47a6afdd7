"""`ordertalk worker`: the outbox dispatcher, the webhook sender, the inbound tasks (read
receipts, media fetching) and an applier of kept WhatsApp webhooks, to scale out beside
`serve --no-worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from ordertalk.config import Settings
from ordertalk.conversations.tasks import InboundTasks
from ordertalk.db import create_engine, session_factory
from ordertalk.integrations.tasks import run_reapply
from ordertalk.logs import configure_logging
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import DispatchConfig, Dispatcher
from ordertalk.messaging.pacing import build_limiter
from ordertalk.migrations import upgrade_async
from ordertalk.webhooks_out.sender import WebhookSender
from ordertalk.whatsapp_webhooks.applier import WebhookApplier

log = logging.getLogger(__name__)


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Dispatch until SIGTERM/SIGINT (or `stop`), then finish the current pass and exit."""
    configure_logging(settings.log_level)
    await upgrade_async(settings.database_url)
    if stop is None:
        # Run as a command: SIGTERM/SIGINT finish the current pass. Embedded, the caller's
        # `stop` decides and its loop's signal handlers are left alone.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings.database_url)
    clients = ClientPool(settings)
    limiter = build_limiter(settings.redis_url)
    try:
        log.info("worker started")
        sessions = session_factory(engine)
        dispatcher = Dispatcher(
            sessions, clients, limiter=limiter, config=DispatchConfig.from_settings(settings)
        )
        await asyncio.gather(
            dispatcher.run(stop),
            WebhookApplier(sessions, on_planned=dispatcher.wake).run(stop),
            run_reapply(sessions, stop),
            WebhookSender(sessions).run(stop),
            InboundTasks(sessions, clients, settings).run(stop),
        )
    finally:
        await clients.aclose()
        await limiter.aclose()
        await engine.dispose()
