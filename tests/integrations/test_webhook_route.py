"""The receiving edge over HTTP: `POST /webhooks/{source}/{store_id}` and `POST /v1/events`.

What a sender (or an attacker) gets back, and what is kept: nothing from an unsigned or wrongly
signed delivery, the raw body of a malformed one (state `invalid`) with the reason in the answer,
one row per delivery however often it is retried, and nothing of one store visible to another.
Every response of every test here is also scanned for the secrets and keys in play.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ordertalk.integrations.api import MAX_BODY
from ordertalk.integrations.models import RawEvent
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database
from tests.e2e.harness import shift_times
from tests.integrations.fixtures import load, signed_headers, topic_for

pytestmark = pytest.mark.database

SOURCES = ("shopify", "woocommerce", "aftership", "easypost", "clickpost")
# One well-formed delivery per source.
VALID = {
    "shopify": "orders_create_cod_in",
    "woocommerce": "order_created_cod_in",
    "aftership": "in_transit_002_in",
    "easypost": "out_for_delivery_us",
    "clickpost": "forward_6_out_for_delivery_in",
}
SECRET = "whsec_route_7Hq2xV9pL0cK"  # the store's signing secret for every source
OTHER_SECRET = "whsec_attacker_guess_000"
ORDER = "5302002002"  # the Shopify COD order of orders_create_cod_in


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
def secrets_in_play() -> list[str]:
    """Every secret and API key a test handles; no response body may contain any of them."""
    return [SECRET]


@pytest.fixture
async def client(database_url: str, secrets_in_play: list[str]) -> AsyncIterator[ApiClient]:
    """The app without its worker (nothing here is sent), every response body kept for a scan."""
    bodies: list[tuple[str, bytes]] = []

    async def keep(response: httpx.Response) -> None:
        bodies.append(
            (f"{response.request.method} {response.request.url.path}", await response.aread())
        )

    async with api_client(database_url, worker=False) as client:
        client.event_hooks["response"].append(keep)
        yield client
    leaks = [
        (request, secret)
        for request, body in bodies
        for secret in secrets_in_play
        if secret.encode() in body
    ]
    assert bodies, "no response was scanned"
    assert not leaks, f"secrets in response bodies: {leaks}"


async def _store(client: ApiClient, secrets_in_play: list[str], **fields: Any) -> tuple[str, str]:
    """A new store, its API key added to the scanned secrets."""
    store_id, key = await new_store(client, **fields)
    secrets_in_play.append(key)
    return store_id, key


@pytest.fixture
async def store(client: ApiClient, secrets_in_play: list[str]) -> tuple[str, str]:
    """A store in India with SECRET set for every source through the API: (id, key)."""
    store_id, key = await _store(client, secrets_in_play, name="Chai & Co")
    for source in SOURCES:
        response = await client.put(
            f"/v1/integrations/{source}", headers=auth(key), json={"secret": SECRET}
        )
        assert response.status_code == 200, response.text
        assert response.json()["webhook_url"] == f"/webhooks/{source}/{store_id}"
    return store_id, key


async def post(
    client: ApiClient,
    store_id: str,
    source: str,
    raw: bytes,
    *,
    secret: str = SECRET,
    headers: Mapping[str, str | None] | None = None,
) -> httpx.Response:
    """POST `raw` to the store's webhook URL, signed (with `secret`) the way `source` signs;
    `headers` as for `signed_headers` (e.g. `{"signature": None}` leaves the signature out)."""
    extra = dict(headers or {})
    topic = topic_for(source, VALID[source])
    if topic is not None:
        extra.setdefault("topic", topic)
    return await client.post(
        f"/webhooks/{source}/{store_id}",
        content=raw,
        headers=signed_headers(source, raw, secret, **extra),
    )


async def raw_events(client: ApiClient) -> list[RawEvent]:
    """Every raw event kept, oldest first."""
    async with client.sessions() as session:
        return list(await session.scalars(select(RawEvent).order_by(RawEvent.id)))


async def raw_count(client: ApiClient) -> int:
    async with client.sessions() as session:
        return int(await session.scalar(select(func.count(RawEvent.id))) or 0)


def error(response: httpx.Response) -> dict[str, Any]:
    """The `{"error": {...}}` of a refusal."""
    body: dict[str, Any] = response.json()["error"]
    return body


# --- signatures -------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
async def test_a_correctly_signed_delivery_is_kept(
    client: ApiClient, store: tuple[str, str], source: str
) -> None:
    store_id, _ = store
    response = await post(client, store_id, source, load(source, VALID[source]))
    assert response.status_code == 200, response.text
    [kept] = await raw_events(client)
    assert (kept.source, kept.store_id) == (source, store_id)
    assert kept.body == load(source, VALID[source])


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("signature", ["wrong", "missing"])
async def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_kept(
    client: ApiClient, store: tuple[str, str], source: str, signature: str
) -> None:
    store_id, _ = store
    raw = load(source, VALID[source])
    if signature == "wrong":
        response = await post(client, store_id, source, raw, secret=OTHER_SECRET)
    else:
        response = await post(client, store_id, source, raw, headers={"signature": None})
    assert response.status_code == 401, response.text
    assert error(response)["code"] == "unauthorized"
    assert source in error(response)["message"]
    assert await raw_count(client) == 0


@pytest.mark.parametrize("source", SOURCES)
async def test_a_source_without_a_secret_is_refused_with_how_to_set_one(
    client: ApiClient, secrets_in_play: list[str], source: str
) -> None:
    store_id, _ = await _store(client, secrets_in_play, name="No secrets yet")
    response = await post(client, store_id, source, load(source, VALID[source]))
    assert response.status_code == 401, response.text
    assert f"PUT /v1/integrations/{source}" in error(response)["message"]
    assert await raw_count(client) == 0


async def test_an_unknown_store_is_not_found(client: ApiClient, store: tuple[str, str]) -> None:
    response = await post(client, "st_000000000000", "shopify", load("shopify", VALID["shopify"]))
    assert response.status_code == 404, response.text
    assert error(response)["code"] == "not_found"
    assert await raw_count(client) == 0


async def test_an_unknown_source_is_not_found_and_the_known_ones_are_named(
    client: ApiClient, store: tuple[str, str]
) -> None:
    store_id, _ = store
    raw = load("shopify", VALID["shopify"])
    response = await client.post(
        f"/webhooks/magento/{store_id}", content=raw, headers=signed_headers("shopify", raw, SECRET)
    )
    assert response.status_code == 404, response.text
    assert all(source in error(response)["message"] for source in SOURCES)
    assert await raw_count(client) == 0


# --- bodies -----------------------------------------------------------------------------------


def padded(raw: bytes, size: int) -> bytes:
    """The same JSON document, `size` bytes long (trailing whitespace is valid JSON)."""
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


async def test_a_body_of_one_megabyte_is_taken_and_one_byte_more_is_too_large(
    client: ApiClient, store: tuple[str, str]
) -> None:
    store_id, _ = store
    raw = load("clickpost", VALID["clickpost"])
    too_large = await post(client, store_id, "clickpost", padded(raw, MAX_BODY + 1))
    assert too_large.status_code == 413, too_large.text
    assert error(too_large)["code"] == "payload_too_large"
    assert await raw_count(client) == 0
    at_limit = await post(client, store_id, "clickpost", padded(raw, MAX_BODY))
    assert at_limit.status_code == 200, at_limit.text
    assert await raw_count(client) == 1


def _without(source: str, *path: str) -> bytes:
    """The source's valid fixture with one field removed."""
    body = json.loads(load(source, VALID[source]))
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return json.dumps(body).encode()


