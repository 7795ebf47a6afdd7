"""When the Cloud API says a rate was exceeded, the dispatcher slows down where it was told to.

A 130429 (the number's throughput) puts the number's bucket in debt: the next sends of the
number wait about half a second, in every worker sharing the limiter. A 131056 (too many
messages to one customer) puts that customer's bucket in debt: the refused message's retry,
and any other message to them, waits about a minute, while other customers are unaffected.

Real sends to the sandbox, which injects the refusals (a throughput fault; a strict pair limit),
as in `test_dispatcher.py`; both limiters, the in-memory one and Redis (127.0.0.1:6379, which
must be up: these tests fail, never skip, without it). What is observed is what the limiter
answers afterwards (read through a second Redis client, as another worker would) and when the
sandbox saw the next sends.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from ordertalk.config import Settings
from ordertalk.db import utcnow
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import Dispatcher
from ordertalk.messaging.pacing import (
    PAIR_BURST,
    PAIR_RATE,
    Limiter,
    MemoryLimiter,
    number_key,
    number_pace,
    pair_key,
)
from ordertalk.messaging.pacing_redis import RedisLimiter
from ordertalk.stores.models import Store
from tests.messaging.test_dispatcher import PRIYA, Rig, cod_order
from tests.messaging.test_redis_limiter import REDIS_URL

pytestmark = pytest.mark.database

ASHA = "919876543211"

# A second handle on the same buckets: for Redis another client (another worker), for memory
# the same object (one process).
Observer = Callable[[], Limiter]


@pytest.fixture(params=["memory", "redis"])
async def limiters(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Limiter, Observer]]:
    """The dispatcher's limiter, and how another worker would see its buckets."""
    if request.param == "memory":
        memory = MemoryLimiter()
        yield memory, lambda: memory
        return
    prefix = f"ordertalk-test:{uuid.uuid4().hex}:"
    made: list[RedisLimiter] = []

    def make() -> Limiter:
        made.append(RedisLimiter.from_url(REDIS_URL, prefix=prefix))
        return made[-1]

    client = Redis.from_url(REDIS_URL)
    try:
        assert await client.ping(), f"Redis is required at {REDIS_URL} (`make services`)"
        yield make(), make
    finally:
        for limiter in made:
            await limiter.aclose()
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
        await client.aclose()


def dispatcher(rig: Rig, limiter: Limiter) -> Dispatcher:
    pool = ClientPool(Settings(graph_base_url=rig.sandbox.url))
    rig.pools.append(pool)
    return Dispatcher(rig.sessions, pool, limiter=limiter, clock=rig.clock)


def attempts(rig: Rig) -> list[dict[str, Any]]:
    """Every send that reached the sandbox, accepted or refused, oldest first."""
    log = rig.sandbox.control.get("/_sandbox/log").json()
    return [
        row
        for row in log
        if str(row.get("path", "")).endswith("/messages") and row.get("kind") != "mark_read"
    ]


async def throughput(rig: Rig) -> int:
    async with rig.sessions() as session:
        value = await session.scalar(select(Store.throughput_per_s).where(Store.id == rig.store_id))
        assert value is not None
        return value


async def test_a_130429_makes_every_worker_wait_before_the_numbers_next_send(
    rig: Rig, limiters: tuple[Limiter, Observer]
) -> None:
    limiter, other_worker = limiters
    rig.clock.now = now = utcnow()
    [refused_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    rig.sandbox.faults(throughput_mps=0.01)  # every send: 130429

    assert await dispatcher(rig, limiter).run_once() == 1

    refused = await rig.message(refused_id)
    assert (refused.state, refused.error_code) == ("scheduled", 130429)
    [throttled] = attempts(rig)
    assert throttled["code"] == 130429
    # One send came out of a full bucket, so without the debt a token would be free at once.
    rate, burst = number_pace(await throughput(rig))
    wait = await other_worker().take(number_key(rig.sandbox.number), rate, burst)
    assert wait > 0.3, f"the number's next token is free {wait:.3f} s after a 130429"
    assert wait <= (1 + burst) / rate

    # The platform recovers. Other customers' messages are due at once, but the number's
    # sends wait out its debt: none reaches the sandbox within 0.4 s of the refusal.
    rig.sandbox.faults()
    fresh = [
        message_id
        for n in range(3)
        for message_id in await rig.apply(
            cod_order(now - timedelta(minutes=1), f"71{n}", f"+91 98765 4322{n}")
        )
    ]
    assert await dispatcher(rig, limiter).run_once() == len(fresh)
    later = attempts(rig)[1:]
    assert [row["http_status"] for row in later] == [200] * len(fresh)
    gap = min(row["time"] for row in later) - throttled["time"]
    assert gap >= 0.4, f"the number sent again {gap:.3f} s after a 130429"


async def test_a_131056_holds_back_that_customer_only_and_the_retry_waits_for_it(
    rig: Rig, limiters: tuple[Limiter, Observer]
) -> None:
    limiter, other_worker = limiters
    rig.sandbox.configure(pair_burst=1, pair_interval_s=3600)  # Meta: one message per customer
    rig.clock.now = now = utcnow()
    priya = [
        message_id
        for order in ("5302002002", "5302002003")
        for message_id in await rig.apply(cod_order(now - timedelta(minutes=1), order, PRIYA))
    ]
    [asha] = await rig.apply(cod_order(now - timedelta(minutes=1), "5302002004", ASHA))
    sender = dispatcher(rig, limiter)

    # Priya's two messages and Asha's go in one batch; Meta takes one of Priya's.
    assert await sender.run_once() == 3

    states = {message_id: (await rig.message(message_id)) for message_id in [*priya, asha]}
    refused = [m for m in states.values() if m.state == "scheduled"]
    assert [m.error_code for m in refused] == [131056]
    [retry] = refused
    assert states[asha].state == "accepted"
    assert sorted(row.get("code") for row in attempts(rig) if row["http_status"] != 200) == [131056]
    # Priya's bucket had room for eight more; now she owes a burst (about a minute). Asha's
    # bucket and the number's are untouched.
    observer = other_worker()
    number = rig.sandbox.number
    held = await observer.take(pair_key(number, PRIYA), PAIR_RATE, PAIR_BURST)
    assert held > 0.8 * PAIR_BURST / PAIR_RATE, f"Priya may be messaged again in {held:.1f} s"
    assert await observer.take(pair_key(number, ASHA), PAIR_RATE, PAIR_BURST) == 0.0
    rate, burst = number_pace(await throughput(rig))
    assert await observer.take(number_key(number), rate, burst) == 0.0

    # Its back-off over, the refused message is due again, but Priya's debt is not paid: it
    # waits for her bucket without a try, and Meta is not asked.
    assert retry.not_before > now
    rig.clock.now = retry.not_before
    sent_before = len(attempts(rig))
    started = time.monotonic()
    assert await sender.run_once() == 1
    waited = await rig.message(retry.id)
    assert (waited.state, waited.tries) == ("scheduled", retry.tries)
    debt_left = held - (time.monotonic() - started) - 1.0
    assert waited.not_before >= retry.not_before + timedelta(seconds=debt_left)
    assert len(attempts(rig)) == sent_before
