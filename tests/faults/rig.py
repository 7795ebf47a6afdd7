"""The rig of the crash and fault tests: Ordertalk's own processes (`ordertalk worker`,
`ordertalk serve --no-worker`) on a PostgreSQL database made for the test, Redis, and a sandbox
process, with thousands of due messages in the outbox.

    async with open_rig(tmp_path, MESSAGES) as rig:
        rig.start_api()
        rig.start_worker()
        await rig.until(rig.all_settled, "every message settled")
        rig.check_exactly_once(await rig.rows())

What went out is read from the sandbox's request log: every send it answered, and for each
accepted one its wamid and the `biz_opaque_callback_data` ("ot:<row>:<attempt>") that ties it
to its outbox row. On the way out every process is killed and the database dropped; when the
test failed, each process's last log lines are printed.

The store, the database and the outbox rows are made as the scale-out test makes them
(tests/messaging/test_scale_out.py): one order confirmation through the real path, copied for
the other customers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import func, make_url, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ordertalk.commerce.models import Order
from ordertalk.contacts.models import Contact
from ordertalk.db import create_engine, session_factory
from ordertalk.messaging.dispatcher import parse_callback
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.migrations import upgrade_async
from ordertalk.stores.service import create_store
from ordertalk.templates.service import push
from ordertalk.whatsapp.client import WhatsAppClient
from tests.messaging.test_scale_out import _admin, _insert, _one_real_message, _row, _server
from tests.servers import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN = "faults-token"
APP_SECRET = "faults-app-secret"
WABA = "300000000000077"
THROUGHPUT = 200  # messages/s of the number, in the store and in the sandbox
# A message that went out has its status settle it (not a resend): states it can end in.
SETTLED = frozenset({"sent", "delivered", "read"})
# A crashed worker's claimed rows are taken up after the lease (1 minute in production): longer
# than a pass takes even on a busy machine. A send nobody saw answered waits the reconcile wait
# for its status webhook before it goes again (2 minutes in production): longer than statuses
# take to come through the sandbox and the API when the machine is shared with other tests.
LEASE_S = 10.0
RECONCILE_WAIT_S = 20.0


@dataclass
class Proc:
    """One Ordertalk or sandbox process, with its log."""

    name: str
    args: list[str]
    env: dict[str, str]
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0
    started_at: float = 0.0  # time.monotonic() of the latest start

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> Proc:
        """Start (again): a restart appends to the same log."""
        assert not self.alive, f"{self.name} is already running"
        self.runs += 1
        self.started_at = time.monotonic()
        with self.log.open("ab") as sink:
            sink.write(f"=== start {self.runs} ===\n".encode())
            sink.flush()
            self.process = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=self.folder,  # no stray .env is read
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9, and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        code = self.process.poll() if self.process is not None else None
        return f"--- {self.name} (runs {self.runs}, exit {code}) ---\n{text[-3000:]}"


@dataclass
class Rig:
    """A sandbox, a store on it with due messages, and the processes the test starts."""

    folder: Path
    database_url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sandbox_url: str
    number: str
    store_id: str = ""
    api_key: str = ""
    api_port: int = field(default_factory=free_port)
    procs: list[Proc] = field(default_factory=list)
    # Processes that are meant to be down right now (killed by the test): not a failure.
    expected_down: set[str] = field(default_factory=set)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    # -- processes ------------------------------------------------------------------------

    def env(self, database_url: str | None = None, **extra: str) -> dict[str, str]:
        """The environment of an Ordertalk process: this rig's database, Redis and sandbox."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERTALK_")}
        return env | {
            "ORDERTALK_DATABASE_URL": database_url or self.database_url,
            "ORDERTALK_REDIS_URL": REDIS_URL,
            "ORDERTALK_GRAPH_BASE_URL": self.sandbox_url,
            "ORDERTALK_MEDIA_DIR": str(self.folder / "media"),
            "ORDERTALK_DISPATCH_LEASE_S": str(LEASE_S),
            "ORDERTALK_RECONCILE_WAIT_S": str(RECONCILE_WAIT_S),
            "PYTHONUNBUFFERED": "1",
            **{f"ORDERTALK_{k.upper()}": v for k, v in extra.items()},
        }

    def start_worker(self, database_url: str | None = None, **settings: str) -> Proc:
        """One more `ordertalk worker`."""
        name = f"worker-{sum(p.name.startswith('worker') for p in self.procs)}"
        args = [sys.executable, "-m", "ordertalk.cli_entry", "worker"]
        proc = Proc(name, args, self.env(database_url, **settings), self.folder)
        self.procs.append(proc)
        return proc.start()

    def start_api(self, database_url: str | None = None) -> Proc:
        """`ordertalk serve --no-worker` on the rig's API port (where the sandbox posts its
        webhooks); returns once it answers."""
        args = [
            sys.executable, "-m", "ordertalk.cli_entry", "serve", "--no-worker",
            "--port", str(self.api_port),
        ]  # fmt: skip
        proc = Proc("api", args, self.env(database_url), self.folder)
        self.procs.append(proc)
        proc.start()
        self.wait_up(proc)
        return proc

    def wait_up(self, proc: Proc, timeout: float = 60.0) -> None:
        """Wait until the API answers /healthz."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/healthz", timeout=2).status_code == 200:
                    return
            assert proc.alive, proc.tail()
            assert time.monotonic() < deadline, f"the API did not come up\n{proc.tail()}"
            time.sleep(0.1)

    def check_running(self) -> None:
        """Fail at once when a process the test did not stop has died."""
        dead = [p for p in self.procs if not p.alive and p.name not in self.expected_down]
        assert not dead, "stopped on their own: " + ", ".join(p.name for p in dead)

    async def until(
        self, ready: Callable[[], Awaitable[bool]], what: str, timeout: float = 180.0
    ) -> None:
        """Poll `ready` (bounded); fail with `what` when it never holds or a process died."""
        deadline = time.monotonic() + timeout
        while not await ready():
            self.check_running()
            assert time.monotonic() < deadline, f"{what}: not after {timeout:g} s"
            await asyncio.sleep(0.25)

    # -- the sandbox ----------------------------------------------------------------------

    def configure(self, **changes: Any) -> None:
        """`PUT /_sandbox/config`."""
        answer = httpx.put(f"{self.sandbox_url}/_sandbox/config", json=changes, timeout=10)
        assert answer.status_code == 200, answer.text

    def faults(self, **faults: Any) -> None:
        """`PUT /_sandbox/faults` (replaces every fault)."""
        answer = httpx.put(f"{self.sandbox_url}/_sandbox/faults", json=faults, timeout=10)
        assert answer.status_code == 200, answer.text

    def webhook_stats(self) -> dict[str, Any]:
        """`GET /_sandbox/webhooks`."""
        stats: dict[str, Any] = httpx.get(
            f"{self.sandbox_url}/_sandbox/webhooks", timeout=10
        ).json()
        return stats

    def sends(self) -> list[dict[str, Any]]:
        """Every send the sandbox answered (mark-as-read excluded), oldest first."""
        log: list[dict[str, Any]] = httpx.get(
            f"{self.sandbox_url}/_sandbox/log", params={"limit": 1_000_000}, timeout=60
        ).json()
        return [
            r
            for r in log
            if str(r.get("path", "")).endswith("/messages") and r.get("kind") != "mark_read"
        ]

    # -- the database ---------------------------------------------------------------------

    async def rows(self) -> set[int]:
        """Every outbox row's id."""
        async with self.sessions() as session:
            return set(await session.scalars(select(OutboundMessage.id)))

    async def states(self) -> Counter[str]:
        """How many outbox rows are in each state."""
        async with self.sessions() as session:
            found = await session.execute(
                select(OutboundMessage.state, func.count()).group_by(OutboundMessage.state)
            )
            return Counter({state: int(n) for state, n in found.all()})

    async def accepted(self) -> int:
        """How many rows have a wamid (accepted, or settled by a status)."""
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count(OutboundMessage.id)).where(OutboundMessage.wamid.is_not(None))
            )
            return int(count or 0)

    async def all_settled(self) -> bool:
        """Whether every row has gone out and heard its first status (so none can go again)."""
        states = await self.states()
        return set(states) <= SETTLED

    async def events(self, *outcomes: str) -> list[MessageEvent]:
        """The message events with these outcomes, in time order."""
        async with self.sessions() as session:
            found = await session.scalars(
                select(MessageEvent)
                .where(MessageEvent.outcome.in_(outcomes))
                .order_by(MessageEvent.at, MessageEvent.id)
            )
            return list(found)

    async def check_exactly_once(self) -> list[dict[str, Any]]:
        """Each outbox row accepted by the sandbox exactly once, none lost, each row holding
        its send's wamid; the accepted sends."""
        rows = await self.rows()
        accepted = [r for r in self.sends() if r["http_status"] == 200]
        assert accepted, "the sandbox accepted nothing"
        wamids = Counter(r["wamid"] for r in accepted)
        assert max(wamids.values()) == 1, "the sandbox gave out a wamid twice"
        parsed = [parse_callback(r.get("biz_opaque_callback_data")) for r in accepted]
        assert None not in parsed, "an accepted send names no outbox row"
        per_row = Counter(p[0] for p in parsed if p is not None)
        lost = sorted(rows - set(per_row))
        assert not lost, f"{len(lost)} rows never reached the sandbox: {lost[:10]}"
        twice = sorted(row for row, n in per_row.items() if n > 1)
        assert not twice, (
            f"{len(twice)} rows were sent more than once: {twice[:10]}\n"
            + await self.story(twice[:3], accepted)
        )
        assert set(per_row) == rows, "a send names a row that does not exist"
        sent_as = {p[0]: r["wamid"] for p, r in zip(parsed, accepted, strict=True) if p}
        async with self.sessions() as session:
            recorded = dict(
                (await session.execute(select(OutboundMessage.id, OutboundMessage.wamid))).all()
            )
        wrong = [row for row, wamid in recorded.items() if wamid != sent_as[row]]
        assert not wrong, f"{len(wrong)} rows hold another wamid than their send's: {wrong[:10]}"
        return accepted

    async def story(self, rows: list[int], sends: list[dict[str, Any]]) -> str:
        """What happened to these rows: their events and their accepted sends (a failure's
        explanation)."""
        lines = []
        async with self.sessions() as session:
            for row in rows:
                lines.append(f"row {row}:")
                events = await session.scalars(
                    select(MessageEvent)
                    .where(MessageEvent.message_id == row)
                    .order_by(MessageEvent.at, MessageEvent.id)
                )
                lines += [
                    f"  {e.at:%H:%M:%S.%f} {e.kind} {e.outcome} until={e.until} {e.detail or ''}"
                    for e in events
                ]
                lines += [
                    f"  sandbox {datetime.fromtimestamp(r['time'], UTC):%H:%M:%S.%f}"
                    f" {r['biz_opaque_callback_data']} {r['wamid']}"
                    for r in sends
                    if (parse_callback(r.get("biz_opaque_callback_data")) or (0,))[0] == row
                ]
        return "\n".join(lines)

    # -- the store and its messages -------------------------------------------------------

    async def make_store(self) -> None:
        """A store on the sandbox's number, its templates approved."""
        async with self.sessions() as session:
            store, self.api_key = await create_store(
                session,
                name="Faults",
                country="IN",
                language="en",
                quiet_hours=None,
                phone_number_id=self.number,
                waba_id=WABA,
                access_token=TOKEN,
                app_secret=APP_SECRET,
                graph_base_url=self.sandbox_url,
                throughput_per_s=THROUGHPUT,
                messaging_limit=10_000_000,
            )
            await session.commit()
            self.store_id = store.id
            async with WhatsAppClient(
                base_url=self.sandbox_url,
                api_version="v25.0",
                access_token=TOKEN,
                phone_number_id=self.number,
                waba_id=WABA,
            ) as client:
                # The first push submits the templates; reading them back records the
                # sandbox's verdicts (all approved) without waiting for review webhooks.
                for _ in range(2):
                    await push(session, store.id, client)
                    await session.commit()

    async def fill(self, recipients: list[int]) -> None:
        """One due order confirmation per entry of `recipients` (customer numbers: a customer
        listed twice gets two messages), plus the real-path one they are copied from."""
        now = datetime.now(UTC) - timedelta(minutes=1)
        original = await _one_real_message(self.sessions, self.store_id, now)
        async with self.sessions() as session:
            message = await _row(session, OutboundMessage.__table__, original)
            contact = await _row(session, Contact.__table__, message["contact_id"])
            order = await _row(session, Order.__table__, message["order_id"])
            customers = sorted(set(recipients))
            contact_ids = dict(
                zip(
                    customers,
                    await _insert(
                        session,
                        Contact.__table__,
                        [contact | {"phone": f"+{phone(c)}", "wa_id": phone(c)} for c in customers],
                    ),
                    strict=True,
                )
            )
            order_ids = await _insert(
                session,
                Order.__table__,
                [
                    order | {"external_id": f"F{i}", "name": f"#F{i}", "contact_id": contact_ids[c]}
                    for i, c in enumerate(recipients)
                ],
            )
            await _insert(
                session,
                OutboundMessage.__table__,
                [
                    message
                    | {
                        "contact_id": contact_ids[c],
                        "order_id": order_ids[i],
                        "entity_id": order_ids[i],
                        "dedup_key": f"faults:{i}",
                    }
                    for i, c in enumerate(recipients)
                ],
            )
            await session.commit()


