"""`make bench`: run every benchmark, print one table, write bench/results.json."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import bot_bench, sandbox_bench

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


async def _all_rows() -> list[dict[str, Any]]:
    return [*await _sandbox_rows(), *await _bot_rows()]


def main() -> None:
    """Run, print, save."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the load generator stays off the sandbox's core
    rows = asyncio.run(_all_rows())
    table = Table(title="Ordertalk benchmarks (this machine)")
    for column in ("name", "backend", "value", "unit", "goal", "met"):
        table.add_column(column)
    for row in rows:
        met = (
            row["value"] >= row["goal"]
            if row["better"] == "higher"
            else row["value"] <= row["goal"]
        )
        table.add_row(row["name"], row["backend"], f"{row['value']:,}", row["unit"],
                      f"{row['goal']:,}", "yes" if met else "NO")  # fmt: skip
    Console().print(table)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
