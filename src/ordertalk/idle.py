"""How a background loop with nothing to do waits: for work, for the stop, or for its poll."""

from __future__ import annotations

import asyncio


async def until_woken(wake: asyncio.Event, stop: asyncio.Event, poll_s: float) -> None:
    """Return once `wake` or `stop` is set, or after `poll_s` seconds (work may have come
    from another process, which cannot wake this one)."""
    waiter = asyncio.create_task(wake.wait())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({waiter, stopper}, timeout=poll_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        stopper.cancel()