MALFORMED = [
    pytest.param(
        "shopify", b'{"id": 5302002002, "email": ', {}, "not valid JSON", id="shopify-json"
    ),
    pytest.param(
        "shopify", _without("shopify", "id"), {}, "field 'id' is missing", id="shopify-id"
    ),
    pytest.param(
        "shopify",
        load("shopify", VALID["shopify"]),
        {"webhook_id": None},
        "header 'X-Shopify-Webhook-Id' is missing",
        id="shopify-webhook-id",
    ),
    pytest.param(
        "woocommerce", _without("woocommerce", "id"), {}, "field 'id' is missing", id="woo-id"
    ),
    pytest.param(
        "aftership",
        _without("aftership", "event_id"),
        {},
        "field 'event_id' is missing",
        id="aftership-event-id",
    ),
    pytest.param("easypost", b"[1, 2", {}, "not valid JSON", id="easypost-json"),
    pytest.param(
        "easypost", _without("easypost", "id"), {}, "field 'id' is missing", id="easypost-id"
    ),
    pytest.param(
        "clickpost",
        _without("clickpost", "waybill"),
        {},
        "field 'waybill' is missing",
        id="clickpost-waybill",
    ),
]


@pytest.mark.parametrize(("source", "raw", "headers", "reason"), MALFORMED)
async def test_a_malformed_payload_is_refused_with_the_reason_and_kept_as_invalid(
    client: ApiClient,
    store: tuple[str, str],
    source: str,
    raw: bytes,
    headers: dict[str, str | None],
    reason: str,
) -> None:
    store_id, _ = store
    response = await post(client, store_id, source, raw, headers=headers)
    assert response.status_code == 422, response.text
    assert error(response)["code"] == "invalid_input"
    assert reason in error(response)["message"]
    [kept] = await raw_events(client)
    assert (kept.source, kept.state) == (source, "invalid")
    assert kept.error is not None
    assert reason in kept.error
    assert kept.body == raw


