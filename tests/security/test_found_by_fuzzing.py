"""What the fuzzers found, each kept as a focused case.

Bodies answered with a 5xx, each now a 4xx with the reason: a 503 tells the sender the body was
kept and to deliver it again, and for a body that can never be processed Meta or the caller
would retry it for days, failing the same way each time. And answers /openapi.json did not
describe: every error is now `{"error": {"code", "message"}}` and documented as such.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.integrations.models import RawEvent
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database
from tests.security.support import whatsapp_headers

pytestmark = pytest.mark.database

NUMBER, WABA, APP_SECRET = "555000000000001", "WABA555", "app-secret-regressions"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url, worker=False) as client:
        yield client


async def count(client: ApiClient, table: Any) -> int:
    async with client.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def webhook(field: str, value: dict[str, Any]) -> bytes:
    entry = {"id": WABA, "time": int(time.time()), "changes": [{"field": field, "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


MALFORMED_CHANGES = {
    "template status with no event": webhook(
        "message_template_status_update",
        {"message_template_id": 1, "message_template_name": "x", "event": None},
    ),
    "user preferences without messaging_product": webhook(
        "user_preferences",
        {
            "messaging_product": ["whatsapp"],
            "metadata": {"display_phone_number": "1555", "phone_number_id": NUMBER},
            "user_preferences": [{"wa_id": "919800000001", "value": "stop", "timestamp": 1}],
        },
    ),
}


@pytest.mark.parametrize("raw", MALFORMED_CHANGES.values(), ids=MALFORMED_CHANGES.keys())
async def test_a_signed_whatsapp_webhook_with_a_malformed_change_is_a_422_and_not_kept(
    client: ApiClient, raw: bytes
) -> None:
    await new_store(client, phone_number_id=NUMBER, waba_id=WABA, app_secret=APP_SECRET)

    response = await client.post(
        "/webhooks/whatsapp", content=raw, headers=whatsapp_headers(raw, APP_SECRET)
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith("not a WhatsApp webhook: entry[0].changes[0].value")
    assert await count(client, WhatsAppWebhookEvent) == 0


async def test_an_order_placed_at_without_a_utc_offset_is_a_422_naming_the_field(
    client: ApiClient,
) -> None:
    _, key = await new_store(client)
    event = {
        "id": "evt-naive-1",
        "event_time": "2026-01-02T10:00:00Z",
        "milestone": "order_confirmed",
        "order": {"external_id": "1001", "placed_at": "2026-01-01T10:00:00"},
    }

    response = await client.post("/v1/events", headers=auth(key), json=event)

    assert response.status_code == 422, response.text
    problems = response.json()["error"]["problems"]
    assert [p["loc"] for p in problems] == [["body", "order", "placed_at"]]
    assert await count(client, RawEvent) == 0

    event["order"]["placed_at"] = "2026-01-01T10:00:00+05:30"
    response = await client.post("/v1/events", headers=auth(key), json=event)
    assert response.status_code == 202, response.text


# --- what schemathesis found the schema and the answers disagreeing on ---------------------------


async def test_a_body_that_is_not_json_is_a_400_in_the_usual_error_envelope(
    client: ApiClient,
) -> None:
    _, key = await new_store(client)
    response = await client.put(
        "/v1/store/widget",
        content=b"\xff{not json",
        headers=auth(key) | {"content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"
    assert response.json()["error"]["message"]


async def test_no_such_path_or_method_is_an_error_in_the_usual_envelope(client: ApiClient) -> None:
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"

    wrong = await client.delete("/v1/store")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]


def test_every_operation_documents_the_errors_it_answers_with() -> None:
    document = create_app(Settings(database_url="sqlite+aiosqlite://", worker=False)).openapi()
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["responses"].get("4XX", {}).get("content", {}).get("application/json")
        != {"schema": error}
    ]
    assert not undocumented, undocumented
    events = document["paths"]["/v1/events"]["post"]["responses"]
    assert {"200", "202"} <= set(events)  # a duplicate, and a new event
