"""What the dispatcher writes after a send never overrides what a status webhook already said,
and a send whose answer cannot be read is treated as possibly sent.

A status webhook can arrive while the dispatcher is still recording the batch it belongs to:
the dispatcher locks the row before reading it, so a `failed` verdict (131026), or a 131047 that
sends the message back to go as the template, is never turned back into "accepted". A 2xx whose
body cannot be read may still have sent the message: the row waits, `unconfirmed`, for a status
webhook (or the reconcile wait) instead of being sent again.

Real sends to the sandbox; the dispatcher is driven with `run_once()` as in `test_dispatcher.py`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.config import Settings
from ordertalk.contacts.models import Contact
from ordertalk.db import utcnow
from ordertalk.messaging.clients import ClientPool
from ordertalk.messaging.dispatcher import DispatchConfig, Dispatcher
from ordertalk.stores.models import Store
from ordertalk.whatsapp.client import WhatsAppClient
from ordertalk.whatsapp.webhooks import parse_webhook
from ordertalk.whatsapp_webhooks.process import process_webhook
from tests.messaging.test_dispatcher import PRIYA, Rig, cod_order

pytestmark = pytest.mark.database

# How long the webhook is given to commit while the dispatcher records the batch. With the row
# locked it cannot (it waits for the dispatcher's commit); without the lock it commits at once.
GRACE_S = 1.0


# --- a send whose answer is tampered with -------------------------------------------------------


class Answering(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox; each send's wamid is handed to `sent(wamid)` before the answer
    goes back, and the answer's body is replaced by `body` when one is given."""

    def __init__(
        self, sent: Callable[[str], Awaitable[None]] | None = None, body: bytes | None = None
    ) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent = sent
        self.body = body

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "POST" or not request.url.path.endswith("/messages"):
            return response
        content = await response.aread()
        await response.aclose()
        if self.sent is not None:
            await self.sent(json.loads(content)["messages"][0]["id"])
        if self.body is not None:
            return httpx.Response(response.status_code, content=self.body)
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def aclose(self) -> None:
        await self.inner.aclose()


class AnsweringPool(ClientPool):
    """A client pool whose one client speaks through `Answering`."""

    def __init__(self, settings: Settings, transport: Answering) -> None:
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


def answering(rig: Rig, transport: Answering, sessions: Any = None) -> Dispatcher:
    pool = AnsweringPool(Settings(graph_base_url=rig.sandbox.url), transport)
    rig.pools.append(pool)
    return Dispatcher(sessions or rig.sessions, pool, clock=rig.clock)


# --- a status webhook racing the dispatcher's record of the send ------------------------------


