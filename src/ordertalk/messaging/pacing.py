"""Pacing sends: a token bucket per business number and per (number, customer) pair.

In-memory by default (one process); `issue 6` adds a Redis implementation of the same interface
so several workers share one budget per number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Limiter(Protocol):
    """Takes a token for a key, or says how long until one is free."""

    def take(self, key: str, rate: float, burst: float, now: float) -> float:
        """0.0 when a token was taken; otherwise the seconds to wait (nothing taken)."""
        ...


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class MemoryLimiter:
    """Token buckets in this process's memory."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, rate: float, burst: float, now: float) -> float:
        """0.0 when a token was taken; otherwise the seconds to wait (nothing taken)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=burst, at=now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / rate

    def penalise(self, key: str, now: float) -> None:
        """Empty a bucket (after the Cloud API said this pair is over its rate)."""
        self._buckets[key] = _Bucket(tokens=0.0, at=now)


# Meta allows about one message per 6 s to one customer, with short bursts (reference §4.2).
PAIR_RATE = 1 / 6
PAIR_BURST = 10.0


def number_key(phone_number_id: str) -> str:
    """The bucket of a business number."""
    return f"number:{phone_number_id}"


def pair_key(phone_number_id: str, wa_id: str) -> str:
    """The bucket of one customer on one number."""
    return f"pair:{phone_number_id}:{wa_id}"