def phone(customer: int) -> str:
    """Customer number `customer`'s wa_id (Indian mobile numbers, none of them real)."""
    return f"918{customer:09d}"


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database of the test's own (so parallel test processes never
    share one), dropped afterwards."""
    name = f"test_faults_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(_server()).set(database=name).render_as_string(hide_password=False)
        await upgrade_async(url)
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start_sandbox(folder: Path, number: str, webhook_url: str) -> tuple[Proc, str]:
    port = free_port()
    args = [
        sys.executable, "-m", "ordertalk.cli_entry", "sandbox", "--port", str(port),
        "--webhook-url", webhook_url, "--access-token", TOKEN, "--app-secret", APP_SECRET,
        "--waba-id", WABA, "--throughput", str(THROUGHPUT), "--phone-number-id", number,
        "--status-batch-size", "100",
    ]  # fmt: skip
    proc = Proc("sandbox", args, dict(os.environ), folder).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/_sandbox/health", timeout=2).status_code == 200:
                return proc, url
        assert proc.alive, proc.tail()
        assert time.monotonic() < deadline, f"the sandbox did not come up\n{proc.tail()}"
        time.sleep(0.05)


@contextlib.asynccontextmanager
async def open_rig(folder: Path, recipients: list[int], **behaviour: Any) -> AsyncIterator[Rig]:
    """A database of the test's own with a store and one due message per recipient, and a
    sandbox posting its webhooks to where the rig's API will listen (its behaviour changed by
    `behaviour`, e.g. status delays). Nothing of Ordertalk runs yet: the test starts the API
    and the workers."""
    redis = Redis.from_url(REDIS_URL)
    try:
        assert await redis.ping(), f"Redis is required at {REDIS_URL} (`make services`)"
    finally:
        await redis.aclose()
    # A number of this run's own, so no rate-limit key in Redis is left from another run.
    number = f"2{uuid.uuid4().int % 10**14:014d}"
    api_port = free_port()
    procs: list[Proc] = []
    async with postgres_database() as database_url:
        engine = create_engine(database_url)
        try:
            sandbox, sandbox_url = _start_sandbox(
                folder, number, f"http://127.0.0.1:{api_port}/webhooks/whatsapp"
            )
            procs.append(sandbox)
            rig = Rig(
                folder,
                database_url,
                engine,
                session_factory(engine),
                sandbox_url,
                number,
                api_port=api_port,
                procs=procs,
            )
            defaults = {
                "messaging_limit_tier": "TIER_UNLIMITED",
                "sent_delay_s": 0.05,
                "delivered_delay_s": 0.1,
                "read_delay_s": 0.2,
                # Meta retries for days, seconds to minutes apart; the same back-off, shorter.
                "webhook_retry_initial_s": 0.5,
                "webhook_retry_max_s": 4.0,
            }
            rig.configure(**(defaults | behaviour))
            await rig.make_store()
            await rig.fill(recipients)
            yield rig
        except BaseException:
            for proc in procs:
                print(proc.tail())
            raise
        finally:
            for proc in procs:
                proc.kill()
            await engine.dispose()
