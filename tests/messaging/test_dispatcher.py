"""The dispatcher against the real sandbox: what it sends, defers, suppresses, holds and retries.

Each test has a fresh database with a store whose number is the sandbox's (templates pushed and
approved), plans messages from real commerce events, and calls `run_once()` directly, with an
injected clock where time matters. The sandbox's webhooks reach the test's receiver; `rig.pump()`
applies them the way `/webhooks/whatsapp` does (`process_webhook`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ordertalk.commerce.events import CommerceEvent
from ordertalk.commerce.service import CommerceService
from ordertalk.config import Settings
from ordertalk.contacts.keywords import Keyword
from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import apply_keyword
from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.journeys.service import plan
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import DispatchConfig, Dispatcher
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.webhooks import parse_webhook
from ordertalk.whatsapp_webhooks.process import process_webhook
from tests.conftest import Sandbox
from tests.e2e.harness import shift_times
from tests.integrations.fixtures import deliver, load, normalise, only

pytestmark = pytest.mark.database

PRIYA = "919876543210"  # the customer of Shopify order 5302002002 (COD, India)
WAIT_S = 10.0


class Clock:
    """The dispatcher's idea of now: fixed when a test sets it, else the real time."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now or utcnow()


def cod_order(
    at: datetime, order_id: str = "5302002002", phone: str | None = None
) -> CommerceEvent:
    """Shopify's orders/create for the COD order placed at `at` (another id or phone if given)."""
    raw = shift_times(load("shopify", "orders_create_cod_in"), at)
    ev = only(normalise("shopify", deliver("shopify", raw, topic="orders/create")))
    assert ev.order is not None
    assert ev.order.customer is not None
    if phone is None and order_id == "5302002002":
        return ev
    customer = ev.order.customer.model_copy(update={"phone": phone or ev.order.customer.phone})
    order = ev.order.model_copy(update={"external_id": order_id, "customer": customer})
    return ev.model_copy(update={"order": order})


def shipped(at: datetime) -> CommerceEvent:
    """Shopify's fulfillment of the COD order (Delhivery AWB 4210610508756), at `at`."""
    raw = shift_times(load("shopify", "fulfillments_create_in"), at)
    return only(normalise("shopify", deliver("shopify", raw, topic="fulfillments/create")))


