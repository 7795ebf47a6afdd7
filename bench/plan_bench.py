"""Planning a broadcast to 100,000 contacts (policy + render + outbox rows): seconds and peak
memory.

Seeding is not timed: a store, its `offer` template approved in every language, and the
contacts, each with marketing consent and its consent ledger row, written with Core multi-row
inserts (then ANALYZE, as a live database has statistics). The broadcast is created through
`broadcasts.service` (its checks and its row). Timed: one `BroadcastPlanner.plan` of it, alone in
a child process started for it (`python -m bench.plan_bench --child …`), which reports its
seconds and its peak resident memory: the whole process's VmHWM (interpreter, imports, engine
and the planning together), not a difference against a baseline.

`python -m bench.plan_bench [sqlite|postgresql] [CONTACTS]` runs it alone.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.rig import POSTGRES, fresh_database, scratch
from ordertalk.broadcasts.schemas import BroadcastIn
from ordertalk.broadcasts.service import create_broadcast
from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.stores.service import create_store
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import LANGUAGES, REGISTRY

# Its own PostgreSQL database: never the one another benchmark is filling.
PLAN_POSTGRES = make_url(POSTGRES).set(database=f"{make_url(POSTGRES).database}_plan")
SEED_BATCH = 10_000
OFFER = {"offer": "20% off the monsoon collection", "shop_url": "https://bench.example/monsoon"}


@dataclass(frozen=True)
class PlanRun:
    """What one backend measured."""

    backend: str
    contacts: int
    planned: int
    seconds: float
    peak_mb: float


def _contact(store_id: str, i: int, now: Any) -> dict[str, Any]:
    phone = f"+9197{i:08d}"
    return {
        "store_id": store_id,
        "phone": phone,
        "wa_id": phone[1:],
        "name": f"Customer {i}",
        "language": LANGUAGES[i % len(LANGUAGES)],  # every language the template has
        "timezone": "Asia/Kolkata",
        "utility_consent": True,
        "marketing_consent": True,
        "reachable": True,
        "last_inbound_at": None,
        "created_at": now,
    }


async def _seed(engine: AsyncEngine, contacts: int) -> tuple[str, int]:
    """The store, its approved template, the contacts and their consent; (store, broadcast)."""
    sessions = session_factory(engine)
    now = utcnow()
    async with sessions() as session:
        store, _ = await create_store(
            session,
            name="Bench & Co",
            country="IN",
            language="en",
            quiet_hours=None,
            messaging_limit=10_000_000,
        )
        await session.commit()
        store_id = store.id
        defn = REGISTRY["offer"]
        approved = [
            {"store_id": store_id, "name": defn.name, "language": language,
             "status": "APPROVED", "category": defn.category, "updated_at": now}
            for language in defn.languages
        ]  # fmt: skip
        await session.execute(insert(TemplateStatus.__table__), approved)
        for start in range(0, contacts, SEED_BATCH):
            rows = [
                _contact(store_id, i, now) for i in range(start, min(start + SEED_BATCH, contacts))
            ]
            await session.execute(insert(Contact.__table__), rows)
        ids = list(await session.scalars(select(Contact.id).where(Contact.store_id == store_id)))
        for start in range(0, len(ids), SEED_BATCH):
            ledger = [
                {"store_id": store_id, "contact_id": contact_id, "purpose": "marketing",
                 "granted": True, "source": "widget", "evidence": {"page": "/"}, "at": now}
                for contact_id in ids[start : start + SEED_BATCH]
            ]  # fmt: skip
            await session.execute(insert(ConsentEvent.__table__), ledger)
        await session.commit()
        request = BroadcastIn(template="offer", purpose="marketing", params=OFFER)
        broadcast, _ = await create_broadcast(session, store, request, None, utcnow())
        await session.commit()
        broadcast_id = broadcast.id
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return store_id, broadcast_id


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


async def _child(database_url: str, store_id: str, broadcast_id: int) -> dict[str, float]:
    """Plan the broadcast; its seconds, planned count and this process's peak memory."""
    from ordertalk.broadcasts.planner import BroadcastPlanner

    engine = create_engine(database_url)
    try:
        planner = BroadcastPlanner(session_factory(engine))
        started = time.perf_counter()
        broadcast = await planner.plan(store_id, broadcast_id)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return {"seconds": seconds, "planned": broadcast.planned, "peak_mb": _peak_rss_mb()}


async def run(backend: str, contacts: int = 100_000) -> PlanRun:
    """Seed `contacts` consenting contacts on a fresh database, then plan one broadcast to them
    in a child process."""
    postgres = PLAN_POSTGRES.render_as_string(hide_password=False)
    database_url = await fresh_database(backend, scratch(), postgres_url=postgres)
    engine = create_engine(database_url)
    try:
        store_id, broadcast_id = await _seed(engine, contacts)
    finally:
        await engine.dispose()
    args = [sys.executable, "-m", "bench.plan_bench", "--child", database_url, store_id,
            str(broadcast_id)]  # fmt: skip
    done = await asyncio.to_thread(
        subprocess.run, args, capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"planning failed:\n{done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if measured["planned"] != contacts:
        raise RuntimeError(f"planned {measured['planned']} of {contacts} contacts")
    return PlanRun(
        backend, contacts, int(measured["planned"]), measured["seconds"], measured["peak_mb"]
    )


def main(argv: list[str]) -> None:
    """`--child URL STORE BROADCAST` (the measured process), or `[BACKEND] [CONTACTS]`."""
    if argv[:1] == ["--child"]:
        url, store_id, broadcast_id = argv[1:4]
        print(json.dumps(asyncio.run(_child(url, store_id, int(broadcast_id)))))
        return
    backends = [argv[0]] if argv else ["sqlite", "postgresql"]
    contacts = int(argv[1]) if len(argv) > 1 else 100_000
    for backend in backends:
        result = asyncio.run(run(backend, contacts))
        print(
            f"{backend}: planned {result.planned:,} of {result.contacts:,} contacts in "
            f"{result.seconds:.2f} s, peak {result.peak_mb:.0f} MB"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
