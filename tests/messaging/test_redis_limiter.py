"""The rate limiter's one spec, held against both implementations: token buckets in memory (one
process) and in Redis (every worker shares them).

Redis is the real server at 127.0.0.1:6379 (`make test` starts it): these tests fail, never
skip, when it is down. Each test has keys of its own (a random prefix), so parallel test
workers never share a bucket.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis

from ordertalk.messaging.pacing import (
    SWEEP_INTERVAL,
    Limiter,
    LimiterUnavailable,
    MemoryLimiter,
    build_limiter,
)
from ordertalk.messaging.pacing_redis import RedisLimiter, redacted

REDIS_URL = "redis://127.0.0.1:6379/0"

# Makes another handle on the same buckets: for Redis a second client (as a second worker
# would have), for memory the same object (its buckets are shared within one process only).
Limiters = Callable[[], Limiter]


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        assert await client.ping(), f"Redis is required at {REDIS_URL} (`make services`)"
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"ordertalk-test:{uuid.uuid4().hex}:"


@pytest.fixture(params=["memory", "redis"])
async def limiters(
    request: pytest.FixtureRequest, redis: Redis, prefix: str
) -> AsyncIterator[Limiters]:
    if request.param == "memory":
        memory = MemoryLimiter()
        yield lambda: memory
        return
    made: list[RedisLimiter] = []

    def make() -> Limiter:
        made.append(RedisLimiter.from_url(REDIS_URL, prefix=prefix))
        return made[-1]

    try:
        yield make
    finally:
        for limiter in made:
            await limiter.aclose()
        async for key in redis.scan_iter(match=f"{prefix}*"):
            await redis.delete(key)


async def test_a_full_bucket_gives_its_burst_at_once_then_paces_at_its_rate(
    limiters: Limiters,
) -> None:
    limiter = limiters()
    rate, burst = 20.0, 5.0
    assert [await limiter.take("k", rate, burst) for _ in range(5)] == [0.0] * 5
    wait = await limiter.take("k", rate, burst)
    assert 0 < wait <= 1 / rate

    # Taking as fast as the waits allow, for half a second: the rate, give or take one.
    started = time.monotonic()
    taken = 0
    while (elapsed := time.monotonic() - started) < 0.5:
        wait = await limiter.take("k", rate, burst)
        if wait:
            await asyncio.sleep(wait)
        else:
            taken += 1
    assert rate * elapsed - 2 <= taken <= rate * elapsed + 1


async def test_the_wait_is_the_time_until_the_next_token(limiters: Limiters) -> None:
    limiter = limiters()
    rate, burst = 1.0, 1.0
    assert await limiter.take("k", rate, burst) == 0.0
    first = await limiter.take("k", rate, burst)
    assert 0.9 < first <= 1.0
    await asyncio.sleep(0.3)
    # About 0.3 s less (more if this machine was slow to wake us), and nothing was taken.
    second = await limiter.take("k", rate, burst)
    assert 0 < second <= first - 0.3 + 0.01
    await asyncio.sleep(second + 0.02)
    assert await limiter.take("k", rate, burst) == 0.0


async def test_two_limiters_share_one_budget(limiters: Limiters) -> None:
    one, two = limiters(), limiters()
    rate, burst = 0.01, 4.0  # no refill to speak of during the test
    assert [await one.take("k", rate, burst), await two.take("k", rate, burst)] == [0.0, 0.0]
    assert [await two.take("k", rate, burst), await one.take("k", rate, burst)] == [0.0, 0.0]
    assert await one.take("k", rate, burst) > 0
    assert await two.take("k", rate, burst) > 0


async def test_concurrent_takes_never_give_more_than_the_bucket_holds(limiters: Limiters) -> None:
    one, two = limiters(), limiters()
    rate, burst = 0.01, 30.0
    waits = await asyncio.gather(
        *(limiter.take("k", rate, burst) for _ in range(50) for limiter in (one, two))
    )
    assert waits.count(0.0) == 30


async def test_keys_are_separate_buckets(limiters: Limiters) -> None:
    limiter = limiters()
    assert await limiter.take("a", 0.01, 1.0) == 0.0
    assert await limiter.take("a", 0.01, 1.0) > 0
    assert await limiter.take("b", 0.01, 1.0) == 0.0


async def test_penalise_puts_the_bucket_one_burst_in_debt_however_often_it_is_called(
    limiters: Limiters,
) -> None:
    limiter = limiters()
    rate, burst = 10.0, 3.0
    assert await limiter.take("k", rate, burst) == 0.0
    # Several sends refused at once: one debt, not one each.
    for _ in range(3):
        await limiters().penalise("k", rate, burst)
    wait = await limiter.take("k", rate, burst)
    assert 0.3 < wait <= (1 + burst) / rate
    await asyncio.sleep(wait + 0.02)
    assert await limiter.take("k", rate, burst) == 0.0
    assert await limiter.take("k", rate, burst) > 0  # refilling from empty, not from full


async def test_penalise_slows_a_bucket_that_is_already_empty(limiters: Limiters) -> None:
    # Sends going at the bucket's rate keep it near empty: that is when Meta refuses them, so
    # the penalty must cost more than emptying it.
    limiter = limiters()
    rate, burst = 20.0, 2.0
    while await limiter.take("k", rate, burst) == 0.0:
        pass
    await limiters().penalise("k", rate, burst)
    assert await limiter.take("k", rate, burst) > burst / rate


async def test_penalising_an_unknown_key_puts_it_in_debt_too(limiters: Limiters) -> None:
    limiter = limiters()
    await limiter.penalise("new", 1.0, 5.0)
    assert await limiter.take("new", 1.0, 5.0) > 5.9


# -- Redis only ----------------------------------------------------------------------------------


async def test_a_redis_bucket_expires_once_it_would_be_full_again(
    redis: Redis, prefix: str
) -> None:
    limiter = RedisLimiter.from_url(REDIS_URL, prefix=prefix)
    try:
        rate, burst = 50.0, 5.0
        assert await limiter.take("k", rate, burst) == 0.0
        # One token short: full again in 1/50 s.
        assert 0 < await redis.pttl(f"{prefix}k") <= 20
        await limiter.penalise("k", rate, burst)
        # Five tokens in debt: full again in 10/50 s.
        assert 100 < await redis.pttl(f"{prefix}k") <= 200
        await asyncio.sleep(0.25)
        assert await redis.exists(f"{prefix}k") == 0
        # A forgotten bucket is a full one.
        assert [await limiter.take("k", rate, burst) for _ in range(5)] == [0.0] * 5
    finally:
        await limiter.aclose()
        await redis.delete(f"{prefix}k")


async def test_a_redis_bucket_reads_the_servers_clock_not_the_callers(
    redis: Redis, prefix: str
) -> None:
    limiter = RedisLimiter.from_url(REDIS_URL, prefix=prefix)
    try:
        assert await limiter.take("k", 0.01, 1.0) == 0.0
        seconds, micros = await redis.time()
        stamp = float(await redis.hget(f"{prefix}k", "at") or 0)
        assert abs(stamp - (seconds + micros / 1e6)) < 1.0
    finally:
        await limiter.aclose()
        await redis.delete(f"{prefix}k")


async def test_a_redis_that_is_down_takes_nothing_and_says_so_without_its_password() -> None:
    # Port 1: nothing listens there, so the connection is refused at once.
    limiter = RedisLimiter.from_url("redis://:hunter2@127.0.0.1:1/0")
    try:
        started = time.monotonic()
        with pytest.raises(LimiterUnavailable) as caught:
            await limiter.take("k", 1.0, 1.0)
        assert time.monotonic() - started < 5
        assert "hunter2" not in str(caught.value)
        assert "127.0.0.1:1" in str(caught.value)
        with pytest.raises(LimiterUnavailable):
            await limiter.penalise("k", 1.0, 1.0)
    finally:
        await limiter.aclose()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@cache.internal:6380/2", "redis://:***@cache.internal:6380/2"),
        ("rediss://app:s3cret@cache.internal/0", "rediss://app:***@cache.internal/0"),
        ("redis://[::1]:6379/0", "redis://[::1]:6379/0"),
        ("redis://:p@[::1]:6379", "redis://:***@[::1]:6379"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_a_redis_url_is_logged_without_its_password(url: str, shown: str) -> None:
    assert redacted(url) == shown


async def test_the_settings_choose_the_limiter() -> None:
    assert isinstance(build_limiter(None), MemoryLimiter)
    assert isinstance(build_limiter(""), MemoryLimiter)
    shared = build_limiter(REDIS_URL)
    try:
        assert isinstance(shared, RedisLimiter)
    finally:
        await shared.aclose()


# -- memory only ---------------------------------------------------------------------------------


async def test_a_memory_bucket_is_forgotten_once_it_would_be_full_again() -> None:
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert await limiter.take("k", 1.0, 5.0) == 0.0
    assert await limiter.take("other", 0.01, 5.0) == 0.0
    now[0] += SWEEP_INTERVAL
    await limiter.take("third", 1.0, 1.0)
    # "k" was full again a second after its take; "other" needs 100 s to refill its token.
    assert not limiter.holds("k")
    assert limiter.holds("other")
    assert [await limiter.take("k", 1.0, 5.0) for _ in range(5)] == [0.0] * 5
