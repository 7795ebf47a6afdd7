"""`ordertalk replay FILE.jsonl [--dry-run]`: what a sequence of store/carrier events would send.

Each line is one delivery: `{"source": "shopify", "topic": "orders/create", "at": "…",
"body": {…}}` (`headers` optional; `at` defaults to the event's own time) or `{"source": "api",
"event": {…}}` in the canonical vocabulary. With `--dry-run` the events run through the real
pipeline (normalise → state machines → journeys → policy → render) against a scratch database,
on a simulated clock, with templates assumed approved and nothing sent: the output says what
would be sent, when, and why not. Without it, the lines are ingested into a store for real.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.commerce.events import CommerceEvent
from ordertalk.config import get_settings
from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask, region_timezone
from ordertalk.db import create_engine, session_factory
from ordertalk.integrations.base import Delivery, NormaliseError
from ordertalk.integrations.generic import GenericEvent
from ordertalk.integrations.registry import SOURCES
from ordertalk.integrations.service import apply_events, store_raw
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import CLAIMABLE, Dispatcher
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.migrations import upgrade_async
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store, parse_quiet_hours, validate_country
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import REGISTRY
from ordertalk.whatsapp.client import SendResult

console = Console()


class ReplayError(Exception):
    """A line of the file cannot be replayed; the message names the line."""


@dataclass(frozen=True, slots=True)
class Line:
    """One delivery of the file, normalised."""

    number: int
    source: str
    at: datetime | None
    delivery: Delivery
    events: list[CommerceEvent]


_TOPIC_HEADER = {"shopify": "x-shopify-topic", "woocommerce": "x-wc-webhook-topic"}


def _delivery(number: int, item: dict[str, Any]) -> Delivery:
    source = str(item.get("source"))
    body = item.get("body")
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    if source in _TOPIC_HEADER and item.get("topic"):
        headers.setdefault(_TOPIC_HEADER[source], str(item["topic"]))
    if source == "shopify":
        digest = hashlib.sha256(raw).hexdigest()[:16]
        headers.setdefault("x-shopify-webhook-id", f"replay-{number}-{digest}")
    return Delivery(raw=raw, headers=headers, query={})


def read_lines(path: Path, options: dict[str, Any]) -> list[Line]:
    """Parse and normalise every line; ReplayError names the first bad one."""
    lines: list[Line] = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            item = json.loads(text)
            if not isinstance(item, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            raise ReplayError(f"line {number}: not a JSON object ({exc})") from None
        source = str(item.get("source", ""))
        at = datetime.fromisoformat(item["at"]) if item.get("at") else None
        if at is not None and at.tzinfo is None:
            raise ReplayError(f"line {number}: 'at' needs a UTC offset")
        try:
            if source == "api":
                generic = GenericEvent.model_validate(item.get("event"))
                body = generic.model_dump_json(by_alias=True).encode()
                delivery = Delivery(raw=body, headers={}, query={"id": generic.id})
                events = [generic.to_event()]
            elif source in SOURCES:
                adapter = SOURCES[source]
                delivery = _delivery(number, item)
                events = adapter.normalise(adapter.identify(delivery), options)
            else:
                raise ReplayError(f"line {number}: unknown source {source!r}")
        except NormaliseError as exc:
            raise ReplayError(f"line {number}: {exc}") from None
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ReplayError(f"line {number}: invalid event ({exc})") from None
        lines.append(Line(number, source, at, delivery, events))
    return lines


def _when(line: Line) -> datetime:
    if line.at is not None:
        return line.at
    return min((e.event_time for e in line.events), default=datetime.now(UTC))


class _DryClient:
    """Stands in for the Cloud API: accepts everything, sends nothing."""

    phone_number_id = "dry-run"

    async def send(self, message: dict[str, Any]) -> SendResult:
        return SendResult(
            wamid=f"dry.{message.get('biz_opaque_callback_data')}",
            wa_id=None,
            user_id=None,
            input=None,
            message_status=None,
        )


class _DryPool(ClientPool):
    def get(self, store: Store) -> Any:
        return _DryClient()


class _NoLimits:
    async def take(self, key: str, rate: float, burst: float) -> float:
        return 0.0

    async def penalise(self, key: str, rate: float, burst: float) -> None:
        return None


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(1970, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def _next_due(sessions: async_sessionmaker[AsyncSession]) -> datetime | None:
    async with sessions() as session:
        due: datetime | None = await session.scalar(
            select(func.min(OutboundMessage.not_before)).where(OutboundMessage.state.in_(CLAIMABLE))
        )
        return due


async def _dispatch_until(
    sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher, clock: _Clock, end: datetime
) -> None:
    for _ in range(100_000):
        due = await _next_due(sessions)
        if due is None or due > end:
            break
        clock.now = max(clock.now, due)
        await dispatcher.run_once()
    clock.now = max(clock.now, end)


async def dry_run(lines: list[Line], store_kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """Play the lines on a scratch database; every planned message with its decisions."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'replay.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        clock = _Clock()
        dispatcher = Dispatcher(
            sessions, _DryPool(get_settings()), limiter=_NoLimits(), clock=clock
        )
        try:
            async with sessions() as session:
                store, _ = await create_store(session, **store_kwargs)
                store.phone_number_id, store.access_token = "dry-run", "dry-run"
                for defn in REGISTRY.values():
                    for language in defn.languages if defn.template else ():
                        session.add(
                            TemplateStatus(
                                store_id=store.id,
                                name=defn.name,
                                language=language,
                                status="APPROVED",
                                category=defn.category,
                            )
                        )
                await session.commit()
                store_id = store.id
            for line in sorted(lines, key=_when):
                when = _when(line)
                await _dispatch_until(sessions, dispatcher, clock, when)
                async with sessions() as session:
                    row = await session.get(Store, store_id)
                    assert row is not None
                    raw, _ = await store_raw(session, row, line.source, line.delivery, None)
                    await apply_events(session, row, raw, line.events, clock.now)
                    await session.commit()
            await _dispatch_until(sessions, dispatcher, clock, clock.now + timedelta(days=3))
            return await _report(sessions)
        finally:
            await engine.dispose()


