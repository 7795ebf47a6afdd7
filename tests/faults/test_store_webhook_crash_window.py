"""A store or carrier webhook kept but not applied when the API died is applied once, by a
redelivery or by the sweep, never acknowledged as a duplicate and lost.

The endpoint keeps the raw event (commit), then applies it in a second transaction. An API
killed in between leaves the event kept and "received". A redelivery of it within a minute is
answered 503 with the reason (the request that kept it may still be applying it), so the sender
tries again; after that it is applied, once, however many redeliveries and sweeps race for it.
`tasks.reapply_stale` applies it without waiting for a redelivery. Parked events (waiting for
their parcel) and applied ones are duplicates to both.

The crash is played by doing what the endpoint does up to the moment it died (identify, keep,
commit; nothing applied); the minute by moving the kept event's arrival back; a failed apply by
the state the endpoint leaves after one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from ordertalk.commerce.models import Order, Shipment
from ordertalk.integrations.base import Delivery
from ordertalk.integrations.models import RawEvent
from ordertalk.integrations.registry import SOURCES
from ordertalk.integrations.service import store_raw
from ordertalk.integrations.tasks import reapply_stale, run_reapply
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database
from tests.e2e.harness import shift_times
from tests.integrations.fixtures import load, signed_headers

pytestmark = pytest.mark.database

SECRET = "shpss_crash_window_4f8e"
ORDER = "5302002002"  # the Shopify COD order of orders_create_cod_in
AWB = "4210610508756"  # the Delhivery AWB of its fulfillments_create_in
NOW = datetime.now(UTC)


@dataclass
class Shop:
    client: ApiClient
    store_id: str
    key: str

    @property
    def url(self) -> str:
        return f"/webhooks/shopify/{self.store_id}"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def shop(database_url: str) -> AsyncIterator[Shop]:
    """Ordertalk (no worker: nothing is sent) and a store with a Shopify secret."""
    async with api_client(database_url, worker=False) as client:
        store_id, key = await new_store(client, name="Chai & Co")
        put = await client.put(
            "/v1/integrations/shopify", headers=auth(key), json={"secret": SECRET}
        )
        assert put.status_code == 200, put.text
        yield Shop(client, store_id, key)


def order_created() -> tuple[bytes, dict[str, str]]:
    """Shopify's orders/create for the COD order, five minutes ago, and its signed headers."""
    raw = shift_times(load("shopify", "orders_create_cod_in"), NOW - timedelta(minutes=5))
    return raw, signed_headers("shopify", raw, SECRET, topic="orders/create")


def fulfilled() -> tuple[bytes, dict[str, str]]:
    """Shopify's fulfillments/create for the same order (Delhivery), two minutes ago."""
    raw = shift_times(load("shopify", "fulfillments_create_in"), NOW - timedelta(minutes=2))
    return raw, signed_headers("shopify", raw, SECRET, topic="fulfillments/create")


async def keep_unapplied(shop: Shop, raw: bytes, headers: dict[str, str]) -> int:
    """What the endpoint had done when it died: the event identified and kept, nothing applied."""
    delivery = Delivery(raw=raw, headers=headers, query={})
    async with shop.client.sessions() as session:
        store = await session.get(Store, shop.store_id)
        assert store is not None
        kept, new = await store_raw(
            session, store, "shopify", delivery, SOURCES["shopify"].identify(delivery)
        )
        assert new
        await session.commit()
        return kept.id


async def age(shop: Shop, minutes: float = 2) -> None:
    """Move every kept event's arrival back: a minute on, nobody is applying it any more."""
    async with shop.client.sessions() as session:
        for kept in await session.scalars(select(RawEvent)):
            kept.received_at -= timedelta(minutes=minutes)
        await session.commit()


async def states(shop: Shop) -> list[str]:
    async with shop.client.sessions() as session:
        return list(await session.scalars(select(RawEvent.state).order_by(RawEvent.id)))


async def set_state(shop: Shop, state: str) -> None:
    async with shop.client.sessions() as session:
        await session.execute(update(RawEvent).values(state=state))
        await session.commit()


async def messages(shop: Shop) -> list[str]:
    """Every planned message's intent, oldest first."""
    async with shop.client.sessions() as session:
        return list(
            await session.scalars(select(OutboundMessage.intent).order_by(OutboundMessage.id))
        )


