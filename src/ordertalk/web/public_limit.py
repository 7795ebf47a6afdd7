"""A token bucket per client address on the public, unauthenticated routes.

The tracking page's code is its only credential, the widget takes anyone's ticks, and the
login form runs a deliberately slow password hash: a script at any of them is slowed to
`Settings.public_rate_per_s` requests a second (bursts of `public_rate_burst`) per address and
answered 429 with Retry-After; a person never comes near it. Webhook routes are not limited
here: Meta and the stores deliver in bursts from a few addresses, and a refused delivery is a
delayed or lost event. The API is not either (it needs a key).

The buckets live in this process (messaging.pacing.MemoryLimiter): each API process counts on
its own. Behind a reverse proxy, run uvicorn with --proxy-headers and --forwarded-allow-ips so
that the address is the customer's, not the proxy's, or set ORDERTALK_PUBLIC_RATE_PER_S=0 and
let the proxy limit.
"""

from __future__ import annotations

import math

from fastapi import Depends, FastAPI, Request

from ordertalk.config import Settings
from ordertalk.errors import TooManyRequests
from ordertalk.messaging.pacing import MemoryLimiter


def limiter(app: FastAPI) -> MemoryLimiter:
    """The app's buckets for public routes (made on first use)."""
    found: MemoryLimiter | None = getattr(app.state, "public_limiter", None)
    if found is None:
        found = MemoryLimiter()
        app.state.public_limiter = found
    return found


async def public_rate_limit(request: Request) -> None:
    """Take a token for the client's address; TooManyRequests (429) when there is none."""
    settings: Settings = request.app.state.settings
    if settings.public_rate_per_s <= 0:
        return
    address = request.client.host if request.client else "unknown"
    wait = await limiter(request.app).take(
        f"public:{address}", settings.public_rate_per_s, settings.public_rate_burst
    )
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"too many requests from your address; try again in {seconds} s",
            retry_after=seconds,
        )


# On a route: `dependencies=[PUBLIC_RATE_LIMIT]`.
PUBLIC_RATE_LIMIT = Depends(public_rate_limit)
