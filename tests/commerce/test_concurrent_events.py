"""Two deliveries about one new order, shipment, return or refund can be processed at the same
moment (a store sends "created" and "cancelled" a second apart, two workers pick them up): both
try to create the row, one does, and the other carries on with it, so both events apply.

And a kept event whose processing failed is not lost: the sender is told to deliver it again
(503), and the redelivery is processed instead of being answered as a duplicate.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import ordertalk.integrations.api
from ordertalk.commerce.events import (
    CommerceEvent,
    CustomerFacts,
    OrderFacts,
    PaymentMethod,
    RefundFacts,
    ReturnFacts,
    ShipmentFacts,
)
from ordertalk.commerce.milestones import Milestone, Track
from ordertalk.commerce.models import Order, Refund, Return, Shipment, TimelineEntry
from ordertalk.commerce.service import CommerceService, Entity
from ordertalk.contacts.models import Contact
from ordertalk.db import create_engine, session_factory
from ordertalk.integrations.models import RawEvent
from ordertalk.stores.models import Store
from tests.api_support import ApiClient, api_client, auth, database_session, new_store
from tests.database import fresh_database
from tests.e2e.harness import shift_times
from tests.integrations.fixtures import load, signed_headers

pytestmark = pytest.mark.database

AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PHONE = "+919876543210"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


# --- two first events at once ------------------------------------------------------------------


def event(milestone: Milestone, seconds: int, **facts: Any) -> CommerceEvent:
    return CommerceEvent(
        source="api", milestone=milestone, event_time=AT + timedelta(seconds=seconds), **facts
    )


def new_order(milestone: Milestone, seconds: int) -> CommerceEvent:
    customer = CustomerFacts(phone=PHONE, name="Priya")
    order = OrderFacts(external_id="ORD-1", customer=customer, payment_method=PaymentMethod.PREPAID)
    return event(milestone, seconds, order=order)


def new_shipment(milestone: Milestone, seconds: int) -> CommerceEvent:
    parcel = ShipmentFacts(
        external_id="FUL-1", order_external_id="ORD-1", tracking_number="AWB1", carrier="Delhivery"
    )
    return event(milestone, seconds, shipment=parcel)


def new_return(milestone: Milestone, seconds: int) -> CommerceEvent:
    return event(
        milestone, seconds, return_=ReturnFacts(external_id="RET-1", order_external_id="ORD-1")
    )


def new_refund(milestone: Milestone, seconds: int) -> CommerceEvent:
    refund = RefundFacts(external_id="REF-1", order_external_id="ORD-1", amount=Decimal("499"))
    return event(milestone, seconds, refund=refund)


# The two events, the new row's table and track, the milestone it ends at, and whether the
# order is known beforehand (a shipment or a return of a known order; a refund that is the
# first news of its order creates both).
CASES: dict[str, tuple[list[CommerceEvent], type[Entity], Track, Milestone, bool]] = {
    "order": (
        [new_order(Milestone.ORDER_CONFIRMED, 0), new_order(Milestone.CANCELLED, 1)],
        Order,
        Track.ORDER,
        Milestone.CANCELLED,
        False,
    ),
    "shipment": (
        [new_shipment(Milestone.DISPATCHED, 0), new_shipment(Milestone.IN_TRANSIT, 1)],
        Shipment,
        Track.SHIPMENT,
        Milestone.IN_TRANSIT,
        True,
    ),
    "return": (
        [new_return(Milestone.RETURN_REQUESTED, 0), new_return(Milestone.RETURN_APPROVED, 1)],
        Return,
        Track.RETURN,
        Milestone.RETURN_APPROVED,
        True,
    ),
    "refund-of-a-new-order": (
        [new_refund(Milestone.REFUND_INITIATED, 0), new_refund(Milestone.REFUND_COMPLETED, 1)],
        Refund,
        Track.REFUND,
        Milestone.REFUND_COMPLETED,
        False,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_two_first_events_for_a_new_row_processed_at_once_both_apply(
    database_url: str, case: str
) -> None:
    events, table, track, final, order_exists = CASES[case]
    async with database_session(database_url) as session:
        store_id, _ = await new_store(session)
        if order_exists:
            store = await session.get(Store, store_id)
            assert store is not None
            await CommerceService(session, store).apply(new_order(Milestone.ORDER_CONFIRMED, -60))
        await session.commit()

    engine = create_engine(database_url)
    sessions = session_factory(engine)

    async def process(ev: CommerceEvent) -> None:
        # Each delivery in its own transaction, as two requests or two workers would.
        async with sessions() as session:
            store = await session.get(Store, store_id)
            assert store is not None
            await CommerceService(session, store).apply(ev)
            await session.commit()

    try:
        await asyncio.gather(*(process(ev) for ev in events))  # neither raises

        async with sessions() as session:
            [row] = list(await session.scalars(select(table)))  # one row, not two
            assert row.milestone == final.value
            entries = list(
                await session.scalars(
                    select(TimelineEntry.milestone).where(
                        TimelineEntry.entity == track.value, TimelineEntry.entity_id == row.id
                    )
                )
            )
            assert sorted(entries) == sorted(ev.milestone.value for ev in events if ev.milestone)
            assert await session.scalar(select(func.count(Order.id))) == 1
            assert await session.scalar(select(func.count(Contact.id))) == int(
                case == "order" or order_exists
            )
    finally:
        await engine.dispose()


# --- a raw event whose processing failed --------------------------------------------------------


class CrashOnce:
    """Stands in for `apply_events` and raises the first time (a bug, a lost database
    connection); afterwards it is the real one."""

    def __init__(self) -> None:
        self.real = ordertalk.integrations.api.apply_events
        self.crashes = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.crashes == 0:
            self.crashes += 1
            raise ConnectionResetError("the database went away")
        return await self.real(*args, **kwargs)


async def _raw_states(client: ApiClient) -> list[tuple[str, str | None]]:
    async with client.sessions() as session:
        rows = await session.scalars(select(RawEvent).order_by(RawEvent.id))
        return [(r.state, r.error) for r in rows]


async def _orders(client: ApiClient) -> list[tuple[str, str | None]]:
    async with client.sessions() as session:
        rows = await session.scalars(select(Order).order_by(Order.id))
        return [(o.external_id, o.milestone) for o in rows]


API_EVENT = {
    "id": "evt-order-1",
    "milestone": "order_confirmed",
    "event_time": "2026-11-20T10:00:00+00:00",
    "order": {"external_id": "ORD-1", "customer": {"phone": PHONE}},
}


async def test_an_api_event_whose_processing_failed_is_processed_when_it_is_sent_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ordertalk's own `apply_events` is monkeypatched only to inject one crash."""
    monkeypatch.setattr(ordertalk.integrations.api, "apply_events", CrashOnce())
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client)

        first = await client.post("/v1/events", json=API_EVENT, headers=auth(key))

        assert first.status_code == 503, first.text
        assert first.json()["error"]["code"] == "unavailable"
        assert await _raw_states(client) == [("failed", "ConnectionResetError")]
        assert await _orders(client) == []

        again = await client.post("/v1/events", json=API_EVENT, headers=auth(key))

        assert again.status_code == 202, again.text
        assert again.json()["state"] == "processed"
        # The same row, not a new one.
        assert [state for state, _ in await _raw_states(client)] == ["processed"]
        assert await _orders(client) == [("ORD-1", "order_confirmed")]

        third = await client.post("/v1/events", json=API_EVENT, headers=auth(key))
        assert third.status_code == 200, third.text
        assert third.json()["duplicate"] is True  # once processed, a redelivery is a duplicate


