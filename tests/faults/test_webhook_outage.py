"""Ordertalk's webhook endpoint down for a while loses no status.

A worker sends 600 due messages; the sandbox posts their statuses (sent, delivered, read) to
`ordertalk serve --no-worker`. Once statuses are flowing, the API process is killed (kill -9:
whatever it was applying is cut short) and stays down for 60 s while the worker goes on sending,
then starts again. Meanwhile the sandbox retries every refused delivery with exponential
back-off, as Meta does for days; its schedule is shortened (0.5 s doubling up to 4 s, where
Meta's reaches minutes), so the outage here sees as many retries of each status as a longer
one would in production.

Promised: once the endpoint is back, every message ends `delivered` or `read` in the database,
and none was sent twice. The sandbox's counters show the outage was felt (deliveries failed)
and that it gave up on nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.rig import open_rig

pytestmark = pytest.mark.slow

MESSAGES = 600
OUTAGE_S = 60.0
DELIVERED = frozenset({"delivered", "read"})


async def test_statuses_sent_while_the_endpoint_is_down_arrive_once_it_is_back(
    tmp_path: Path,
) -> None:
    async with open_rig(tmp_path, list(range(MESSAGES - 1))) as rig:
        api = rig.start_api()
        rig.start_worker()

        async def flowing() -> bool:
            states = await rig.states()
            return sum(states[s] for s in DELIVERED) >= MESSAGES // 5

        await rig.until(flowing, "statuses arriving")
        rig.expected_down.add(api.name)
        api.kill()
        down_since = await rig.states()
        await asyncio.sleep(OUTAGE_S)
        during = rig.webhook_stats()
        api.start()
        rig.wait_up(api)
        rig.expected_down.discard(api.name)

        async def delivered() -> bool:
            return set(await rig.states()) <= DELIVERED

        await rig.until(delivered, "every message delivered once the endpoint is back", 120)
        await rig.check_exactly_once()
        after = rig.webhook_stats()
        print(
            f"\nat the outage: {dict(down_since)}; refused deliveries during it:"
            f" {during['posts_failed']}; after: {after['posts_ok']} ok, {after['dropped']} dropped"
        )
        # The outage was felt: messages still to be delivered, deliveries refused and retried.
        assert sum(down_since[s] for s in DELIVERED) < MESSAGES
        assert during["posts_failed"] > 0
        assert after["dropped"] == 0
