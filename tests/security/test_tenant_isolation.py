"""One store's API key never reaches another store's data, on every /v1 route.

The routes are read from the app itself, so a new route is covered the day it is added:
- a route whose path names a row (an order, a contact, a conversation...) is called with store
  B's key and store A's id, and must answer 404 `not_found`;
- a route without such an id acts on the caller's own store: called as B (with A's order id
  and customer's phone wherever a body or query can carry them), it answers about B only.
Either way the answer holds nothing of A's, and not one of A's rows changes.

A new path parameter must be added to ROW_IDS (with a row seed_store makes) or VOCABULARY, and a
new route with a body to BODIES: until then the test of that route fails, it never skips.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.db import Base, create_engine, session_factory
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.stores.models import Store
from tests.security.support import BROADCAST, ENDPOINT_URL, Running, Tenant, serve_seeded

pytestmark = pytest.mark.database

# Path parameters that name one of a store's rows: seed_store makes one of each (Tenant.ids).
ROW_IDS = {
    "order_id",
    "contact_id",
    "conversation_id",
    "endpoint_id",
    "canned_id",
    "media_id",
    "broadcast_id",
}
# Path parameters that are the same words for every store, not rows of one.
VOCABULARY = {"source": "shopify", "step": "order_confirmed"}

Body = Callable[[Tenant], dict[str, Any]]
# A valid body for every /v1 route that takes one, given store A (so it can name A's things).
BODIES: dict[tuple[str, str], Body] = {
    ("PATCH", "/v1/store"): lambda a: {"name": "Renamed by B"},
    ("PUT", "/v1/integrations/{source}"): lambda a: {"secret": "whsec_b_rotated_1"},
    ("POST", "/v1/contacts"): lambda a: {"phone": f"+{a.customer}", "name": "B's namesake"},
    ("POST", "/v1/contacts/{contact_id}/consent"): lambda a: {
        "purpose": "marketing",
        "granted": True,
    },
    ("POST", "/v1/events"): lambda a: {
        "id": "evt-from-b-1",
        "event_time": "2026-01-05T10:00:00Z",
        "milestone": "cancelled",
        "order": {"external_id": a.ids["order_id"]},
    },
    ("PUT", "/v1/journeys/{step}"): lambda a: {"enabled": False},
    ("POST", "/v1/webhooks"): lambda a: {"url": f"{ENDPOINT_URL}/from-b"},
    ("PATCH", "/v1/webhooks/{endpoint_id}"): lambda a: {"description": "changed by B"},
    ("POST", "/v1/conversations/{conversation_id}/assign"): lambda a: {"assignee": "agent-b"},
    ("POST", "/v1/conversations/{conversation_id}/messages"): lambda a: {
        "author": "agent-b",
        "text": "hello from B",
    },
    ("POST", "/v1/conversations/{conversation_id}/templates"): lambda a: {
        "author": "agent-b",
        "template": "order_confirmed",
        "order_id": a.ids["order_id"],
    },
    ("POST", "/v1/conversations/{conversation_id}/notes"): lambda a: {
        "author": "agent-b",
        "body": "B's note",
    },
    ("PUT", "/v1/conversations/{conversation_id}/labels"): lambda a: {"labels": ["from-b"]},
    ("POST", "/v1/canned-responses"): lambda a: {"shortcut": "from-b", "body": "B's text"},
    ("PATCH", "/v1/canned-responses/{canned_id}"): lambda a: {"body": "changed by B"},
    ("PUT", "/v1/store/business-hours"): lambda a: {"business_hours": None, "away_message": None},
    ("PUT", "/v1/faq"): lambda a: {"items": []},
    ("PUT", "/v1/store/widget"): lambda a: {"allowed_origins": ["https://b.example"]},
    ("PUT", "/v1/store/cross-sell"): lambda a: {"items": []},
    ("POST", "/v1/broadcasts"): lambda a: BROADCAST,
    ("PUT", "/v1/store/rate-card"): lambda a: {
        "currency": "USD",
        "markets": {"default": {"utility": "0.0040"}},
    },
}
# Queries that name A's things where a route accepts them.
QUERIES: dict[tuple[str, str], Callable[[Tenant], dict[str, str]]] = {
    ("GET", "/v1/contacts"): lambda a: {"phone": f"+{a.customer}"},
    ("GET", "/v1/messages"): lambda a: {"phone": f"+{a.customer}"},
    ("GET", "/v1/conversations/{conversation_id}/templates"): lambda a: {
        "order_id": a.ids["order_id"]
    },
}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def v1_routes() -> list[tuple[str, str, bool]]:
    """(METHOD, path, takes a body) of every /v1 route, documented or not."""
    app = create_app(Settings(database_url="sqlite+aiosqlite://", worker=False))
    routes = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not (context.path or "").startswith("/v1/"):
            continue
        for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, context.path, route.body_field is not None))
    return routes


ROUTES = v1_routes()


def path_parameters(path: str) -> list[str]:
    return _PARAM.findall(path)


def test_the_routes_were_found() -> None:
    # An empty enumeration would make every test below vacuous.
    assert len(ROUTES) >= 40
    assert ("GET", "/v1/orders/{order_id}", False) in ROUTES


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_seeded(tmp_path_factory.mktemp("tenancy"), "A", "B") as running:
        yield running


def request_as(
    running: Running, caller: Tenant, method: str, path: str, has_body: bool, a: Tenant
) -> httpx.Response:
    """The route called with `caller`'s key, its ids A's, its body and query naming A's."""
    unknown = [p for p in path_parameters(path) if p not in ROW_IDS and p not in VOCABULARY]
    assert not unknown, (
        f"{method} {path}: no fixture for {unknown}; add a row to seed_store (ROW_IDS) "
        "or the value to VOCABULARY"
    )
    url = _PARAM.sub(lambda m: a.ids[m[1]] if m[1] in ROW_IDS else VOCABULARY[m[1]], path)
    body = None
    if has_body:
        assert (method, path) in BODIES, f"{method} {path} takes a body: add one to BODIES"
        body = BODIES[(method, path)](a)
    query = QUERIES.get((method, path), lambda _: {})(a)
    return running.http.request(method, url, headers=caller.auth, json=body, params=query)


