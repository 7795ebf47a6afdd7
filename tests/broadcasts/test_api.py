"""`/v1/broadcasts` over HTTP: 201 with the counts, the same answer for a retried request, and
every refusal a 4xx that says why (documented in /openapi.json), never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ordertalk.templates.registry import REGISTRY
from ordertalk.templates.service import apply_template_update
from ordertalk.whatsapp.webhook_types import TemplateStatusUpdate
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.broadcasts.conftest import OFFER

pytestmark = pytest.mark.database

BODY: dict[str, Any] = {"template": "offer", "purpose": "marketing", "params": OFFER}


async def approve(client: ApiClient, store_id: str, key: str = "offer") -> None:
    """Meta approves the template in every language (as its webhook records it)."""
    defn = REGISTRY[key]
    async with client.sessions() as session, session.begin():
        for language in defn.languages:
            update = TemplateStatusUpdate(
                event="APPROVED",
                message_template_id=f"{store_id}-{defn.name}-{language}",
                message_template_name=defn.name,
                message_template_language=language,
            )
            await apply_template_update(session, store_id, update)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url, worker=False) as client:
        yield client


@pytest.fixture
async def key(client: ApiClient) -> str:
    """A store with its offer template approved and three customers, two of them agreeing to
    marketing; its API key."""
    store_id, api_key = await new_store(client, name="Chai & Co")
    await approve(client, store_id)
    for number, marketing in (("+919800000001", True), ("+919800000002", True),
                              ("+919800000003", None)):  # fmt: skip
        consent = {"marketing": marketing} if marketing is not None else None
        response = await client.post(
            "/v1/contacts",
            headers=auth(api_key),
            json={"phone": number, "name": "Priya", "consent": consent},
        )
        assert response.status_code in (200, 201), response.text
    return api_key


async def test_a_broadcast_is_planned_and_answered_with_its_counts(
    client: ApiClient, key: str
) -> None:
    response = await client.post("/v1/broadcasts", headers=auth(key), json=BODY)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "planned"
    assert body["counts"] == {
        "audience": 3,
        "planned": 2,
        "already_planned": 0,
        "skipped": {"no_consent": 1},
    }
    assert body["params"] == OFFER
    read = await client.get(f"/v1/broadcasts/{body['id']}", headers=auth(key))
    assert read.status_code == 200
    assert read.json() == body
    outbox = await client.get("/v1/messages?phone=%2B919800000001", headers=auth(key))
    assert [m["intent"] for m in outbox.json()] == ["offer"]


async def test_a_retried_request_answers_with_the_same_broadcast_and_plans_nobody_twice(
    client: ApiClient, key: str
) -> None:
    headers = auth(key) | {"Idempotency-Key": "monsoon-2026"}
    first = await client.post("/v1/broadcasts", headers=headers, json=BODY)

    again = await client.post("/v1/broadcasts", headers=headers, json=BODY)
    changed = BODY | {"params": OFFER | {"offer": "30% off everything"}}
    other = await client.post("/v1/broadcasts", headers=headers, json=changed)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["counts"]["planned"] == 2
    assert again.json()["counts"]["already_planned"] == 2
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"


async def test_another_stores_broadcast_is_not_found(client: ApiClient, key: str) -> None:
    created = (await client.post("/v1/broadcasts", headers=auth(key), json=BODY)).json()
    _, other_key = await new_store(client, name="Other Shop")

    response = await client.get(f"/v1/broadcasts/{created['id']}", headers=auth(other_key))
    unknown = await client.get("/v1/broadcasts/2147483647", headers=auth(key))
    beyond = await client.get("/v1/broadcasts/99999999999999999999", headers=auth(key))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert unknown.status_code == 404
    assert beyond.status_code == 422


async def test_an_unapproved_template_is_refused_with_409(client: ApiClient, key: str) -> None:
    body = BODY | {
        "template": "back_in_stock",
        "params": {"product": "Assam gift box", "shop_url": "https://chai.example/assam"},
    }

    response = await client.post("/v1/broadcasts", headers=auth(key), json=body)

    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "template_not_approved"
    assert error["statuses"]["hi"] == "NOT_SUBMITTED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"template": "order_confirmed"}, "template_not_broadcastable"),
        ({"purpose": "utility"}, "invalid_input"),
        ({"purpose": "service"}, "invalid_input"),
        ({"params": {"offer": "20% off"}}, "invalid_input"),
        ({"audience": {"tag": "vip"}}, "invalid_input"),
        ({"not_before": "2026-12-05T10:00:00"}, "invalid_input"),  # no time zone
        ({"not_before": "0001-01-01T00:00:00+05:00"}, "invalid_input"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "invalid_input"),
    ],
)
async def test_bad_input_is_a_422_with_a_reason(
    client: ApiClient, key: str, change: dict[str, Any], code: str
) -> None:
    response = await client.post("/v1/broadcasts", headers=auth(key), json=BODY | change)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


async def test_the_openapi_document_lists_what_the_routes_answer(client: ApiClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    create = paths["/v1/broadcasts"]["post"]["responses"]
    read = paths["/v1/broadcasts/{broadcast_id}"]["get"]["responses"]

    assert {"201", "200", "409", "422", "4XX"} <= set(create)
    assert {"200", "4XX"} <= set(read)


async def test_without_an_api_key_nothing_is_planned(client: ApiClient, key: str) -> None:
    response = await client.post("/v1/broadcasts", json=BODY)

    assert response.status_code == 401