async def orders(shop: Shop) -> list[tuple[str, str | None]]:
    async with shop.client.sessions() as session:
        rows = await session.scalars(select(Order).order_by(Order.id))
        return [(o.external_id, o.milestone) for o in rows]


async def shipments(shop: Shop) -> list[tuple[str | None, str | None]]:
    async with shop.client.sessions() as session:
        rows = await session.scalars(select(Shipment).order_by(Shipment.id))
        return [(s.tracking_number, s.milestone) for s in rows]


def duplicate(response: httpx.Response) -> bool:
    body: dict[str, Any] = response.json()
    return response.status_code == 200 and body.get("duplicate") is True


async def test_a_redelivery_of_an_event_the_api_died_applying_waits_a_minute_then_applies_it(
    shop: Shop,
) -> None:
    raw, headers = order_created()
    raw_id = await keep_unapplied(shop, raw, headers)

    soon = await shop.client.post(shop.url, content=raw, headers=headers)

    # Not "duplicate, 200": it was never applied, and a 200 ends Shopify's retries.
    assert soon.status_code == 503, soon.text
    error = soon.json()["error"]
    assert error["code"] == "unavailable"
    assert f"event {raw_id} is kept but not applied yet" in error["message"]
    assert 1 <= int(soon.headers["retry-after"]) <= 60
    assert await states(shop) == ["received"]
    assert await orders(shop) == []

    await age(shop)
    later = await shop.client.post(shop.url, content=raw, headers=headers)

    assert later.status_code == 200, later.text
    assert later.json() | {"id": raw_id} == {
        "id": raw_id,
        "state": "processed",
        "events": 1,
        "milestones": ["order_confirmed"],
        "messages": 1,
    }
    assert await states(shop) == ["processed"]
    assert await orders(shop) == [(ORDER, "order_confirmed")]

    # Applied once: from now on a redelivery is the duplicate it looks like, and so it is to
    # the sweep.
    last = await shop.client.post(shop.url, content=raw, headers=headers)
    assert duplicate(last), last.text
    assert await reapply_stale(shop.client.sessions) == 0
    assert await messages(shop) == ["cod_confirmation"]


async def test_redeliveries_and_the_sweep_racing_for_a_crashed_event_apply_it_once(
    shop: Shop,
) -> None:
    raw, headers = order_created()
    await keep_unapplied(shop, raw, headers)
    await age(shop)

    answers = await asyncio.gather(
        *(shop.client.post(shop.url, content=raw, headers=headers) for _ in range(3)),
        reapply_stale(shop.client.sessions),
    )

    *responses, swept = answers
    assert isinstance(swept, int)
    applied = [r for r in responses if isinstance(r, httpx.Response) and not duplicate(r)]
    assert all(r.status_code == 200 for r in applied), [r.text for r in applied]
    # Exactly one of the four applied it; the others found it applied.
    assert len(applied) + swept == 1, ([r.json() for r in applied], swept)
    assert await states(shop) == ["processed"]
    assert await orders(shop) == [(ORDER, "order_confirmed")]
    assert await messages(shop) == ["cod_confirmation"]


async def test_the_sweep_applies_events_a_crash_left_behind_once_in_arrival_order(
    shop: Shop,
) -> None:
    # The order and its fulfillment both arrived while the API was dying; Shopify, which saw
    # a response time out, may count them delivered and never send them again.
    for raw, headers in (order_created(), fulfilled()):
        await keep_unapplied(shop, raw, headers)

    # Less than a minute old: their requests may still be applying them.
    assert await reapply_stale(shop.client.sessions) == 0
    assert await states(shop) == ["received", "received"]

    await age(shop)
    assert await reapply_stale(shop.client.sessions) == 2

    assert await states(shop) == ["processed", "processed"]
    assert await orders(shop) == [(ORDER, "order_confirmed")]
    assert await shipments(shop) == [(AWB, "dispatched")]
    # One message per milestone, each once.
    assert await messages(shop) == ["cod_confirmation", "shipment_dispatched"]
    assert await reapply_stale(shop.client.sessions) == 0
    for raw, headers in (order_created(), fulfilled()):
        again = await shop.client.post(shop.url, content=raw, headers=headers)
        assert duplicate(again), again.text
    assert await messages(shop) == ["cod_confirmation", "shipment_dispatched"]


