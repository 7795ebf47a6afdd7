"""A worker killed (kill -9) at any moment loses no message and sends none twice.

Two `ordertalk worker` processes share an outbox of 5,000 due messages on PostgreSQL (and the
number's rate limit through Redis) and send them to the sandbox, whose status webhooks reach
`ordertalk serve --no-worker`. Five times, at a random moment while messages are still going
out, one of the workers is killed with SIGKILL and started again.

Whatever the moment (rows claimed but not yet prepared, marked `sending` before the HTTP call,
sent but not answered, answered but not recorded) the promise holds, checked from the sandbox's
own request log: every outbox row was accepted exactly once (its `biz_opaque_callback_data`
names it), none was lost, and each row holds its send's wamid. A row a dead worker left
`sending` is settled by its status webhook if the send went out, or sent again once its lease
and the reconcile wait have passed if it never left (both shortened for the test through
ORDERTALK_DISPATCH_LEASE_S and ORDERTALK_RECONCILE_WAIT_S: 10 s and 20 s instead of 1 and 2
minutes).

The kills are placed by progress (once a random share of the messages is accepted), so they
land while the send is under way however fast the machine is. FAULTS_CRASH_MESSAGES sets the
size (5,000, as the issue asks; under a minute on a quiet machine).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import pytest

from tests.faults.rig import open_rig

pytestmark = pytest.mark.slow

MESSAGES = int(os.environ.get("FAULTS_CRASH_MESSAGES", "5000"))
WORKERS = 2
KILLS = 5


async def test_killed_workers_lose_no_message_and_send_none_twice(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"\nkill moments drawn with seed {seed}")
    # Only the first status matters here (it settles a send): the others would only add load.
    later = {"delivered_delay_s": 3600, "read_delay_s": 3600}
    async with open_rig(tmp_path, list(range(MESSAGES - 1)), **later) as rig:
        assert len(await rig.rows()) == MESSAGES
        rig.start_api()
        started = time.monotonic()
        workers = [rig.start_worker() for _ in range(WORKERS)]

        # Five moments while messages go out, whatever the machine's pace: once a random share
        # of them has been accepted, and a random fraction of a second more.
        progress = []
        for share in sorted(rng.uniform(0.05, 0.8) for _ in range(KILLS)):

            async def reached(share: float = share) -> bool:
                return await rig.accepted() >= share * MESSAGES

            await rig.until(reached, f"{share:.0%} of the messages sent")
            await asyncio.sleep(rng.uniform(0.0, 1.0))
            # The worker up the longest: past its start-up, so most likely in a pass.
            victim = min(workers, key=lambda w: w.started_at)
            progress.append(await rig.accepted())
            victim.kill()
            victim.start()
        assert max(progress) < MESSAGES, f"a kill came after the send ended: {progress}"

        await rig.until(rig.all_settled, "every message sent and settled by its status", 240)
        elapsed = time.monotonic() - started
        for worker in workers:
            worker.kill()
        await rig.check_exactly_once()

        # The kills did catch passes under way: rows a dead worker had marked `sending` but
        # not sent waited out its lease, then the reconcile wait as `unconfirmed`, and went
        # again (the sent ones were settled by their status webhooks meanwhile).
        unconfirmed = {e.message_id for e in await rig.events("unconfirmed")}
        print(
            f"{MESSAGES} messages sent and settled in {elapsed:.0f} s; kills at {progress}"
            f" accepted; {len(unconfirmed)} rows left `sending` by a dead worker went again"
        )
        assert unconfirmed, "no kill interrupted a pass: the test proved nothing"
