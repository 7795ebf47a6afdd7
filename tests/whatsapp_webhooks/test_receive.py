"""Ordertalk's `/webhooks/whatsapp`: the handshake, signatures, storage once, and the sandbox
delivering real status webhooks to it (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from tests.conftest import SETTINGS, Sandbox
from tests.database import fresh_database
from tests.servers import ServerThread

pytestmark = pytest.mark.database

SECRET = SETTINGS.app_secret


@pytest.fixture
def ordertalk(tmp_path: Path) -> Iterator[tuple[ServerThread, str]]:
    """Ordertalk's API on a fresh database, served over real HTTP."""
    url = fresh_database(tmp_path)
    settings = Settings(
        database_url=url,
        whatsapp_app_secret=SecretStr(SECRET),
        whatsapp_verify_token=SecretStr(SETTINGS.verify_token),
    )
    server = ServerThread(create_app(settings)).start()
    yield server, url
    server.stop()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def _count(url: str) -> int:
    async def count() -> int:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            total = await session.scalar(select(func.count()).select_from(WhatsAppWebhookEvent))
        await engine.dispose()
        return int(total or 0)

    return asyncio.run(count())


STATUS_BODY = json.dumps(
    {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "106540352242922",
                            },
                            "statuses": [
                                {
                                    "id": "wamid.abc",
                                    "status": "delivered",
                                    "timestamp": "1750263773",
                                    "recipient_id": "16505551234",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
).encode()


def test_the_verification_handshake_echoes_the_challenge(
    ordertalk: tuple[ServerThread, str],
) -> None:
    server, _ = ordertalk
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": SETTINGS.verify_token,
        "hub.challenge": "1158201444",
    }
    answer = httpx.get(f"{server.url}/webhooks/whatsapp", params=params)
    assert answer.status_code == 200
    assert answer.text == "1158201444"


def test_the_handshake_with_a_wrong_token_is_forbidden(ordertalk: tuple[ServerThread, str]) -> None:
    server, _ = ordertalk
    params = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    answer = httpx.get(f"{server.url}/webhooks/whatsapp", params=params)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_a_signed_webhook_is_stored_once_even_when_redelivered(
    ordertalk: tuple[ServerThread, str],
) -> None:
    server, url = ordertalk
    first = httpx.post(
        f"{server.url}/webhooks/whatsapp", content=STATUS_BODY, headers=_signed(STATUS_BODY)
    )
    again = httpx.post(
        f"{server.url}/webhooks/whatsapp", content=STATUS_BODY, headers=_signed(STATUS_BODY)
    )
    assert first.status_code == 200
    assert first.json()["duplicate"] is False
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert _count(url) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": "not-a-signature"},
    ],
    ids=["missing", "wrong", "malformed"],
)
def test_an_unsigned_or_badly_signed_webhook_is_refused_and_not_stored(
    ordertalk: tuple[ServerThread, str], headers: dict[str, str]
) -> None:
    server, url = ordertalk
    answer = httpx.post(f"{server.url}/webhooks/whatsapp", content=STATUS_BODY, headers=headers)
    assert answer.status_code == 401
    assert "X-Hub-Signature-256" in answer.json()["error"]["message"]
    assert _count(url) == 0


def test_a_signature_for_a_changed_body_is_refused(ordertalk: tuple[ServerThread, str]) -> None:
    server, url = ordertalk
    tampered = STATUS_BODY.replace(b"delivered", b"read")
    answer = httpx.post(
        f"{server.url}/webhooks/whatsapp", content=tampered, headers=_signed(STATUS_BODY)
    )
    assert answer.status_code == 401
    assert _count(url) == 0


def test_a_body_larger_than_any_webhook_is_refused_as_too_large(
    ordertalk: tuple[ServerThread, str],
) -> None:
    server, url = ordertalk
    body = STATUS_BODY + b" " * (3 * 1024 * 1024)
    answer = httpx.post(f"{server.url}/webhooks/whatsapp", content=body, headers=_signed(body))
    assert answer.status_code == 413
    assert _count(url) == 0


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"object": "x"}', b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_webhook_is_a_clear_422(
    ordertalk: tuple[ServerThread, str], body: bytes
) -> None:
    server, url = ordertalk
    answer = httpx.post(f"{server.url}/webhooks/whatsapp", content=body, headers=_signed(body))
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith("not a WhatsApp webhook")
    assert _count(url) == 0


def test_the_sandbox_delivers_signed_sent_delivered_read_to_ordertalk(
    ordertalk: tuple[ServerThread, str], sandbox: Sandbox
) -> None:
    server, url = ordertalk
    sandbox.configure(webhook_url=f"{server.url}/webhooks/whatsapp")
    sandbox.say("919876543210")
    wamid = sandbox.send_ok({"to": "919876543210", "type": "text", "text": {"body": "On its way"}})

    async def stored_statuses() -> list[str]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            bodies = (await session.scalars(select(WhatsAppWebhookEvent.body))).all()
        await engine.dispose()
        found = []
        for body in bodies:
            for entry in json.loads(body)["entry"]:
                for change in entry["changes"]:
                    for status in change["value"].get("statuses", []):
                        if status["id"] == wamid:
                            found.append(status["status"])
        return found

    deadline = 50
    statuses: list[str] = []
    while deadline and sorted(statuses) != ["delivered", "read", "sent"]:
        statuses = asyncio.run(stored_statuses())
        deadline -= 1
        asyncio.run(asyncio.sleep(0.1))
    assert sorted(statuses) == ["delivered", "read", "sent"]
    log = sandbox.control.get("/_sandbox/webhooks").json()
    assert log["posts_failed"] == 0
