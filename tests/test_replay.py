"""`ordertalk replay FILE.jsonl --dry-run`: what a day of real deliveries would send, and why not.

The file is one Indian COD order from Shopify (placed, shipped) and its parcel's ClickPost scans:
out for delivery at 23:30 IST, inside the store's quiet hours (21:00-08:00), and delivered at
07:00 IST the next morning, before quiet hours end. The table prints times in the store's time zone
(India: IST).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from ordertalk import replay
from ordertalk.cli import app
from tests.integrations.fixtures import data

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console wide enough that no table cell wraps."""
    monkeypatch.setattr(replay, "console", Console(width=220, no_color=True))


def clickpost(name: str, local_time: str) -> dict[str, Any]:
    """A ClickPost scan moved to `local_time` (ClickPost writes IST without an offset)."""
    body = data("clickpost", name)
    body["timestamp"] = local_time
    body["additional"]["latest_status"]["timestamp"] = local_time
    return {"source": "clickpost", "body": body}


DAY = [
    # Placed 2026-02-03 18:25 IST and shipped 2026-02-04 11:00 IST, as in the fixtures.
    {
        "source": "shopify",
        "topic": "orders/create",
        "body": data("shopify", "orders_create_cod_in"),
    },
    {
        "source": "shopify",
        "topic": "fulfillments/create",
        "body": data("shopify", "fulfillments_create_in"),
    },
    clickpost("forward_6_out_for_delivery_in", "2026-02-06 23:30:00"),
    clickpost("forward_8_delivered_in", "2026-02-07 07:00:00"),
]


def write(path: Path, lines: Sequence[dict[str, Any] | str]) -> Path:
    """A JSON-lines file (strings are written as they are)."""
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def run(*args: str) -> Result:
    return runner.invoke(app, ["replay", *args])


@dataclass
class Row:
    """One planned message of the printed table."""

    milestone: str
    intent: str
    result: str
    decisions: list[str] = field(default_factory=list)


def table(output: str) -> dict[str, Row]:
    """The printed table's rows by message intent (a row's decisions span several lines)."""
    rows: list[Row] = []
    for line in output.splitlines():
        if "│" not in line:
            continue
        _customer, milestone, intent, decision, result = (
            cell.strip() for cell in line.split("│")[1:-1]
        )
        if intent:
            rows.append(Row(milestone, intent, result))
        if decision:
            rows[-1].decisions.append(decision)
    by_intent = {row.intent: row for row in rows}
    assert len(by_intent) == len(rows), output
    return by_intent


def test_a_night_time_scan_waits_for_morning_and_is_dropped_once_the_parcel_is_delivered(
    tmp_path: Path,
) -> None:
    result = run(str(write(tmp_path / "day.jsonl", DAY)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "nothing was sent" in result.output
    rows = table(result.output)

    confirmation = rows["cod_confirmation"]
    assert confirmation.result == "sent as template (hi)"
    assert confirmation.decisions == ["2026-02-03 18:25 send"]
    dispatched = rows["shipment_dispatched"]
    assert dispatched.result == "sent as template (hi)"
    assert dispatched.decisions == ["2026-02-04 11:00 send"]

    out_for_delivery = rows["out_for_delivery"]
    assert out_for_delivery.decisions == [
        "2026-02-06 23:30 defer (quiet_hours) until 08:00",
        "2026-02-07 07:00 withdrawn (stale)",
    ]
    assert out_for_delivery.result == "withdrawn"

    delivered = rows["delivered"]
    assert delivered.decisions == [
        "2026-02-07 07:00 defer (quiet_hours) until 08:00",
        "2026-02-07 08:00 send",
    ]
    assert delivered.result == "sent as template (hi)"


def test_without_quiet_hours_every_scan_is_announced_when_it_happens(tmp_path: Path) -> None:
    result = run(str(write(tmp_path / "day.jsonl", DAY)), "--dry-run", "--quiet-hours", "off")
    assert result.exit_code == 0, result.output
    rows = table(result.output)
    assert rows["out_for_delivery"].decisions == ["2026-02-06 23:30 send"]
    assert rows["out_for_delivery"].result == "sent as template (hi)"
    assert rows["delivered"].decisions == ["2026-02-07 07:00 send"]
    assert "quiet_hours" not in result.output


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param("{not json", "not a JSON object", id="not-json"),
        pytest.param(
            {"source": "clickpost", "body": {"waybill": "4210610508756"}},
            "field 'clickpost_status_code' is missing",
            id="unreadable-scan",
        ),
        pytest.param({"source": "magento", "body": {}}, "unknown source 'magento'", id="source"),
    ],
)
def test_a_bad_line_stops_the_replay_and_is_named(
    tmp_path: Path, bad: dict[str, Any] | str, reason: str
) -> None:
    path = write(tmp_path / "day.jsonl", [DAY[0], "", DAY[1], bad, DAY[2]])
    result = run(str(path), "--dry-run")
    assert result.exit_code == 2, result.output
    assert f"line 4: {reason}" in result.output
    assert "What would be sent" not in result.output


def test_a_real_replay_needs_a_store(tmp_path: Path) -> None:
    result = run(str(write(tmp_path / "day.jsonl", DAY)))
    assert result.exit_code == 2, result.output
    assert "give --store to ingest for real, or --dry-run" in result.output
