"""The public routes (tracking page, its form, the opt-in widget, the dashboard login) slow a
script down per client address: past the burst it gets a 429 with Retry-After and a message.
A customer using the page never meets the limit, and webhooks and the API are never limited.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordertalk.config import Settings
from ordertalk.messaging.pacing import MemoryLimiter
from tests.api_support import BASE_URL, ApiClient, api_client, auth, new_store
from tests.database import fresh_database
from tests.web.test_tracking import (
    BROWSER,
    link_of,
    shipment_of,
    shop_with_order,
    token_in,
    tomorrow_in_india,
)

pytestmark = pytest.mark.database

# Every public route, as a script would call it (unknown codes and stores are fine: the limit
# is taken before anything is looked up).
PUBLIC_ROUTES = [
    ("GET", "/t/aBcDeFgHiJkLmNoP"),
    ("HEAD", "/t/aBcDeFgHiJkLmNoP"),
    ("POST", "/t/aBcDeFgHiJkLmNoP/ndr"),
    ("GET", "/widget/st_unknown.js"),
    ("OPTIONS", "/widget/st_unknown/consent"),
    ("POST", "/widget/st_unknown/consent"),
    ("POST", "/ui/login"),
]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def strict(database_url: str) -> AsyncIterator[ApiClient]:
    """The app with a small limit: 1 request a second, bursts of 3."""
    async with api_client(
        database_url, worker=False, public_rate_per_s=1, public_rate_burst=3
    ) as client:
        yield client


def from_address(client: ApiClient, address: str) -> httpx.AsyncClient:
    """Another client of the same app, calling from `address`."""
    transport = httpx.ASGITransport(app=client.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


async def call(client: httpx.AsyncClient, method: str, path: str) -> httpx.Response:
    return await client.request(method, path, headers={"origin": "https://shop.example"})


def test_by_default_ten_requests_a_second_with_bursts_of_thirty() -> None:
    settings = Settings(database_url="sqlite+aiosqlite://")
    assert (settings.public_rate_per_s, settings.public_rate_burst) == (10.0, 30.0)


@pytest.mark.parametrize(
    ("method", "path"), PUBLIC_ROUTES, ids=[" ".join(r) for r in PUBLIC_ROUTES]
)
async def test_past_the_burst_a_public_route_answers_429_with_retry_after(
    strict: ApiClient, method: str, path: str
) -> None:
    for _ in range(3):
        assert (await call(strict, method, path)).status_code != 429

    refused = await call(strict, method, path)

    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "1"
    if method == "HEAD":
        return  # no body to say why
    assert "too many requests from your address; try again in 1 s" in refused.text
    if not path.startswith("/ui"):  # the dashboard says it on a page
        assert refused.json()["error"]["code"] == "too_many_requests"


async def test_each_address_has_a_bucket_of_its_own(strict: ApiClient) -> None:
    for _ in range(4):
        last = await call(strict, "GET", "/t/aBcDeFgHiJkLmNoP")
    assert last.status_code == 429

    async with from_address(strict, "198.51.100.9") as neighbour:
        assert (await call(neighbour, "GET", "/t/aBcDeFgHiJkLmNoP")).status_code == 404


async def test_after_the_wait_the_address_is_let_in_again(strict: ApiClient) -> None:
    now = [1000.0]
    strict.app.state.public_limiter = MemoryLimiter(clock=lambda: now[0])
    for _ in range(3):
        await call(strict, "GET", "/t/aBcDeFgHiJkLmNoP")
    refused = await call(strict, "GET", "/t/aBcDeFgHiJkLmNoP")
    assert refused.status_code == 429

    now[0] += float(refused.headers["retry-after"])

    assert (await call(strict, "GET", "/t/aBcDeFgHiJkLmNoP")).status_code == 404
    assert (await call(strict, "GET", "/t/aBcDeFgHiJkLmNoP")).status_code == 429


async def test_webhooks_the_api_and_health_checks_are_never_limited(strict: ApiClient) -> None:
    store_id, key = await new_store(strict)
    answers: list[tuple[str, int]] = []
    for _ in range(10):
        for method, path, headers in [
            ("POST", "/webhooks/whatsapp", {}),
            ("POST", f"/webhooks/shopify/{store_id}", {}),
            ("GET", "/v1/store", auth(key)),
            ("GET", "/healthz", {}),
        ]:
            response = await strict.request(method, path, headers=headers, content=b"{}")
            answers.append((path, response.status_code))
    assert not [a for a in answers if a[1] == 429], answers
    # They were answered as usual: unsigned deliveries refused, the key and health accepted.
    assert {code for path, code in answers if path.startswith("/webhooks")} == {401}
    assert {code for path, code in answers if not path.startswith("/webhooks")} == {200}


async def test_zero_turns_the_limit_off(database_url: str) -> None:
    async with api_client(database_url, worker=False, public_rate_per_s=0) as client:
        codes = {(await call(client, "GET", "/t/aBcDeFgHiJkLmNoP")).status_code for _ in range(60)}
    assert codes == {404}


async def test_a_customer_using_the_tracking_page_never_meets_the_limit(database_url: str) -> None:
    # The defaults, and what a person does: the chat app previews the link, the customer opens
    # it, reloads it a few times, answers the failed delivery, and looks once more.
    settings: dict[str, Any] = {"public_url": "https://track.example", "session_secret": "s"}
    async with api_client(database_url, worker=False, **settings) as client:
        client.headers["user-agent"] = BROWSER
        store_id, _ = await shop_with_order(client)
        code = await link_of(client, store_id)
        answers = [(await client.head(f"/t/{code}")).status_code]
        for _ in range(4):
            page = await client.get(f"/t/{code}")
            answers.append(page.status_code)
        shipment = await shipment_of(client, "ERP-9-1")
        done = await client.post(
            f"/t/{code}/ndr",
            data={
                "csrf": token_in(page),
                "shipment": str(shipment.id),
                "action": "reattempt",
                "day": tomorrow_in_india().isoformat(),
            },
        )
        answers.append(done.status_code)
        answers.append((await client.get(f"/t/{code}")).status_code)
    assert answers == [200] * 7, answers
    assert "Done: the courier will deliver order #ERP-9 again on" in done.text
