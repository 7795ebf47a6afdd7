"""A rate limiter that cannot be asked (Redis down) stops sends, never the dispatcher.

Nothing goes out without the limiter's token: a message held when the limiter fails is left
due, sent once it answers again, and its history says why it waited. Real sends to the sandbox,
as in `test_dispatcher.py`; the limiter is the in-memory one with an off switch.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from ordertalk.config import Settings
from ordertalk.db import utcnow
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import DispatchConfig, Dispatcher
from ordertalk.messaging.pacing import LimiterUnavailable, MemoryLimiter
from tests.messaging.test_dispatcher import PRIYA, Rig, cod_order

pytestmark = pytest.mark.database


class Switchable(MemoryLimiter):
    """Buckets in memory, but unavailable for the keys starting with one of `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.down: tuple[str, ...] = ()
        self.refused = 0

    async def take(self, key: str, rate: float, burst: float) -> float:
        if key.startswith(self.down):
            self.refused += 1
            raise LimiterUnavailable("redis://:***@127.0.0.1:6379/0: ConnectionError: refused")
        return await super().take(key, rate, burst)


def dispatcher(rig: Rig, limiter: Switchable, **config: float) -> Dispatcher:
    pool = ClientPool(Settings(graph_base_url=rig.sandbox.url))
    rig.pools.append(pool)
    return Dispatcher(
        rig.sessions, pool, limiter=limiter, clock=rig.clock, config=DispatchConfig(**config)
    )


async def test_when_the_pair_limit_cannot_be_asked_nothing_is_sent_and_the_row_stays_due(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    limiter = Switchable()
    limiter.down = ("pair:",)
    sender = dispatcher(rig, limiter)

    with pytest.raises(LimiterUnavailable):
        await sender.run_once()

    assert rig.sends() == []
    message = await rig.message(message_id)
    # Not leased any more: the next pass may take it at once.
    assert (message.state, message.lease_until, message.tries) == ("scheduled", None, 0)
    assert await rig.events(message_id) == []

    limiter.down = ()
    assert await sender.run_once() == 1
    [sent] = rig.sends(PRIYA)
    message = await rig.message(message_id)
    assert (message.state, message.wamid) == ("accepted", sent["wamid"])


async def test_when_the_number_limit_cannot_be_asked_the_prepared_send_waits_unsent(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    limiter = Switchable()
    limiter.down = ("number:",)
    sender = dispatcher(rig, limiter)

    with pytest.raises(LimiterUnavailable):
        await sender.run_once()

    assert rig.sends() == []
    message = await rig.message(message_id)
    assert (message.state, message.lease_until, message.tries) == ("scheduled", None, 0)
    assert message.not_before <= now
    assert await rig.events(message_id) == [
        ("decision", "send", "ok"),
        ("attempt", "not_sent", None),
    ]
    assert "rate limiter unavailable" in ((await rig.last_event(message_id)).detail or "")

    limiter.down = ()
    assert await sender.run_once() == 1
    [sent] = rig.sends(PRIYA)
    message = await rig.message(message_id)
    assert (message.state, message.wamid, message.tries) == ("accepted", sent["wamid"], 1)
    assert message.payload is not None
    assert message.payload["biz_opaque_callback_data"] == f"ot:{message_id}:1"


async def test_the_running_dispatcher_waits_out_a_limiter_outage(rig: Rig) -> None:
    [message_id] = await rig.apply(cod_order(utcnow() - timedelta(minutes=1)))
    limiter = Switchable()
    limiter.down = ("pair:", "number:")
    sender = dispatcher(rig, limiter, limiter_retry=0.05, limiter_retry_max=0.2)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    try:
        deadline = time.monotonic() + 5
        while limiter.refused < 3:
            assert not running.done(), "the dispatcher stopped"
            assert time.monotonic() < deadline, "the dispatcher did not retry"
            await asyncio.sleep(0.02)
        assert rig.sends() == []

        limiter.down = ()
        while not rig.sends(PRIYA):
            assert not running.done(), "the dispatcher stopped"
            assert time.monotonic() < deadline + 5, "nothing was sent once the limiter was back"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)
    assert len(rig.sends()) == 1
    assert (await rig.message(message_id)).state in ("accepted", "sent", "delivered", "read")
