"""The sender against a real receiver over HTTP: signatures, retries with back-off, timeouts,
dead deliveries, auto-disable and resume, the address re-check, and two senders side by side.

Tests call `run_once()` directly; where time matters the sender reads an injected clock (and
retries are unjittered) so each step is exact, without sleeping.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from ordertalk.stores.models import Store
from ordertalk.webhooks_out import service
from ordertalk.webhooks_out.addresses import IPAddress
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.models import WebhookDelivery, WebhookEndpoint
from ordertalk.webhooks_out.schemas import EndpointUpdate
from ordertalk.webhooks_out.sender import SenderConfig, WebhookSender
from tests.webhooks_out.conftest import Clock
from tests.webhooks_out.receiver import HookReceiver

pytestmark = pytest.mark.database

E = WebhookEventType
EXACT = {"jitter": 0.0}  # retries at exactly the scheduled delays


@pytest.fixture
async def senders() -> AsyncIterator[list[WebhookSender]]:
    """Senders a test made (closed afterwards)."""
    made: list[WebhookSender] = []
    yield made
    for sender in made:
        await sender.aclose()


def make_sender(
    senders: list[WebhookSender],
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock | None = None,
    **config: Any,
) -> WebhookSender:
    kwargs: dict[str, Any] = {"config": SenderConfig(**config)}
    if clock is not None:
        kwargs["clock"] = clock
    sender = WebhookSender(sessions, **kwargs)
    senders.append(sender)
    return sender


async def endpoint_for(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    url: str,
    events: list[WebhookEventType] | None = None,
) -> tuple[int, str]:
    """A committed endpoint on the (loopback) receiver: (id, secret)."""
    async with sessions() as session:
        endpoint, secret = await service.create_endpoint(
            session, store, url, events or [], allow_private=True
        )
        await session.commit()
        return endpoint.id, secret


async def emit(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    event_type: WebhookEventType = E.MESSAGE_STATUS,
    **data: Any,
) -> int:
    async with sessions() as session:
        written = await service.emit(session, store.id, event_type, data or {"n": 1})
        await session.commit()
        return written


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[WebhookDelivery]:
    async with sessions() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def endpoint_row(sessions: async_sessionmaker[AsyncSession], id_: int) -> WebhookEndpoint:
    async with sessions() as session:
        found = await session.get(WebhookEndpoint, id_)
        assert found is not None
        return found


async def test_a_delivery_is_signed_and_verifiable_by_the_standard_webhooks_library(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    _, secret = await endpoint_for(sessions, store, f"{hook_url}/orders")
    await emit(sessions, store, E.RETURN_REQUESTED, order="#1001", reason="too small")
    assert await make_sender(senders, sessions).run_once() == 1

    [hit] = hooks.snapshot()
    assert hit.path == "/orders"
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["user-agent"].startswith("Ordertalk-Webhooks/")
    body = Webhook(secret).verify(hit.body, hit.headers)
    assert body["type"] == "return.requested"
    assert body["data"] == {"order": "#1001", "reason": "too small"}
    assert body["timestamp"].endswith("Z")
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert row.event_id == hit.event_id
    assert row.delivered_at is not None
    assert row.lease_until is None
    assert await make_sender(senders, sessions).run_once() == 0  # nothing twice


async def test_a_500_is_retried_on_the_back_off_schedule_until_it_succeeds(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
    clock: Clock,
) -> None:
    endpoint_id, _ = await endpoint_for(sessions, store, f"{hook_url}/flaky")
    await emit(sessions, store)
    sender = make_sender(senders, sessions, clock, **EXACT)
    hooks.behave(500)
    start = clock.freeze()

    assert await sender.run_once() == 1
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.last_status_code) == ("failed", 1, 500)
    assert row.next_attempt_at == start + timedelta(seconds=5)
    assert row.last_error is not None
    assert row.last_error.startswith("HTTP 500: answer 500 xxx")
    assert len(row.last_error) <= 300  # the receiver's 2 KB body is not kept whole
    assert await sender.run_once() == 0  # not due yet

    clock.advance(seconds=5)
    assert await sender.run_once() == 1
    [row] = await rows(sessions)
    assert (row.state, row.attempts) == ("failed", 2)
    assert row.next_attempt_at == start + timedelta(seconds=5, minutes=1)
    assert (await endpoint_row(sessions, endpoint_id)).consecutive_failures == 2

    hooks.behave(204)
    clock.advance(minutes=1)
    assert await sender.run_once() == 1
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.last_status_code, row.last_error) == (
        "delivered",
        3,
        204,
        None,
    )
    endpoint = await endpoint_row(sessions, endpoint_id)
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert len({h.event_id for h in hooks.snapshot()}) == 1  # retries keep the webhook-id


async def test_the_retry_waits_are_jittered(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
    clock: Clock,
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/x")
    for n in range(20):
        await emit(sessions, store, n=n)
    hooks.behave(503)
    start = clock.freeze()
    await make_sender(senders, sessions, clock, jitter=0.2).run_once()
    waits = {(r.next_attempt_at - start).total_seconds() for r in await rows(sessions)}
    assert all(4.0 <= w <= 6.0 for w in waits)
    assert len(waits) > 1


async def test_a_timeout_is_a_failure_and_is_retried(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/slow")
    await emit(sessions, store)
    hooks.behave(200, delay=2.0)
    assert await make_sender(senders, sessions, timeout=0.3).run_once() == 1
    [row] = await rows(sessions)
    assert (row.state, row.attempts, row.last_status_code) == ("failed", 1, None)
    assert row.last_error == "no answer within 0.3 s"


async def test_after_the_last_attempt_a_delivery_is_dead(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
    clock: Clock,
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/down")
    await emit(sessions, store)
    hooks.behave(502)
    sender = make_sender(senders, sessions, clock, **EXACT)
    clock.freeze()
    for delay in [*(d.total_seconds() for d in sender.config.retry_delays), None]:
        assert await sender.run_once() == 1
        if delay is not None:
            clock.advance(seconds=delay)
    [row] = await rows(sessions)
    assert (row.state, row.attempts) == ("dead", 8)
    clock.advance(days=30)
    assert await sender.run_once() == 0
    assert len(hooks.snapshot()) == 8


async def test_redirects_are_not_followed(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/moved")
    await emit(sessions, store)
    hooks.behave(307, location=f"{hook_url}/elsewhere")
    await make_sender(senders, sessions).run_once()
    assert [h.path for h in hooks.snapshot()] == ["/moved"]
    [row] = await rows(sessions)
    assert row.state == "failed"
    assert row.last_error is not None
    assert "redirects are not followed" in row.last_error


async def test_retry_after_is_respected(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
    clock: Clock,
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/busy")
    await emit(sessions, store)
    hooks.behave(429, retry_after="120")
    start = clock.freeze()
    await make_sender(senders, sessions, clock, **EXACT).run_once()
    [row] = await rows(sessions)
    assert row.next_attempt_at == start + timedelta(seconds=120)


async def test_repeated_failures_disable_the_endpoint_and_re_enabling_resumes(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
    clock: Clock,
) -> None:
    endpoint_id, _ = await endpoint_for(sessions, store, f"{hook_url}/broken")
    for n in range(3):
        await emit(sessions, store, n=n)
    hooks.behave(500)
    start = clock.freeze()
    sender = make_sender(
        senders,
        sessions,
        clock,
        disable_after_failures=5,
        disable_min_failing=timedelta(minutes=1),
        **EXACT,
    )
    assert await sender.run_once() == 3  # 3 failures
    clock.advance(seconds=5)
    assert await sender.run_once() == 3  # 6 failures, but only for 5 seconds: still enabled
    endpoint = await endpoint_row(sessions, endpoint_id)
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 6)
    assert endpoint.failing_since == start

    clock.advance(minutes=1)
    assert await sender.run_once() == 3
    endpoint = await endpoint_row(sessions, endpoint_id)
    assert not endpoint.enabled
    assert endpoint.disabled_reason is not None
    # Disabled by the first failure once the streak had lasted a minute (the 7th).
    assert endpoint.disabled_reason.startswith("7 failed attempts in a row since")
    assert "HTTP 500" in endpoint.disabled_reason

    # Disabled: its deliveries wait, nothing new is queued, nothing is sent.
    assert await emit(sessions, store) == 0
    clock.advance(hours=3)
    assert await sender.run_once() == 0
    assert {r.state for r in await rows(sessions)} == {"failed"}
    assert len(hooks.snapshot()) == 9

    hooks.behave(200)
    async with sessions() as session:
        store_row = await session.get(Store, store.id)
        assert store_row is not None
        await service.update_endpoint(session, store_row, endpoint_id, EndpointUpdate(enabled=True))
        await session.commit()
    assert await sender.run_once() == 3
    assert {r.state for r in await rows(sessions)} == {"delivered"}
    endpoint = await endpoint_row(sessions, endpoint_id)
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 0)


async def test_410_gone_disables_the_endpoint_at_once(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    endpoint_id, _ = await endpoint_for(sessions, store, f"{hook_url}/gone")
    await emit(sessions, store)
    hooks.behave(410)
    await make_sender(senders, sessions).run_once()
    endpoint = await endpoint_row(sessions, endpoint_id)
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "the endpoint answered 410 Gone"


async def test_two_senders_never_deliver_one_event_twice(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/a")
    await endpoint_for(sessions, store, f"{hook_url}/b")
    for n in range(30):
        await emit(sessions, store, n=n)
    first = make_sender(senders, sessions, batch=7, concurrency=4)
    second = make_sender(senders, sessions, batch=7, concurrency=4)

    async def drain(sender: WebhookSender) -> int:
        total = 0
        for _ in range(40):
            total += await sender.run_once()
        return total

    handled = await asyncio.gather(drain(first), drain(second))
    assert sum(handled) == 60
    assert all(n > 0 for n in handled)  # both took part
    hits = hooks.snapshot()
    keys = [(h.path, h.event_id) for h in hits]
    assert len(keys) == 60
    assert len(set(keys)) == 60
    assert {r.state for r in await rows(sessions)} == {"delivered"}
    assert {r.attempts for r in await rows(sessions)} == {1}


async def test_run_delivers_until_stopped(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    await endpoint_for(sessions, store, f"{hook_url}/loop")
    stop = asyncio.Event()
    task = asyncio.create_task(make_sender(senders, sessions, poll_interval=0.05).run(stop))
    await emit(sessions, store, n=1)
    await emit(sessions, store, n=2)
    await asyncio.to_thread(hooks.wait_for, 2)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert sorted(h.json["data"]["n"] for h in hooks.snapshot()) == [1, 2]


async def test_after_a_rotation_both_secrets_verify_for_a_day(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
) -> None:
    endpoint_id, old = await endpoint_for(sessions, store, f"{hook_url}/rotating")
    async with sessions() as session:
        store_row = await session.get(Store, store.id)
        assert store_row is not None
        _, new = await service.rotate_secret(session, store_row, endpoint_id)
        await session.commit()
    await emit(sessions, store)
    await make_sender(senders, sessions).run_once()
    [hit] = hooks.snapshot()
    assert Webhook(old).verify(hit.body, hit.headers)
    assert Webhook(new).verify(hit.body, hit.headers)


# --- the address rule at delivery time (a fake DNS, and a transport that records requests) --


class Dns:
    """Answers every name with `self.answer`."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(self.answer)]


