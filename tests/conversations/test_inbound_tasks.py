"""What customers send, kept and acted on: read receipts, media fetched and kept, and the
`message.inbound` webhook, against the real sandbox over HTTP and a real database.

The customer writes through the sandbox's control plane; its signed webhook reaches the test's
receiver and the message is kept by `record_inbound`, as the bot does. Tests then call the
runner's passes directly, on a clock they move (and without jitter), so each retry is exact.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ordertalk.config import Settings
from ordertalk.contacts.service import upsert_contact
from ordertalk.conversations.inbound import conversation_of, record_inbound
from ordertalk.conversations.media import media_of, media_of_messages
from ordertalk.conversations.models import ConversationMessage, InboundMedia
from ordertalk.conversations.tasks import InboundTasks, InboundTasksConfig
from ordertalk.db import create_engine, session_factory, utcnow
from ordertalk.messaging.clients import ClientPool
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from ordertalk.webhooks_out import service as webhooks
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.models import WebhookDelivery
from ordertalk.whatsapp.webhook_types import InboundMessage
from tests.api_support import api_client, auth
from tests.conftest import Sandbox
from tests.database import fresh_database
from tests.sandbox.http_support import wait_inbound

pytestmark = pytest.mark.database

CUSTOMER = "919876543210"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PNG_SHA = hashlib.sha256(PNG).hexdigest()
EXACT = {"jitter": 0.0}


class Clock:
    """The runner's now: the real time, moved forward when a test says so."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def image(data: bytes = PNG, mime: str = "image/png", **extra: Any) -> dict[str, Any]:
    """A customer's image message carrying these bytes."""
    body = {"data_base64": base64.b64encode(data).decode(), "mime_type": mime, **extra}
    return {"from": CUSTOMER, "type": "image", "image": body}