def markers(a: Tenant) -> list[str]:
    """Strings only A's data contains: its id, secrets, customer and order."""
    return [
        a.store_id,
        *a.secrets,
        a.customer,
        a.customer[-10:],  # the national number, however it is formatted around it
        "Customer A",
        "Store A",
        "#2041",  # A's order name (B's order is another)
        "Thank you from A",
        f"{ENDPOINT_URL}/A",
    ]


def rows_of(database_url: str, store_id: str) -> dict[str, list[str]]:
    """Every row that belongs to the store, as text: any change to one of them shows."""

    async def read() -> dict[str, list[str]]:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                found: dict[str, list[str]] = {}
                for table in Base.metadata.sorted_tables:
                    if "store_id" in table.c:
                        query = select(table).where(table.c.store_id == store_id)
                    elif table.name == Store.__tablename__:
                        query = select(table).where(table.c.id == store_id)
                    elif table.name == MessageEvent.__tablename__:
                        mine = select(OutboundMessage.id).where(
                            OutboundMessage.store_id == store_id
                        )
                        query = select(table).where(table.c.message_id.in_(mine))
                    else:
                        continue  # whatsapp_webhook_events: Meta's bodies, no /v1 route
                    rows = (await session.execute(query.order_by(*table.primary_key))).all()
                    found[table.name] = [repr(tuple(row)) for row in rows]
                return found
        finally:
            await engine.dispose()

    return asyncio.run(read())


def assert_nothing_of_a(response: httpx.Response, a: Tenant) -> None:
    text = response.text
    leaked = [marker for marker in markers(a) if marker in text]
    assert not leaked, f"A's data in B's answer: {leaked}\n{text[:500]}"


ID_ROUTES = [r for r in ROUTES if set(path_parameters(r[1])) - set(VOCABULARY)]
OWN_ROUTES = [r for r in ROUTES if r not in ID_ROUTES]


@pytest.mark.parametrize(
    ("method", "path", "has_body"), ID_ROUTES, ids=[f"{m} {p}" for m, p, _ in ID_ROUTES]
)
def test_b_naming_a_row_of_a_is_not_found_and_changes_nothing(
    running: Running, method: str, path: str, has_body: bool
) -> None:
    a, b = running.tenants["A"], running.tenants["B"]
    before = rows_of(running.database_url, a.store_id)

    response = request_as(running, b, method, path, has_body, a)

    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert_nothing_of_a(response, a)
    assert rows_of(running.database_url, a.store_id) == before


@pytest.mark.parametrize(
    ("method", "path", "has_body"), OWN_ROUTES, ids=[f"{m} {p}" for m, p, _ in OWN_ROUTES]
)
def test_b_on_a_route_of_its_own_store_sees_and_changes_nothing_of_a(
    running: Running, method: str, path: str, has_body: bool
) -> None:
    a, b = running.tenants["A"], running.tenants["B"]
    before = rows_of(running.database_url, a.store_id)

    response = request_as(running, b, method, path, has_body, a)

    assert response.status_code < 500, response.text
    assert response.status_code != 404, response.text  # the route exists for B too
    assert_nothing_of_a(response, a)
    assert rows_of(running.database_url, a.store_id) == before


def test_control_a_reaches_every_row_b_was_refused(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The same requests with A's own key are not 404s: B's 404s come from the store, not from
    # a wrong id, body or query. (Its own server: some of these change or delete A's rows.)
    refused = []
    with serve_seeded(tmp_path_factory.mktemp("tenancy-control"), "A") as running:
        a = running.tenants["A"]
        # Deletions last, so that every other route still finds its row.
        for method, path, has_body in sorted(ID_ROUTES, key=lambda r: r[0] == "DELETE"):
            response = request_as(running, a, method, path, has_body, a)
            if response.status_code == 404 or response.status_code >= 500:
                refused.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
    assert not refused, "\n".join(refused)
