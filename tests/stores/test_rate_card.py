"""`GET/PUT /v1/store/rate-card`: a currency and prices per market and pricing category, kept
exactly; anything else a 422 that says what is wrong (nothing saved); each store sees only its
own rate card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

CARD = {
    "currency": "usd",
    "markets": {
        "default": {"marketing": "0.0250", "utility": 0.004},
        "in": {"utility": "0.001234", "authentication_international": "0.028"},
    },
}
EMPTY = {"currency": None, "markets": {}, "updated_at": None}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url, worker=False) as client:
        yield client


async def test_a_rate_card_is_kept_exactly_and_read_back(client: ApiClient) -> None:
    _, key = await new_store(client)
    before = await client.get("/v1/store/rate-card", headers=auth(key))
    assert (before.status_code, before.json()) == (200, EMPTY)

    saved = await client.put("/v1/store/rate-card", json=CARD, headers=auth(key))
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["currency"] == "USD"
    # Markets upper-cased, prices exact, as decimal strings (never floats).
    assert body["markets"] == {
        "IN": {"authentication_international": "0.028", "utility": "0.001234"},
        "default": {"marketing": "0.025", "utility": "0.004"},
    }
    assert body["updated_at"] is not None
    again = await client.get("/v1/store/rate-card", headers=auth(key))
    assert again.json() == body


async def test_a_new_rate_card_replaces_the_old_one(client: ApiClient) -> None:
    _, key = await new_store(client)
    await client.put("/v1/store/rate-card", json=CARD, headers=auth(key))
    new = {"currency": "INR", "markets": {"IN": {"utility": "0.115"}}}
    response = await client.put("/v1/store/rate-card", json=new, headers=auth(key))
    assert response.status_code == 200
    assert response.json()["markets"] == {"IN": {"utility": "0.115"}}


def _problems(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    return [(".".join(str(p) for p in x["loc"]), x["message"]) for x in error["problems"]]


@pytest.mark.parametrize(
    ("card", "where", "reason"),
    [
        ({"currency": "EURO", "markets": {}}, "body.currency", "at most 3 characters"),
        ({"currency": "XYZ", "markets": {}}, "body.currency", "not an ISO 4217 currency code"),
        ({"currency": "USD"}, "body.markets", "Field required"),
        (
            {"currency": "USD", "markets": {"XX": {"utility": "0.01"}}},
            "body.markets.XX.[key]",
            "not an ISO 3166 alpha-2 country code",
        ),
        (
            {"currency": "USD", "markets": {"India": {"utility": "0.01"}}},
            "body.markets.India.[key]",
            "not an ISO 3166 alpha-2 country code",
        ),
        (
            {"currency": "USD", "markets": {"default": {"sms": "0.01"}}},
            "body.markets.default.sms.[key]",
            "'marketing', 'marketing_lite', 'utility', 'authentication'",
        ),
        (
            {"currency": "USD", "markets": {"default": {"utility": "-0.01"}}},
            "body.markets.default.utility",
            "greater than or equal to 0",
        ),
        (
            {"currency": "USD", "markets": {"default": {"utility": "0.0000001"}}},
            "body.markets.default.utility",
            "no more than 6 decimal places",
        ),
        (
            {"currency": "USD", "markets": {"default": {"utility": "cheap"}}},
            "body.markets.default.utility",
            "valid decimal",
        ),
        (
            {"currency": "USD", "markets": {"default": {"utility": "NaN"}}},
            "body.markets.default.utility",
            "finite number",
        ),
        (
            {"currency": "USD", "markets": {"in": {}, "IN": {}}},
            "body",
            "'in' and 'IN' name the same market",
        ),
        (
            {"currency": "USD", "markets": {}, "tier": "1"},
            "body.tier",
            "Extra inputs are not permitted",
        ),
    ],
)
async def test_a_bad_rate_card_is_a_422_saying_why_and_nothing_is_saved(
    client: ApiClient, card: dict[str, Any], where: str, reason: str
) -> None:
    _, key = await new_store(client)
    await client.put("/v1/store/rate-card", json=CARD, headers=auth(key))
    response = await client.put("/v1/store/rate-card", json=card, headers=auth(key))
    problems = _problems(response)
    assert any(loc == where and reason in message for loc, message in problems), problems
    kept = await client.get("/v1/store/rate-card", headers=auth(key))
    assert kept.json()["currency"] == "USD"


async def test_every_problem_is_reported_at_once(client: ApiClient) -> None:
    _, key = await new_store(client)
    card = {"currency": "XYZ", "markets": {"ZZ": {}, "default": {"utility": -1}}}
    response = await client.put("/v1/store/rate-card", json=card, headers=auth(key))
    assert {loc for loc, _ in _problems(response)} == {
        "body.currency",
        "body.markets.ZZ.[key]",
        "body.markets.default.utility",
    }


async def test_a_store_never_sees_another_stores_rate_card(client: ApiClient) -> None:
    _, key = await new_store(client, name="Chai & Co")
    _, other_key = await new_store(client, name="Other")
    await client.put("/v1/store/rate-card", json=CARD, headers=auth(key))

    theirs = await client.get("/v1/store/rate-card", headers=auth(other_key))
    assert theirs.json() == EMPTY
    other_card = {"currency": "EUR", "markets": {"default": {"marketing": "0.05"}}}
    await client.put("/v1/store/rate-card", json=other_card, headers=auth(other_key))
    mine = await client.get("/v1/store/rate-card", headers=auth(key))
    assert mine.json()["currency"] == "USD"
    assert "IN" in mine.json()["markets"]


async def test_the_rate_card_needs_an_api_key(client: ApiClient) -> None:
    assert (await client.get("/v1/store/rate-card")).status_code == 401
    assert (await client.put("/v1/store/rate-card", json=CARD)).status_code == 401