@dataclass
class Bench:
    """A database, a store whose number is the sandbox's, and the runner's parts."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sandbox: Sandbox
    store_id: str
    key: str
    database_url: str
    media_dir: Path
    clock: Clock = field(default_factory=Clock)
    pools: list[ClientPool] = field(default_factory=list)

    def settings(self, **changes: Any) -> Settings:
        return Settings(
            database_url=self.database_url,
            graph_base_url=self.sandbox.url,
            media_dir=self.media_dir,
            **changes,
        )

    def tasks(self, max_bytes: int | None = None, **config: Any) -> InboundTasks:
        """A runner on this database and the sandbox, reading `self.clock`."""
        settings = self.settings(**({"media_max_bytes": max_bytes} if max_bytes else {}))
        pool = ClientPool(settings)
        self.pools.append(pool)
        return InboundTasks(
            self.sessions,
            pool,
            settings,
            clock=self.clock,
            config=InboundTasksConfig(**(EXACT | config)),
        )

    async def receive(self, **message: Any) -> ConversationMessage:
        """The customer sends a message through the sandbox; it is kept as the bot keeps it."""
        wamid = self.sandbox.inbound(**message)
        kept = await self.keep(
            InboundMessage.model_validate(wait_inbound(self.sandbox.receiver, wamid))
        )
        assert kept is not None
        return kept

    async def keep(self, message: InboundMessage) -> ConversationMessage | None:
        async with self.sessions() as session:
            store = await session.get(Store, self.store_id)
            assert store is not None
            contact = await upsert_contact(session, store, phone=f"+{message.from_}")
            conversation = await conversation_of(session, store, contact)
            at = datetime.fromtimestamp(message.timestamp, UTC)
            kept = await record_inbound(session, store, conversation, message, at, None)
            await session.commit()
            return kept

    async def message(self, row_id: int) -> ConversationMessage:
        async with self.sessions() as session:
            row = await session.get(ConversationMessage, row_id)
            assert row is not None
            return row

    async def media(self, kept: ConversationMessage) -> InboundMedia:
        async with self.sessions() as session:
            row = await media_of(session, kept)
            assert row is not None
            return row

    async def count_media(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count(InboundMedia.id))) or 0)

    def mark_reads(self) -> int:
        """How many read receipts the sandbox accepted."""
        log = self.sandbox.control.get("/_sandbox/log").json()
        return sum(1 for row in log if row.get("kind") == "mark_read")

    def read_on_phone(self, wamid: str) -> bool:
        sent = self.sandbox.control.get(f"/_sandbox/phones/{CUSTOMER}/sent").json()
        return bool(next(item for item in sent if item["id"] == wamid)["read"])


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def bench(tmp_path: Path, database_url: str, sandbox: Sandbox) -> AsyncIterator[Bench]:
    url = database_url
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        store, key = await create_store(
            session,
            name="Chai & Co",
            country="IN",
            language="en",
            phone_number_id=sandbox.number,
            waba_id=sandbox.settings.waba_id,
            access_token=sandbox.settings.access_token,
            graph_base_url=sandbox.url,
        )
        await session.commit()
    made = Bench(engine, sessions, sandbox, store.id, key, url, tmp_path / "media")
    try:
        yield made
    finally:
        for pool in made.pools:
            await pool.aclose()
        await engine.dispose()


# --- media -------------------------------------------------------------------------------------


async def test_a_photo_is_fetched_checked_and_kept_content_addressed(bench: Bench) -> None:
    kept = await bench.receive(**image(caption="the lid is broken"))
    assert (await bench.media(kept)).state == "pending"

    assert await bench.tasks().run_media_once() == 1

    media = await bench.media(kept)
    assert media.state == "stored", media.error
    assert (media.kind, media.mime_type, media.size) == ("image", "image/png", len(PNG))
    assert media.sha256 == PNG_SHA
    assert media.path == f"{bench.store_id}/{PNG_SHA[:2]}/{PNG_SHA}"
    assert (bench.media_dir / media.path).read_bytes() == PNG
    assert (media.attempts, media.error, media.leased_until) == (1, None, None)
    assert media.fetched_at is not None
    assert list((bench.media_dir / ".tmp").iterdir()) == []  # no download left behind
    assert await bench.tasks().run_media_once() == 0  # nothing more to do


async def test_the_api_serves_a_kept_file_only_to_its_store(bench: Bench) -> None:
    kept = await bench.receive(**image())
    waiting = await bench.receive(**image(b"\x89PNG\r\n\x1a\nsecond"))
    await bench.tasks().run_media_once()
    async with bench.sessions() as session:  # `waiting` back to pending, as if not yet reached
        row = await session.get(InboundMedia, (await bench.media(waiting)).id)
        assert row is not None
        row.state, row.path = "pending", None
        _, other_key = await create_store(session, name="Other", country="IN", language="en")
        await session.commit()
    media = await bench.media(kept)

    async with api_client(bench.database_url, worker=False, media_dir=bench.media_dir) as api:
        served = await api.get(f"/v1/media/{media.id}", headers=auth(bench.key))
        elsewhere = await api.get(f"/v1/media/{media.id}", headers=auth(other_key))
        pending = await api.get(f"/v1/media/{row.id}", headers=auth(bench.key))
        unknown = await api.get("/v1/media/999999", headers=auth(bench.key))
        anonymous = await api.get(f"/v1/media/{media.id}")

    assert served.status_code == 200, served.text
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("inline")
    assert [r.status_code for r in (elsewhere, pending, unknown)] == [404, 404, 404]
    assert elsewhere.json()["error"]["code"] == "not_found"
    assert anonymous.status_code == 401


async def test_a_file_larger_than_the_limit_is_rejected_with_the_reason(bench: Bench) -> None:
    kept = await bench.receive(**image())

    await bench.tasks(max_bytes=1000).run_media_once()

    media = await bench.media(kept)
    assert media.state == "rejected"
    assert media.error == f"{len(PNG)} bytes is more than the 1000 bytes kept for an image"
    assert media.path is None
    assert not (bench.media_dir / bench.store_id).exists()


@pytest.mark.parametrize(
    ("kind", "mime", "reason"),
    [
        ("image", "image/gif", "type image/gif is not kept for an image"),
        ("document", "application/x-msdownload", "type application/x-msdownload is not kept"),
        ("sticker", "image/png", "type image/png is not kept for a sticker"),
    ],
)
async def test_a_file_of_an_unexpected_type_is_rejected(
    bench: Bench, kind: str, mime: str, reason: str
) -> None:
    body = {
        "data_base64": base64.b64encode(b"MZ\x90\x00 not what it says").decode(),
        "mime_type": mime,
    }
    kept = await bench.receive(**{"from": CUSTOMER, "type": kind, kind: body})

    await bench.tasks().run_media_once()

    media = await bench.media(kept)
    assert media.state == "rejected"
    assert media.error is not None
    assert media.error.startswith(reason)
    assert media.declared_mime == mime
    assert not (bench.media_dir / bench.store_id).exists()


async def test_a_transient_failure_is_retried_after_a_back_off_then_kept(bench: Bench) -> None:
    kept = await bench.receive(**image())
    tasks = bench.tasks(media_retry_base=timedelta(seconds=10))
    bench.sandbox.faults(media_error_ratio=1.0)

    assert await tasks.run_media_once() == 1
    failed_once = await bench.media(kept)
    assert await tasks.run_media_once() == 0  # not due before its back-off
    bench.sandbox.faults(media_error_ratio=0.0)
    bench.clock.advance(seconds=11)
    assert await tasks.run_media_once() == 1

    assert (failed_once.state, failed_once.attempts) == ("pending", 1)
    assert failed_once.error is not None
    assert "131000" in failed_once.error
    assert failed_once.next_attempt_at is not None
    wait = failed_once.next_attempt_at - utcnow()
    assert timedelta(seconds=8) < wait <= timedelta(seconds=10)
    media = await bench.media(kept)
    assert (media.state, media.attempts, media.error) == ("stored", 2, None)
    assert (bench.media_dir / (media.path or "")).read_bytes() == PNG


@pytest.mark.parametrize("failure", ["server error", "media deleted"])
async def test_a_failure_that_persists_fails_for_good_after_n_tries(
    bench: Bench, failure: str
) -> None:
    kept = await bench.receive(**image())
    media_id = kept.content["id"]
    if failure == "server error":
        bench.sandbox.faults(media_error_ratio=1.0)
    else:
        assert bench.sandbox.graph.delete(f"/{media_id}").status_code == 200
    tasks = bench.tasks(media_attempts=3)

    tries = []
    for _ in range(5):
        tries.append(await tasks.run_media_once())
        bench.clock.advance(hours=2)

    assert tries == [1, 1, 1, 0, 0]
    media = await bench.media(kept)
    assert (media.state, media.attempts, media.next_attempt_at) == ("failed", 3, None)
    assert media.error is not None
    assert ("131000" if failure == "server error" else "Cloud API error 100") in media.error
    # Short, and nothing secret: no token, no download URL, no full phone number.
    assert len(media.error) <= 300
    for secret in (bench.sandbox.settings.access_token, "_lookaside", "http", CUSTOMER):
        assert secret not in media.error


async def test_the_same_media_id_twice_is_one_row_fetched_once(bench: Bench) -> None:
    first = await bench.receive(**image())
    again = await bench.receive(
        **{"from": CUSTOMER, "type": "image", "image": {"id": first.content["id"]}}
    )

    assert await bench.count_media() == 1
    assert await bench.tasks().run_media_once() == 1
    media = await bench.media(again)
    assert media.id == (await bench.media(first)).id
    assert (media.state, media.attempts, media.message_id) == ("stored", 1, first.id)
    async with bench.sessions() as session:
        listed = await media_of_messages(session, bench.store_id, [first, again])
    assert {k: [m.id for m in v] for k, v in listed.items()} == {
        first.id: [media.id],
        again.id: [media.id],
    }
    assert listed[again.id][0].url == f"/v1/media/{media.id}"


async def test_two_workers_never_fetch_the_same_file(bench: Bench) -> None:
    kept = [await bench.receive(**image(PNG + bytes([n]))) for n in range(6)]
    one, two = bench.tasks(media_batch=4), bench.tasks(media_batch=4)

    handled = await asyncio.gather(one.run_media_once(), two.run_media_once())
    handled_after = await asyncio.gather(one.run_media_once(), two.run_media_once())

    assert sum(handled) + sum(handled_after) == 6
    for message in kept:
        media = await bench.media(message)
        assert (media.state, media.attempts) == ("stored", 1)


async def test_a_redelivered_message_queues_nothing_new(bench: Bench) -> None:
    kept = await bench.receive(**image())
    message = InboundMessage.model_validate(wait_inbound(bench.sandbox.receiver, kept.wamid or ""))

    assert await bench.keep(message) is None
    assert await bench.count_media() == 1


# --- read receipts -----------------------------------------------------------------------------


async def test_a_message_is_marked_read_once(bench: Bench) -> None:
    kept = await bench.receive(**{"from": CUSTOMER, "type": "text", "text": {"body": "hi"}})
    assert (kept.read_receipt, kept.read_attempts) == ("pending", 0)
    assert not bench.read_on_phone(kept.wamid or "")

    tasks = bench.tasks()
    assert await tasks.run_receipts_once() == 1
    bench.clock.advance(hours=1)
    assert await tasks.run_receipts_once() == 0

    row = await bench.message(kept.id)
    assert (row.read_receipt, row.read_attempts, row.read_next_at) == ("sent", 1, None)
    assert bench.read_on_phone(kept.wamid or "")
    assert bench.mark_reads() == 1


async def test_a_failed_read_receipt_is_retried_after_a_back_off(bench: Bench) -> None:
    kept = await bench.receive(**{"from": CUSTOMER, "type": "text", "text": {"body": "hi"}})
    tasks = bench.tasks(read_retry_base=timedelta(seconds=5))
    bench.sandbox.faults(http_500_ratio=1.0)

    assert await tasks.run_receipts_once() == 1
    assert await tasks.run_receipts_once() == 0  # waiting out its back-off
    bench.sandbox.faults(http_500_ratio=0.0)
    bench.clock.advance(seconds=6)
    assert await tasks.run_receipts_once() == 1

    row = await bench.message(kept.id)
    assert (row.read_receipt, row.read_attempts) == ("sent", 2)
    assert bench.read_on_phone(kept.wamid or "")


async def test_a_read_receipt_is_given_up_after_its_tries_and_nothing_waits_on_it(
    bench: Bench,
) -> None:
    kept = await bench.receive(**image())
    tasks = bench.tasks(read_attempts=2)
    bench.sandbox.faults(http_500_ratio=1.0)  # sends fail; media lookups do not

    await tasks.run_once()
    bench.clock.advance(minutes=5)
    await tasks.run_once()
    bench.clock.advance(hours=1)

    assert await tasks.run_receipts_once() == 0
    row = await bench.message(kept.id)
    assert (row.read_receipt, row.read_attempts, row.read_next_at) == ("failed", 2, None)
    assert (await bench.media(kept)).state == "stored"  # the photo was kept meanwhile


async def test_a_message_older_than_30_days_is_not_marked_read(bench: Bench) -> None:
    kept = await bench.receive(**{"from": CUSTOMER, "type": "text", "text": {"body": "hi"}})
    bench.clock.advance(days=31)

    assert await bench.tasks().run_receipts_once() == 1

    assert (await bench.message(kept.id)).read_receipt == "failed"
    assert bench.mark_reads() == 0


async def test_reactions_owe_no_read_receipt(bench: Bench) -> None:
    text = await bench.receive(**{"from": CUSTOMER, "type": "text", "text": {"body": "hi"}})
    reaction = await bench.receive(
        **{
            "from": CUSTOMER,
            "type": "reaction",
            "reaction": {"message_id": text.wamid, "emoji": "👍"},
        }
    )
    assert reaction.read_receipt is None


# --- message.inbound -----------------------------------------------------------------------------


async def inbound_events(bench: Bench) -> list[dict[str, Any]]:
    async with bench.sessions() as session:
        rows = await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_type == "message.inbound")
        )
        return [row.payload for row in rows]


async def test_message_inbound_is_emitted_once_with_a_masked_phone(bench: Bench) -> None:
    async with bench.sessions() as session:
        store = await session.get(Store, bench.store_id)
        assert store is not None
        await webhooks.create_endpoint(
            session,
            store,
            "http://127.0.0.1:9/hooks",
            [WebhookEventType.MESSAGE_INBOUND],
            allow_private=True,
        )
        await session.commit()

    kept = await bench.receive(**image(caption="broken lid"))
    tap = await bench.receive(
        **{
            "from": CUSTOMER,
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": "ndr:reattempt", "title": "Deliver again"},
            },
        }
    )
    again = InboundMessage.model_validate(wait_inbound(bench.sandbox.receiver, kept.wamid or ""))
    await bench.keep(again)  # a redelivered webhook emits nothing new

    photo, button = await inbound_events(bench)
    media = await bench.media(kept)
    assert photo["type"] == "message.inbound"
    assert photo["data"] == {
        "message_id": kept.id,
        "wamid": kept.wamid,
        "conversation_id": kept.conversation_id,
        "contact_id": photo["data"]["contact_id"],
        "customer": "+91•••••3210",
        "type": "image",
        "text": "broken lid",
        "reply_id": None,
        "reply_to": None,
        "intent": None,
        "media": [
            {
                "id": media.id,
                "kind": "image",
                "mime_type": "image/png",
                "url": f"/v1/media/{media.id}",
            }
        ],
    }
    assert (button["data"]["reply_id"], button["data"]["text"]) == (
        "ndr:reattempt",
        "Deliver again",
    )
    assert button["data"]["message_id"] == tap.id
    assert CUSTOMER not in str(photo) + str(button)


async def test_without_an_endpoint_nothing_is_emitted(bench: Bench) -> None:
    await bench.receive(**{"from": CUSTOMER, "type": "text", "text": {"body": "hi"}})

    assert await inbound_events(bench) == []