async def test_a_woocommerce_ping_is_answered_and_nothing_is_kept(
    client: ApiClient, store: tuple[str, str]
) -> None:
    store_id, _ = store
    response = await client.post(
        f"/webhooks/woocommerce/{store_id}",
        content=b"webhook_id=12",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"ping": True}
    assert await raw_count(client) == 0


# --- duplicates -------------------------------------------------------------------------------


async def test_a_duplicate_delivery_is_acknowledged_and_plans_nothing_more(
    client: ApiClient, store: tuple[str, str]
) -> None:
    store_id, key = store
    raw = shift_times(load("shopify", VALID["shopify"]), datetime.now(UTC) - timedelta(minutes=5))
    first = await post(client, store_id, "shopify", raw, headers={"webhook_id": "whk-route-1"})
    again = await post(client, store_id, "shopify", raw, headers={"webhook_id": "whk-route-1"})
    assert first.status_code == again.status_code == 200, again.text
    assert first.json()["messages"] == 1
    assert again.json() == {"id": first.json()["id"], "duplicate": True}
    # The same order announced again under a new delivery id is a new raw event, not a new message.
    other = await post(client, store_id, "shopify", raw, headers={"webhook_id": "whk-route-2"})
    assert other.status_code == 200, other.text
    assert other.json()["messages"] == 0
    assert len(await raw_events(client)) == 2
    order = await client.get(f"/v1/orders/{ORDER}", headers=auth(key))
    assert order.status_code == 200, order.text
    assert [m["intent"] for m in order.json()["messages"]] == ["cod_confirmation"]


# --- POST /v1/events --------------------------------------------------------------------------


def event(**changes: Any) -> dict[str, Any]:
    """A canonical "dispatched" event for order ERP-1, as another system would post it."""
    body: dict[str, Any] = {
        "id": "erp-evt-1",
        "milestone": "dispatched",
        "event_time": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
        "order": {
            "external_id": "ERP-1",
            "customer": {"phone": "+919876543210", "name": "Priya"},
        },
        "shipment": {"tracking_number": "4210610508756", "carrier": "Delhivery"},
    }
    return body | changes


async def test_an_event_without_an_api_key_is_refused_and_nothing_is_kept(
    client: ApiClient, store: tuple[str, str]
) -> None:
    response = await client.post("/v1/events", json=event())
    assert response.status_code == 401, response.text
    assert await raw_count(client) == 0


