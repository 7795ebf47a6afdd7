"""From reached milestones to planned messages, and withdrawing messages whose reason has gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone, Track
from ordertalk.commerce.models import Order, Refund, Return, Shipment
from ordertalk.commerce.service import Applied, Reached
from ordertalk.journeys import playbook
from ordertalk.journeys.models import JourneyOverride
from ordertalk.journeys.playbook import Step
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import enqueue, note
from ordertalk.messaging.states import OPEN_STATES, MessageState
from ordertalk.policy.decisions import Reason
from ordertalk.stores.models import Store

_ROWS: dict[Track, type[Order] | type[Shipment] | type[Return] | type[Refund]] = {
    Track.ORDER: Order,
    Track.SHIPMENT: Shipment,
    Track.RETURN: Return,
    Track.REFUND: Refund,
}


async def effective_playbook(session: AsyncSession, store_id: str) -> dict[str, Step]:
    """The default playbook with this store's overrides applied."""
    overrides = {
        row.step: row.changes
        for row in await session.scalars(
            select(JourneyOverride).where(JourneyOverride.store_id == store_id)
        )
    }
    return {
        key: playbook.with_changes(step, overrides.get(key, {}))
        for key, step in playbook.DEFAULTS.items()
    }


async def set_override(
    session: AsyncSession, store_id: str, step: str, changes: dict[str, object]
) -> Step:
    """Change one step for one store (merged with earlier changes)."""
    clean = playbook.check_changes(step, dict(changes))
    row = await session.scalar(
        select(JourneyOverride).where(
            JourneyOverride.store_id == store_id, JourneyOverride.step == step
        )
    )
    if row is None:
        row = JourneyOverride(store_id=store_id, step=step, changes={})
        session.add(row)
    row.changes = {**row.changes, **clean}
    await session.flush()
    return playbook.with_changes(playbook.DEFAULTS[step], row.changes)


def _steps_for(steps: dict[str, Step], reached: Reached, order: Order) -> list[Step]:
    found = [s for s in steps.values() if s.milestone is reached.milestone]
    if reached.milestone is Milestone.ORDER_CONFIRMED:
        wanted = playbook.COD_CONFIRMATION if order.payment_method == "cod" else "order_confirmed"
        found = [s for s in found if s.key == wanted]
    return [s for s in found if s.enabled]


def _dedup_key(step: Step, reached: Reached) -> str:
    if step.key == playbook.FEEDBACK_REQUEST:
        return f"feedback:order:{reached.order_id}"  # one rating request per order
    if reached.milestone in (Milestone.DELAYED, Milestone.EXCEPTION):
        # Side-states repeat with new reasons; the state machine already throttled them.
        stamp = int(reached.event_time.timestamp())
        return f"{reached.track}:{reached.entity_id}:{reached.milestone}:{stamp}"
    return f"{reached.track}:{reached.entity_id}:{reached.milestone}:{reached.attempt_no}"


def _params(step: Step, event_time: datetime) -> dict[str, object]:
    params: dict[str, object] = {"step": step.key, "event_time": event_time.isoformat()}
    if step.expires_after is not None:
        params["expires_at"] = (event_time + step.delay + step.expires_after).isoformat()
    params["respect_quiet_hours"] = step.respect_quiet_hours
    return params


async def plan(
    session: AsyncSession, store: Store, applied: Applied, now: datetime
) -> list[OutboundMessage]:
    """Turn what an event did into outbox rows, then withdraw what it made pointless."""
    steps = await effective_playbook(session, store.id)
    planned: list[OutboundMessage] = []
    for reached in applied.reached:
        if not reached.notify:
            continue
        order = await session.get(Order, reached.order_id)
        if order is None or order.contact_id is None:
            continue
        for step in _steps_for(steps, reached, order):
            intent = step.intent
            if step.key == "order_confirmed" and order.invoice_url:
                intent = "order_confirmed_invoice"  # the PDF as the header, when approved
            not_before = max(now, reached.event_time + step.delay) if step.delay else now
            message = await enqueue(
                session,
                store_id=store.id,
                contact_id=order.contact_id,
                order_id=order.id,
                entity=reached.track.value,
                entity_id=reached.entity_id,
                milestone=reached.milestone.value,
                intent=intent,
                purpose=step.purpose,
                dedup_key=_dedup_key(step, reached),
                not_before=not_before,
                params=_params(step, reached.event_time),
            )
            if message is not None:
                planned.append(message)
    for track, entity_id in applied.touched:
        if track is Track.ORDER:
            reminder = await _payment_reminder(session, store, steps, entity_id, now)
            if reminder is not None:
                planned.append(reminder)
    await withdraw_stale(session, store.id, _entities(applied), now)
    return planned