async def _report(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        messages = list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        contacts = {c.id: c for c in await session.scalars(select(Contact))}
        events = list(await session.scalars(select(MessageEvent).order_by(MessageEvent.id)))
    rows = []
    for message in messages:
        history = [e for e in events if e.message_id == message.id and e.kind != "attempt"]
        rows.append(
            {
                "customer": mask(contacts[message.contact_id].phone),
                "milestone": message.milestone or "—",
                "intent": message.intent,
                "planned_for": message.created_at,
                "outcome": message.state,
                "form": message.form,
                "language": message.language,
                "decisions": [
                    (e.at, e.outcome, e.reason, e.until)
                    for e in history
                    if e.kind in ("decision", "withdrawn")
                ],
            }
        )
    return rows


def _print(rows: list[dict[str, Any]], timezone: str) -> None:
    zone = ZoneInfo(timezone)
    table = Table(title=f"What would be sent (dry run: nothing was sent; times in {timezone})")
    for column in ("customer", "milestone", "message", "decisions", "result"):
        table.add_column(column)
    for row in rows:
        decisions = "\n".join(
            f"{at.astimezone(zone):%Y-%m-%d %H:%M} {outcome}"
            + (f" ({reason})" if reason and reason != "ok" else "")
            + (f" until {until.astimezone(zone):%H:%M}" if until else "")
            for at, outcome, reason, until in row["decisions"]
        )
        result = "sent" if row["outcome"] == "accepted" else row["outcome"]
        if row["form"]:
            result += f" as {row['form']} ({row['language']})"
        table.add_row(row["customer"], row["milestone"], row["intent"], decisions, result)
    console.print(table)


async def _ingest(lines: list[Line], store_id: str) -> int:
    settings = get_settings()
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    planned = 0
    try:
        for line in lines:
            async with session_factory(engine)() as session:
                store = await session.get(Store, store_id)
                if store is None:
                    raise ReplayError(f"no store {store_id!r} in this database")
                raw, new = await store_raw(session, store, line.source, line.delivery, None)
                if new:
                    outcome = await apply_events(
                        session, store, raw, line.events, datetime.now(UTC)
                    )
                    planned += outcome.messages
                await session.commit()
    finally:
        await engine.dispose()
    return planned


def replay_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl file.")],
    dry: Annotated[
        bool,
        typer.Option("--dry-run", help="Only print what would be sent, when and why not."),
    ] = False,
    store: Annotated[str | None, typer.Option(help="The store to ingest into.")] = None,
    country: Annotated[str, typer.Option(help="Dry run: the store's country.")] = "IN",
    language: Annotated[str, typer.Option(help="Dry run: the store's language.")] = "en",
    quiet_hours: Annotated[str, typer.Option(help="Dry run: e.g. 21:00-08:00 or off.")] = (
        "21:00-08:00"
    ),
) -> None:
    """Replay store and carrier events from a JSON-lines file."""
    try:
        timezone = region_timezone(validate_country(country))
        options: dict[str, Any] = {"timezone": timezone, "country": country.upper()}
        if dry:
            kwargs = {
                "name": "Replay",
                "country": country,
                "language": language,
                "quiet_hours": parse_quiet_hours(quiet_hours),
            }
            rows = asyncio.run(dry_run(read_lines(file, options), kwargs))
            _print(rows, timezone)
            return
        if store is None:
            raise ReplayError("give --store to ingest for real, or --dry-run")
        planned = asyncio.run(_ingest(read_lines(file, options), store))
        console.print(f"ingested; {planned} message(s) planned (the worker sends them)")
    except ReplayError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except Exception as exc:  # bad settings (InvalidInput) and the like: a message, not a trace
        message = getattr(exc, "message", None) or str(exc)
        console.print(f"[red]{message}[/red]")
        raise typer.Exit(2) from None
