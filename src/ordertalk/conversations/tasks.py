"""Background work for what customers send: read receipts and media fetching.

`InboundTasks` runs beside the dispatcher (in `serve`, or in `ordertalk worker`). Each kind of
work is a pass of three steps like the webhook sender's: claim due rows with a lease in one short
transaction (`UPDATE … RETURNING`; `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never
hold one row), do the network calls outside any transaction, then record every outcome. The two
kinds run in separate loops, so a slow download never holds up a read receipt.

- Read receipts: `mark_read(wamid)` for each kept inbound message, retried with back-off and
  given up (`failed`) after a few tries. Messages older than 30 days are not marked: WhatsApp
  refuses references to messages that old (the reactions and replies rule, reference §1.5), and
  blue ticks weeks later tell the customer nothing.
- Media: `media_info(id)` → type and declared size checked against WhatsApp's rules and
  `media_max_bytes` (else `rejected`, with the reason) → streamed to a temporary file with the
  size enforced while reading → SHA-256 checked when the API gives one → moved to its content
  address (`stored`). Failures (network, 5xx, 4xx) are retried with exponential back-off and
  jitter, then `failed` with a short reason (never a URL or a token).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.config import Settings
from ordertalk.conversations.media import (
    MediaFiles,
    a_kind,
    base_mime,
    digest_matches,
    refusal,
    size_limit,
)
from ordertalk.conversations.models import ConversationMessage, InboundMedia
from ordertalk.conversations.states import MediaState, ReadReceipt
from ordertalk.db import utcnow
from ordertalk.messaging.clients import ClientPool, NotConnected
from ordertalk.stores.models import Store
from ordertalk.whatsapp.client import MediaTooLarge, WhatsAppClient
from ordertalk.whatsapp.errors import CloudApiError, CloudApiTransportError

log = logging.getLogger(__name__)

ERROR_LENGTH = 300
PENDING_RECEIPT = ReadReceipt.PENDING.value
PENDING_MEDIA = MediaState.PENDING.value


@dataclass(frozen=True, slots=True)
class InboundTasksConfig:
    """Batch sizes, concurrency, leases and patience of the inbound tasks."""

    batch: int = 50
    concurrency: int = 8
    poll_interval: float = 0.5
    jitter: float = 0.2  # each wait is stretched or shrunk by up to this fraction
    read_attempts: int = 4  # then the read receipt is given up (failed)
    read_retry_base: timedelta = timedelta(seconds=5)
    read_retry_cap: timedelta = timedelta(minutes=10)
    read_lease: timedelta = timedelta(minutes=2)
    read_max_age: timedelta = timedelta(days=30)
    media_attempts: int = 6  # then the media is failed
    media_retry_base: timedelta = timedelta(seconds=10)
    media_retry_cap: timedelta = timedelta(hours=1)
    # Longer than a fetch can take (a 100 MB document on a slow link), so a lease never runs
    # out while its download is still going.
    media_lease: timedelta = timedelta(minutes=15)
    media_batch: int = 10
    media_concurrency: int = 4


@dataclass(frozen=True, slots=True)
class _Receipt:
    row_id: int
    store_id: str
    wamid: str | None
    attempts: int
    at: datetime


@dataclass(frozen=True, slots=True)
class _Fetch:
    row_id: int
    store_id: str
    media_id: str
    kind: str
    declared_mime: str | None


@dataclass(frozen=True, slots=True)
class _Fetched:
    """What a fetch came to: kept (path set), refused (rejected) or an error to retry."""

    row_id: int
    path: str | None = None
    mime_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    rejected: str | None = None
    error: str | None = None


def _short(exc: BaseException) -> str:
    """An error for a row or a log line: its class and (already redacted) summary, no URL."""
    if isinstance(exc, CloudApiError | CloudApiTransportError):
        text = str(exc)
    elif isinstance(exc, NotConnected):
        text = "the store has no WhatsApp number or access token"
    elif isinstance(exc, OSError):
        text = f"{type(exc).__name__}: {exc.strerror or 'file system error'}"
    else:
        text = type(exc).__name__
    return " ".join(text.split())[:ERROR_LENGTH]


class InboundTasks:
    """Marks customers' messages read and fetches their media, with leases and retries."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clients: ClientPool,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        config: InboundTasksConfig | None = None,
    ) -> None:
        self.sessions = sessions
        self.clients = clients
        self.settings = settings
        self.clock = clock
        self.config = config or InboundTasksConfig()
        self.files = MediaFiles(Path(settings.media_dir))

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set: receipts and media in loops of their own."""
        await asyncio.gather(
            self._loop("read receipt", self.run_receipts_once, stop),
            self._loop("media", self.run_media_once, stop),
        )

    async def _loop(
        self, what: str, one_pass: Callable[[], Awaitable[int]], stop: asyncio.Event
    ) -> None:
        while not stop.is_set():
            try:
                handled = await one_pass()
            except Exception:
                log.exception("%s pass failed; retrying", what)
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.config.poll_interval)

    async def run_once(self) -> int:
        """One pass of each; how many rows were handled."""
        return await self.run_receipts_once() + await self.run_media_once()

    def _wait(self, attempts: int, base: timedelta, cap: timedelta) -> timedelta:
        """Exponential back-off after `attempts` failed tries, jittered."""
        jitter = self.config.jitter
        wait = min(cap, base * (1 << min(max(attempts - 1, 0), 30)))
        return wait * random.uniform(1 - jitter, 1 + jitter)

    # --- read receipts ------------------------------------------------------------------------

    async def run_receipts_once(self) -> int:
        """Send the due read receipts; how many were attempted (or given up as too old)."""
        now = self.clock()
        receipts = await self._claim_receipts(now)
        if not receipts:
            return 0
        too_old = now - self.config.read_max_age
        # Too old to mark (or nothing to mark it by): given up without a call.
        stale = [r for r in receipts if r.at < too_old or not r.wamid]
        fresh = [r for r in receipts if r not in stale]
        clients = await self._clients({r.store_id for r in fresh})
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(receipt: _Receipt) -> tuple[_Receipt, str | None]:
            async with gate:
                client = clients.get(receipt.store_id)
                if isinstance(client, BaseException) or client is None:
                    return receipt, _short(client or NotConnected())
                try:
                    await client.mark_read(receipt.wamid or "")
                except (CloudApiError, CloudApiTransportError) as exc:
                    return receipt, _short(exc)
                return receipt, None

        outcomes = list(await asyncio.gather(*(one(r) for r in fresh)))
        await self._record_receipts(outcomes, stale)
        return len(receipts)

    async def _claim_receipts(self, now: datetime) -> list[_Receipt]:
        cm = ConversationMessage
        due = (
            cm.read_receipt == PENDING_RECEIPT,
            or_(cm.read_next_at.is_(None), cm.read_next_at <= now),
        )
        async with self.sessions() as session:
            candidates_query = (
                select(cm.id).where(*due).order_by(cm.read_next_at, cm.id).limit(self.config.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                candidates_query = candidates_query.with_for_update(skip_locked=True)
            candidates = list(await session.scalars(candidates_query))
            if not candidates:
                await session.rollback()
                return []
            # The conditions again: on SQLite another worker may have claimed them between the
            # SELECT and this UPDATE (writes are serialised, so exactly one wins).
            rows = await session.execute(
                update(cm)
                .where(cm.id.in_(candidates), *due)
                .values(
                    read_next_at=now + self.config.read_lease, read_attempts=cm.read_attempts + 1
                )
                .returning(cm.id, cm.store_id, cm.wamid, cm.read_attempts, cm.at)
                .execution_options(synchronize_session=False)
            )
            claimed = [
                _Receipt(row.id, row.store_id, row.wamid, row.read_attempts, row.at) for row in rows
            ]
            await session.commit()
        return sorted(claimed, key=lambda r: r.row_id)

    async def _clients(self, store_ids: set[str]) -> dict[str, WhatsAppClient | BaseException]:
        """Each store's client, or why there is none."""
        if not store_ids:
            return {}
        found: dict[str, WhatsAppClient | BaseException] = {}
        async with self.sessions() as session:
            for store in await session.scalars(select(Store).where(Store.id.in_(store_ids))):
                try:
                    found[store.id] = self.clients.get(store)
                except NotConnected as exc:
                    found[store.id] = exc
            await session.rollback()
        return found

    async def _record_receipts(
        self, outcomes: list[tuple[_Receipt, str | None]], stale: list[_Receipt]
    ) -> None:
        cfg = self.config
        now = self.clock()
        async with self.sessions() as session:
            cm = ConversationMessage
            for receipt in stale:
                await session.execute(
                    update(cm)
                    .where(cm.id == receipt.row_id, cm.read_receipt == PENDING_RECEIPT)
                    .values(read_receipt=ReadReceipt.FAILED.value, read_next_at=None)
                    .execution_options(synchronize_session=False)
                )
            for receipt, error in outcomes:
                values: dict[str, object]
                if error is None:
                    values = {"read_receipt": ReadReceipt.SENT.value, "read_next_at": None}
                elif receipt.attempts >= cfg.read_attempts:
                    values = {"read_receipt": ReadReceipt.FAILED.value, "read_next_at": None}
                    log.warning(
                        "read receipt for message %s given up after %s tries: %s",
                        receipt.row_id,
                        receipt.attempts,
                        error,
                    )
                else:
                    wait = self._wait(receipt.attempts, cfg.read_retry_base, cfg.read_retry_cap)
                    values = {"read_next_at": now + wait}
                    log.info(
                        "read receipt for message %s failed (try %s): %s",
                        receipt.row_id,
                        receipt.attempts,
                        error,
                    )
                await session.execute(
                    update(cm)
                    .where(cm.id == receipt.row_id, cm.read_receipt == PENDING_RECEIPT)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()

    # --- media ----------------------------------------------------------------------------------

    async def run_media_once(self) -> int:
        """Fetch the due media; how many fetches were attempted."""
        now = self.clock()
        fetches = await self._claim_media(now)
        if not fetches:
            return 0
        clients = await self._clients({f.store_id for f in fetches})
        gate = asyncio.Semaphore(self.config.media_concurrency)

        async def one(fetch: _Fetch) -> _Fetched:
            async with gate:
                client = clients.get(fetch.store_id)
                if isinstance(client, BaseException) or client is None:
                    return _Fetched(fetch.row_id, error=_short(client or NotConnected()))
                return await self._fetch(client, fetch)

        outcomes = list(await asyncio.gather(*(one(f) for f in fetches)))
        await self._record_media(outcomes)
        return len(fetches)

    async def _claim_media(self, now: datetime) -> list[_Fetch]:
        media = InboundMedia
        free = or_(media.leased_until.is_(None), media.leased_until < now)
        due = (
            media.state == PENDING_MEDIA,
            or_(media.next_attempt_at.is_(None), media.next_attempt_at <= now),
            free,
        )
        async with self.sessions() as session:
            candidates_query = (
                select(media.id)
                .where(*due)
                .order_by(media.next_attempt_at, media.id)
                .limit(self.config.media_batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                candidates_query = candidates_query.with_for_update(skip_locked=True)
            candidates = list(await session.scalars(candidates_query))
            if not candidates:
                await session.rollback()
                return []
            rows = await session.execute(
                update(media)
                .where(media.id.in_(candidates), *due)
                .values(leased_until=now + self.config.media_lease)
                .returning(
                    media.id, media.store_id, media.media_id, media.kind, media.declared_mime
                )
                .execution_options(synchronize_session=False)
            )
            claimed = [
                _Fetch(row.id, row.store_id, row.media_id, row.kind, row.declared_mime)
                for row in rows
            ]
            await session.commit()
        return sorted(claimed, key=lambda f: f.row_id)

    async def _fetch(self, client: WhatsAppClient, fetch: _Fetch) -> _Fetched:
        """Resolve, check, download, verify and keep one media file (never raises)."""
        max_bytes = self.settings.media_max_bytes
        try:
            info = await client.media_info(fetch.media_id)
        except (CloudApiError, CloudApiTransportError) as exc:
            return _Fetched(fetch.row_id, error=_short(exc))
        mime = base_mime(info.mime_type) or base_mime(fetch.declared_mime)
        refused = refusal(fetch.kind, mime, info.file_size, max_bytes)
        if refused is not None:
            return _Fetched(fetch.row_id, mime_type=mime, size=info.file_size, rejected=refused)
        limit = size_limit(fetch.kind, max_bytes)
        temp: Path | None = None
        try:
            temp = self.files.temp()
            with temp.open("wb") as file:
                sink = _Hashing(file)
                size = await client.download_media_to(info.url, sink, max_bytes=limit)
            hex_digest = sink.digest.hexdigest()
            if digest_matches(info.sha256, hex_digest) is False:
                return _Fetched(fetch.row_id, error="the download does not match its SHA-256")
            path = self.files.keep(temp, fetch.store_id, hex_digest)
            temp = None
        except MediaTooLarge as exc:
            reason = f"more than the {exc.limit} bytes kept for {a_kind(fetch.kind)}"
            return _Fetched(fetch.row_id, mime_type=mime, rejected=reason)
        except (CloudApiError, CloudApiTransportError, OSError, ValueError) as exc:
            return _Fetched(fetch.row_id, error=_short(exc))
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
        return _Fetched(fetch.row_id, path=path, mime_type=mime, size=size, sha256=hex_digest)

    async def _record_media(self, outcomes: list[_Fetched]) -> None:
        cfg = self.config
        now = self.clock()
        async with self.sessions() as session:
            for outcome in outcomes:
                row = await session.get(InboundMedia, outcome.row_id)
                if row is None or row.state != PENDING_MEDIA:
                    continue  # deleted with its message, or settled by another worker
                row.attempts += 1
                row.leased_until = None
                if outcome.path is not None:
                    row.state = MediaState.STORED.value
                    row.path = outcome.path
                    row.mime_type = outcome.mime_type
                    row.size = outcome.size
                    row.sha256 = outcome.sha256
                    row.fetched_at = now
                    row.error = None
                    row.next_attempt_at = None
                elif outcome.rejected is not None:
                    row.state = MediaState.REJECTED.value
                    row.mime_type = outcome.mime_type
                    row.size = outcome.size
                    row.error = outcome.rejected[:ERROR_LENGTH]
                    row.next_attempt_at = None
                    log.info("media %s rejected: %s", row.id, row.error)
                else:
                    row.error = (outcome.error or "error")[:ERROR_LENGTH]
                    if row.attempts >= cfg.media_attempts:
                        row.state = MediaState.FAILED.value
                        row.next_attempt_at = None
                        log.warning(
                            "media %s failed after %s tries: %s", row.id, row.attempts, row.error
                        )
                    else:
                        wait = self._wait(row.attempts, cfg.media_retry_base, cfg.media_retry_cap)
                        row.next_attempt_at = now + wait
                        log.info(
                            "media %s fetch failed (try %s): %s", row.id, row.attempts, row.error
                        )
            await session.commit()


class _Hashing:
    """A file that also takes the SHA-256 of what is written to it."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self.digest = hashlib.sha256()

    def write(self, data: bytes, /) -> int:
        self.digest.update(data)
        return self._file.write(data)
