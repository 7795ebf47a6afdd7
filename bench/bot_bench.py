"""The bot's speed: intent detection alone (offline, per message) and a whole bot turn (keep the
message, understand it, look the order up, queue the reply) on a real SQLite database."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ordertalk.commerce.events import CommerceEvent, CustomerFacts, OrderFacts
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.service import CommerceService
from ordertalk.contacts.service import upsert_contact
from ordertalk.conversations.bot import handle_inbound
from ordertalk.conversations.understanding import understand
from ordertalk.db import create_engine, session_factory
from ordertalk.migrations import upgrade_async
from ordertalk.stores.service import create_store
from ordertalk.whatsapp.webhook_types import InboundMessage

MESSAGES = (
    "where is my order?", "mera order kahan hai", "¿dónde está mi pedido 1001?",
    "quero devolver o pedido", "pesanan saya belum sampai", "asdf qwerty", "talk to a person",
    "I am not at home today, deliver tomorrow", "8", "thanks!",
)  # fmt: skip


@dataclass(frozen=True)
class BotSpeed:
    """What one run measured."""

    understood_per_s: float
    turn_p50_ms: float
    turn_p99_ms: float


def understanding_rate(rounds: int) -> float:
    """Messages understood per second (all five languages, one core)."""
    started = time.perf_counter()
    for n in range(rounds):
        understand(MESSAGES[n % len(MESSAGES)])
    return rounds / (time.perf_counter() - started)


async def turn_latencies(turns: int) -> list[float]:
    """Milliseconds per bot turn, each in its own committed transaction, as a webhook is."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        now = datetime.now(UTC)
        async with sessions() as session:
            store, _ = await create_store(session, name="Bench", country="IN", language="en")
            await CommerceService(session, store).apply(
                CommerceEvent(
                    source="api", milestone=Milestone.ORDER_CONFIRMED,
                    event_time=now - timedelta(hours=1),
                    order=OrderFacts(external_id="1001", name="#1001",
                                     customer=CustomerFacts(phone="+919876543210")),
                )
            )  # fmt: skip
            await session.commit()
        timings: list[float] = []
        for n in range(turns):
            message = InboundMessage.model_validate(
                {"from": "919876543210", "id": f"wamid.bench.{n}", "type": "text",
                 "timestamp": str(int(now.timestamp()) + n),
                 "text": {"body": MESSAGES[n % 5]}}
            )  # fmt: skip
            started = time.perf_counter()
            async with sessions() as session:
                store_row = await session.get(type(store), store.id)
                assert store_row is not None
                contact = await upsert_contact(session, store_row, phone="+919876543210")
                at = datetime.fromtimestamp(message.timestamp, UTC)
                await handle_inbound(session, store_row, contact, message, at)
                await session.commit()
            timings.append((time.perf_counter() - started) * 1000)
        await engine.dispose()
        return timings


async def run(rounds: int = 5000, turns: int = 300) -> BotSpeed:
    """Both measurements."""
    rate = understanding_rate(rounds)
    timings = sorted(await turn_latencies(turns))
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return BotSpeed(rate, statistics.median(timings), p99)
