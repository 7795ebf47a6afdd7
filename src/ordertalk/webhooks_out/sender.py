"""The webhook sender: claims due deliveries, signs and POSTs them, retries, gives up, disables.

One pass (`run_once`) is two short transactions around the network calls, like the WhatsApp
dispatcher: claim a batch of due deliveries with a lease (so two senders never hold one), POST
them with bounded concurrency, then record every outcome. A crash between the two leaves the
lease to run out, and the event is sent again later: delivery is at least once, and receivers
deduplicate on `webhook-id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk import __version__
from ordertalk.db import UtcDateTime, utcnow
from ordertalk.webhooks_out.addresses import AddressRejected, Resolver, check_destination
from ordertalk.webhooks_out.events import OPEN_STATES, DeliveryState
from ordertalk.webhooks_out.models import WebhookDelivery, WebhookEndpoint
from ordertalk.webhooks_out.signing import signed_headers

log = logging.getLogger(__name__)

USER_AGENT = f"Ordertalk-Webhooks/{__version__}"
ERROR_LENGTH = 300  # last_error: enough to debug, never a whole response body
_SNIPPET_BYTES = 512
# Waits between attempts (then jittered): attempt 2 comes ~5 s after attempt 1, and so on.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """Batch size, concurrency, timing and patience of the sender."""

    batch: int = 50
    concurrency: int = 16
    timeout: float = 10.0  # seconds per attempt, the whole request included
    # Longer than a whole pass can take (batch / concurrency rounds of `timeout`), so a lease
    # never runs out while its delivery is still in flight.
    lease: timedelta = timedelta(minutes=5)
    poll_interval: float = 0.5
    retry_delays: tuple[timedelta, ...] = RETRY_DELAYS
    max_attempts: int = 8  # then the delivery is dead
    jitter: float = 0.2  # each wait is stretched or shrunk by up to this fraction
    max_retry_after: timedelta = timedelta(hours=24)  # the most a Retry-After header may ask
    # An endpoint is disabled after this many failed attempts in a row (any of its deliveries)…
    disable_after_failures: int = 10
    # …once they have been failing for at least this long (a brief outage at high volume
    # should not switch an endpoint off). A 410 Gone disables it at once.
    disable_min_failing: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class _Job:
    delivery_id: int
    endpoint_id: int
    url: str
    allow_private: bool
    keys: tuple[str, ...]
    event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Outcome:
    delivery_id: int
    endpoint_id: int
    status_code: int | None = None
    error: str | None = None  # None: delivered
    retry_after: timedelta | None = None
    gone: bool = False


def _no_cookies() -> CookieJar:
    # One receiver's cookies must never reach another endpoint (or come back to it).
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds or an HTTP date) as a wait; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


async def _snippet(response: httpx.Response) -> str:
    """The start of a response body, on one line (never the whole of it)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _SNIPPET_BYTES:
            break
    text = b"".join(chunks)[:_SNIPPET_BYTES].decode("utf-8", errors="replace")
    return " ".join(text.split())


