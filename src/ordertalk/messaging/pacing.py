"""Pacing sends: a token bucket per business number and per (number, customer) pair.

In-memory by default (one process); with ORDERTALK_REDIS_URL, `pacing_redis.RedisLimiter`
keeps the same buckets in Redis so every worker shares one budget per number and per customer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ordertalk.messaging.pacing_redis import RedisLimiter

log = logging.getLogger(__name__)


class LimiterUnavailable(Exception):
    """The shared limiter could not be asked: nothing was taken, so nothing may be sent."""


class Limiter(Protocol):
    """Takes a token for a key, or says how long until one is free.

    The limiter reads its own clock, never the caller's: a shared one must read a clock that
    every process agrees on (the Redis server's).
    """

    async def take(self, key: str, rate: float, burst: float) -> float:
        """0.0 when a token was taken; otherwise the seconds to wait (nothing taken).

        Raises LimiterUnavailable when the limiter cannot be asked.
        """
        ...

    async def penalise(self, key: str, rate: float, burst: float) -> None:
        """Put a bucket one burst in debt: the Cloud API said this key is over its rate.

        Nothing is taken for about `burst / rate` seconds, then the bucket refills from empty.
        The debt is set, not added: many sends refused at once cost one pause, not one each.
        Raises LimiterUnavailable when the limiter cannot be asked.
        """
        ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    full_at: float  # from then on the bucket is as good as a new one, so it may be forgotten


def penalty(burst: float) -> float:
    """The tokens a bucket owes after a refusal from the Cloud API: one burst.

    Merely emptying the bucket would change nothing while sends go at the bucket's rate, which
    is when Meta refuses them (the bucket is near empty then anyway). One burst of debt is a
    pause of `burst / rate`: half a second for a number (its burst is half a second of sends),
    a minute for a customer (ten messages at one per 6 s: the "debt" Meta itself describes
    after a burst to one customer).
    """
    return burst


# Full buckets are forgotten this often (seconds): a long-running process meets millions of
# customers, and each pair's bucket is only needed for a minute after its last message.
SWEEP_INTERVAL = 60.0


class MemoryLimiter:
    """Token buckets in this process's memory (one process; several need `RedisLimiter`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._swept = clock()

    async def take(self, key: str, rate: float, burst: float) -> float:
        """0.0 when a token was taken; otherwise the seconds to wait (nothing taken)."""
        now = self._clock()
        if now - self._swept >= SWEEP_INTERVAL:
            self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=burst, at=now, full_at=now)
        bucket.tokens = min(burst, bucket.tokens + max(0.0, now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.full_at = now + (burst - bucket.tokens) / rate
            return 0.0
        return (1.0 - bucket.tokens) / rate

    async def penalise(self, key: str, rate: float, burst: float) -> None:
        """Put a bucket one burst in debt (the Cloud API said this key is over its rate)."""
        now = self._clock()
        tokens = -penalty(burst)
        self._buckets[key] = _Bucket(tokens=tokens, at=now, full_at=now + (burst - tokens) / rate)

    def holds(self, key: str) -> bool:
        """Whether a bucket is remembered for `key` (a full one is forgotten in time)."""
        return key in self._buckets

    def _sweep(self, now: float) -> None:
        # A full bucket is the same as no bucket: forgetting it changes no answer.
        self._buckets = {k: b for k, b in self._buckets.items() if b.full_at > now}
        self._swept = now

    async def aclose(self) -> None:
        """Nothing to release (the same shutdown call as `RedisLimiter`)."""


def build_limiter(redis_url: str | None) -> MemoryLimiter | RedisLimiter:
    """Shared buckets in Redis when there is one (several workers), else in memory."""
    if not redis_url:
        return MemoryLimiter()
    # Imported here: pacing_redis needs this module, and one process never needs Redis.
    from ordertalk.messaging.pacing_redis import RedisLimiter, redacted

    log.info("rate limits shared through %s", redacted(redis_url))
    return RedisLimiter.from_url(redis_url)


# Meta allows about one message per 6 s to one customer, with short bursts (reference §4.2).
PAIR_RATE = 1 / 6
PAIR_BURST = 10.0


# Meta counts a number's messages as they arrive; our token is taken a moment before, and that
# moment varies with load (tens of milliseconds on a busy worker). Paced at the very limit, that
# jitter turns into 130429 refusals; a little headroom, and a bucket of half a second's sends
# rather than Meta's full second, absorb it.
NUMBER_HEADROOM = 0.95
NUMBER_BURST_S = 0.5


def number_pace(throughput_per_s: int) -> tuple[float, float]:
    """(rate, burst) of a number's bucket, for its Meta throughput level (messages/s)."""
    return throughput_per_s * NUMBER_HEADROOM, max(1.0, throughput_per_s * NUMBER_BURST_S)


def number_key(phone_number_id: str) -> str:
    """The bucket of a business number."""
    return f"number:{phone_number_id}"


def pair_key(phone_number_id: str, wa_id: str) -> str:
    """The bucket of one customer on one number."""
    return f"pair:{phone_number_id}:{wa_id}"