async def test_a_store_webhook_whose_processing_failed_is_processed_when_it_is_redelivered(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ordertalk's own `apply_events` is monkeypatched only to inject one crash."""
    monkeypatch.setattr(ordertalk.integrations.api, "apply_events", CrashOnce())
    raw = shift_times(load("shopify", "orders_create_cod_in"), datetime.now(UTC))
    headers = signed_headers("shopify", raw, "shpss_test", topic="orders/create")
    async with api_client(database_url, worker=False) as client:
        store_id, key = await new_store(client)
        put = await client.put(
            "/v1/integrations/shopify", headers=auth(key), json={"secret": "shpss_test"}
        )
        assert put.status_code == 200, put.text
        url = f"/webhooks/shopify/{store_id}"

        first = await client.post(url, content=raw, headers=headers)

        assert first.status_code == 503, first.text  # Shopify retries a 5xx
        assert [state for state, _ in await _raw_states(client)] == ["failed"]
        assert await _orders(client) == []

        again = await client.post(url, content=raw, headers=headers)  # Shopify's retry

        assert again.status_code == 200, again.text
        assert again.json()["state"] == "processed"
        assert [state for state, _ in await _raw_states(client)] == ["processed"]
        assert await _orders(client) == [("5302002002", "order_confirmed")]

        third = await client.post(url, content=raw, headers=headers)
        assert third.json()["duplicate"] is True
