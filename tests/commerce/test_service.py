"""`CommerceService` on a real database: rows found or created, the timeline, reached milestones.

The story is Shopify order 5302002002 (COD, Priya, +91 98765 43210), its Delhivery parcel
(AWB 4210610508756) scanned through ClickPost, and a return of part of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import (
    CommerceEvent,
    CustomerFacts,
    OrderFacts,
    ReturnFacts,
    ShipmentFacts,
)
from ordertalk.commerce.milestones import Milestone, Track
from ordertalk.commerce.models import Order, Refund, Return, Shipment, TimelineEntry
from ordertalk.commerce.service import Applied, CommerceService, awb_key
from ordertalk.commerce.state import Outcome
from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.integrations.base import Delivery
from ordertalk.integrations.models import RawEvent
from ordertalk.integrations.service import RawState, apply_events, store_raw
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from tests.api_support import database_session
from tests.database import fresh_database
from tests.integrations.fixtures import delivery, load, normalise, only

pytestmark = pytest.mark.database

M = Milestone
ORDER = "5302002002"
AWB = "4210610508756"
PRIYA = "+919876543210"
# An EasyPost parcel whose scans name no order: only its tracking number.
USPS = "9400111899223033005048"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


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


@pytest.fixture
def commerce(session: AsyncSession, store: Store) -> CommerceService:
    return CommerceService(session, store)


def event(source: str, name: str) -> CommerceEvent:
    """The one event a fixture normalises to."""
    return only(normalise(source, name))


def later(ev: CommerceEvent, hours: float) -> CommerceEvent:
    """The same report, `hours` later (the carrier scanned it again)."""
    return ev.model_copy(update={"event_time": ev.event_time + timedelta(hours=hours)})


async def order_row(session: AsyncSession, store: Store, external_id: str) -> Order:
    order = await session.scalar(
        select(Order).where(Order.store_id == store.id, Order.external_id == external_id)
    )
    assert order is not None, f"no order {external_id}"
    return order


async def timeline(session: AsyncSession, order: Order) -> list[tuple[str, str | None, str]]:
    """The order's timeline in arrival order, as (entity, milestone, outcome)."""
    rows = await session.scalars(
        select(TimelineEntry).where(TimelineEntry.order_id == order.id).order_by(TimelineEntry.id)
    )
    return [(row.entity, row.milestone, row.outcome) for row in rows]


def reached(applied: Applied) -> list[tuple[Milestone, int, bool]]:
    return [(r.milestone, r.attempt_no, r.notify) for r in applied.reached]


async def shipped(commerce: CommerceService) -> Applied:
    """Order 5302002002 placed, then fulfilled with Delhivery AWB 4210610508756."""
    await commerce.apply(event("shopify", "orders_create_cod_in"))
    return await commerce.apply(event("shopify", "fulfillments_create_in"))


# --- orders and their contact -------------------------------------------------------------------