@dataclass
class Rig:
    """A database, a store on the sandbox, and what a test needs to drive the dispatcher."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sandbox: Sandbox
    store_id: str
    clock: Clock = field(default_factory=Clock)
    pools: list[ClientPool] = field(default_factory=list)
    seen: int = 0  # receiver deliveries already applied

    def dispatcher(self, pool: ClientPool | None = None, **config: Any) -> Dispatcher:
        """A dispatcher on this database and the sandbox, reading `self.clock`."""
        if pool is None:
            pool = ClientPool(Settings(graph_base_url=self.sandbox.url))
        self.pools.append(pool)
        return Dispatcher(self.sessions, pool, clock=self.clock, config=DispatchConfig(**config))

    async def apply(self, ev: CommerceEvent) -> list[int]:
        """Apply an event and plan its messages in one committed transaction; their ids."""
        async with self.sessions() as session:
            store = await session.get(Store, self.store_id)
            assert store is not None
            applied = await CommerceService(session, store).apply(ev)
            planned = await plan(session, store, applied, self.clock())
            await session.commit()
            return [m.id for m in planned]

    async def pump(self) -> None:
        """Apply the webhooks the sandbox sent since the last pump."""
        deliveries = self.sandbox.receiver.snapshot()[self.seen :]
        self.seen += len(deliveries)
        for delivery in deliveries:
            async with self.sessions() as session:
                await process_webhook(session, parse_webhook(delivery.body), {self.store_id})
                await session.commit()

    async def wait(self, ready: Callable[[], Awaitable[bool]], what: str) -> None:
        """Pump webhooks until `ready()` holds (bounded)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            await self.pump()
            if await ready():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)

    async def message(self, message_id: int) -> OutboundMessage:
        async with self.sessions() as session:
            message = await session.get(OutboundMessage, message_id)
            assert message is not None
            return message

    async def events(self, message_id: int) -> list[tuple[str, str, str | None]]:
        """What happened to a message, oldest first, as (kind, outcome, reason)."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(MessageEvent)
                .where(MessageEvent.message_id == message_id)
                .order_by(MessageEvent.id)
            )
            return [(e.kind, e.outcome, e.reason) for e in rows]

    async def last_event(self, message_id: int) -> MessageEvent:
        async with self.sessions() as session:
            row = (
                await session.scalars(
                    select(MessageEvent)
                    .where(MessageEvent.message_id == message_id)
                    .order_by(MessageEvent.id.desc())
                )
            ).first()
            assert row is not None
            return row

    async def contact(self, wa_id: str = PRIYA) -> Contact:
        async with self.sessions() as session:
            contact = await session.scalar(select(Contact).where(Contact.wa_id == wa_id))
            assert contact is not None
            return contact

    async def state_of(self, message_id: int) -> str:
        return (await self.message(message_id)).state

    def sends(self, wa_id: str | None = None) -> list[dict[str, Any]]:
        """Every send the sandbox accepted (to `wa_id` if given), from its request log."""
        log = self.sandbox.control.get("/_sandbox/log").json()
        return [
            row
            for row in log
            if str(row.get("path", "")).endswith("/messages")
            and row.get("http_status") == 200
            and row.get("kind") != "mark_read"
            and (wa_id is None or row.get("to") == wa_id)
        ]

    async def pending_templates(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count(TemplateStatus.id)).where(
                    TemplateStatus.store_id == self.store_id, TemplateStatus.status != "APPROVED"
                )
            )
            return int(count or 0)


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in India on a day of November 2026, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=5, minutes=30)


# --- sending ------------------------------------------------------------------------------------


async def test_a_due_message_is_sent_once_and_remembers_its_wamid_and_why(rig: Rig) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    dispatcher = rig.dispatcher()

    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0  # nothing is due any more

    message = await rig.message(message_id)
    [sent] = rig.sends(PRIYA)
    assert (message.state, message.wamid, message.tries) == ("accepted", sent["wamid"], 1)
    assert (message.form, message.template_name, message.language) == (
        "template",
        "ot_cod_confirmation",
        "hi",  # Priya's language, from the Shopify order
    )
    assert message.accepted_at == now
    assert message.lease_until is None
    assert message.payload is not None
    assert message.payload["biz_opaque_callback_data"] == f"ot:{message_id}:1"  # row, attempt
    assert await rig.events(message_id) == [
        ("decision", "send", "ok"),
        ("attempt", "accepted", None),
    ]
    [on_phone] = rig.sandbox.phone(PRIYA)
    assert (on_phone["id"], on_phone["type"]) == (sent["wamid"], "template")

    # The sandbox's status webhooks then carry it forward to read.
    await rig.wait(lambda: _is(rig.state_of(message_id), "read"), "the read status")
    message = await rig.message(message_id)
    assert None not in (message.sent_at, message.delivered_at, message.read_at)
    assert message.pricing_category == "utility"
    assert len(rig.sends()) == 1


async def _is(state: Awaitable[str], wanted: str) -> bool:
    return await state == wanted


async def test_at_night_a_message_waits_for_the_end_of_quiet_hours_in_the_customers_zone(
    rig: Rig,
) -> None:
    async with rig.sessions() as session:
        await session.execute(
            update(Store)
            .where(Store.id == rig.store_id)
            .values(quiet_start=clock_time(21, 0), quiet_end=clock_time(8, 0))
        )
        await session.commit()
    rig.clock.now = ist(22, 23, 0)
    [message_id] = await rig.apply(cod_order(ist(22, 22, 55)))
    dispatcher = rig.dispatcher()

    assert await dispatcher.run_once() == 1

    morning = ist(23, 8, 0)
    message = await rig.message(message_id)
    assert (message.state, message.not_before, message.wamid) == ("scheduled", morning, None)
    assert (await rig.contact()).timezone == "Asia/Kolkata"
    event = await rig.last_event(message_id)
    assert (event.kind, event.outcome, event.reason, event.until) == (
        "decision",
        "defer",
        "quiet_hours",
        morning,
    )
    assert rig.sends() == []

    rig.clock.now = morning - timedelta(minutes=1)
    assert await dispatcher.run_once() == 0  # still night in Mumbai
    rig.clock.now = morning
    assert await dispatcher.run_once() == 1
    assert (await rig.message(message_id)).state == "accepted"
    assert len(rig.sends(PRIYA)) == 1


async def test_a_customer_who_opted_out_is_never_sent_the_message(rig: Rig) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    async with rig.sessions() as session:
        contact = await session.scalar(select(Contact).where(Contact.wa_id == PRIYA))
        assert contact is not None
        await apply_keyword(session, contact, Keyword.STOP, now, {"test": True})
        await session.commit()
    dispatcher = rig.dispatcher()

    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0

    assert (await rig.message(message_id)).state == "suppressed"
    assert await rig.events(message_id) == [("decision", "suppress", "opted_out")]
    assert rig.sends() == []


async def test_a_template_still_in_review_holds_the_message_until_it_is_approved(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    async with rig.sessions() as session:
        await session.execute(
            update(TemplateStatus)
            .where(TemplateStatus.name == "ot_cod_confirmation")
            .values(status="PENDING")
        )
        await session.commit()
    dispatcher = rig.dispatcher()

    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.not_before) == ("held", now + timedelta(hours=1))
    assert await rig.events(message_id) == [("decision", "defer", "template_not_approved")]
    assert rig.sends() == []

    async with rig.sessions() as session:
        await session.execute(
            update(TemplateStatus)
            .where(TemplateStatus.name == "ot_cod_confirmation")
            .values(status="APPROVED")
        )
        await session.commit()
    rig.clock.now = now + timedelta(hours=1)
    assert await dispatcher.run_once() == 1
    assert (await rig.message(message_id)).state == "accepted"
    assert len(rig.sends(PRIYA)) == 1


async def test_an_http_500_waits_for_a_status_webhook_before_it_is_resent(rig: Rig) -> None:
    # Meta may have accepted a message before answering 500: resending at once could send it
    # twice, so the row waits (unconfirmed) for a status webhook, and only then goes again.
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    dispatcher = rig.dispatcher()
    rig.sandbox.faults(http_500_ratio=1.0)

    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.wamid, message.error_code) == ("unconfirmed", None, 131000)
    assert message.not_before == now + DispatchConfig().reconcile_wait
    assert rig.sends() == []

    rig.sandbox.faults()  # the platform recovers; no status ever came for the failed send
    assert await dispatcher.run_once() == 0
    rig.clock.now = message.not_before
    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.tries) == ("accepted", 2)
    assert len(rig.sends(PRIYA)) == 1


@pytest.mark.parametrize(
    ("faults", "code"),
    [({"throughput_mps": 0.01}, 130429)],
    ids=["throughput-130429"],
)
async def test_a_transient_error_reschedules_the_message_with_back_off_then_it_goes(
    rig: Rig, faults: dict[str, float], code: int
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    dispatcher = rig.dispatcher()
    rig.sandbox.faults(**faults)

    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.wamid, message.tries, message.error_code) == (
        "scheduled",
        None,
        1,
        code,
    )
    assert now + timedelta(seconds=1) <= message.not_before <= now + timedelta(seconds=2)
    event = await rig.last_event(message_id)
    assert (event.kind, event.outcome, event.reason, event.until) == (
        "attempt",
        "retry",
        "retry",
        message.not_before,
    )
    assert rig.sends() == []

    rig.sandbox.faults()  # the platform recovers
    assert await dispatcher.run_once() == 0  # not before its back-off
    rig.clock.now = message.not_before
    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.tries) == ("accepted", 2)
    assert [outcome for _, outcome, _ in await rig.events(message_id)] == [
        "send",
        "retry",
        "send",
        "accepted",
    ]
    assert len(rig.sends(PRIYA)) == 1


# --- what the status webhooks tell ---------------------------------------------------------------


async def test_a_customer_not_on_whatsapp_is_marked_unreachable_and_not_messaged_again(
    rig: Rig,
) -> None:
    response = rig.sandbox.control.put(f"/_sandbox/phones/{PRIYA}", json={"on_whatsapp": False})
    assert response.status_code == 200, response.text
    rig.clock.now = now = utcnow()
    [first] = await rig.apply(cod_order(now - timedelta(minutes=2)))
    dispatcher = rig.dispatcher()
    assert await dispatcher.run_once() == 1
    assert (await rig.message(first)).state == "accepted"  # HTTP 200: the failure comes later

    await rig.wait(lambda: _is(rig.state_of(first), "failed"), "the failed status")

    message = await rig.message(first)
    assert message.error_code == 131026
    event = await rig.last_event(first)
    assert (event.kind, event.outcome, event.reason) == ("status", "failed", "not_on_whatsapp")
    assert (await rig.contact()).reachable is False

    [second] = await rig.apply(shipped(now - timedelta(minutes=1)))
    assert await dispatcher.run_once() == 1
    assert (await rig.message(second)).state == "suppressed"
    assert await rig.events(second) == [("decision", "suppress", "not_on_whatsapp")]
    assert len(rig.sends(PRIYA)) == 1  # only the first, which WhatsApp refused


async def test_inside_the_service_window_the_free_form_message_is_chosen(rig: Rig) -> None:
    now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    rig.sandbox.say(PRIYA, "hello, is my order confirmed?")  # opens the 24-hour window
    await rig.wait(lambda: _window_open(rig), "the customer's message")
    dispatcher = rig.dispatcher()

    assert await dispatcher.run_once() == 2  # the COD request, and the bot's answer to her

    message = await rig.message(message_id)
    assert (message.state, message.form, message.template_name) == ("accepted", "freeform", None)
    phone = rig.sandbox.phone(PRIYA)
    [on_phone] = [m for m in phone if m["id"] == message.wamid]
    assert on_phone["type"] == "interactive"  # confirm / cancel buttons, no template
    await rig.wait(lambda: _is(rig.state_of(message_id), "read"), "the read status")
    assert (await rig.message(message_id)).pricing_category == "service"


async def _window_open(rig: Rig) -> bool:
    return (await rig.contact()).last_inbound_at is not None


async def test_a_free_form_message_refused_for_a_closed_window_is_resent_as_the_template(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    async with rig.sessions() as session:  # we believe the window is open; WhatsApp does not
        await session.execute(
            update(Contact).where(Contact.wa_id == PRIYA).values(last_inbound_at=now)
        )
        await session.commit()
    dispatcher = rig.dispatcher()
    assert await dispatcher.run_once() == 1
    assert (await rig.message(message_id)).form == "freeform"

    await rig.wait(lambda: _is(rig.state_of(message_id), "scheduled"), "the 131047 failure")
    assert (await rig.contact()).last_inbound_at is None
    rig.clock.now = utcnow()  # the failure rescheduled it for when the webhook was applied
    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.form) == ("accepted", "template")
    assert [s["type"] for s in rig.sends(PRIYA)] == ["interactive", "template"]
    assert ("attempt", "resend_as_template", "retry") in await rig.events(message_id)


# --- a send whose answer never came back ---------------------------------------------------------


class Intercepted(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox; each send's answer is held until `before_answer(wamid)` ran,
    then handed back, or lost (a timeout) when `lose` is set — the message went out regardless."""

    def __init__(self, before_answer: Callable[[str], Awaitable[None]], *, lose: bool) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.before_answer = before_answer
        self.lose = lose

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "POST" or not request.url.path.endswith("/messages"):
            return response
        body = await response.aread()
        await response.aclose()
        await self.before_answer(json.loads(body)["messages"][0]["id"])
        if self.lose:
            raise httpx.ReadTimeout("the response was lost", request=request)
        return httpx.Response(response.status_code, headers=response.headers, content=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


class InterceptedPool(ClientPool):
    """A client pool whose one client speaks through `Intercepted`."""

    def __init__(self, settings: Settings, transport: Intercepted) -> None:
        super().__init__(settings)
        self.transport = transport
        self.client: WhatsAppClient | None = None

    def get(self, store: Store) -> WhatsAppClient:
        if self.client is None:
            assert store.phone_number_id
            assert store.access_token
            self.client = WhatsAppClient(
                base_url=self.settings.graph_base_url,
                access_token=store.access_token,
                phone_number_id=store.phone_number_id,
                transport=self.transport,
            )
        return self.client

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()


def intercepted(
    rig: Rig, before_answer: Callable[[str], Awaitable[None]], *, lose: bool
) -> Dispatcher:
    settings = Settings(graph_base_url=rig.sandbox.url)
    return rig.dispatcher(InterceptedPool(settings, Intercepted(before_answer, lose=lose)))


async def _nothing(wamid: str) -> None:
    return None


async def test_a_lost_response_leaves_the_message_unconfirmed_until_its_status_settles_it(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    dispatcher = intercepted(rig, _nothing, lose=True)

    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.wamid) == ("unconfirmed", None)
    assert message.not_before == now + timedelta(minutes=2)
    event = await rig.last_event(message_id)
    assert (event.kind, event.outcome, event.reason) == (
        "attempt",
        "unconfirmed",
        "awaiting_status",
    )

    # The status webhooks carry biz_opaque_callback_data "ot:<id>:<attempt>": the row is settled.
    await rig.wait(lambda: _is(rig.state_of(message_id), "read"), "the statuses")
    [sent] = rig.sends(PRIYA)
    message = await rig.message(message_id)
    assert message.wamid == sent["wamid"]
    assert ("status", "settled", None) in await rig.events(message_id)

    rig.clock.now = now + timedelta(minutes=5)  # well past the reconcile wait
    assert await dispatcher.run_once() == 0
    assert len(rig.sends()) == 1  # never sent twice
    assert (await rig.message(message_id)).state == "read"


async def test_statuses_that_arrive_before_the_lost_response_is_noticed_still_settle_it(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))

    async def statuses_first(wamid: str) -> None:
        # The webhook endpoint applies the statuses while the worker still waits for its answer.
        await rig.wait(lambda: _is(rig.state_of(message_id), "read"), "the statuses")

    dispatcher = intercepted(rig, statuses_first, lose=True)

    assert await dispatcher.run_once() == 1

    [sent] = rig.sends(PRIYA)
    message = await rig.message(message_id)
    assert (message.state, message.wamid) == ("read", sent["wamid"])
    rig.clock.now = now + timedelta(minutes=5)
    assert await dispatcher.run_once() == 0
    assert (await rig.message(message_id)).state == "read"
    assert len(rig.sends()) == 1


