"""Apply a normalised `CommerceEvent` to orders, shipments, returns and refunds.

The state machines in `commerce.state` decide what an event means; this module finds or creates
the rows it concerns, records every offer in the timeline (accepted or not, and why), and returns
the milestones that were reached so `journeys` can plan messages. It flushes, never commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.events import CommerceEvent, CustomerFacts, OrderFacts, ShipmentFacts
from ordertalk.commerce.milestones import Milestone, Track
from ordertalk.commerce.models import Order, Refund, Return, Shipment, TimelineEntry, TrackedState
from ordertalk.commerce.state import (
    EntityState,
    Outcome,
    SideNotice,
    Transition,
    apply,
    track_accepts,
)
from ordertalk.contacts.phones import mask
from ordertalk.contacts.service import ensure_order_consent, upsert_contact
from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.errors import InvalidInput
from ordertalk.stores.models import Store

log = logging.getLogger(__name__)

Entity = Order | Shipment | Return | Refund


@dataclass(frozen=True, slots=True)
class Reached:
    """A milestone an entity has just reached (a domain event for `journeys`)."""

    track: Track
    entity_id: int
    order_id: int
    milestone: Milestone
    attempt_no: int
    notify: bool
    event_time: datetime


@dataclass(slots=True)
class Applied:
    """What one event did: milestones reached, rows whose facts changed, or why it was parked."""

    reached: list[Reached] = field(default_factory=list)
    touched: list[tuple[Track, int]] = field(default_factory=list)  # entities whose facts changed
    parked_key: str | None = None  # set when the event waits for a row that does not exist yet
    new_tracking_numbers: list[str] = field(default_factory=list)  # may release parked events


def awb_key(tracking_number: str) -> str:
    """The parking key of an event that waits for a shipment with this tracking number."""
    return f"awb:{tracking_number}"


def state_of(
    row: TrackedState,
    counts: tuple[tuple[Milestone, int], ...] = (),
    notices: tuple[SideNotice, ...] = (),
) -> EntityState:
    """The state machine's view of a row (`counts` and `notices` come from its timeline)."""
    return EntityState(
        side_notices=notices,
        milestone=Milestone(row.milestone) if row.milestone else None,
        rank=row.rank or 0,
        at=row.milestone_at,
        side=Milestone(row.side_state) if row.side_state else None,
        side_reason=row.side_reason,
        side_at=row.side_at,
        counts=counts,
        needs_review=bool(getattr(row, "needs_review", False)),
    )


def _store_state(row: TrackedState, state: EntityState) -> None:
    row.milestone = state.milestone.value if state.milestone else None
    row.rank = state.rank
    row.milestone_at = state.at
    row.side_state = state.side.value if state.side else None
    row.side_reason = state.side_reason
    row.side_at = state.side_at
    if isinstance(row, Shipment):
        row.attempts = state.count(Milestone.DELIVERY_ATTEMPT_FAILED)
        row.needs_review = state.needs_review


async def _history(
    session: AsyncSession, track: Track, entity_id: int
) -> tuple[tuple[tuple[Milestone, int], ...], tuple[SideNotice, ...]]:
    """From the entity's timeline: how often each milestone was accepted (band milestones and
    side-states repeat), and when each (side-state, reason) was last notified."""
    rows = await session.execute(
        select(TimelineEntry.milestone, TimelineEntry.outcome, TimelineEntry.detail,
               TimelineEntry.event_time)
        .where(
            TimelineEntry.entity == track.value,
            TimelineEntry.entity_id == entity_id,
            TimelineEntry.outcome.in_(
                [Outcome.ADVANCED.value, Outcome.REVIEW.value, Outcome.SIDE_STATE.value]
            ),
        )
        .order_by(TimelineEntry.id)
    )  # fmt: skip
    counts: dict[Milestone, int] = {}
    notices: dict[tuple[Milestone, str | None], datetime] = {}
    for milestone, outcome, detail, event_time in rows:
        if not milestone:
            continue
        counts[Milestone(milestone)] = counts.get(Milestone(milestone), 0) + 1
        if outcome == Outcome.SIDE_STATE.value:
            notices[(Milestone(milestone), detail)] = event_time
    return tuple(counts.items()), tuple((m, r, at) for (m, r), at in notices.items())


