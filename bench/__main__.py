"""`make bench`: run every benchmark, print one table, write bench/results.json.

`python -m bench --only plan` (or sandbox, bot, dispatch, e2e; repeat to pick several) runs only
those: their rows replace the same rows in results.json, every other row is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import bot_bench, dispatch_bench, e2e_bench, ingest_bench, plan_bench, sandbox_bench
from bench.rig import BACKENDS

RESULTS = Path(__file__).parent / "results.json"


def _row(
    name: str, backend: str, value: float, unit: str, goal: float, better: str
) -> dict[str, Any]:
    return {"name": name, "backend": backend, "value": round(value, 2), "unit": unit,
            "goal": goal, "better": better}  # fmt: skip


async def _sandbox_rows() -> list[dict[str, Any]]:
    sends = int(os.environ.get("BENCH_SANDBOX_SENDS", "20000"))
    batched = await sandbox_bench.run(sends, batch=100)
    single = await sandbox_bench.run(max(sends // 4, 1000), batch=1)
    rate = "sends/s"
    return [
        _row("sandbox_sends_per_s_batched", "memory", batched.accepted_per_s, rate, 1500, "higher"),
        _row("sandbox_sends_per_s_unbatched", "memory", single.accepted_per_s, rate, 400, "higher"),
    ]


async def _bot_rows() -> list[dict[str, Any]]:
    speed = await bot_bench.run()
    return [
        _row("bot_understood_per_s", "memory", speed.understood_per_s, "msgs/s", 500, "higher"),
        _row("bot_turn_p50_ms", "sqlite", speed.turn_p50_ms, "ms", 25, "lower"),
        _row("bot_turn_p99_ms", "sqlite", speed.turn_p99_ms, "ms", 100, "lower"),
    ]


async def _dispatch_and_ingest_rows(backend: str) -> list[dict[str, Any]]:
    sends = int(os.environ.get("BENCH_SENDS", "10000"))
    run = await dispatch_bench.run(backend, sends)
    ingest = await ingest_bench.run(
        run.database_url, messages=int(os.environ.get("BENCH_INGEST_MESSAGES", "2000"))
    )
    return [
        _row("dispatch_msgs_per_s", backend, run.ordertalk_per_s, "msgs/s", 1000, "higher"),
        _row("pywa_sync_msgs_per_s", backend, run.pywa_sync_per_s, "msgs/s", 0, "higher"),
        _row("pywa_async_msgs_per_s", backend, run.pywa_async_per_s, "msgs/s", 0, "higher"),
        _row("ratio_vs_pywa_sync", backend, run.ordertalk_per_s / run.pywa_sync_per_s, "x", 1,
             "higher"),
        _row("ratio_vs_pywa_async", backend, run.ordertalk_per_s / run.pywa_async_per_s, "x", 1,
             "higher"),
        _row("ingest_statuses_per_s", backend, ingest.per_s, "statuses/s", 3000, "higher"),
        _row("ingest_p99_ms", backend, ingest.p99_ms, "ms", 50, "lower"),
        _row("ingest_applied_per_s", backend, ingest.applied_per_s, "statuses/s", 3000, "higher"),
    ]  # fmt: skip


async def _e2e_rows(backend: str) -> list[dict[str, Any]]:
    rows = []
    # One `serve` doing everything on one core; then API and worker, one process per core.
    for split, prefix in ((False, "e2e"), (True, "e2e_split")):
        run = await e2e_bench.run(
            backend,
            sustained=int(os.environ.get("BENCH_E2E_SUSTAINED", "600")),
            paced=int(os.environ.get("BENCH_E2E_PACED", "800")),
            split=split,
        )
        rows += [
            _row(f"{prefix}_events_per_s", backend, run.events_per_s, "events/s", 80, "higher"),
            _row(f"{prefix}_p50_ms", backend, run.percentile(0.5), "ms", 100, "lower"),
            _row(f"{prefix}_p99_ms", backend, run.percentile(0.99), "ms", 250, "lower"),
        ]
    return rows


async def _plan_rows(backend: str) -> list[dict[str, Any]]:
    run = await plan_bench.run(backend, int(os.environ.get("BENCH_PLAN_CONTACTS", "100000")))
    return [
        _row("plan_100k_s", backend, run.seconds, "s", 10, "lower"),
        _row("plan_100k_peak_mb", backend, run.peak_mb, "MB", 300, "lower"),
    ]


Rows = list[dict[str, Any]]

# A name is what --only takes; they run in this order, the second kind once per backend.
ONCE: dict[str, Callable[[], Awaitable[Rows]]] = {"sandbox": _sandbox_rows, "bot": _bot_rows}
PER_BACKEND: dict[str, Callable[[str], Awaitable[Rows]]] = {
    "dispatch": _dispatch_and_ingest_rows,
    "e2e": _e2e_rows,
    "plan": _plan_rows,
}


async def _rows(only: list[str]) -> Rows:
    rows: Rows = []
    for name, once in ONCE.items():
        if not only or name in only:
            rows += await once()
    for backend in BACKENDS:
        for name, per_backend in PER_BACKEND.items():
            if not only or name in only:
                rows += await per_backend(backend)
    return rows


def _merged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The saved rows with these in place of the same (name, backend), new ones at the end."""
    fresh = {(row["name"], row["backend"]): row for row in rows}
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    kept = [fresh.pop((row["name"], row["backend"]), row) for row in saved]
    return kept + list(fresh.values())


def main() -> None:
    """Run, print, save."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=[*ONCE, *PER_BACKEND], default=[])
    only = parser.parse_args().only
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the load generator stays off the sandbox's core
    rows = asyncio.run(_rows(only))
    table = Table(title="Ordertalk benchmarks (this machine)")
    for column in ("name", "backend", "value", "unit", "goal", "met"):
        table.add_column(column)
    for row in rows:
        met = (
            row["value"] >= row["goal"]
            if row["better"] == "higher"
            else row["value"] <= row["goal"]
        )
        # A goal of 0 marks a reference figure (a peer's rate), not a target.
        verdict = "—" if row["goal"] == 0 else ("yes" if met else "NO")
        table.add_row(row["name"], row["backend"], f"{row['value']:,}", row["unit"],
                      f"{row['goal']:,}", verdict)  # fmt: skip
    Console().print(table)
    RESULTS.write_text(json.dumps(_merged(rows) if only else rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
