"""`/v1/webhooks` over HTTP: the secret shown once, URL validation as 422s, tenant isolation on
every route, the delivery log, and one end-to-end ping through the app's own worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.api_support import ApiClient, api_client, auth, new_store
from tests.webhooks_out.receiver import HookReceiver

pytestmark = pytest.mark.database

PUBLIC_URL = "https://93.184.216.34/ordertalk"


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    # No worker: deliveries stay in the log as queued, where the tests can look at them.
    async with api_client(database_url, worker=False) as client:
        yield client


async def create(client: ApiClient, key: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", headers=auth(key), json={"url": PUBLIC_URL} | body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_the_secret_is_in_the_creation_answer_and_nowhere_else(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="ordertalk")
    _, key = await new_store(client)
    created = await create(
        client, key, events=["message.status", "feedback.low_score"], description="CRM"
    )
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert created["url"] == PUBLIC_URL
    assert created["events"] == ["feedback.low_score", "message.status"]
    assert (created["enabled"], created["allow_private"], created["description"]) == (
        True,
        False,
        "CRM",
    )

    one = await client.get(f"/v1/webhooks/{created['id']}", headers=auth(key))
    listed = await client.get("/v1/webhooks", headers=auth(key))
    patched = await client.patch(
        f"/v1/webhooks/{created['id']}", headers=auth(key), json={"description": "CRM 2"}
    )
    await client.post(f"/v1/webhooks/{created['id']}/test", headers=auth(key))
    log = await client.get(f"/v1/webhooks/{created['id']}/deliveries", headers=auth(key))
    for response in (one, listed, patched, log):
        assert response.status_code == 200
        assert "secret" not in response.text
        assert secret.removeprefix("whsec_") not in response.text
    assert one.json() == created
    assert listed.json() == [created]
    assert patched.json()["description"] == "CRM 2"

    rotated = await client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers=auth(key))
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != secret
    for shown in (secret, new_secret):
        assert shown.removeprefix("whsec_") not in caplog.text
    assert "webhook endpoint" in caplog.text


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://10.0.0.1/hook", "private"),
        ("http://[::1]/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("ftp://93.184.216.34/hook", "only http and https"),
        ("http://user:pw@93.184.216.34/hook", "credentials"),
        ("not a url", "whitespace"),
        ("hooks.example.com/path", "only http and https"),
    ],
)
async def test_a_bad_url_is_a_422_with_the_reason(client: ApiClient, url: str, why: str) -> None:
    _, key = await new_store(client)
    response = await client.post("/v1/webhooks", headers=auth(key), json={"url": url})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert why in error["message"]
    assert (await client.get("/v1/webhooks", headers=auth(key))).json() == []


async def test_private_urls_are_refused_unless_the_operator_allows_them(client: ApiClient) -> None:
    _, key = await new_store(client)
    response = await client.post(
        "/v1/webhooks",
        headers=auth(key),
        json={"url": "http://127.0.0.1:9000/hook", "allow_private": True},
    )
    assert response.status_code == 403
    assert "ORDERTALK_WEBHOOKS_ALLOW_PRIVATE" in response.json()["error"]["message"]


async def test_private_urls_are_accepted_when_the_endpoint_allows_them(database_url: str) -> None:
    async with api_client(database_url, worker=False, webhooks_allow_private=True) as client:
        await _private_urls_when_allowed(client)


async def _private_urls_when_allowed(client: ApiClient) -> None:
    _, key = await new_store(client)
    created = await create(client, key, url="http://127.0.0.1:9000/hook", allow_private=True)
    assert created["allow_private"] is True
    response = await client.patch(
        f"/v1/webhooks/{created['id']}", headers=auth(key), json={"url": "http://10.0.0.7/h"}
    )
    assert response.status_code == 200
    response = await client.patch(
        f"/v1/webhooks/{created['id']}", headers=auth(key), json={"allow_private": False}
    )
    assert response.status_code == 422  # the URL it has is private


async def test_unknown_event_types_and_fields_are_422s(client: ApiClient) -> None:
    _, key = await new_store(client)
    for body in (
        {"url": PUBLIC_URL, "events": ["order.teleported"]},
        {"url": PUBLIC_URL, "secret": "whsec_mine"},
        {"url": PUBLIC_URL, "events": ["ping"]},
    ):
        response = await client.post("/v1/webhooks", headers=auth(key), json=body)
        assert response.status_code == 422, body


async def test_another_stores_endpoint_is_not_found_on_every_route(client: ApiClient) -> None:
    _, mine = await new_store(client, name="Mine")
    _, theirs = await new_store(client, name="Theirs")
    their_endpoint = await create(client, theirs)
    my_endpoint = await create(client, mine)
    path = f"/v1/webhooks/{their_endpoint['id']}"
    for method, url, body in [
        ("GET", path, None),
        ("PATCH", path, {"enabled": False}),
        ("DELETE", path, None),
        ("POST", f"{path}/rotate-secret", None),
        ("POST", f"{path}/test", None),
        ("GET", f"{path}/deliveries", None),
    ]:
        response = await client.request(method, url, headers=auth(mine), json=body)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "not_found"
    listed = (await client.get("/v1/webhooks", headers=auth(mine))).json()
    assert [e["id"] for e in listed] == [my_endpoint["id"]]
    still = await client.get(path, headers=auth(theirs))
    assert still.status_code == 200
    assert still.json()["enabled"] is True


async def test_every_route_needs_an_api_key(client: ApiClient) -> None:
    for method, url in [
        ("POST", "/v1/webhooks"),
        ("GET", "/v1/webhooks"),
        ("GET", "/v1/webhooks/1"),
        ("PATCH", "/v1/webhooks/1"),
        ("DELETE", "/v1/webhooks/1"),
        ("POST", "/v1/webhooks/1/rotate-secret"),
        ("POST", "/v1/webhooks/1/test"),
        ("GET", "/v1/webhooks/1/deliveries"),
    ]:
        response = await client.request(method, url, json={"url": PUBLIC_URL})
        assert response.status_code == 401, (method, url)


async def test_test_queues_a_ping_visible_in_the_delivery_log(client: ApiClient) -> None:
    _, key = await new_store(client)
    endpoint = await create(client, key, events=["return.requested"])
    response = await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=auth(key))
    assert response.status_code == 202
    queued = response.json()
    assert (queued["event_type"], queued["state"], queued["attempts"]) == ("ping", "pending", 0)
    assert queued["payload"]["type"] == "ping"
    assert queued["payload"]["data"]["endpoint_id"] == endpoint["id"]
    log = await client.get(
        f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth(key), params={"limit": 10}
    )
    assert [d["id"] for d in log.json()] == [queued["id"]]


async def test_disable_enable_and_delete(client: ApiClient) -> None:
    _, key = await new_store(client)
    endpoint = await create(client, key)
    path = f"/v1/webhooks/{endpoint['id']}"
    off = (await client.patch(path, headers=auth(key), json={"enabled": False})).json()
    assert (off["enabled"], off["disabled_reason"]) == (False, "disabled through the API")
    on = (await client.patch(path, headers=auth(key), json={"enabled": True})).json()
    assert (on["enabled"], on["disabled_reason"], on["consecutive_failures"]) == (True, None, 0)
    events = await client.patch(path, headers=auth(key), json={"events": ["order.cod_decision"]})
    assert events.json()["events"] == ["order.cod_decision"]
    assert (await client.patch(path, headers=auth(key), json={"url": None})).status_code == 422
    assert (await client.delete(path, headers=auth(key))).status_code == 204
    assert (await client.get(path, headers=auth(key))).status_code == 404
    assert (await client.delete(path, headers=auth(key))).status_code == 404


async def test_end_to_end_the_apps_worker_delivers_a_signed_ping(
    database_url: str, hooks: HookReceiver, hook_url: str
) -> None:
    # The worker runs in the app; the receiver is on this machine, so private is allowed.
    async with api_client(database_url, webhooks_allow_private=True) as client:
        _, key = await new_store(client)
        endpoint = await create(client, key, url=f"{hook_url}/e2e", allow_private=True)
        await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=auth(key))
        [hit] = await asyncio.to_thread(hooks.wait_for, 1)
        body = Webhook(endpoint["secret"]).verify(hit.body, hit.headers)
        assert body["type"] == "ping"
        for _ in range(100):
            log = await client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=auth(key))
            if log.json()[0]["state"] == "delivered":
                break
            await asyncio.sleep(0.05)
        [delivered] = log.json()
        assert (delivered["state"], delivered["last_status_code"]) == ("delivered", 200)
        assert delivered["event_id"] == hit.event_id