def failed_status(store: Store, message_id: int, wamid: str, code: int) -> bytes:
    """Meta's `failed` status for the first attempt of `message_id`, with error `code`."""
    status = {
        "id": wamid,
        "status": "failed",
        "timestamp": str(int(time.time())),
        "recipient_id": PRIYA,
        "biz_opaque_callback_data": f"ot:{message_id}:1",
        "errors": [
            {
                "code": code,
                "title": "failed",
                "message": "failed",
                "error_data": {"details": f"error {code}"},
            }
        ],
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550783881",
            "phone_number_id": store.phone_number_id,
        },
        "statuses": [status],
    }
    entry = {"id": store.waba_id, "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


class StatusDuringRecord:
    """The dispatcher's sessions, with a status webhook arriving while it records the send.

    Once `arm()` ran (the send's answer is on its way back), the next session the dispatcher
    opens is the one recording the batch: right after that session's first statement (reading or
    locking the message), the webhook is applied and committed in a session of its own, as
    `/webhooks/whatsapp` would.
    """

    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.body: bytes | None = None
        self.webhook: asyncio.Task[None] | None = None

    def arm(self, body: bytes) -> None:
        self.body = body

    def __call__(self) -> AsyncSession:
        session = self.rig.sessions()
        if self.body is None or self.webhook is not None:
            return session
        for name in ("get", "execute", "scalar", "scalars"):
            setattr(session, name, self._then_webhook(getattr(session, name)))
        return session

    def _then_webhook(self, statement: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        """`statement`, and after the session's first one the webhook, given `GRACE_S` to commit."""

        async def run(*args: Any, **kw: Any) -> Any:
            result = await statement(*args, **kw)
            if self.webhook is None:
                self.webhook = asyncio.create_task(self._apply())
                await asyncio.wait({self.webhook}, timeout=GRACE_S)
            return result

        return run

    async def _apply(self) -> None:
        assert self.body is not None
        async with self.rig.sessions() as session:
            await process_webhook(session, parse_webhook(self.body), {self.rig.store_id})
            await session.commit()

    async def applied(self) -> None:
        """Wait for the webhook to be committed (it may have had to wait for the dispatcher)."""
        assert self.webhook is not None, "the dispatcher never recorded the send"
        await self.webhook


async def open_window(rig: Rig) -> None:
    """We believe Priya wrote a moment ago, so the free-form message is chosen."""
    async with rig.sessions() as session:
        await session.execute(
            update(Contact).where(Contact.wa_id == PRIYA).values(last_inbound_at=utcnow())
        )
        await session.commit()


async def racing_dispatcher(
    rig: Rig, code: int, message_id: int
) -> tuple[Dispatcher, StatusDuringRecord]:
    """A dispatcher whose send of `message_id` is met by a `code` failure while it is recorded."""
    async with rig.sessions() as session:
        store = await session.get(Store, rig.store_id)
        assert store is not None
    race = StatusDuringRecord(rig)

    async def sent(wamid: str) -> None:
        race.arm(failed_status(store, message_id, wamid, code))

    sessions = cast(async_sessionmaker[AsyncSession], race)
    return answering(rig, Answering(sent), sessions), race


async def test_a_not_on_whatsapp_failure_that_arrives_while_the_send_is_recorded_is_kept(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    dispatcher, race = await racing_dispatcher(rig, 131026, message_id)

    assert await dispatcher.run_once() == 1
    await race.applied()

    message = await rig.message(message_id)
    assert (message.state, message.error_code) == ("failed", 131026)
    assert (await rig.contact()).reachable is False
    rig.clock.now = now + timedelta(hours=1)
    assert await rig.dispatcher().run_once() == 0  # nothing goes again
    assert len(rig.sends(PRIYA)) == 1


async def test_a_closed_window_failure_that_arrives_while_the_send_is_recorded_resends_the_template(
    rig: Rig,
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    await open_window(rig)
    dispatcher, race = await racing_dispatcher(rig, 131047, message_id)

    assert await dispatcher.run_once() == 1
    await race.applied()

    message = await rig.message(message_id)
    assert (message.state, message.form, message.wamid) == ("scheduled", "freeform", None)
    assert message.params.get("force_template") is True
    assert (await rig.contact()).last_inbound_at is None

    rig.clock.now = utcnow()
    assert await rig.dispatcher().run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.form) == ("accepted", "template")
    assert [s["type"] for s in rig.sends(PRIYA)] == ["interactive", "template"]
    assert message.wamid == rig.sends(PRIYA)[1]["wamid"]


# --- a 2xx whose body cannot be read ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"messaging_product": "whatsapp"}', b"<html>502 Bad Gateway</html>"],
    ids=["no-message-id", "not-json"],
)
async def test_a_success_whose_body_cannot_be_read_waits_for_a_status_instead_of_resending(
    rig: Rig, body: bytes
) -> None:
    rig.clock.now = now = utcnow()
    [message_id] = await rig.apply(cod_order(now - timedelta(minutes=1)))
    dispatcher = answering(rig, Answering(body=body))

    assert await dispatcher.run_once() == 1

    message = await rig.message(message_id)
    assert (message.state, message.wamid, message.tries) == ("unconfirmed", None, 1)
    assert message.not_before == now + DispatchConfig().reconcile_wait
    event = await rig.last_event(message_id)
    assert (event.kind, event.outcome, event.reason) == (
        "attempt",
        "unconfirmed",
        "awaiting_status",
    )
    rig.clock.now = message.not_before - timedelta(seconds=1)
    assert await dispatcher.run_once() == 0  # not sent again while a status may still come

    # The sandbox's statuses carry "ot:<id>:1": they settle the row, and it is never resent.
    async def read() -> bool:
        return await rig.state_of(message_id) == "read"

    await rig.wait(read, "the statuses")
    [sent] = rig.sends(PRIYA)
    message = await rig.message(message_id)
    assert (message.state, message.wamid) == ("read", sent["wamid"])
    rig.clock.now = now + timedelta(hours=1)
    assert await dispatcher.run_once() == 0
    assert len(rig.sends(PRIYA)) == 1
