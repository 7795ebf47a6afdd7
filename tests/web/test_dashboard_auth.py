"""Dashboard login: sessions, their end, CSRF, the throttle, the CLI, and no secret on any page
(every navigation page, an order, a contact, a conversation, the login and a tracking page)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from ordertalk.stores.models import Store
from ordertalk.stores.service import set_integration_secret
from ordertalk.web.models import DashboardUser, TrackingLink
from ordertalk.web.nav import NAV
from ordertalk.web.users import Role, create_user
from ordertalk.webhooks_out.service import create_endpoint
from tests.api_support import ApiClient, api_client, new_store
from tests.conversations.inbox_support import customer
from tests.database import fresh_database
from tests.web.dashboard_support import PASSWORD, csrf_in, log_in, new_user, page_token

pytestmark = pytest.mark.database

EMAIL = "priya@chai.example"
CODE = "Tr4ckingC0de"  # a tracking link's code (12 URL-safe characters)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(database_url, worker=False, session_secret="s" * 40) as client:
        yield client


@pytest.fixture
async def store_id(client: ApiClient) -> str:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id, email=EMAIL)
    return store_id


async def test_a_user_logs_in_and_lands_on_the_page_they_asked_for(
    client: ApiClient, store_id: str
) -> None:
    first = await client.get("/ui/orders")
    assert first.status_code == 303
    assert first.headers["location"] == "/ui/login?next=%2Fui%2Forders"
    response = await log_in(client, "  Priya@Chai.Example ", next_url="/ui/orders")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/ui/orders"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/ui" in cookie
    assert "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    orders = await client.get("/ui/orders")
    assert orders.status_code == 200
    assert "Chai &amp; Co" in orders.text
    assert 'href="/ui/inbox"' in orders.text
    assert orders.headers["cache-control"] == "no-store"
    async with client.sessions() as session:
        user = await session.get(DashboardUser, 1)
        assert user is not None
        assert user.last_login_at is not None


async def test_never_redirects_to_another_site_after_login(
    client: ApiClient, store_id: str
) -> None:
    for target in ("https://evil.example/", "//evil.example", "/ui\\..\\x", "/v1/store"):
        client.cookies.clear()
        response = await log_in(client, EMAIL, next_url=target)
        assert response.headers["location"] == "/ui/orders"


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong password!"), ("nobody@chai.example", PASSWORD), ("not an email", PASSWORD)],
)
async def test_a_wrong_password_or_unknown_email_gets_the_same_clear_error(
    client: ApiClient, store_id: str, email: str, password: str
) -> None:
    response = await log_in(client, email, password)
    assert response.status_code == 401
    assert "The email or the password is wrong." in response.text
    assert "ot_session" not in response.headers.get("set-cookie", "")
    assert (await client.get("/ui/orders")).status_code == 303


async def test_an_empty_form_is_a_422_with_a_message(client: ApiClient, store_id: str) -> None:
    form = await client.get("/ui/login")
    response = await client.post("/ui/login", data={"csrf": csrf_in(form.text)})
    assert response.status_code == 422
    assert "Enter your email and your password." in response.text


async def test_too_many_failures_for_one_email_are_throttled(
    client: ApiClient, store_id: str
) -> None:
    for _ in range(5):
        assert (await log_in(client, EMAIL, "wrong password!")).status_code == 401
    blocked = await log_in(client, EMAIL, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert "too many failed attempts" in blocked.text
    other = await new_user(client, store_id, email="ravi@chai.example", name="Ravi")
    assert other
    assert (await log_in(client, "ravi@chai.example")).status_code == 303


async def test_a_tampered_or_expired_cookie_is_no_session(
    client: ApiClient, store_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in(client, EMAIL)
    cookie = client.cookies.get("ot_session", path="/ui")
    assert cookie
    client.cookies.set("ot_session", cookie[:-2] + "xx", path="/ui")
    assert (await client.get("/ui/orders")).status_code == 303
    client.cookies.set("ot_session", cookie, path="/ui")
    assert (await client.get("/ui/orders")).status_code == 200
    # Twelve hours and a minute later, the signature's timestamp is too old.
    import itsdangerous.timed

    later = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda self: later(self) + 12 * 3600 + 60,
    )
    assert (await client.get("/ui/orders")).status_code == 303


async def test_a_session_version_bump_logs_out_everywhere(client: ApiClient, store_id: str) -> None:
    await log_in(client, EMAIL)
    assert (await client.get("/ui/orders")).status_code == 200
    async with client.sessions() as session, session.begin():
        await session.execute(
            update(DashboardUser).values(session_version=DashboardUser.session_version + 1)
        )
    assert (await client.get("/ui/orders")).status_code == 303


async def test_logout_needs_the_csrf_token_and_ends_the_session(
    client: ApiClient, store_id: str
) -> None:
    await log_in(client, EMAIL)
    stolen = client.cookies.get("ot_session", path="/ui")
    token = await page_token(client, "/ui/orders")
    refused = await client.post("/ui/logout", data={})
    assert refused.status_code == 403
    assert "reload the page" in refused.text
    wrong = await client.post("/ui/logout", data={"csrf": token[::-1]})
    assert wrong.status_code == 403
    assert (await client.get("/ui/orders")).status_code == 200
    done = await client.post("/ui/logout", data={"csrf": token})
    assert (done.status_code, done.headers["location"]) == (303, "/ui/login")
    assert (await client.get("/ui/orders")).status_code == 303
    client.cookies.set("ot_session", str(stolen), path="/ui")  # a copy of the old cookie
    assert (await client.get("/ui/orders")).status_code == 303


async def test_the_login_form_itself_needs_its_token(client: ApiClient, store_id: str) -> None:
    response = await client.post("/ui/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403
    assert "ot_session" not in response.headers.get("set-cookie", "")


async def test_no_page_shows_a_secret(client: ApiClient) -> None:
    store_id, key = await new_store(
        client,
        name="Chai & Co",
        phone_number_id="1234567890",
        access_token="EAAG-very-secret-access-token",
        app_secret="app-secret-0123456789",
        verify_token="verify-token-0123456789",
    )
    await new_user(client, store_id, email=EMAIL)
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        await set_integration_secret(session, store, "shopify", "shpss-integration-secret-42", {})
        _, signing = await create_endpoint(
            session, store, "http://127.0.0.1:9/hooks", allow_private=True
        )
        asha = await customer(session, store, wrote_at=datetime.now(UTC) - timedelta(hours=1))
        session.add(
            TrackingLink(
                store_id=store_id, code=CODE, order_id=asha.order.id,
                shipment_id=asha.shipment.id, milestone="out_for_delivery", clicks=0,
            )
        )  # fmt: skip
    secrets = (key, "EAAG-very-secret", "app-secret-0123", "verify-token-0123", "s" * 40,
               "shpss-integration-secret", signing, PASSWORD)  # fmt: skip
    tracking = f"/t/{CODE}"
    login = (await client.get("/ui/login")).text
    await log_in(client, EMAIL)
    pages = {item.href for item in NAV} | {
        "/ui/orders/1001",
        f"/ui/contacts/{asha.contact.id}",
        f"/ui/inbox/{asha.conversation.id}",
        tracking,
    }
    assert "/ui/settings" in pages  # an owner sees every page, settings too
    shown = {"/ui/login": login}
    for path in sorted(pages):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        shown[path] = response.text
    for path, html in shown.items():
        for secret in secrets:
            assert secret not in html, (path, secret[:8])
    # The customer's page masks their number (the merchant's order page may show it).
    assert "Order #1001" in shown[tracking]
    assert "9876543210" not in shown[tracking]


async def test_users_are_created_with_checked_input(client: ApiClient, store_id: str) -> None:
    from ordertalk.errors import InvalidInput, NotFound
    from ordertalk.web.users import DuplicateEmail

    async with client.sessions() as session:
        with pytest.raises(DuplicateEmail):
            await create_user(
                session, store_id=store_id, email=EMAIL.upper(), name="P", password=PASSWORD
            )
        with pytest.raises(InvalidInput, match="at least 10"):
            await create_user(
                session, store_id=store_id, email="a@b.example", name="A", password="short"
            )
        with pytest.raises(NotFound):
            await create_user(
                session, store_id="st_nope", email="a@b.example", name="A", password=PASSWORD
            )
        user = await create_user(
            session,
            store_id=store_id,
            email="a@b.example",
            name="  Agent   A ",
            password=PASSWORD,
            role=Role.AGENT,
        )
        assert (user.name, user.role) == ("Agent A", "agent")
        assert user.password_hash.startswith("$argon2id$")
        await session.rollback()


def test_the_cli_creates_a_user_reading_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from ordertalk.cli import app
    from ordertalk.config import get_settings
    from tests.api_support import database_session

    url = fresh_database(tmp_path)

    async def make_store() -> str:
        async with database_session(url) as session:
            store_id, _ = await new_store(session)
            await session.commit()
            return store_id

    store_id = asyncio.run(make_store())
    monkeypatch.setenv("ORDERTALK_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        args = ["user", "create", "--store", store_id, "--email", "Ops@Chai.example"]
        result = CliRunner().invoke(
            app, [*args, "--name", "Ops", "--role", "agent", "--password-stdin"], input=PASSWORD
        )
        assert result.exit_code == 0, result.output
        assert "ops@chai.example (agent)" in result.output
        assert PASSWORD not in result.output
        again = CliRunner().invoke(
            app, [*args, "--name", "Ops", "--password-stdin"], input=PASSWORD + "\n"
        )
        assert again.exit_code == 2
        assert "exists already" in again.output
        short = CliRunner().invoke(
            app, ["user", "create", "--store", store_id, "--email", "x@chai.example",
                  "--name", "X", "--password-stdin"], input="short\n"
        )  # fmt: skip
        assert short.exit_code == 2
        assert "at least 10" in short.output
    finally:
        get_settings.cache_clear()