async def test_an_event_lands_in_the_store_whose_key_sent_it_and_nowhere_else(
    client: ApiClient, store: tuple[str, str], secrets_in_play: list[str]
) -> None:
    _, key = store
    other_id, other_key = await _store(client, secrets_in_play, name="Other Store")
    response = await client.post("/v1/events", json=event(), headers=auth(other_key))
    assert response.status_code == 202, response.text
    [kept] = await raw_events(client)
    assert (kept.store_id, kept.source) == (other_id, "api")
    mine = await client.get("/v1/orders/ERP-1", headers=auth(other_key))
    assert mine.status_code == 200, mine.text
    assert mine.json()["shipments"][0]["tracking_number"] == "4210610508756"
    theirs = await client.get("/v1/orders/ERP-1", headers=auth(key))
    assert theirs.status_code == 404, theirs.text
    listed = await client.get("/v1/orders", headers=auth(key))
    assert listed.json() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"event_time": "2026-02-04T11:00:00"}, "event_time", id="no-utc-offset"),
        pytest.param({"milestone": "teleported"}, "milestone", id="unknown-milestone"),
    ],
)
async def test_an_invalid_event_is_refused_with_its_problems(
    client: ApiClient, store: tuple[str, str], changes: dict[str, Any], field: str
) -> None:
    _, key = store
    response = await client.post("/v1/events", json=event(**changes), headers=auth(key))
    assert response.status_code == 422, response.text
    problems = error(response)["problems"]
    assert [p["loc"][-1] for p in problems] == [field]
    assert problems[0]["message"]
    assert await raw_count(client) == 0


# --- reading back -----------------------------------------------------------------------------


async def test_another_stores_order_is_not_found(
    client: ApiClient, store: tuple[str, str], secrets_in_play: list[str]
) -> None:
    store_id, key = store
    _, other_key = await _store(client, secrets_in_play, name="Other Store")
    raw = shift_times(load("shopify", VALID["shopify"]), datetime.now(UTC))
    assert (await post(client, store_id, "shopify", raw)).status_code == 200
    assert (await client.get(f"/v1/orders/{ORDER}", headers=auth(key))).status_code == 200
    response = await client.get(f"/v1/orders/{ORDER}", headers=auth(other_key))
    assert response.status_code == 404, response.text
    assert error(response)["code"] == "not_found"
    messages = await client.get(
        "/v1/messages", params={"phone": "+919876543210"}, headers=auth(other_key)
    )
    assert messages.json() == []


@pytest.mark.parametrize("phone", ["garbage", "12345", "+91 98765 4321 0123456", "9" * 41])
async def test_a_phone_that_is_no_number_is_refused_without_echoing_it(
    client: ApiClient, store: tuple[str, str], phone: str
) -> None:
    _, key = store
    response = await client.get("/v1/messages", params={"phone": phone}, headers=auth(key))
    assert response.status_code == 422, response.text
    assert error(response)["code"] == "invalid_input"
    digits = "".join(ch for ch in phone if ch.isdigit())
    assert phone not in response.text
    assert not digits or digits not in "".join(ch for ch in response.text if ch.isdigit())


# --- secrets ----------------------------------------------------------------------------------


async def test_secrets_are_never_in_a_response(
    client: ApiClient, store: tuple[str, str], secrets_in_play: list[str]
) -> None:
    store_id, key = store
    credentials = {
        "access_token": "EAAG-route-access-token-123",
        "app_secret": "route-app-secret-456",
        "verify_token": "route-verify-token-789",
    }
    secrets_in_play.extend(credentials.values())
    changed = await client.patch(
        "/v1/store", headers=auth(key), json={"phone_number_id": "106540352242922", **credentials}
    )
    assert changed.status_code == 200, changed.text
    shown = (await client.get("/v1/store", headers=auth(key))).json()
    assert (shown["access_token_set"], shown["app_secret_set"], shown["verify_token_set"]) == (
        True,
        True,
        True,
    )
    listed = (await client.get("/v1/integrations", headers=auth(key))).json()
    assert {i["source"]: i["secret_set"] for i in listed["integrations"]} == dict.fromkeys(
        SOURCES, True
    )
    # Refusals and failures are where a secret would most easily slip into a message.
    raw = load("shopify", VALID["shopify"])
    assert (await post(client, store_id, "shopify", raw, secret=OTHER_SECRET)).status_code == 401
    assert (await post(client, store_id, "shopify", b"{")).status_code == 422
    clickpost = await client.post(
        f"/webhooks/clickpost/{store_id}",
        content=load("clickpost", VALID["clickpost"]),
        params={"token": OTHER_SECRET},
    )
    assert clickpost.status_code == 401
    bad_key = await client.get("/v1/store", headers=auth(key + "x"))
    assert bad_key.status_code == 401
    # The client fixture scans every one of these bodies for every secret when the test ends.
