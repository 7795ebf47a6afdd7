"""`plan()`: which messages the default playbook puts in the outbox, when, and what withdraws them.

Events are the integration fixtures (Shopify order 5302002002, COD, and its Delhivery parcel
4210610508756 scanned through ClickPost); `now` is a minute after each event unless said otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import CommerceEvent, ShipmentFacts
from ordertalk.commerce.milestones import Milestone
from ordertalk.commerce.models import Order, Shipment
from ordertalk.commerce.service import Applied, CommerceService
from ordertalk.journeys.service import plan, set_override
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from tests.api_support import api_client, auth, database_session, new_store
from tests.database import fresh_database
from tests.integrations.fixtures import normalise, only

pytestmark = pytest.mark.database

M = Milestone
MINUTE = timedelta(minutes=1)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def store(session: AsyncSession) -> Store:
    store, _ = await create_store(session, name="Chai & Co", country="IN", language="en")
    return store


def event(source: str, name: str) -> CommerceEvent:
    """The one event a fixture normalises to."""
    return only(normalise(source, name))


def later(ev: CommerceEvent, hours: float) -> CommerceEvent:
    """The same report, `hours` later."""
    return ev.model_copy(update={"event_time": ev.event_time + timedelta(hours=hours)})


async def handle(
    session: AsyncSession, store: Store, ev: CommerceEvent, now: datetime | None = None
) -> list[OutboundMessage]:
    """Apply one event and plan its messages, as `integrations.service.apply_events` does."""
    applied = await CommerceService(session, store).apply(ev)
    return await plan(session, store, applied, now or ev.event_time + MINUTE)


async def outbox(session: AsyncSession) -> list[OutboundMessage]:
    return list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


async def intents(session: AsyncSession) -> list[tuple[str, str]]:
    """Every message in the outbox as (intent, state)."""
    return [(m.intent, m.state) for m in await outbox(session)]


async def events_of(session: AsyncSession, message: OutboundMessage) -> list[MessageEvent]:
    return list(
        await session.scalars(
            select(MessageEvent)
            .where(MessageEvent.message_id == message.id)
            .order_by(MessageEvent.id)
        )
    )


async def shipped(session: AsyncSession, store: Store) -> None:
    """Order 5302002002 placed and fulfilled (its messages planned too)."""
    await handle(session, store, event("shopify", "orders_create_cod_in"))
    await handle(session, store, event("shopify", "fulfillments_create_in"))


# --- order confirmation -------------------------------------------------------------------------


async def test_a_cod_order_asks_the_customer_to_confirm(
    session: AsyncSession, store: Store
) -> None:
    placed = event("shopify", "orders_create_cod_in")
    now = placed.event_time + MINUTE

    [message] = await handle(session, store, placed, now)

    order = await session.scalar(select(Order))
    assert order is not None
    assert (message.intent, message.purpose, message.state) == (
        "cod_confirmation",
        "utility",
        "scheduled",
    )
    assert (message.contact_id, message.order_id) == (order.contact_id, order.id)
    assert (message.entity, message.entity_id, message.milestone) == (
        "order",
        order.id,
        "order_confirmed",
    )
    assert message.not_before == now
    assert message.dedup_key == f"order:{order.id}:order_confirmed:1"
    assert message.params["step"] == "cod_confirmation"
    assert datetime.fromisoformat(message.params["expires_at"]) == placed.event_time + timedelta(
        days=2
    )
    assert await intents(session) == [("cod_confirmation", "scheduled")]


async def test_a_prepaid_order_gets_an_order_confirmation_and_no_payment_reminder(
    session: AsyncSession, store: Store
) -> None:
    await handle(session, store, event("shopify", "orders_create_prepaid_us"))

    assert await intents(session) == [("order_confirmed", "scheduled")]


async def test_an_order_without_a_reachable_contact_plans_nothing(
    session: AsyncSession, store: Store
) -> None:
    placed = event("shopify", "orders_create_cod_in")
    assert placed.order is not None
    assert placed.order.customer is not None
    no_phone = placed.order.model_copy(
        update={"customer": placed.order.customer.model_copy(update={"phone": "12"})}
    )

    planned = await handle(session, store, placed.model_copy(update={"order": no_phone}))

    assert planned == []
    assert await outbox(session) == []


# --- payment reminder ---------------------------------------------------------------------------


async def test_an_unpaid_order_gets_one_reminder_30_minutes_after_it_was_placed(
    session: AsyncSession, store: Store
) -> None:
    unpaid = event("shopify", "orders_create_unpaid_br")
    assert unpaid.order is not None
    assert unpaid.order.placed_at is not None
    placed = unpaid.order.placed_at

    [reminder] = await handle(session, store, unpaid, placed + 2 * MINUTE)
    # The store re-sends the order (still unpaid): still one reminder.
    again = await handle(session, store, later(unpaid, 0.1), placed + 8 * MINUTE)

    assert again == []
    assert (reminder.intent, reminder.state, reminder.milestone) == (
        "payment_reminder",
        "scheduled",
        None,
    )
    assert reminder.not_before == placed + timedelta(minutes=30)
    assert datetime.fromisoformat(reminder.params["expires_at"]) == placed + timedelta(
        days=1, minutes=30
    )
    assert await intents(session) == [("payment_reminder", "scheduled")]


async def test_paying_withdraws_the_reminder_and_confirms_the_order(
    session: AsyncSession, store: Store
) -> None:
    unpaid = event("shopify", "orders_create_unpaid_br")
    await handle(session, store, unpaid)
    paid = event("shopify", "orders_paid_br")

    [confirmation] = await handle(session, store, paid)

    assert confirmation.intent == "order_confirmed"
    assert await intents(session) == [
        ("payment_reminder", "withdrawn"),
        ("order_confirmed", "scheduled"),
    ]
    reminder = (await outbox(session))[0]
    [withdrawal] = await events_of(session, reminder)
    assert (withdrawal.kind, withdrawal.outcome, withdrawal.reason) == (
        "withdrawn",
        "withdrawn",
        "withdrawn",
    )
    assert withdrawal.at == paid.event_time + MINUTE
    assert withdrawal.detail == "payment_reminder is no longer needed"


async def test_a_reminder_held_for_its_template_is_withdrawn_too_when_the_order_is_paid(
    session: AsyncSession, store: Store
) -> None:
    [reminder] = await handle(session, store, event("shopify", "orders_create_unpaid_br"))
    reminder.state = "held"  # the dispatcher found its template still in review

    await handle(session, store, event("shopify", "orders_paid_br"))

    assert reminder.state == "withdrawn"
    assert [(e.kind, e.reason) for e in await events_of(session, reminder)] == [
        ("withdrawn", "withdrawn")
    ]


async def test_cancelling_a_cod_order_withdraws_its_confirmation_request(
    session: AsyncSession, store: Store
) -> None:
    placed = event("shopify", "orders_create_cod_in")
    assert placed.order is not None
    await handle(session, store, placed)

    await handle(
        session,
        store,
        CommerceEvent(
            source="shopify",
            milestone=M.CANCELLED,
            event_time=placed.event_time + timedelta(hours=1),
            detail="customer",
            order=placed.order.model_copy(update={"customer": None}),
        ),
    )

    assert await intents(session) == [
        ("cod_confirmation", "withdrawn"),
        ("order_cancelled", "scheduled"),
    ]


# --- delivery and feedback ----------------------------------------------------------------------


async def test_delivered_is_told_at_once_and_feedback_is_asked_a_day_later(
    session: AsyncSession, store: Store
) -> None:
    await shipped(session, store)
    delivered = event("clickpost", "forward_8_delivered_in")
    now = delivered.event_time + 5 * MINUTE

    planned = await handle(session, store, delivered, now)

    assert [(m.intent, m.not_before) for m in planned] == [
        ("delivered", now),
        ("feedback_request", delivered.event_time + timedelta(hours=24)),
    ]
    order = await session.scalar(select(Order))
    assert order is not None
    assert planned[1].dedup_key == f"feedback:order:{order.id}"


async def test_an_order_in_two_parcels_gets_one_feedback_request(
    session: AsyncSession, store: Store
) -> None:
    await shipped(session, store)
    await handle(session, store, event("clickpost", "forward_8_delivered_in"))
    second = CommerceEvent(
        source="shopify",
        milestone=M.DELIVERED,
        event_time=datetime(2026, 2, 8, 12, 0, tzinfo=UTC),
        shipment=ShipmentFacts(external_id="4401002", order_external_id="5302002002"),
    )

    planned = await handle(session, store, second)

    assert [m.intent for m in planned] == ["delivered"]
    all_intents = [intent for intent, _ in await intents(session)]
    assert all_intents.count("delivered") == 2
    assert all_intents.count("feedback_request") == 1
    assert len(list(await session.scalars(select(Shipment)))) == 2


# --- one message per milestone ------------------------------------------------------------------


async def test_a_milestone_reported_by_the_store_and_the_carrier_is_told_once(
    session: AsyncSession, store: Store
) -> None:
    await shipped(session, store)  # dispatched, from Shopify's fulfillment
    await handle(session, store, event("clickpost", "forward_4_picked_up_in"))  # dispatched
    await handle(session, store, event("shopify", "fulfillments_update_out_for_delivery_in"))
    await handle(session, store, event("clickpost", "forward_6_out_for_delivery_in"))

    assert [intent for intent, _ in await intents(session)] == [
        "cod_confirmation",
        "shipment_dispatched",
        "out_for_delivery",
    ]


async def test_the_dedup_key_lets_one_message_through_when_both_reports_count_as_new(
    session: AsyncSession, store: Store
) -> None:
    # Two workers applying the two reports at once could each see the milestone as new.
    await shipped(session, store)
    out = event("clickpost", "forward_6_out_for_delivery_in")
    applied: Applied = await CommerceService(session, store).apply(out)
    now = out.event_time + MINUTE

    first = await plan(session, store, applied, now)
    second = await plan(session, store, applied, now)

    assert [m.intent for m in first] == ["out_for_delivery"]
    assert second == []
    assert [intent for intent, _ in await intents(session)].count("out_for_delivery") == 1


async def test_each_delivery_attempt_is_its_own_message(
    session: AsyncSession, store: Store
) -> None:
    await shipped(session, store)
    out = event("clickpost", "forward_6_out_for_delivery_in")
    for ev in (out, event("clickpost", "forward_9_failed_delivery_in"), later(out, 24)):
        await handle(session, store, ev)

    messages = [
        m
        for m in await outbox(session)
        if m.milestone in ("out_for_delivery", "delivery_attempt_failed")
    ]
    assert [(m.intent, m.dedup_key.rsplit(":", 2)[1:]) for m in messages] == [
        ("out_for_delivery", ["out_for_delivery", "1"]),
        ("delivery_attempt_failed", ["delivery_attempt_failed", "1"]),
        ("out_for_delivery", ["out_for_delivery", "2"]),
    ]


# --- staleness ----------------------------------------------------------------------------------


async def test_a_deferred_out_for_delivery_message_is_withdrawn_as_stale_once_delivered(
    session: AsyncSession, store: Store
) -> None:
    await shipped(session, store)
    out = event("clickpost", "forward_6_out_for_delivery_in")
    [waiting] = await handle(session, store, out)
    waiting.not_before = out.event_time + timedelta(hours=10)  # held for quiet hours, say
    delivered = event("clickpost", "forward_8_delivered_in")

    await handle(session, store, delivered)

    assert waiting.state == "withdrawn"
    [withdrawal] = await events_of(session, waiting)
    assert (withdrawal.kind, withdrawal.reason) == ("withdrawn", "stale")
    assert withdrawal.detail == "out_for_delivery is no longer the current state"
    assert dict(await intents(session))["delivered"] == "scheduled"


# --- store overrides ----------------------------------------------------------------------------


async def test_a_step_the_store_disabled_plans_nothing(session: AsyncSession, store: Store) -> None:
    step = await set_override(session, store.id, "dispatched", {"enabled": False})
    assert step.enabled is False

    await shipped(session, store)
    await handle(session, store, event("clickpost", "forward_6_out_for_delivery_in"))

    assert [intent for intent, _ in await intents(session)] == [
        "cod_confirmation",
        "out_for_delivery",
    ]


async def test_an_override_changes_only_its_own_step_and_merges_with_earlier_ones(
    session: AsyncSession, store: Store
) -> None:
    await set_override(session, store.id, "feedback_request", {"delay_minutes": 120})
    step = await set_override(session, store.id, "feedback_request", {"respect_quiet_hours": False})
    assert (step.delay, step.respect_quiet_hours) == (timedelta(hours=2), False)

    await shipped(session, store)
    delivered = event("clickpost", "forward_8_delivered_in")
    planned = await handle(session, store, delivered)

    feedback = next(m for m in planned if m.intent == "feedback_request")
    assert feedback.not_before == delivered.event_time + timedelta(hours=2)
    assert feedback.params["respect_quiet_hours"] is False
    delivered_message = next(m for m in planned if m.intent == "delivered")
    assert delivered_message.params["respect_quiet_hours"] is True


async def test_overrides_over_http_show_in_the_playbook_and_stop_the_messages(
    database_url: str,
) -> None:
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client)
        changed = await client.put(
            "/v1/journeys/cod_confirmation", json={"enabled": False}, headers=auth(key)
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["enabled"] is False

        playbook = (await client.get("/v1/journeys", headers=auth(key))).json()
        steps = {step["step"]: step for step in playbook}
        assert steps["cod_confirmation"]["enabled"] is False
        assert steps["order_confirmed"]["enabled"] is True
        assert steps["feedback_request"]["delay_minutes"] == 24 * 60

        answer = await client.post(
            "/v1/events",
            json={
                "id": "evt-1",
                "milestone": "order_confirmed",
                "event_time": "2026-11-22T10:00:00+05:30",
                "order": {
                    "external_id": "W-1",
                    "payment_method": "cod",
                    "customer": {"phone": "+91 98765 43210"},
                },
            },
            headers=auth(key),
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["milestones"] == ["order_confirmed"]
        assert answer.json()["messages"] == 0
        order = (await client.get("/v1/orders/W-1", headers=auth(key))).json()
        assert order["messages"] == []


@pytest.mark.parametrize(
    ("step", "changes", "reason"),
    [
        ("no_such_step", {"enabled": False}, "unknown playbook step"),
        ("delivered", {"enabled": "no"}, "enabled must be true or false"),
        ("delivered", {"delay_minutes": -5}, "delay_minutes must be a whole number"),
        ("delivered", {"delay_minutes": 1.5}, "delay_minutes must be a whole number"),
        ("delivered", {"expires_after_minutes": 50_000}, "expires_after_minutes must be"),
        ("delivered", {"intent": "marketing_blast"}, "cannot change ['intent']"),
    ],
)
async def test_an_invalid_override_is_refused_with_the_reason(
    database_url: str, step: str, changes: dict[str, object], reason: str
) -> None:
    async with api_client(database_url, worker=False) as client:
        _, key = await new_store(client)
        response = await client.put(f"/v1/journeys/{step}", json=changes, headers=auth(key))
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert reason in error["message"]
        playbook = (await client.get("/v1/journeys", headers=auth(key))).json()
        assert all(s["enabled"] for s in playbook if s["step"] == "delivered")
