"""`/v1/store` and `/v1/integrations` over HTTP: API-key auth, settings, and secrets that never
come back out (in responses or in logs)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

SECRETS = {
    "access_token": "EAAG-very-secret-access-token-1",
    "app_secret": "very-secret-app-secret-2",
    "verify_token": "very-secret-verify-token-3",
}
SHOPIFY_SECRET = "shpss_very-secret-shopify-4"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ot_this-key-was-never-issued"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "ot_missing-the-scheme"},
    ],
)
async def test_without_a_valid_key_the_answer_is_401(
    client: ApiClient, headers: dict[str, str]
) -> None:
    await new_store(client)
    response = await client.get("/v1/store", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_each_key_sees_its_own_store(client: ApiClient) -> None:
    first_id, first_key = await new_store(client, name="First")
    second_id, second_key = await new_store(client, name="Second")
    first = (await client.get("/v1/store", headers=auth(first_key))).json()
    second = (await client.get("/v1/store", headers=auth(second_key))).json()
    assert (first["id"], first["name"]) == (first_id, "First")
    assert (second["id"], second["name"]) == (second_id, "Second")


async def test_the_store_shows_its_settings_and_only_whether_secrets_are_set(
    client: ApiClient,
) -> None:
    store_id, key = await new_store(client, phone_number_id="106540352242922", **SECRETS)

    response = await client.get("/v1/store", headers=auth(key))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == store_id
    assert body["country"] == "IN"
    assert body["timezone"] == "Asia/Kolkata"
    assert body["quiet_hours"] == "21:00-08:00"
    assert body["phone_number_id"] == "106540352242922"
    assert body["access_token_set"] is body["app_secret_set"] is body["verify_token_set"] is True
    for name, secret in SECRETS.items():
        assert name not in body
        assert secret not in response.text
    assert key not in response.text


async def test_patch_changes_settings_and_reports_secrets_as_set(client: ApiClient) -> None:
    _, key = await new_store(client)
    response = await client.patch(
        "/v1/store",
        headers=auth(key),
        json={
            "name": "Chai & Co",
            "language": "hi",
            "timezone": "Asia/Kolkata",
            "quiet_hours": "off",
            "marketing_cap_per_week": 1,
            "order_updates_consent": "explicit",
            "phone_number_id": "106540352242922",
            "waba_id": "102290129340398",
            "graph_base_url": "http://127.0.0.1:8990",
            "throughput_per_s": 250,
            "messaging_limit": 10000,
            **SECRETS,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Chai & Co"
    assert body["quiet_hours"] == "off"
    assert body["order_updates_consent"] == "explicit"
    assert (body["throughput_per_s"], body["messaging_limit"]) == (250, 10000)
    assert body["access_token_set"] is True
    assert all(secret not in response.text for secret in SECRETS.values())
    again = await client.get("/v1/store", headers=auth(key))
    assert again.json() == body


async def test_patch_null_clears_a_secret(client: ApiClient) -> None:
    _, key = await new_store(client, **SECRETS)
    response = await client.patch("/v1/store", headers=auth(key), json={"app_secret": None})
    assert response.json()["app_secret_set"] is False
    assert response.json()["access_token_set"] is True


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"language": "klingon"}, "language"),
        ({"quiet_hours": "after dinner"}, "quiet_hours"),
        ({"throughput_per_s": 0}, "throughput_per_s"),
        ({"order_updates_consent": "sometimes"}, "order_updates_consent"),
        ({"country": "BR"}, "country"),  # not changeable: it re-reads every local number
        ({"name": None}, "name"),
    ],
)
async def test_bad_changes_are_422_and_change_nothing(
    client: ApiClient, change: dict[str, object], mentions: str
) -> None:
    _, key = await new_store(client)
    before = (await client.get("/v1/store", headers=auth(key))).json()
    response = await client.patch("/v1/store", headers=auth(key), json=change)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert mentions in response.text
    assert (await client.get("/v1/store", headers=auth(key))).json() == before


async def test_an_integration_secret_goes_in_and_only_its_webhook_url_comes_out(
    client: ApiClient,
) -> None:
    store_id, key = await new_store(client)
    response = await client.put(
        "/v1/integrations/shopify",
        headers=auth(key),
        json={"secret": SHOPIFY_SECRET, "options": {"shop": "chai.myshopify.com"}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "shopify"
    assert body["secret_set"] is True
    assert body["webhook_url"] == f"/webhooks/shopify/{store_id}"
    assert body["options"] == {"shop": "chai.myshopify.com"}
    assert SHOPIFY_SECRET not in response.text

    listing = await client.get("/v1/integrations", headers=auth(key))
    assert [i["source"] for i in listing.json()["integrations"]] == ["shopify"]
    assert "clickpost" in listing.json()["available"]
    assert SHOPIFY_SECRET not in listing.text


async def test_integrations_of_another_store_are_not_listed(client: ApiClient) -> None:
    _, mine = await new_store(client)
    _, theirs = await new_store(client)
    await client.put("/v1/integrations/aftership", headers=auth(theirs), json={"secret": "x"})
    listing = await client.get("/v1/integrations", headers=auth(mine))
    assert listing.json()["integrations"] == []


async def test_an_unknown_integration_is_404(client: ApiClient) -> None:
    _, key = await new_store(client)
    response = await client.put("/v1/integrations/magento", headers=auth(key), json={"secret": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_an_empty_secret_is_422(client: ApiClient) -> None:
    _, key = await new_store(client)
    response = await client.put("/v1/integrations/shopify", headers=auth(key), json={"secret": ""})
    assert response.status_code == 422


async def test_secrets_and_keys_never_reach_the_logs(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything at the default level, and Ordertalk's own lines down to DEBUG. (aiosqlite's
    # DEBUG lines carry raw SQL parameters: the logging set-up must keep that logger above DEBUG.)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ordertalk")
    _, key = await new_store(client, **SECRETS)
    await client.get("/v1/store", headers=auth(key))
    await client.patch("/v1/store", headers=auth(key), json={"access_token": "EAAG-rotated-5"})
    await client.put("/v1/integrations/shopify", headers=auth(key), json={"secret": SHOPIFY_SECRET})
    await client.get("/v1/store", headers=auth("ot_wrong-key-6"))

    assert "store st_" in caplog.text  # the store's life is logged...
    for secret in [*SECRETS.values(), SHOPIFY_SECRET, "EAAG-rotated-5", key, "ot_wrong-key-6"]:
        assert secret not in caplog.text  # ...without a single secret
