"""Signed webhook delivery with the Cloud API's semantics: late, batched, duplicated, retried.

Jobs are scheduled against the sandbox clock. When one falls due its ``on_due`` hook runs once
(that is when the customer's phone shows the status), then it is POSTed to the receiver with
`X-Hub-Signature-256` over the ASCII-escaped body. Anything but a 200 is retried with
exponential back-off until the retry horizon (7 days by default) has passed: a receiver that is
down for a while loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from ordertalk.sandbox.clock import VirtualClock
from ordertalk.sandbox.settings import Behaviour, Faults
from ordertalk.whatsapp.signature import sign

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Job:
    """One thing to tell the receiver: a message status, or a whole webhook `change`."""

    field: str
    value: dict[str, Any]
    # For statuses: the `contacts[]` entry naming the customer; None for other changes.
    contact: dict[str, Any] | None = None
    on_due: Callable[[], None] | None = None
    # The business number a status belongs to (`value.metadata`); statuses of different
    # numbers never share a POST.
    metadata: dict[str, str] | None = None
    attempt: int = 0
    # A copy made by the duplicate fault is never duplicated again.
    is_copy: bool = False
    first_due: float = 0.0

    @property
    def is_status(self) -> bool:
        """Statuses may share a POST; everything else travels alone."""
        return self.contact is not None


@dataclass(order=True, slots=True)
class _Due:
    at: float
    seq: int
    job: Job = field(compare=False)


@dataclass(slots=True)
class DeliveryStats:
    """Counters the control plane reports (`GET /_sandbox/webhooks`)."""

    posts_ok: int = 0
    posts_failed: int = 0
    statuses_delivered: int = 0
    changes_delivered: int = 0
    dropped: int = 0


class WebhookDispatcher:
    """Schedules, batches, signs, posts and retries webhooks for one WABA."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        behaviour: Callable[[], Behaviour],
        faults: Callable[[], Faults],
        app_secret: str,
        waba_id: str,
        metadata: dict[str, str],
    ) -> None:
        self._clock = clock
        self._behaviour = behaviour
        self._faults = faults
        self._app_secret = app_secret
        self._waba_id = waba_id
        self._metadata = metadata
        self._heap: list[_Due] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self._batch: list[Job] = []
        self._batch_deadline: float | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        # aiohttp rather than httpx here: delivering thousands of webhooks a second on one
        # core is this module's whole job, and aiohttp's client costs a fraction of the CPU.
        self._client: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._semaphore = asyncio.Semaphore(behaviour().webhook_concurrency)
        self.stats = DeliveryStats()
        self.attempts: deque[dict[str, Any]] = deque(maxlen=2_000)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the HTTP pool and start the delivery loop."""
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=512, limit_per_host=512),
            skip_auto_headers=("User-Agent",),
        )
        self._runner = asyncio.create_task(self._run(), name="sandbox-webhooks")

    async def stop(self) -> None:
        """Stop delivering; undelivered jobs are abandoned (the sandbox is going away)."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        for task in list(self._inflight):
            task.cancel()
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        if self._client is not None:
            await self._client.close()

    def reset(self) -> None:
        """Drop every pending job and counter (`POST /_sandbox/reset`)."""
        self._heap.clear()
        self._batch.clear()
        self._batch_deadline = None
        self.stats = DeliveryStats()
        self.attempts.clear()

    def wake(self) -> None:
        """Re-check due times now (the clock moved or settings changed)."""
        self._wake.set()

    @property
    def pending(self) -> int:
        """Jobs not yet delivered (scheduled, batched or in flight)."""
        return len(self._heap) + len(self._batch) + len(self._inflight)

    # -- scheduling ------------------------------------------------------------------------

    def schedule(self, job: Job, at: float) -> None:
        """Deliver ``job`` at sandbox time ``at`` (or as soon as possible after it)."""
        if job.first_due == 0.0:
            job.first_due = at
        head = self._heap[0].at if self._heap else None
        heapq.heappush(self._heap, _Due(at, next(self._seq), job))
        if head is None or at < head:
            self._wake.set()

    def change(self, field_name: str, value: dict[str, Any], at: float | None = None) -> None:
        """Schedule a non-status webhook (inbound message, template update, preferences...)."""
        self.schedule(Job(field=field_name, value=value), self._clock.now() if at is None else at)

    # -- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                self._tick()
            except Exception:  # a bug here must not silently stop all webhooks
                log.exception("webhook dispatcher tick failed")
            timeout = 1.0
            now = self._clock.now()
            if self._heap:
                timeout = min(timeout, max(self._heap[0].at - now, 0.0))
            if self._batch_deadline is not None:
                timeout = min(timeout, max(self._batch_deadline - time.monotonic(), 0.0))
            if timeout <= 0:
                await asyncio.sleep(0)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _tick(self) -> None:
        now = self._clock.now()
        behaviour = self._behaviour()
        while self._heap and self._heap[0].at <= now:
            job = heapq.heappop(self._heap).job
            if job.attempt == 0 and job.on_due is not None:
                job.on_due()
                job.on_due = None
                if not job.value:
                    continue  # the hook decided there was nothing to tell
            if (
                job.attempt == 0
                and not job.is_copy
                and behaviour.webhook_url is not None
                and random.random() < self._faults().duplicate_ratio
            ):
                copy = Job(
                    field=job.field,
                    value=job.value,
                    contact=job.contact,
                    metadata=job.metadata,
                    is_copy=True,
                )
                self.schedule(copy, now + random.uniform(0.01, 0.3))
            if behaviour.webhook_url is None:
                continue  # nobody to tell; the phone's state was still updated above
            if job.is_status and behaviour.status_batch_size > 1:
                if not self._batch:
                    self._batch_deadline = time.monotonic() + behaviour.batch_window_ms / 1000
                self._batch.append(job)
                if len(self._batch) >= behaviour.status_batch_size:
                    self._flush_batch()
            else:
                self._post([job])
        if self._batch and (
            self._batch_deadline is None or time.monotonic() >= self._batch_deadline
        ):
            self._flush_batch()

    def _flush_batch(self) -> None:
        size = self._behaviour().status_batch_size
        batch, self._batch = self._batch, []
        self._batch_deadline = None
        by_number: dict[str, list[Job]] = {}
        for job in batch:
            number = (job.metadata or self._metadata)["phone_number_id"]
            by_number.setdefault(number, []).append(job)
        for jobs in by_number.values():
            for start in range(0, len(jobs), size):
                self._post(jobs[start : start + size])

    def _post(self, jobs: list[Job]) -> None:
        task = asyncio.create_task(self._deliver(jobs))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    # -- delivery --------------------------------------------------------------------------

    def _body(self, jobs: list[Job]) -> dict[str, Any]:
        first = jobs[0]
        if not first.is_status:
            entry: dict[str, Any] = {
                "id": self._waba_id,
                "changes": [{"field": first.field, "value": first.value}],
            }
            if first.field != "messages":
                entry["time"] = int(self._clock.now())
            return {"object": "whatsapp_business_account", "entry": [entry]}
        contacts: list[dict[str, Any]] = []
        seen: set[str] = set()
        for job in jobs:
            assert job.contact is not None
            key = str(job.contact.get("wa_id") or job.contact.get("user_id"))
            if key not in seen:
                seen.add(key)
                contacts.append(job.contact)
        value = {
            "messaging_product": "whatsapp",
            "metadata": first.metadata or self._metadata,
            "contacts": contacts,
            "statuses": [job.value for job in jobs],
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": self._waba_id, "changes": [{"field": "messages", "value": value}]}],
        }

    async def _deliver(self, jobs: list[Job]) -> None:
        behaviour = self._behaviour()
        url = behaviour.webhook_url
        if url is None or self._client is None:
            return
        # Meta escapes non-ASCII as \uXXXX and signs exactly those bytes.
        raw = json.dumps(self._body(jobs), ensure_ascii=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(self._app_secret, raw),
            "User-Agent": "facebookexternalua",
        }
        status: int | None = None
        error: str | None = None
        async with self._semaphore:
            try:
                async with self._client.post(
                    str(url),
                    data=raw,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=behaviour.webhook_timeout_s),
                ) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = type(exc).__name__
        ok = status == 200
        self.attempts.append(
            {
                "time": self._clock.now(),
                "fields": sorted({job.field for job in jobs}),
                "statuses": sum(1 for job in jobs if job.is_status),
                "attempt": max(job.attempt for job in jobs) + 1,
                "http_status": status,
                "error": error,
            }
        )
        if ok:
            self.stats.posts_ok += 1
            for job in jobs:
                if job.is_status:
                    self.stats.statuses_delivered += 1
                else:
                    self.stats.changes_delivered += 1
            return
        self.stats.posts_failed += 1
        now = self._clock.now()
        for job in jobs:
            job.attempt += 1
            delay = min(
                behaviour.webhook_retry_initial_s * 2 ** (job.attempt - 1),
                behaviour.webhook_retry_max_s,
            ) * random.uniform(0.8, 1.2)
            if now + delay - job.first_due > behaviour.webhook_retry_horizon_s:
                self.stats.dropped += 1
                log.warning("webhook dropped after %d attempts (horizon passed)", job.attempt)
                continue
            self.schedule(job, now + delay)
