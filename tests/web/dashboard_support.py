"""Dashboard test helpers: a user, logging in through the real form, the page's CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ordertalk.stores.models import Store
from ordertalk.web.users import Role, create_user
from tests.api_support import ApiClient
from tests.conversations.inbox_support import Customer, customer

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def new_user(
    client: ApiClient,
    store_id: str,
    *,
    email: str = "priya@chai.example",
    name: str = "Priya",
    role: Role = Role.OWNER,
) -> int:
    """A dashboard user of the store, committed."""
    async with client.sessions() as session, session.begin():
        user = await create_user(
            session, store_id=store_id, email=email, name=name, password=PASSWORD, role=role
        )
        return user.id


def csrf_in(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found[1]


async def log_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, next_url: str = ""
) -> httpx.Response:
    """Open the login page and send its form (the client keeps the cookies)."""
    form = await client.get("/ui/login")
    assert form.status_code == 200, form.text
    return await client.post(
        "/ui/login",
        data={"email": email, "password": password, "csrf": csrf_in(form.text), "next": next_url},
    )


async def page_token(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token of the logged-in page at `path`."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return csrf_in(response.text)


async def web_customer(client: ApiClient, store_id: str, **kw: Any) -> Customer:
    """A customer of the store who wrote an hour ago (their window is open), committed."""
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        wrote_at = datetime.now(UTC) - timedelta(hours=1)
        return await customer(session, store, wrote_at=wrote_at, **kw)