def _entities(applied: Applied) -> set[tuple[Track, int]]:
    entities = set(applied.touched)
    entities.update((r.track, r.entity_id) for r in applied.reached)
    entities.update((Track.ORDER, r.order_id) for r in applied.reached)
    return entities


async def _payment_reminder(
    session: AsyncSession, store: Store, steps: dict[str, Step], order_id: int, now: datetime
) -> OutboundMessage | None:
    step = steps[playbook.PAYMENT_REMINDER]
    order = await session.get(Order, order_id)
    if not step.enabled or order is None or order.contact_id is None:
        return None
    if order.payment_method != "prepaid" or order.payment_status != "pending":
        return None
    if order.milestone == Milestone.CANCELLED.value:
        return None
    placed = order.placed_at or now
    return await enqueue(
        session,
        store_id=store.id,
        contact_id=order.contact_id,
        order_id=order.id,
        entity=Track.ORDER.value,
        entity_id=order.id,
        milestone=None,
        intent=step.intent,
        purpose=step.purpose,
        dedup_key=f"payment_reminder:order:{order.id}",
        not_before=max(now, placed + step.delay),
        params=_params(step, placed),
    )


async def relevance(session: AsyncSession, message: OutboundMessage) -> Reason | None:
    """None while the message still makes sense; else STALE or WITHDRAWN (the reason went away)."""
    if message.entity is None or message.entity_id is None:
        return None
    step = str(message.params.get("step", ""))
    row: Order | Shipment | Return | Refund | None = await session.get(
        _ROWS[Track(message.entity)], message.entity_id
    )
    if row is None:
        return Reason.WITHDRAWN
    order = row if isinstance(row, Order) else await session.get(Order, message.order_id)
    if step == playbook.PAYMENT_REMINDER:
        if order is None or order.payment_status != "pending":
            return Reason.WITHDRAWN
        if order.milestone == Milestone.CANCELLED.value:
            return Reason.WITHDRAWN
        return None
    if step == playbook.COD_CONFIRMATION:
        if order is None or order.cod_decision is not None:
            return Reason.WITHDRAWN
        if order.milestone == Milestone.CANCELLED.value:
            return Reason.WITHDRAWN
        return None
    if step == playbook.FEEDBACK_REQUEST:
        return None if row.milestone == Milestone.DELIVERED.value else Reason.WITHDRAWN
    if message.milestone in (Milestone.DELAYED.value, Milestone.EXCEPTION.value):
        if row.side_state != message.milestone or row.rank >= 90:
            return Reason.STALE
        return None
    return None if row.milestone == message.milestone else Reason.STALE


async def withdraw_stale(
    session: AsyncSession, store_id: str, entities: set[tuple[Track, int]], now: datetime
) -> int:
    """Withdraw scheduled messages about these entities that no longer make sense."""
    withdrawn = 0
    for track, entity_id in entities:
        conditions = [OutboundMessage.entity == track.value, OutboundMessage.entity_id == entity_id]
        rows = await session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.store_id == store_id,
                OutboundMessage.state.in_([state.value for state in OPEN_STATES]),
                # A row the dispatcher holds is its to decide: it checks relevance itself, and
                # withdrawing under it could be overwritten by its "sending".
                or_(OutboundMessage.lease_until.is_(None), OutboundMessage.lease_until < now),
                *conditions,
            )
        )
        for message in rows:
            reason = await relevance(session, message)
            if reason is None:
                continue
            message.state = MessageState.WITHDRAWN.value
            note(
                session,
                message,
                kind="withdrawn",
                outcome="withdrawn",
                reason=reason,
                at=now,
                detail=_why(message, reason),
            )
            withdrawn += 1
    await session.flush()
    return withdrawn


def _why(message: OutboundMessage, reason: Reason) -> str:
    if reason is Reason.STALE:
        return f"{message.milestone} is no longer the current state"
    return f"{message.params.get('step', message.intent)} is no longer needed"


def expires_at(message: OutboundMessage) -> datetime | None:
    """When a deferred message stops being worth sending."""
    raw = message.params.get("expires_at")
    return datetime.fromisoformat(str(raw)) if raw else None


def respects_quiet_hours(message: OutboundMessage) -> bool:
    """Whether this message waits for the end of quiet hours."""
    return bool(message.params.get("respect_quiet_hours", True))