async def test_an_order_is_created_from_its_facts_with_the_customer_as_an_e164_contact(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    applied = await commerce.apply(event("shopify", "orders_create_cod_in"))

    order = await order_row(session, store, ORDER)
    assert (order.name, order.currency, str(order.total)) == ("#2041", "INR", "1499.00")
    assert (order.payment_method, order.payment_status) == ("cod", "pending")
    assert [item["sku"] for item in order.items] == ["KRT-IND-L", "DPT-01"]
    assert order.customer_name == "Priya Sharma"
    assert (order.milestone, order.rank) == ("order_confirmed", 10)
    contact = await session.get(Contact, order.contact_id)
    assert contact is not None
    assert (contact.phone, contact.wa_id, contact.timezone) == (
        PRIYA,
        "919876543210",
        "Asia/Kolkata",
    )
    assert contact.language == "hi"
    assert reached(applied) == [(M.ORDER_CONFIRMED, 1, True)]
    assert applied.reached[0].order_id == order.id
    assert (Track.ORDER, order.id) in applied.touched
    assert await timeline(session, order) == [("order", "order_confirmed", "advanced")]


async def test_checkout_is_recorded_as_utility_consent_once_per_customer(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await commerce.apply(event("shopify", "orders_create_cod_in"))
    second = event("shopify", "orders_create_cod_in")
    assert second.order is not None
    await commerce.apply(
        second.model_copy(
            update={"order": second.order.model_copy(update={"external_id": "5302002003"})}
        )
    )

    first = await order_row(session, store, ORDER)
    other = await order_row(session, store, "5302002003")
    assert first.contact_id is not None
    assert first.contact_id == other.contact_id  # one customer, two orders
    ledger = list(await session.scalars(select(ConsentEvent)))
    assert [(row.purpose, row.granted, row.source) for row in ledger] == [
        ("utility", True, "checkout_implied")
    ]
    assert ledger[0].evidence == {"order": ORDER, "source": "shopify"}
    contact = await session.get(Contact, ledger[0].contact_id)
    assert contact is not None
    assert contact.utility_consent is True


async def test_an_invalid_phone_leaves_the_order_without_a_contact_and_says_why(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    placed = CommerceEvent(
        source="api",
        milestone=M.ORDER_CONFIRMED,
        event_time=NOW,
        order=OrderFacts(
            external_id="A-1",
            customer=CustomerFacts(phone="12345", name="Nobody", country="IN"),
        ),
    )

    applied = await commerce.apply(placed)  # never raises for a customer's typo

    order = await order_row(session, store, "A-1")
    assert order.contact_id is None
    assert order.customer_name == "Nobody"
    assert await session.scalar(select(func.count(Contact.id))) == 0
    assert await timeline(session, order) == [
        ("order", "order_confirmed", "no_contact"),
        ("order", "order_confirmed", "advanced"),
    ]
    note = await session.scalar(select(TimelineEntry).where(TimelineEntry.outcome == "no_contact"))
    assert note is not None
    assert note.detail is not None
    assert "phone" in note.detail
    assert reached(applied) == [(M.ORDER_CONFIRMED, 1, True)]  # the order still counts


async def test_a_status_the_mapping_does_not_know_is_logged_in_the_timeline_not_reached(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await commerce.apply(event("woocommerce", "order_created_cod_in"))  # order 731
    custom = event("woocommerce", "order_updated_custom_status_in")
    assert custom.milestone is None
    custom = custom.model_copy(
        update={"order": OrderFacts(external_id="731"), "raw_status": "partially-shipped"}
    )

    applied = await commerce.apply(custom)

    order = await order_row(session, store, "731")
    assert applied.reached == []
    assert order.milestone == "order_confirmed"  # unchanged
    entry = (
        await session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.order_id == order.id)
            .order_by(TimelineEntry.id.desc())
        )
    ).first()
    assert entry is not None
    assert (entry.milestone, entry.raw_status, entry.outcome) == (
        None,
        "partially-shipped",
        Outcome.UNKNOWN.value,
    )


# --- shipments ----------------------------------------------------------------------------------


async def test_a_shipment_for_an_order_not_seen_yet_creates_a_stub_order(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    applied = await commerce.apply(event("shopify", "fulfillments_create_in"))

    order = await order_row(session, store, ORDER)
    assert (order.name, order.contact_id, order.items, order.milestone) == (None, None, [], None)
    shipment = await session.scalar(select(Shipment).where(Shipment.order_id == order.id))
    assert shipment is not None
    assert (shipment.external_id, shipment.carrier, shipment.tracking_number) == (
        "4401001",
        "Delhivery",
        AWB,
    )
    assert (shipment.milestone, shipment.rank) == ("dispatched", 30)
    assert reached(applied) == [(M.DISPATCHED, 1, True)]
    assert applied.new_tracking_numbers == [AWB]
    assert applied.parked_key is None

    # The store's own order event fills the stub in instead of making a second order.
    await commerce.apply(event("shopify", "orders_create_cod_in"))
    assert await session.scalar(select(func.count(Order.id))) == 1
    assert order.name == "#2041"
    assert order.contact_id is not None


async def test_carrier_scans_find_the_parcel_by_tracking_number(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await shipped(commerce)

    applied = await commerce.apply(event("clickpost", "forward_6_out_for_delivery_in"))

    assert await session.scalar(select(func.count(Shipment.id))) == 1
    shipment = await session.scalar(select(Shipment))
    assert shipment is not None
    assert shipment.milestone == "out_for_delivery"
    assert shipment.carrier == "Delhivery"  # the store's name for it stays
    assert reached(applied) == [(M.OUT_FOR_DELIVERY, 1, True)]


async def test_duplicate_older_and_after_terminal_events_are_kept_in_the_timeline_and_reach_nothing(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await shipped(commerce)
    offers = [
        ("clickpost", "forward_4_picked_up_in"),  # dispatched again, later: duplicate
        ("clickpost", "forward_6_out_for_delivery_in"),
        ("shopify", "fulfillments_update_out_for_delivery_in"),  # same scan via Shopify
        ("clickpost", "forward_8_delivered_in"),
        ("clickpost", "forward_9_failed_delivery_in"),  # stamped before delivery, came after
        ("clickpost", "forward_8_delivered_in"),  # the carrier re-sends its webhook
    ]
    results = [await commerce.apply(event(source, name)) for source, name in offers]

    assert [reached(a) for a in results] == [
        [],
        [(M.OUT_FOR_DELIVERY, 1, True)],
        [],
        [(M.DELIVERED, 1, True)],
        [],
        [],
    ]
    order = await order_row(session, store, ORDER)
    assert [(m, o) for e, m, o in await timeline(session, order) if e == "shipment"] == [
        ("dispatched", "advanced"),
        ("dispatched", "duplicate"),
        ("out_for_delivery", "advanced"),
        ("out_for_delivery", "duplicate"),
        ("delivered", "advanced"),
        ("delivery_attempt_failed", "after_terminal"),
        ("delivered", "duplicate"),
    ]
    shipment = await session.scalar(select(Shipment))
    assert shipment is not None
    assert (shipment.milestone, shipment.attempts) == ("delivered", 0)


async def test_an_older_scan_arriving_late_is_recorded_as_older(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await shipped(commerce)
    await commerce.apply(event("clickpost", "forward_6_out_for_delivery_in"))

    scans = normalise("clickpost", "forward_outer_5_latest_8_in")  # in transit, then delivered
    applied = [await commerce.apply(scan) for scan in scans]

    assert [reached(a) for a in applied] == [[], [(M.DELIVERED, 1, True)]]
    order = await order_row(session, store, ORDER)
    assert ("shipment", "in_transit", "older") in await timeline(session, order)


async def test_out_for_delivery_then_a_failed_attempt_then_out_again_counts_attempts_1_1_2(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await shipped(commerce)
    out = event("clickpost", "forward_6_out_for_delivery_in")
    failed = event("clickpost", "forward_9_failed_delivery_in")

    steps = [await commerce.apply(e) for e in (out, failed, later(out, 24))]

    assert [reached(a) for a in steps] == [
        [(M.OUT_FOR_DELIVERY, 1, True)],
        [(M.DELIVERY_ATTEMPT_FAILED, 1, True)],
        [(M.OUT_FOR_DELIVERY, 2, True)],
    ]
    shipment = await session.scalar(select(Shipment))
    assert shipment is not None
    assert (shipment.milestone, shipment.attempts) == ("out_for_delivery", 1)
    assert shipment.side_reason is None
    entry = await session.scalar(
        select(TimelineEntry).where(TimelineEntry.milestone == "delivery_attempt_failed")
    )
    assert entry is not None
    assert entry.detail == "Consignee unavailable"


# --- parking: a carrier event before the store told us about the parcel --------------------------


async def test_a_scan_naming_only_an_unknown_tracking_number_is_parked(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    applied = await commerce.apply(event("easypost", "out_for_delivery_us"))

    assert applied.parked_key == awb_key(USPS) == f"awb:{USPS}"
    assert applied.reached == []
    assert await session.scalar(select(func.count(Order.id))) == 0
    assert await session.scalar(select(func.count(Shipment.id))) == 0
    assert await session.scalar(select(func.count(TimelineEntry.id))) == 0


async def _raw(session: AsyncSession, store: Store, source: str, raw: bytes) -> RawEvent:
    row, new = await store_raw(
        session, store, source, Delivery(raw=raw, headers={}, query={}), None
    )
    assert new
    return row


async def test_a_parked_scan_is_processed_when_a_fulfillment_brings_its_tracking_number(
    session: AsyncSession, store: Store
) -> None:
    # EasyPost says the parcel is out for delivery; nobody has told us about the parcel yet.
    scan_delivery = delivery("easypost", "out_for_delivery_us")
    scan_raw = await _raw(session, store, "easypost", scan_delivery.raw)
    parked = await apply_events(session, store, scan_raw, normalise("easypost", scan_delivery), NOW)
    assert parked.parked
    assert parked.released == 0
    assert (scan_raw.state, scan_raw.parked_key) == (RawState.PARKED, f"awb:{USPS}")

    # Then the store ships order 5301001001 with that tracking number.
    await apply_events(
        session,
        store,
        await _raw(session, store, "shopify", load("shopify", "orders_create_prepaid_us")),
        normalise("shopify", "orders_create_prepaid_us"),
        NOW,
    )
    fulfillment = CommerceEvent(
        source="shopify",
        milestone=M.DISPATCHED,
        raw_status="success",
        event_time=datetime(2026, 1, 9, 9, 0, tzinfo=UTC),
        shipment=ShipmentFacts(
            external_id="4409001",
            order_external_id="5301001001",
            carrier="USPS",
            tracking_number=USPS,
        ),
    )
    fulfillment_raw = await _raw(session, store, "shopify", b'{"id": 4409001}')
    outcome = await apply_events(session, store, fulfillment_raw, [fulfillment], NOW)

    assert outcome.released == 1
    assert (scan_raw.state, scan_raw.parked_key) == (RawState.PROCESSED, None)
    assert scan_raw.processed_at == NOW
    shipment = await session.scalar(select(Shipment).where(Shipment.tracking_number == USPS))
    assert shipment is not None
    assert shipment.milestone == "out_for_delivery"  # the parked scan was applied
    order = await order_row(session, store, "5301001001")
    assert [(e, m, o) for e, m, o in await timeline(session, order) if e == "shipment"] == [
        ("shipment", "dispatched", "advanced"),
        ("shipment", "out_for_delivery", "advanced"),
    ]
    entry = await session.scalar(
        select(TimelineEntry).where(TimelineEntry.milestone == "out_for_delivery")
    )
    assert entry is not None
    assert entry.raw_event_id == scan_raw.id


# --- returns and refunds ------------------------------------------------------------------------


async def test_a_return_links_to_its_order_and_moves_along_the_return_track(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await shipped(commerce)
    await commerce.apply(event("clickpost", "forward_8_delivered_in"))

    requested = await commerce.apply(event("clickpost", "returns_101_placed_in"))
    approved = await commerce.apply(event("clickpost", "returns_102_approved_in"))
    pickup = await commerce.apply(event("clickpost", "reverse_25_out_for_pickup_in"))

    order = await order_row(session, store, ORDER)
    row = await session.scalar(select(Return))
    assert row is not None
    assert (row.order_id, row.external_id, row.kind, row.reason) == (
        order.id,
        "RET-2041-01",
        "return",
        "Size too small",
    )
    assert row.tracking_number == "14231710045678"
    assert (row.milestone, row.rank) == ("return_pickup_scheduled", 30)
    assert [reached(a) for a in (requested, approved, pickup)] == [
        [(M.RETURN_REQUESTED, 1, True)],
        [(M.RETURN_APPROVED, 1, True)],
        [(M.RETURN_PICKUP_SCHEDULED, 1, True)],
    ]
    assert {r.track for a in (requested, approved, pickup) for r in a.reached} == {Track.RETURN}
    assert all(r.order_id == order.id for a in (requested, pickup) for r in a.reached)
    shipment = await session.scalar(select(Shipment))
    assert shipment is not None
    assert shipment.milestone == "delivered"


async def test_a_refund_links_to_its_order_and_to_the_return_it_pays_for(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await commerce.apply(event("shopify", "orders_create_authorized_es"))  # order 5305005005
    await commerce.apply(
        CommerceEvent(
            source="api",
            milestone=M.RETURN_REQUESTED,
            event_time=datetime(2026, 5, 16, 10, 0, tzinfo=UTC),
            return_=ReturnFacts(external_id="9905005", order_external_id="5305005005"),
        )
    )

    applied = await commerce.apply(event("shopify", "refunds_create_success_es"))

    order = await order_row(session, store, "5305005005")
    returned = await session.scalar(select(Return))
    refund = await session.scalar(select(Refund))
    assert returned is not None
    assert refund is not None
    assert (refund.order_id, refund.return_id) == (order.id, returned.id)
    assert (str(refund.amount), refund.currency) == ("74.50", "EUR")
    assert refund.milestone == "refund_completed"
    assert reached(applied) == [(M.REFUND_COMPLETED, 1, True)]
    assert applied.reached[0].track is Track.REFUND


async def test_a_refund_for_an_order_not_seen_yet_hangs_on_a_stub_order(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    applied = await commerce.apply(event("shopify", "refunds_create_pending_br"))

    order = await order_row(session, store, "5303003003")
    refund = await session.scalar(select(Refund))
    assert refund is not None
    assert (refund.order_id, refund.return_id, refund.milestone) == (
        order.id,
        None,
        "refund_initiated",
    )
    assert reached(applied) == [(M.REFUND_INITIATED, 1, True)]


async def test_a_milestone_of_another_track_is_recorded_as_wrong_track(
    session: AsyncSession, store: Store, commerce: CommerceService
) -> None:
    await shipped(commerce)
    wrong = event("clickpost", "forward_8_delivered_in").model_copy(
        update={"milestone": M.REFUND_COMPLETED}
    )

    applied = await commerce.apply(wrong)

    assert applied.reached == []
    shipment = await session.scalar(select(Shipment))
    assert shipment is not None
    assert shipment.milestone == "dispatched"
    order = await order_row(session, store, ORDER)
    assert ("shipment", "refund_completed", "wrong_track") in await timeline(session, order)
