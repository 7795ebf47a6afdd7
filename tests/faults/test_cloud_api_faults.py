"""A Cloud API that fails now and then, times out and throttles still gets every message once,
with retries spaced out and no customer over the pair rate.

Two `ordertalk worker` processes (PostgreSQL outbox, Redis rate limits) send 600 due messages
while the sandbox answers 5% of sends with HTTP 500 (nothing sent), accepts 2% but answers
too late for the client (4 s, the workers give up after 2 s: the send went out, and Ordertalk
cannot know it), and twice, for two seconds, drops the number's throughput from 200 to 20
messages/s (bursts of 130429). Ten customers have twelve messages each waiting, so the pair
limit (ten at once, then one per 6 s) is in play too. Statuses arrive 3 s after acceptance,
after the workers have given up on a late answer, through `ordertalk serve --no-worker`.

What is promised, checked from the sandbox's request log and the outbox's events:

- every message was delivered, each outbox row accepted exactly once: a late answer is settled
  by its status webhook (`biz_opaque_callback_data`), never sent again; a 500 waits out the
  reconcile wait (shortened to 20 s) and then goes again;
- the sandbox refused nothing but the injected faults: no 131056, no customer's sends beyond
  the pair bucket;
- back-off: after a 130429 on try n the row waited at least 2^(n-1) s (the dispatcher's
  exponential back-off with full jitter, base 2 s), after a 500 or a lost answer the reconcile
  wait, and no later try of the row was made, or reached the sandbox, before that time.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ordertalk.messaging.dispatcher import parse_callback
from ordertalk.messaging.pacing import PAIR_BURST, PAIR_RATE
from tests.faults.rig import RECONCILE_WAIT_S, Rig, open_rig
from tests.messaging.test_scale_out import PAIR_SLACK_S, _excess

pytestmark = pytest.mark.slow

SINGLES = 480
BUSY = 10  # customers with BUSY_MESSAGES each
BUSY_MESSAGES = 12
MESSAGES = SINGLES + BUSY * BUSY_MESSAGES + 1  # and the real-path one the others copy
FAULTS = {"http_500_ratio": 0.05, "timeout_ratio": 0.02, "timeout_s": 4.0}
GRAPH_TIMEOUT_S = "2"
BURST_MPS = 20.0
BURST_S = 2.0
DELIVERED = frozenset({"delivered"})
TRY = re.compile(r"; try (\d+)$")


def recipients() -> list[int]:
    """Customer numbers, one per message: the busy customers' messages spread among the rest,
    so both workers' batches hold some of them at once."""
    busy = [c for _ in range(BUSY_MESSAGES) for c in range(BUSY)]
    singles = list(range(BUSY, BUSY + SINGLES))
    order: list[int] = []
    while busy or singles:
        order += busy[:1] + singles[:4]
        busy, singles = busy[1:], singles[4:]
    return order


async def burst(rig: Rig, share: float) -> None:
    """Once `share` of the messages are accepted: 130429s for BURST_S."""

    async def reached() -> bool:
        return await rig.accepted() >= share * MESSAGES

    await rig.until(reached, f"{share:.0%} of the messages accepted")
    rig.faults(**FAULTS, throughput_mps=BURST_MPS)
    await asyncio.sleep(BURST_S)
    rig.faults(**FAULTS)


async def test_every_message_is_delivered_once_through_errors_timeouts_and_throttling(
    tmp_path: Path,
) -> None:
    # Statuses come after the workers have given up waiting for a late answer; `read` (not
    # needed here) never comes within the test, so the API is not the bottleneck.
    statuses_late = {"sent_delay_s": 3.0, "delivered_delay_s": 3.5, "read_delay_s": 3600}
    async with open_rig(tmp_path, recipients(), **statuses_late) as rig:
        assert len(await rig.rows()) == MESSAGES
        rig.start_api()
        rig.faults(**FAULTS)
        # No worker dies here: a lease far longer than any pass, so every `unconfirmed` below
        # comes from an injected fault, never from a pass that outlived its lease on a busy CI.
        workers = [
            rig.start_worker(graph_timeout_s=GRAPH_TIMEOUT_S, dispatch_lease_s="120")
            for _ in range(2)
        ]
        await burst(rig, 0.2)
        await burst(rig, 0.55)

        async def delivered() -> bool:
            return set(await rig.states()) <= DELIVERED

        await rig.until(delivered, "every message delivered", 240)
        for worker in workers:
            worker.kill()
        rig.faults()
        accepted = await rig.check_exactly_once()

        # Nothing refused but the injected faults, and each fault happened.
        refused = Counter((r["http_status"], r.get("code")) for r in rig.sends())
        del refused[(200, None)]
        assert set(refused) <= {(500, 131000), (400, 130429)}, refused
        assert refused[(500, 131000)] > 0, "no send was answered 500"
        assert refused[(400, 130429)] > 0, "no send was throttled"

        # No customer beyond the pair bucket.
        by_customer: dict[str, list[float]] = defaultdict(list)
        for send in accepted:
            by_customer[send["to"]].append(send["time"])
        over = {
            to: excess
            for to, times in by_customer.items()
            if (excess := _excess(sorted(times), PAIR_RATE, PAIR_BURST, PAIR_SLACK_S)) > 0
        }
        assert not over, f"customers over the pair rate: {list(over.items())[:5]}"
        assert max(len(times) for times in by_customer.values()) == BUSY_MESSAGES

        await check_back_off(rig, accepted)


async def check_back_off(rig: Rig, accepted: list[dict[str, Any]]) -> None:
    """Every retry waited its back-off, and no later try of its row came before the wait."""
    waits = await rig.events("retry", "unconfirmed")
    sends = await rig.events("send")
    arrived = {}  # row → when its accepted send reached the sandbox
    for send in accepted:
        callback = parse_callback(send["biz_opaque_callback_data"])
        assert callback is not None
        arrived[callback[0]] = datetime.fromtimestamp(send["time"], UTC)
    kinds: Counter[str] = Counter()
    for wait in waits:
        assert wait.until is not None
        waited = (wait.until - wait.at).total_seconds()
        detail = wait.detail or ""
        if wait.outcome == "retry":
            assert "130429" in detail, f"a retry for an unexpected error: {detail}"
            found = TRY.search(detail)
            assert found, detail
            tries = int(found[1])
            kinds["130429"] += 1
            assert waited >= 2 ** (tries - 1) - 0.01, (
                f"row {wait.message_id}: {waited:.2f} s after 130429 on try {tries}"
            )
        else:
            if detail.startswith("Cloud API error 131000 (HTTP 500)"):
                kinds["500"] += 1
            else:
                assert "ReadTimeout" in detail, f"unconfirmed for an unexpected error: {detail}"
                kinds["no answer"] += 1
            # Exactly the wait the workers were configured with (ORDERTALK_RECONCILE_WAIT_S).
            assert abs(waited - RECONCILE_WAIT_S) < 0.01, (
                f"row {wait.message_id}: {waited:.2f} s after an unconfirmed send: {detail}"
            )
        later = [s.at for s in sends if s.message_id == wait.message_id and s.at > wait.at]
        assert all(at >= wait.until for at in later), (
            f"row {wait.message_id} tried again before {wait.until}: {later}"
        )
        if later:
            assert arrived[wait.message_id] >= wait.until, (
                f"row {wait.message_id} reached the sandbox before its back-off ended"
            )
    print(f"\nwaits after a failed try: {dict(kinds)}")
    assert set(kinds) == {"130429", "500", "no answer"}, kinds
