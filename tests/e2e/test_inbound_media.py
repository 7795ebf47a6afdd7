"""A customer's photo, played through the sandbox into a running Ordertalk: the message is in
the conversation, the customer sees it read (blue ticks), the photo is fetched and kept and the
API serves the same bytes, and the store's webhook endpoint hears `message.inbound` (pointing at
that photo) and `message.status` for the messages Ordertalk sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ordertalk.conversations.models import ConversationMessage
from ordertalk.db import create_engine, session_factory
from tests.e2e.harness import Shop, wait_for
from tests.servers import ServerThread
from tests.webhooks_out.receiver import Hit, HookReceiver

pytestmark = pytest.mark.database

ASHA = "919876543210"  # Shopify order 5302002002 (COD, India)
PHOTO = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"a dented parcel").digest() * 64


@pytest.fixture(autouse=True)
def media_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Ordertalk keeps media under the test's directory and may post webhooks to loopback."""
    media_dir = tmp_path / "media"
    monkeypatch.setenv("ORDERTALK_MEDIA_DIR", str(media_dir))
    monkeypatch.setenv("ORDERTALK_WEBHOOKS_ALLOW_PRIVATE", "true")
    return media_dir


@pytest.fixture
def hooks() -> Iterator[tuple[HookReceiver, str]]:
    """The merchant's webhook receiver, over real HTTP."""
    receiver = HookReceiver()
    server = ServerThread(receiver.app()).start()
    yield receiver, server.url
    server.stop()


def events(receiver: HookReceiver, event_type: str) -> list[dict[str, Any]]:
    hits: list[Hit] = receiver.snapshot()
    return [hit.json for hit in hits if hit.json.get("type") == event_type]


async def kept_messages(database_url: str, wamid: str) -> list[ConversationMessage]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return list(
                await session.scalars(
                    select(ConversationMessage).where(ConversationMessage.wamid == wamid)
                )
            )
    finally:
        await engine.dispose()


def test_a_photo_is_kept_read_fetched_served_and_announced(
    shop: Shop, hooks: tuple[HookReceiver, str], media_settings: Path
) -> None:
    receiver, hook_url = hooks
    created = shop.api.post(
        "/v1/webhooks",
        headers=shop.auth,
        json={
            "url": f"{hook_url}/hooks",
            "events": ["message.inbound", "message.status"],
            "allow_private": True,
        },
    )
    assert created.status_code == 201, created.text
    shop.step("shopify", "orders_create_cod_in", "5302002002")  # Ordertalk writes to Asha

    photo = {
        "data_base64": base64.b64encode(PHOTO).decode(),
        "mime_type": "image/png",
        "caption": "the box arrived dented",
    }
    wamid = shop.sandbox.inbound(**{"from": ASHA, "type": "image", "image": photo})

    # The customer sees blue ticks on the photo.
    def sent_by_asha() -> list[dict[str, Any]]:
        response = shop.sandbox.control.get(f"/_sandbox/phones/{ASHA}/sent")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()
        return items

    mine = wait_for(sent_by_asha, lambda items: any(i["id"] == wamid and i["read"] for i in items))
    assert any(item["id"] == wamid and item["read"] for item in mine), mine

    # The message is in Asha's conversation, once; the receipt is recorded just after the
    # phone shows it (the worker writes the row once the Cloud API has answered).
    [kept] = wait_for(
        lambda: asyncio.run(kept_messages(shop.database_url, wamid)),
        lambda rows: [row.read_receipt for row in rows] == ["sent"],
    )
    assert (kept.direction, kept.type, kept.read_receipt) == ("in", "image", "sent")

    # The store hears of it, with a link to the photo and a masked phone number.
    inbound = wait_for(lambda: events(receiver, "message.inbound"), lambda found: len(found) >= 1)
    [announced] = [e["data"] for e in inbound if e["data"]["wamid"] == wamid]
    assert announced["type"] == "image"
    assert announced["text"] == "the box arrived dented"
    assert announced["customer"] == "+91•••••3210"
    assert announced["conversation_id"] == kept.conversation_id
    [media] = announced["media"]
    assert (media["kind"], media["mime_type"]) == ("image", "image/png")

    # The photo is fetched and kept; the API serves the very same bytes.
    served = wait_for(
        lambda: shop.api.get(media["url"], headers=shop.auth),
        lambda response: response.status_code == 200,
    )
    assert served.status_code == 200, served.text
    assert served.content == PHOTO
    assert served.headers["content-type"] == "image/png"
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert (media_settings / shop.store_id / sha[:2] / sha).read_bytes() == PHOTO

    # What Ordertalk sent Asha is announced as it moves forward, once per status (a `sent`
    # that arrives after `delivered` moves nothing, so it is not announced).
    def confirmation_statuses() -> list[dict[str, Any]]:
        found = events(receiver, "message.status")
        return [e["data"] for e in found if e["data"]["intent"] == "cod_confirmation"]

    first = wait_for(confirmation_statuses, lambda found: "read" in {e["status"] for e in found})
    said = [e["status"] for e in first]
    assert "read" in said
    assert len(said) == len(set(said))
    assert set(said) <= {"sent", "delivered", "read"}
    assert {e["order_id"] for e in first} == {"5302002002"}
    assert ASHA not in str(receiver.snapshot()[0].body)

    # Both kinds are rows in the endpoint's delivery log too.
    endpoint_id = created.json()["id"]
    log = shop.get(f"/v1/webhooks/{endpoint_id}/deliveries")
    kinds = {row["event_type"] for row in log}
    assert kinds == {"message.inbound", "message.status"}
    ids = [row["event_id"] for row in log]
    assert len(ids) == len(set(ids))
