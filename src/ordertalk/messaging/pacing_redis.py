"""The token buckets of `pacing` kept in Redis, so every worker shares one budget per number
and per customer (`ORDERTALK_REDIS_URL`).

Each take is one Lua script, atomic on the server, reading the server's clock (`TIME`): workers
on different machines then agree on how full a bucket is however far apart their own clocks
are. A bucket's key expires once it would be full again, since a missing bucket means a full one.
Needs Redis ≥ 5 (a script may call TIME before it writes).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ordertalk.messaging.pacing import LimiterUnavailable, penalty

log = logging.getLogger(__name__)

KEY_PREFIX = "ordertalk:pace:"

# ARGV: tokens per second, capacity, and "take" (one token, or the wait) or "owe" (penalise:
# the bucket is set to ARGV[4] tokens of debt, `pacing.penalty`, a negative count refilled like
# any other). The answer is a string: Redis turns a Lua number into an integer, losing the wait.
_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tokens = -tonumber(ARGV[4])
if ARGV[3] == 'take' then
  tokens = burst
  local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
  if saved[1] then
    local at = tonumber(saved[2])
    tokens = tonumber(saved[1])
    if now > at then
      tokens = math.min(burst, tokens + (now - at) * rate)
    end
  end
  if tokens < 1 then
    return tostring((1 - tokens) / rate)
  end
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) / rate * 1000)))
return '0'
"""

# A Redis that is down should cost a send moments, not the client's default of several retries
# with back-off: the dispatcher backs off itself and nothing is sent meanwhile.
TIMEOUT_S = 2.0


def redacted(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


class RedisLimiter:
    """Token buckets in Redis, shared by every process that uses the same server."""

    def __init__(self, client: Redis, *, prefix: str = KEY_PREFIX, where: str = "redis") -> None:
        self._client = client
        self._prefix = prefix
        self._where = where
        self._script: Any = client.register_script(_BUCKET)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = KEY_PREFIX) -> RedisLimiter:
        """A limiter on the Redis at `url` (connections are made on first use)."""
        client = Redis.from_url(
            url,
            socket_connect_timeout=TIMEOUT_S,
            socket_timeout=TIMEOUT_S,
            retry=Retry(NoBackoff(), 1),
        )
        return cls(client, prefix=prefix, where=redacted(url))

    async def take(self, key: str, rate: float, burst: float) -> float:
        """0.0 when a token was taken; otherwise the seconds to wait (nothing taken)."""
        return float(await self._run(key, rate, burst, "take", 0.0))

    async def penalise(self, key: str, rate: float, burst: float) -> None:
        """Put a bucket one burst in debt (the Cloud API said this key is over its rate)."""
        await self._run(key, rate, burst, "owe", penalty(burst))

    async def _run(self, key: str, rate: float, burst: float, mode: str, debt: float) -> Any:
        try:
            return await self._script(keys=[self._prefix + key], args=[rate, burst, mode, debt])
        except RedisError as exc:
            # The error names host and port at most; the URL (and its password) stays out.
            raise LimiterUnavailable(f"{self._where}: {type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()