async def test_a_crashed_api_event_is_swept_too(shop: Shop) -> None:
    body = {
        "id": "erp-crash-1",
        "milestone": "order_confirmed",
        "event_time": (NOW - timedelta(minutes=5)).isoformat(),
        "order": {"external_id": "ERP-9", "customer": {"phone": "+919876543210"}},
    }
    # `POST /v1/events` answers 503 for a young unapplied event too.
    created = await shop.client.post("/v1/events", json=body, headers=auth(shop.key))
    assert created.status_code == 202, created.text
    await set_state(shop, "received")  # as if the API had died before applying it
    async with shop.client.sessions() as session:
        await session.execute(update(RawEvent).values(received_at=datetime.now(UTC)))
        await session.commit()
    soon = await shop.client.post("/v1/events", json=body, headers=auth(shop.key))
    assert soon.status_code == 503, soon.text
    assert "not applied yet" in soon.json()["error"]["message"]

    await age(shop)
    assert await reapply_stale(shop.client.sessions) == 1

    assert await states(shop) == ["processed"]
    assert await orders(shop) == [("ERP-9", "order_confirmed")]
    again = await shop.client.post("/v1/events", json=body, headers=auth(shop.key))
    assert duplicate(again), again.text


async def test_a_failed_event_is_applied_by_its_redelivery_not_by_the_sweep(shop: Shop) -> None:
    raw, headers = order_created()
    await keep_unapplied(shop, raw, headers)
    await set_state(shop, "failed")  # what the endpoint leaves when applying raised

    # The sender was answered 503 and delivers it again; an event that fails every time would
    # be retried by the sweep forever.
    await age(shop, minutes=30)
    assert await reapply_stale(shop.client.sessions) == 0
    assert await states(shop) == ["failed"]

    again = await shop.client.post(shop.url, content=raw, headers=headers)

    assert again.status_code == 200, again.text
    assert again.json()["state"] == "processed"
    assert await messages(shop) == ["cod_confirmation"]


async def test_a_parked_event_is_left_to_its_parcel_by_redeliveries_and_the_sweep(
    shop: Shop,
) -> None:
    scan = {
        "id": "carrier-ofd-1",
        "milestone": "out_for_delivery",
        "event_time": (NOW - timedelta(minutes=1)).isoformat(),
        "shipment": {"tracking_number": AWB},
    }
    parked = await shop.client.post("/v1/events", json=scan, headers=auth(shop.key))
    assert parked.json()["state"] == "parked", parked.text
    await age(shop, minutes=30)

    again = await shop.client.post("/v1/events", json=scan, headers=auth(shop.key))
    assert duplicate(again), again.text
    assert await reapply_stale(shop.client.sessions) == 0
    assert await states(shop) == ["parked"]

    # The order and its parcel arrive: the parked scan is released, once.
    for raw, headers in (order_created(), fulfilled()):
        answer = await shop.client.post(shop.url, content=raw, headers=headers)
        assert answer.status_code == 200, answer.text
    assert await states(shop) == ["processed", "processed", "processed"]
    assert await shipments(shop) == [(AWB, "out_for_delivery")]
    assert await reapply_stale(shop.client.sessions) == 0
    again = await shop.client.post("/v1/events", json=scan, headers=auth(shop.key))
    assert duplicate(again), again.text
    intents = await messages(shop)
    assert intents.count("cod_confirmation") == 1
    assert len(intents) == len(set(intents)), intents


async def test_the_running_sweep_applies_a_crashed_event_and_stops_when_told(shop: Shop) -> None:
    raw, headers = order_created()
    await keep_unapplied(shop, raw, headers)
    await age(shop)
    stop = asyncio.Event()
    sweeping = asyncio.create_task(run_reapply(shop.client.sessions, stop, every=0.05))
    try:
        for _ in range(200):
            if await states(shop) == ["processed"]:
                break
            assert not sweeping.done(), "the sweep stopped"
            await asyncio.sleep(0.02)
        assert await states(shop) == ["processed"]
    finally:
        stop.set()
        await asyncio.wait_for(sweeping, 5)
    assert await messages(shop) == ["cod_confirmation"]
