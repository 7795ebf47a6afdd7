"""The Cloud API's rate limits, as token buckets read against the sandbox clock.

- throughput: messages per second per business number, inbound and outbound together (130429);
- pair rate: about one message per 6 s to the same customer, bursts up to 45 (131056);
- messaging limit: unique customers reached outside the service window per rolling 24 h.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

DAY = 86_400.0

MESSAGING_TIERS: dict[str, int | None] = {
    "TIER_250": 250,
    "TIER_2K": 2_000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": None,
}


@dataclass(slots=True)
class TokenBucket:
    """A classic token bucket: ``capacity`` tokens, refilled at ``rate`` per second."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        """A bucket that starts full."""
        return cls(rate=rate, capacity=capacity, tokens=capacity, stamp=now)

    def take(self, now: float) -> bool:
        """Spend one token if there is one; the clock may have jumped forward in between."""
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class ThroughputLimiter:
    """Messages per second for one business number (inbound messages count too)."""

    def __init__(self, mps: float, now: float) -> None:
        self._bucket = TokenBucket.full(mps, mps, now)

    def set_rate(self, mps: float, now: float) -> None:
        """Change the number's throughput level (80 by default, up to 1,000)."""
        self._bucket = TokenBucket.full(mps, mps, now)

    @property
    def rate(self) -> float:
        """The configured messages per second."""
        return self._bucket.rate

    def take(self, now: float) -> bool:
        """Admit one message now, or refuse it (130429)."""
        return self._bucket.take(now)


class PairLimiter:
    """Per-customer pacing: one message per ``interval`` seconds, bursts up to ``burst``."""

    def __init__(self, interval_s: float = 6.0, burst: int = 45) -> None:
        self.interval_s = interval_s
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, customer: str, now: float) -> bool:
        """Admit one message to ``customer`` now, or refuse it (131056)."""
        bucket = self._buckets.get(customer)
        if bucket is None:
            bucket = TokenBucket.full(1.0 / self.interval_s, float(self.burst), now)
            self._buckets[customer] = bucket
        return bucket.take(now)


class MessagingLimit:
    """Unique customers reached outside the service window in a rolling 24 hours."""

    def __init__(self, tier: str = "TIER_250") -> None:
        self.tier = tier
        # Customer -> last time reached, oldest first, so expiry only looks at the front.
        self._reached: OrderedDict[str, float] = OrderedDict()

    @property
    def limit(self) -> int | None:
        """The tier's number of unique customers, or None when unlimited."""
        return MESSAGING_TIERS[self.tier]

    def admit(self, customer: str, now: float) -> bool:
        """Count a business-initiated message to ``customer``; False when over the limit."""
        self._expire(now)
        if customer not in self._reached:
            limit = self.limit
            if limit is not None and len(self._reached) >= limit:
                return False
        self._reached[customer] = now
        self._reached.move_to_end(customer)
        return True

    def used(self, now: float) -> int:
        """Unique customers reached in the last 24 hours."""
        self._expire(now)
        return len(self._reached)

    def _expire(self, now: float) -> None:
        while self._reached:
            customer, stamp = next(iter(self._reached.items()))
            if now - stamp < DAY:
                return
            del self._reached[customer]
