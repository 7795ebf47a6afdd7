"""Dashboard settings (owners only): no secret ever on the page, forms validated like
`PATCH /v1/store` (nothing changed on a refusal), integrations' webhook URLs and secrets, and an
outgoing webhook endpoint whose signing secret is shown once, right after its creation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time

import pytest
from sqlalchemy import select

from ordertalk.stores.models import IntegrationSecret, Store
from ordertalk.stores.service import set_integration_secret
from ordertalk.webhooks_out.models import WebhookDelivery, WebhookEndpoint
from tests.api_support import ApiClient, api_client, new_store
from tests.web.dashboard_support import log_in, new_user, page_token

pytestmark = pytest.mark.database

TOKEN = "EAAG-very-secret-access-token-1234567890"
APP_SECRET = "app-secret-abcdef0123456789"
SHOPIFY_SECRET = "shpss_integration_secret_9876"


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url, worker=False, webhooks_allow_private=True) as client:
        yield client


@pytest.fixture
async def store_id(client: ApiClient) -> str:
    store_id, _ = await new_store(client, name="Chai & Co")
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        store.phone_number_id = "1098765432"
        store.waba_id = "2233445566"
        store.access_token = TOKEN
        store.app_secret = APP_SECRET
        await set_integration_secret(
            session, store, "shopify", SHOPIFY_SECRET, {"shop": "chai.myshopify.com"}
        )
    await new_user(client, store_id)
    await log_in(client, "priya@chai.example")
    return store_id


async def _store(client: ApiClient, store_id: str) -> Store:
    async with client.sessions() as session:
        store = await session.get(Store, store_id)
        assert store is not None
        return store


def _no_secrets(html: str, *more: str) -> None:
    for secret in (TOKEN, APP_SECRET, SHOPIFY_SECRET, *more):
        assert secret not in html
        assert secret[:12] not in html


async def test_settings_show_the_number_and_integrations_never_a_secret(
    client: ApiClient, store_id: str
) -> None:
    response = await client.get("/ui/settings")
    assert response.status_code == 200
    html = response.text
    _no_secrets(html)
    assert "1098765432" in html
    assert "2233445566" in html
    assert "<dt>Access token</dt><dd>set</dd>" in html
    assert "<dt>App secret</dt><dd>set</dd>" in html
    assert f"/webhooks/shopify/{store_id}" in html
    assert f"/webhooks/aftership/{store_id}" in html  # not configured yet: its address anyway
    assert "secret set" in html
    assert "21:00-08:00" in html


async def test_secrets_are_replaced_and_still_never_shown(client: ApiClient, store_id: str) -> None:
    token = await page_token(client, "/ui/settings")
    new_token = "EAAG-the-new-token-000000000000"
    response = await client.post(
        "/ui/settings/secrets", data={"csrf": token, "access_token": new_token, "app_secret": ""}
    )
    assert response.status_code == 303
    store = await _store(client, store_id)
    assert store.access_token == new_token
    assert store.app_secret == APP_SECRET  # blank keeps it
    rotated = await client.post(
        "/ui/settings/integrations/shopify", data={"csrf": token, "secret": "shpss_rotated_1111"}
    )
    assert rotated.status_code == 303
    async with client.sessions() as session:
        rows = list(await session.scalars(select(IntegrationSecret)))
        assert [(row.secret, row.options) for row in rows] == [
            ("shpss_rotated_1111", {"shop": "chai.myshopify.com"})
        ]
    html = (await client.get("/ui/settings")).text
    _no_secrets(html, new_token, "shpss_rotated_1111")
    unknown = await client.post(
        "/ui/settings/integrations/nope", data={"csrf": token, "secret": "x"}
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quiet_hours": "25:00-08:00"}, "quiet_hours has a time that does not exist"),
        ({"quiet_hours": "late"}, "quiet_hours must look like"),
        ({"marketing_cap_per_week": "many"}, "marketing_cap_per_week"),
        ({"marketing_cap_per_week": "500"}, "marketing_cap_per_week"),
        ({"order_updates_consent": "maybe"}, "order_updates_consent"),
    ],
)
async def test_bad_sending_rules_are_refused_and_nothing_changes(
    client: ApiClient, store_id: str, fields: dict[str, str], message: str
) -> None:
    token = await page_token(client, "/ui/settings")
    data = {"quiet_hours": "22:00-07:00", "marketing_cap_per_week": "3"} | fields
    response = await client.post("/ui/settings/messaging", data={"csrf": token, **data})
    assert response.status_code == 422
    assert message in response.text
    _no_secrets(response.text)
    store = await _store(client, store_id)
    assert (store.quiet_start, store.quiet_end) == (time(21, 0), time(8, 0))
    assert store.marketing_cap_per_week == 2


async def test_sending_rules_are_saved(client: ApiClient, store_id: str) -> None:
    token = await page_token(client, "/ui/settings")
    response = await client.post(
        "/ui/settings/messaging",
        data={
            "csrf": token,
            "quiet_hours": "22:00-07:00",
            "marketing_cap_per_week": "3",
            "order_updates_consent": "explicit",
        },
    )
    assert response.status_code == 303, response.text
    store = await _store(client, store_id)
    assert (store.quiet_start, store.quiet_end) == (time(22, 0), time(7, 0))
    assert store.marketing_cap_per_week == 3
    assert store.order_updates_consent == "explicit"
    off = await client.post("/ui/settings/messaging", data={"csrf": token, "quiet_hours": "off"})
    assert off.status_code == 303
    assert (await _store(client, store_id)).quiet_start is None


async def test_settings_forms_need_the_csrf_token(client: ApiClient, store_id: str) -> None:
    for path, data in [
        ("/ui/settings/messaging", {"quiet_hours": "off"}),
        ("/ui/settings/secrets", {"access_token": "stolen"}),
        ("/ui/settings/integrations/shopify", {"secret": "stolen"}),
        ("/ui/settings/webhooks", {"url": "https://example.com/h"}),
    ]:
        response = await client.post(path, data={**data, "csrf": "forged"})
        assert response.status_code == 403, path
    store = await _store(client, store_id)
    assert store.quiet_start == time(21, 0)
    assert store.access_token == TOKEN


async def test_a_webhook_endpoint_secret_is_shown_once_and_deliveries_are_listed(
    client: ApiClient, store_id: str
) -> None:
    token = await page_token(client, "/ui/settings")
    bad = await client.post(
        "/ui/settings/webhooks", data={"csrf": token, "url": "ftp://example.com/h"}
    )
    assert bad.status_code == 422
    assert 'value="ftp://example.com/h"' in bad.text
    created = await client.post(
        "/ui/settings/webhooks",
        data={
            "csrf": token,
            "url": "http://127.0.0.1:9/hooks",
            "events": ["message.status", "conversation.handoff"],
            "allow_private": "1",
        },
    )
    assert created.status_code == 200, created.text
    async with client.sessions() as session, session.begin():
        endpoint = await session.scalar(select(WebhookEndpoint))
        assert endpoint is not None
        secret = endpoint.secret
        assert endpoint.event_types == ["conversation.handoff", "message.status"]
        session.add(
            WebhookDelivery(
                store_id=store_id, endpoint_id=endpoint.id, event_type="message.status",
                event_id="evt_1", payload={}, state="failed", attempts=3,
                last_status_code=503, last_error="HTTP 503",
            )
        )  # fmt: skip
    assert secret in created.text  # shown this once
    later = (await client.get("/ui/settings")).text
    assert secret not in later
    assert secret[6:18] not in later
    _no_secrets(later)
    assert "http://127.0.0.1:9/hooks" in later
    assert "conversation.handoff, message.status" in later
    assert "503" in later
    assert "HTTP 503" in later