async def test_a_131047_status_that_beats_the_send_response_still_resends_the_template(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    async with rig.sessions() as session:
        await session.execute(
            update(Contact).where(Contact.wa_id == PRIYA).values(last_inbound_at=now)
        )
        await session.commit()

    answered: list[str] = []

    async def failure_first(wamid: str) -> None:
        if not answered:  # only the free-form send fails
            await rig.wait(lambda: _is(rig.state_of(message_id), "scheduled"), "the failure")
        answered.append(wamid)

    dispatcher = intercepted(rig, failure_first, lose=False)
    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.wamid) == ("scheduled", None)  # waiting to go as a template
    rig.clock.now = utcnow()
    assert await dispatcher.run_once() == 1
    message = await rig.message(message_id)
    assert (message.state, message.form) == ("accepted", "template")
    assert [s["type"] for s in rig.sends(PRIYA)] == ["interactive", "template"]
    assert message.wamid == rig.sends(PRIYA)[1]["wamid"]


# --- several workers ----------------------------------------------------------------------------


async def test_two_dispatchers_running_at_once_never_send_a_message_twice(
    rig: Rig, database_url: str
) -> None:
    rig.clock.now = now = utcnow()
    phones = [f"+91 98765 432{n:02d}" for n in range(10, 22)]
    ids = [
        message_id
        for n, phone in enumerate(phones)
        for message_id in await rig.apply(cod_order(now - timedelta(minutes=1), f"70{n}", phone))
    ]
    assert len(ids) == len(phones)
    # A second worker process: its own engine, sessions, clients and rate limiter.
    other_engine = create_engine(database_url)
    try:
        other = Rig(
            other_engine, session_factory(other_engine), rig.sandbox, rig.store_id, rig.clock
        )
        first, second = rig.dispatcher(batch=4), other.dispatcher(batch=4)
        handled = []
        for _ in range(20):
            counts = await asyncio.gather(first.run_once(), second.run_once())
            handled.append(counts)
            if counts == [0, 0]:
                break
        for pool in other.pools:
            await pool.aclose()
    finally:
        await other_engine.dispose()

    sends = rig.sends()
    assert len(sends) == len(phones), handled
    assert sorted(s["to"] for s in sends) == sorted(p.replace(" ", "").lstrip("+") for p in phones)
    wamids = set()
    for message_id in ids:
        message = await rig.message(message_id)
        assert message.state == "accepted"
        assert message.tries == 1
        wamids.add(message.wamid)
        assert [o for k, o, _ in await rig.events(message_id) if k == "decision"] == ["send"]
    assert wamids == {s["wamid"] for s in sends}
    assert sum(c for counts in handled for c in counts) == len(phones)
    assert any(all(counts) for counts in handled), f"the workers never overlapped: {handled}"
