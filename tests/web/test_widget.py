"""The opt-in widget: settings, the script, and consent from a tick on an allowed site only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ordertalk.web import widget_api
from tests.api_support import ApiClient, api_client, auth, new_store

pytestmark = pytest.mark.database

SITE = "https://shop.example"
PAGE = f"{SITE}/checkout/thank-you"


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    widget_api._recent.clear()  # the throttle is per process: each test starts with none
    async with api_client(database_url, worker=False) as client:
        yield client


async def configured(client: ApiClient, **settings: Any) -> tuple[str, str]:
    store_id, key = await new_store(client, country="IN")
    body = {"allowed_origins": [SITE], "whatsapp_number": "+91 98765 00000", **settings}
    saved = await client.put("/v1/store/widget", json=body, headers=auth(key))
    assert saved.status_code == 200, saved.text
    return store_id, key


async def tick(client: ApiClient, store_id: str, origin: str = SITE, **body: Any) -> Any:
    payload = {"phone": "98765 43210", "utility": True, "marketing": False, "page": PAGE} | body
    return await client.post(
        f"/widget/{store_id}/consent", json=payload, headers={"Origin": origin}
    )


async def test_a_tick_records_consent_with_the_page_and_the_wording_shown(
    client: ApiClient,
) -> None:
    store_id, key = await configured(client, utility_text="WhatsApp me about my order")
    saved = await tick(client, store_id, marketing=True)
    assert saved.status_code == 201, saved.text
    assert saved.json() == {"saved": ["utility", "marketing"]}
    assert saved.headers["access-control-allow-origin"] == SITE
    [contact] = (await client.get("/v1/contacts", headers=auth(key))).json()["contacts"]
    path = f"/v1/contacts/{contact['id']}/consent"
    ledger = (await client.get(path, headers=auth(key))).json()["events"]
    rows = {row["purpose"]: row for row in ledger}
    assert len(ledger) == 2
    assert rows["utility"]["source"] == "widget"
    assert rows["utility"]["granted"] is True
    assert rows["utility"]["evidence"]["wording"] == "WhatsApp me about my order"
    assert rows["utility"]["evidence"]["page"] == PAGE
    assert rows["marketing"]["evidence"]["wording"].startswith("Also send me offers")


async def test_the_script_carries_the_stores_wording_and_chat_link_safely(
    client: ApiClient,
) -> None:
    store_id, _ = await configured(client, chat_text="Chat </script><b>now</b>")
    script = await client.get(f"/widget/{store_id}.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert "https://wa.me/919876500000" in script.text
    assert "</script>" not in script.text  # "<" is escaped inside the configuration
    assert (await client.get("/widget/st_nope.js")).status_code == 404


@pytest.mark.parametrize(
    ("origin", "body", "status"),
    [
        ("https://evil.example", {}, 403),  # a site the store did not allow
        (SITE, {"utility": False}, 422),  # nothing ticked
        (SITE, {"phone": "12"}, 422),
        (SITE, {"page": "https://other.example/x"}, 422),  # a page of another site
        (SITE, {"extra": 1}, 422),
    ],
)
async def test_refusals_are_clear_and_record_nothing(
    client: ApiClient, origin: str, body: dict[str, Any], status: int
) -> None:
    store_id, key = await configured(client)
    refused = await tick(client, store_id, origin=origin, **body)
    assert refused.status_code == status, refused.text
    assert "43210" not in refused.text  # the number is never echoed
    assert (await client.get("/v1/contacts", headers=auth(key))).json()["contacts"] == []


async def test_a_preflight_is_answered_for_allowed_sites_only(client: ApiClient) -> None:
    store_id, _ = await configured(client)
    ok = await client.options(f"/widget/{store_id}/consent", headers={"Origin": SITE})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == SITE
    no = await client.options(f"/widget/{store_id}/consent", headers={"Origin": "https://x.io"})
    assert no.status_code == 403


async def test_a_flood_of_saves_is_throttled(client: ApiClient) -> None:
    store_id, _ = await configured(client)
    answers = [(await tick(client, store_id)).status_code for _ in range(12)]
    assert answers[:10] == [201] * 10
    assert answers[10:] == [429, 429]


@pytest.mark.parametrize(
    "origins", [["http://shop.example"], ["https://shop.example/path"], ["ftp://x.io"]]
)
async def test_only_https_origins_are_allowed_except_for_localhost(
    client: ApiClient, origins: list[str]
) -> None:
    _, key = await new_store(client)
    refused = await client.put(
        "/v1/store/widget", json={"allowed_origins": origins}, headers=auth(key)
    )
    assert refused.status_code == 422
    local = await client.put(
        "/v1/store/widget", json={"allowed_origins": ["http://127.0.0.1:8123"]}, headers=auth(key)
    )
    assert local.status_code == 200