def recording_client(seen: list[httpx.Request]) -> httpx.AsyncClient:
    """A client whose every request is recorded in `seen` and answered 200."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def public_endpoint(
    sessions: async_sessionmaker[AsyncSession], store: Store, url: str, dns: Dns
) -> None:
    async with sessions() as session:
        await service.create_endpoint(session, store, url, resolver=dns)
        await service.emit(session, store.id, E.MESSAGE_INBOUND, {"text": "hi"})
        await session.commit()


async def test_a_name_re_pointed_at_a_private_address_is_refused_at_delivery(
    sessions: async_sessionmaker[AsyncSession], store: Store, senders: list[WebhookSender]
) -> None:
    dns = Dns("93.184.216.34")
    await public_endpoint(sessions, store, "https://hooks.shop.example/in", dns)
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    dns.answer = "169.254.169.254"  # DNS rebinding: the name now leads inside
    sender = WebhookSender(sessions, client=client, resolver=dns)
    assert await sender.run_once() == 1
    await client.aclose()
    assert seen == []
    [row] = await rows(sessions)
    assert row.state == "failed"
    assert row.last_error is not None
    assert row.last_error.startswith("refused: 169.254.169.254 is a link-local address")


async def test_over_http_the_request_goes_to_the_address_that_was_checked(
    sessions: async_sessionmaker[AsyncSession], store: Store, senders: list[WebhookSender]
) -> None:
    dns = Dns("93.184.216.34")
    await public_endpoint(sessions, store, "http://hooks.shop.example:8080/in?k=1", dns)
    seen: list[httpx.Request] = []
    client = recording_client(seen)
    assert await WebhookSender(sessions, client=client, resolver=dns).run_once() == 1
    await client.aclose()
    [request] = seen
    assert str(request.url) == "http://93.184.216.34:8080/in?k=1"
    assert request.headers["host"] == "hooks.shop.example:8080"


async def test_no_secret_in_logs_or_in_the_delivery_log(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    hooks: HookReceiver,
    hook_url: str,
    senders: list[WebhookSender],
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Everything at INFO, Ordertalk's own lines at DEBUG (aiosqlite's DEBUG lines carry raw SQL
    # parameters; the logging set-up keeps that logger above DEBUG).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ordertalk")
    endpoint_id, secret = await endpoint_for(sessions, store, f"{hook_url}/quiet")
    await emit(sessions, store)
    hooks.behave(500)
    sender = make_sender(
        senders, sessions, clock, disable_after_failures=1, disable_min_failing=timedelta(0)
    )
    clock.freeze()
    await sender.run_once()
    assert not (await endpoint_row(sessions, endpoint_id)).enabled
    assert "webhook endpoint" in caplog.text  # its life is logged…
    key = secret.removeprefix("whsec_")
    assert key not in caplog.text  # …without its secret
    [row] = await rows(sessions)
    assert key not in (row.last_error or "")
    assert key not in str(row.payload)
