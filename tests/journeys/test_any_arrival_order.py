"""Whatever order a shipment's events arrive in, and however often, the outcome is the same and
no milestone is announced more often than it really happened.

This runs the real pipeline (commerce service, state machine, journeys, outbox) on a database:
hypothesis draws arrival orders with duplicates, each example in a store of its own.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ordertalk.commerce.events import CommerceEvent, CustomerFacts, OrderFacts, ShipmentFacts
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Shipment
from ordertalk.commerce.service import CommerceService
from ordertalk.db import create_engine, session_factory
from ordertalk.journeys.service import plan
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.service import create_store
from tests.database import fresh_database

pytestmark = pytest.mark.database

M = Milestone
T0 = datetime.now(UTC) - timedelta(hours=8)

ORDER = CommerceEvent(
    source="api",
    milestone=M.ORDER_CONFIRMED,
    event_time=T0,
    order=OrderFacts(
        external_id="A-1",
        customer=CustomerFacts(phone="+919876543210", name="Asha"),
        payment_status="paid",
    ),
)
# What really happened to the parcel, in time order: a failed attempt, then a second round.
HISTORY = [
    (M.DISPATCHED, 1),
    (M.IN_TRANSIT, 2),
    (M.DELAYED, 3),
    (M.OUT_FOR_DELIVERY, 4),
    (M.DELIVERY_ATTEMPT_FAILED, 5),
    (M.OUT_FOR_DELIVERY, 6),
    (M.DELIVERED, 7),
]
# How many times each milestone happened: no arrival order may announce one more often.
HAPPENED = Counter(milestone for milestone, _ in HISTORY)


def scan(milestone: Milestone, hour: int) -> CommerceEvent:
    """One carrier report of the parcel (the order id links it)."""
    return CommerceEvent(
        source="clickpost",
        milestone=milestone,
        event_time=T0 + timedelta(hours=hour),
        detail="weather" if milestone is M.DELAYED else None,
        shipment=ShipmentFacts(tracking_number="AWB-1", order_external_id="A-1"),
    )


def arrivals(count: int) -> st.SearchStrategy[list[int]]:
    """Every event of a history at least once, some again, in any order."""
    return st.lists(st.sampled_from(range(count)), max_size=2 * count).flatmap(
        lambda extra: st.permutations([*range(count), *extra])
    )


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fresh_database(Path(tmp_path_factory.mktemp("arrivals")))


async def _play(
    url: str, history: list[tuple[Milestone, int]], order: list[int]
) -> tuple[Milestone | None, datetime | None, Counter[str]]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            store, _ = await create_store(
                session, name="Arrivals", country="IN", language="en", quiet_hours=None
            )
            now = T0 + timedelta(hours=8)
            for ev in [ORDER, *(scan(*history[i]) for i in order)]:
                applied = await CommerceService(session, store).apply(ev)
                await plan(session, store, applied, now)
            shipment = await session.scalar(select(Shipment).where(Shipment.store_id == store.id))
            assert shipment is not None
            messages = await session.scalars(
                select(OutboundMessage).where(
                    OutboundMessage.store_id == store.id,
                    OutboundMessage.entity == "shipment",
                    OutboundMessage.intent != "feedback_request",
                )
            )
            planned = Counter(m.milestone for m in messages if m.milestone)
            await session.commit()
            milestone = M(shipment.milestone) if shipment.milestone else None
            return milestone, shipment.milestone_at, planned
    finally:
        await engine.dispose()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=arrivals(len(HISTORY)))
def test_any_arrival_order_ends_delivered_and_announces_nothing_twice(
    database_url: str, order: list[int]
) -> None:
    milestone, at, planned = asyncio.run(_play(database_url, HISTORY, order))
    assert milestone is M.DELIVERED
    assert at == T0 + timedelta(hours=7)
    for name, count in planned.items():
        assert count <= HAPPENED[M(name)], f"{name} planned {count} times"
    assert planned[M.DELIVERED.value] == 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=arrivals(len(HISTORY) - 1))
def test_while_still_on_its_way_the_newest_last_mile_step_wins(
    database_url: str, order: list[int]
) -> None:
    # Without the delivery, the parcel stands at the newest step: out for delivery, again.
    milestone, at, planned = asyncio.run(_play(database_url, HISTORY[:-1], order))
    assert (milestone, at) == (M.OUT_FOR_DELIVERY, T0 + timedelta(hours=6))
    for name, count in planned.items():
        assert count <= HAPPENED[M(name)], f"{name} planned {count} times"