class WebhookSender:
    """Delivers what the webhook outbox holds to merchants' endpoints."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = utcnow,
        config: SenderConfig | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.config = config or SenderConfig()
        self.resolver = resolver
        self._client = client
        self._owns_client = client is None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.config.timeout,
                follow_redirects=False,
                cookies=_no_cookies(),
                headers={"user-agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if the sender made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; errors in a pass are logged, never fatal."""
        try:
            while not stop.is_set():
                try:
                    handled = await self.run_once()
                except Exception:
                    log.exception("webhook pass failed; retrying")
                    handled = 0
                if handled:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll_interval)
        finally:
            await self.aclose()

    async def run_once(self) -> int:
        """One pass; the number of deliveries attempted."""
        now = self.clock()
        ids = await self._claim(now)
        if not ids:
            return 0
        jobs = await self._load(ids, now)
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(job: _Job) -> _Outcome:
            async with gate:
                return await self._attempt(job)

        outcomes = await asyncio.gather(*(one(job) for job in jobs))
        await self._record(list(outcomes))
        return len(ids)

    async def _claim(self, now: datetime) -> list[int]:
        cfg = self.config
        free = or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now)
        async with self.sessions() as session:
            due = (
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.state.in_(OPEN_STATES),
                    WebhookDelivery.next_attempt_at <= now,
                    free,
                    # A disabled endpoint's deliveries wait, untouched, until it is enabled.
                    WebhookDelivery.endpoint_id.in_(
                        select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True))
                    ),
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(cfg.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True, of=WebhookDelivery)
            candidates = list(await session.scalars(due))
            if not candidates:
                await session.rollback()
                return []
            # The lease condition again: on SQLite another sender may have claimed them between
            # the SELECT and this UPDATE (its writes are serialised, so exactly one wins).
            claimed = await session.scalars(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id.in_(candidates),
                    WebhookDelivery.state.in_(OPEN_STATES),
                    free,
                )
                .values(lease_until=now + cfg.lease)
                .returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False)
            )
            ids = sorted(claimed.all())
            await session.commit()
        return ids

    async def _load(self, ids: list[int], now: datetime) -> list[_Job]:
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(WebhookDelivery, WebhookEndpoint)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .where(WebhookDelivery.id.in_(ids))
                    .order_by(WebhookDelivery.id)
                )
            ).all()
            jobs: list[_Job] = []
            for delivery, endpoint in rows:
                keys = [endpoint.secret]
                if (
                    endpoint.previous_secret
                    and endpoint.previous_secret_until is not None
                    and endpoint.previous_secret_until > now
                ):
                    keys.append(endpoint.previous_secret)
                jobs.append(
                    _Job(
                        delivery_id=delivery.id,
                        endpoint_id=endpoint.id,
                        url=endpoint.url,
                        allow_private=endpoint.allow_private,
                        keys=tuple(keys),
                        event_id=delivery.event_id,
                        payload=dict(delivery.payload),
                    )
                )
            await session.rollback()
        return jobs

    async def _attempt(self, job: _Job) -> _Outcome:
        """POST one delivery; what happened (never raises)."""
        cfg = self.config
        try:
            # Checked again now, not only when the endpoint was saved: DNS answers change.
            target, pinned = await check_destination(
                job.url, allow_private=job.allow_private, resolver=self.resolver
            )
        except AddressRejected as exc:
            return _Outcome(job.delivery_id, job.endpoint_id, error=f"refused: {exc}")
        body = json.dumps(job.payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signed_headers(job.keys, job.event_id, self.clock(), body),
        }
        url = httpx.URL(target.url)
        if pinned is not None:
            # Connect to the address just checked, asking for the endpoint's host by name.
            headers["host"] = url.netloc.decode("ascii")
            url = url.copy_with(host=str(pinned))
        client = self._http()
        request = client.build_request(
            "POST", url, content=body, headers=headers, timeout=cfg.timeout
        )
        try:
            async with asyncio.timeout(cfg.timeout):
                response = await client.send(request, stream=True, follow_redirects=False)
                try:
                    status = response.status_code
                    snippet = "" if 200 <= status < 300 else await _snippet(response)
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return _Outcome(
                job.delivery_id, job.endpoint_id, error=f"no answer within {cfg.timeout:g} s"
            )
        except httpx.HTTPError as exc:
            detail = str(exc) or type(exc).__name__
            return _Outcome(
                job.delivery_id, job.endpoint_id, error=f"{type(exc).__name__}: {detail}"
            )
        if 200 <= status < 300:
            return _Outcome(job.delivery_id, job.endpoint_id, status_code=status)
        if 300 <= status < 400:
            error = f"HTTP {status}: redirects are not followed; give the endpoint its final URL"
        else:
            error = f"HTTP {status}: {snippet}" if snippet else f"HTTP {status}"
        return _Outcome(
            job.delivery_id,
            job.endpoint_id,
            status_code=status,
            error=error,
            retry_after=_retry_after(response.headers.get("retry-after"), self.clock()),
            gone=status == 410,
        )

    def _wait(self, attempts: int, retry_after: timedelta | None) -> timedelta:
        """How long until the next attempt, after `attempts` failed ones (with jitter)."""
        cfg = self.config
        base = cfg.retry_delays[min(attempts - 1, len(cfg.retry_delays) - 1)]
        wait = base * random.uniform(1 - cfg.jitter, 1 + cfg.jitter)
        if retry_after is not None:
            wait = max(wait, min(retry_after, cfg.max_retry_after))
        return wait

    async def _record(self, outcomes: list[_Outcome]) -> None:
        now = self.clock()
        async with self.sessions() as session:
            for outcome in outcomes:
                delivery = await session.get(WebhookDelivery, outcome.delivery_id)
                if delivery is None or delivery.state not in OPEN_STATES:
                    continue  # its endpoint was deleted meanwhile
                delivery.attempts += 1
                delivery.last_attempt_at = now
                delivery.last_status_code = outcome.status_code
                delivery.lease_until = None
                if outcome.error is None:
                    delivery.state = DeliveryState.DELIVERED.value
                    delivery.delivered_at = now
                    delivery.last_error = None
                    await session.execute(
                        update(WebhookEndpoint)
                        .where(
                            WebhookEndpoint.id == outcome.endpoint_id,
                            WebhookEndpoint.consecutive_failures != 0,
                        )
                        .values(consecutive_failures=0, failing_since=None)
                        .execution_options(synchronize_session=False)
                    )
                    continue
                delivery.last_error = outcome.error[:ERROR_LENGTH]
                if delivery.attempts >= self.config.max_attempts:
                    delivery.state = DeliveryState.DEAD.value
                else:
                    delivery.state = DeliveryState.FAILED.value
                    delivery.next_attempt_at = now + self._wait(
                        delivery.attempts, outcome.retry_after
                    )
                log.warning(
                    "webhook delivery %s to endpoint %s failed (attempt %s, %s)",
                    delivery.id,
                    outcome.endpoint_id,
                    delivery.attempts,
                    outcome.status_code or "no response",
                )
                await self._count_failure(session, outcome, now)
            await session.commit()

    async def _count_failure(self, session: AsyncSession, outcome: _Outcome, now: datetime) -> None:
        """One more failure in the endpoint's streak (atomically: senders run side by side);
        disable the endpoint when the streak is long enough, or when it answered 410 Gone."""
        cfg = self.config
        row = (
            await session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == outcome.endpoint_id)
                .values(
                    consecutive_failures=WebhookEndpoint.consecutive_failures + 1,
                    failing_since=func.coalesce(
                        WebhookEndpoint.failing_since, literal(now, UtcDateTime())
                    ),
                )
                .returning(
                    WebhookEndpoint.consecutive_failures,
                    WebhookEndpoint.failing_since,
                    WebhookEndpoint.enabled,
                )
                .execution_options(synchronize_session=False)
            )
        ).one_or_none()
        if row is None or not row.enabled:
            return
        failures, since = int(row.consecutive_failures), row.failing_since
        if outcome.gone:
            reason = "the endpoint answered 410 Gone"
        elif failures >= cfg.disable_after_failures and (
            since is None or now - since >= cfg.disable_min_failing
        ):
            reason = (
                f"{failures} failed attempts in a row since {since or now:%Y-%m-%d %H:%M} UTC; "
                f"last: {(outcome.error or '')[:120]}"
            )
        else:
            return
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == outcome.endpoint_id, WebhookEndpoint.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason[:ERROR_LENGTH])
            .execution_options(synchronize_session=False)
        )
        log.warning("webhook endpoint %s disabled: %s", outcome.endpoint_id, reason[:120])