class CommerceService:
    """Applies events for one store (every query is scoped to it)."""

    def __init__(self, session: AsyncSession, store: Store) -> None:
        self.session = session
        self.store = store

    async def apply(self, event: CommerceEvent, raw_event_id: int | None = None) -> Applied:
        """Apply one event; never raises for business reasons (unknown rows park the event)."""
        applied = Applied()
        order = await self._order(event.order, event, applied) if event.order else None
        target: Entity | None
        track: Track
        if event.shipment is not None:
            target = await self._shipment(event.shipment, order, applied)
            track = Track.SHIPMENT
        elif event.return_ is not None:
            target = await self._return(event, order, applied)
            track = Track.RETURN
        elif event.refund is not None:
            target = await self._refund(event, order, applied)
            track = Track.REFUND
        else:
            target, track = order, Track.ORDER
        if target is None:
            return applied
        await self._offer(target, track, event, raw_event_id, applied)
        return applied

    # -- finding and creating rows -------------------------------------------------------

    async def _order_by_external(self, external_id: str) -> Order | None:
        return await self.session.scalar(
            select(Order).where(Order.store_id == self.store.id, Order.external_id == external_id)
        )

    async def _order_stub(self, external_id: str) -> Order:
        """An order seen first through a shipment or refund; later store events fill it in."""
        order = await self._order_by_external(external_id)
        if order is None:
            await self._create(Order, external_id=external_id, items=[])
            order = await self._order_by_external(external_id)
            assert order is not None
        return order

    async def _create(self, model: type[Entity], **values: object) -> None:
        """Insert a row unless one with its (store, external id) exists already.

        Two deliveries about one new order (created and cancelled, say) can be processed at
        the same moment: both try to create it, one wins, and the other carries on with it.
        """
        await insert_or_ignore(
            self.session,
            model,
            {"store_id": self.store.id, **values},
            ["store_id", "external_id"],
        )

    async def _order(self, facts: OrderFacts, event: CommerceEvent, applied: Applied) -> Order:
        order = await self._order_stub(facts.external_id)
        changed = False
        for name in ("name", "currency", "total", "status_url", "invoice_url", "placed_at"):
            value = getattr(facts, name)
            if value is not None and getattr(order, name) != value:
                setattr(order, name, value)
                changed = True
        if facts.items is not None:
            order.items = [item.model_dump(mode="json") for item in facts.items]
        if facts.payment_method is not None:
            order.payment_method = facts.payment_method.value
        if facts.payment_status is not None and order.payment_status != facts.payment_status:
            order.payment_status = facts.payment_status.value
            changed = True
        if facts.customer is not None:
            await self._customer(order, facts.customer, event)
        order.updated_at = utcnow()
        if changed:
            applied.touched.append((Track.ORDER, order.id))
        await self.session.flush()
        return order

    async def _customer(self, order: Order, customer: CustomerFacts, event: CommerceEvent) -> None:
        if customer.name:
            order.customer_name = customer.name
        if not customer.phone:
            return
        try:
            try:
                contact = await upsert_contact(
                    self.session,
                    self.store,
                    phone=customer.phone,
                    name=customer.name,
                    language=customer.language,
                    region=customer.country,
                )
            except InvalidInput:
                # A locale or country we don't know must not cost the customer their updates:
                # the number alone, read in the store's country, still reaches them.
                contact = await upsert_contact(
                    self.session, self.store, phone=customer.phone, name=customer.name
                )
        except InvalidInput as exc:
            # The order still counts; it just has nobody to message. The timeline says why.
            self._note(order, Track.ORDER, order.id, event, None, "no_contact", exc.message)
            return
        order.contact_id = contact.id
        await ensure_order_consent(
            self.session,
            self.store,
            contact,
            event.event_time,
            {"order": order.external_id, "source": event.source},
        )
        log.debug("order %s belongs to %s", order.external_id, mask(contact.phone))

    async def _shipment(
        self, facts: ShipmentFacts, order: Order | None, applied: Applied
    ) -> Shipment | None:
        shipment = None
        if facts.external_id:
            shipment = await self.session.scalar(
                select(Shipment).where(
                    Shipment.store_id == self.store.id, Shipment.external_id == facts.external_id
                )
            )
        if shipment is None and facts.tracking_number:
            shipment = await self.session.scalar(
                select(Shipment)
                .where(
                    Shipment.store_id == self.store.id,
                    Shipment.tracking_number == facts.tracking_number,
                )
                .order_by(Shipment.id.desc())
                .limit(1)
            )
        if shipment is None:
            if order is None and facts.order_external_id:
                order = await self._order_stub(facts.order_external_id)
            if order is None:
                # A carrier update for a parcel no store event has told us about yet.
                if facts.tracking_number:
                    applied.parked_key = awb_key(facts.tracking_number)
                else:
                    applied.parked_key = "unmatched"
                return None
            external_id = facts.external_id or facts.tracking_number or f"order-{order.id}"
            await self._create(Shipment, order_id=order.id, external_id=external_id)
            shipment = await self.session.scalar(
                select(Shipment).where(
                    Shipment.store_id == self.store.id, Shipment.external_id == external_id
                )
            )
            assert shipment is not None
        changed = False
        if shipment.carrier and facts.carrier:
            # The store names the carrier for people ("Correios"); a tracking feed's slug
            # ("brazil-correios") is no improvement, so the first name given stays.
            facts = facts.model_copy(update={"carrier": None})
        for name in ("carrier", "tracking_number", "tracking_url", "edd"):
            value = getattr(facts, name)
            if value is not None and getattr(shipment, name) != value:
                if name == "tracking_number":
                    applied.new_tracking_numbers.append(value)
                setattr(shipment, name, value)
                changed = True
        await self.session.flush()
        if changed:
            applied.touched.append((Track.SHIPMENT, shipment.id))
        return shipment

    async def _return(
        self, event: CommerceEvent, order: Order | None, applied: Applied
    ) -> Return | None:
        facts = event.return_
        assert facts is not None
        row = await self.session.scalar(
            select(Return).where(
                Return.store_id == self.store.id, Return.external_id == facts.external_id
            )
        )
        if row is None:
            if order is None and facts.order_external_id:
                order = await self._order_stub(facts.order_external_id)
            if order is None:
                applied.parked_key = f"return:{facts.external_id}"
                return None
            await self._create(
                Return,
                order_id=order.id,
                external_id=facts.external_id,
                kind=facts.kind.value,
                items=[],
            )
            row = await self.session.scalar(
                select(Return).where(
                    Return.store_id == self.store.id, Return.external_id == facts.external_id
                )
            )
            assert row is not None
        if facts.reason:
            row.reason = facts.reason
        if facts.items is not None:
            row.items = [item.model_dump(mode="json") for item in facts.items]
        if facts.tracking_number:
            row.tracking_number = facts.tracking_number
        await self.session.flush()
        return row

    async def _refund(
        self, event: CommerceEvent, order: Order | None, applied: Applied
    ) -> Refund | None:
        facts = event.refund
        assert facts is not None
        row = await self.session.scalar(
            select(Refund).where(
                Refund.store_id == self.store.id, Refund.external_id == facts.external_id
            )
        )
        if row is None:
            order = order or await self._order_stub(facts.order_external_id)
            return_id = None
            if facts.return_external_id:
                linked = await self.session.scalar(
                    select(Return.id).where(
                        Return.store_id == self.store.id,
                        Return.external_id == facts.return_external_id,
                    )
                )
                return_id = linked
            await self._create(
                Refund, order_id=order.id, external_id=facts.external_id, return_id=return_id
            )
            row = await self.session.scalar(
                select(Refund).where(
                    Refund.store_id == self.store.id, Refund.external_id == facts.external_id
                )
            )
            assert row is not None
        if facts.amount is not None:
            row.amount = facts.amount
        if facts.currency:
            row.currency = facts.currency
        await self.session.flush()
        return row

    # -- the state machine ---------------------------------------------------------------

    async def _offer(
        self,
        row: Entity,
        track: Track,
        event: CommerceEvent,
        raw_event_id: int | None,
        applied: Applied,
    ) -> None:
        order_id = row.id if isinstance(row, Order) else row.order_id
        if event.milestone is not None and not track_accepts(track, event.milestone):
            self._note(row, track, order_id, event, raw_event_id, Outcome.WRONG_TRACK.value, None)
            return
        state = state_of(row, *await _history(self.session, track, row.id))
        transition: Transition = apply(
            state, event.milestone, event.event_time, event.detail, track=track
        )
        _store_state(row, transition.state)
        self._note(
            row, track, order_id, event, raw_event_id, transition.outcome.value, event.detail
        )
        if event.milestone is None:
            log.info(
                "unknown %s status %r for %s %s: logged, not notified",
                event.source,
                event.raw_status,
                track.value,
                row.id,
            )
        if transition.outcome in (Outcome.ADVANCED, Outcome.SIDE_STATE, Outcome.SIDE_THROTTLED):
            assert event.milestone is not None
            applied.reached.append(
                Reached(
                    track=track,
                    entity_id=row.id,
                    order_id=order_id,
                    milestone=event.milestone,
                    attempt_no=max(transition.attempt_no, 1),
                    notify=transition.notify,
                    event_time=event.event_time,
                )
            )
        if transition.outcome is Outcome.ADVANCED:
            applied.touched.append((track, row.id))
        await self.session.flush()

    def _note(
        self,
        row: Entity,
        track: Track,
        order_id: int,
        event: CommerceEvent,
        raw_event_id: int | None,
        outcome: str,
        detail: str | None,
    ) -> None:
        self.session.add(
            TimelineEntry(
                store_id=self.store.id,
                order_id=order_id,
                entity=track.value,
                entity_id=row.id,
                milestone=event.milestone.value if event.milestone else None,
                raw_status=(event.raw_status or "")[:200] or None,
                source=event.source,
                event_time=event.event_time,
                outcome=outcome,
                detail=(detail or "")[:500] or None,
                raw_event_id=raw_event_id,
            )
        )
