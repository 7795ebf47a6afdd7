"""Which approved templates an agent can send about a customer's order, and how they read.

Outside the 24-hour service window an agent can only send an approved template, and only one
that is true now: the one the playbook sends at each entity's current milestone (the parcel is
out for delivery: `out_for_delivery`; the refund went through: `refund_completed`). A template
is offered when Meta approved it in the customer's language (or the fallback the dispatcher
would use) and it renders from the order as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.commerce.milestones import Milestone, Track
from ordertalk.commerce.models import Order, Refund, Return, Shipment
from ordertalk.contacts.models import Contact
from ordertalk.journeys import playbook
from ordertalk.journeys.playbook import Step
from ordertalk.messaging.context import render_context
from ordertalk.messaging.models import OutboundMessage
from ordertalk.policy.decisions import Form, Purpose
from ordertalk.stores.models import Store
from ordertalk.templates.registry import REGISTRY, TemplateDef
from ordertalk.templates.render import RenderError, choose_language, render
from ordertalk.templates.service import template_state

log = logging.getLogger(__name__)

APPROVED = "APPROVED"

_STEPS_AT: dict[Milestone, list[Step]] = {}
for _step in playbook.DEFAULT_STEPS:
    if _step.milestone is not None:
        _STEPS_AT.setdefault(_step.milestone, []).append(_step)


@dataclass(frozen=True, slots=True)
class Fit:
    """A template that is true of an entity of the order now, and what Meta says about it."""

    defn: TemplateDef
    step: str
    order: Order
    entity: Track
    entity_id: int
    milestone: str | None
    event_time: datetime | None
    language: str
    status: str  # Meta's review status in `language`, NOT_SUBMITTED when never pushed
    preview: str | None  # None: it cannot be rendered from the order as it is

    @property
    def sendable(self) -> bool:
        """Approved and renderable: an agent can send it now."""
        return self.status == APPROVED and self.preview is not None

    def outbox_row(self, contact: Contact, store: Store) -> OutboundMessage:
        """The outbox row that sends it (not added to any session)."""
        return OutboundMessage(
            store_id=store.id,
            contact_id=contact.id,
            order_id=self.order.id,
            entity=self.entity.value,
            entity_id=self.entity_id,
            milestone=self.milestone,
            intent=self.defn.key,
            purpose=Purpose.UTILITY.value,
            params=self.params(),
        )

    def params(self) -> dict[str, object]:
        """What the dispatcher needs besides the row: the step (for its relevance rules) and
        the milestone's time (a delivery time in `delivered`)."""
        params: dict[str, object] = {"step": self.step}
        if self.event_time is not None:
            params["event_time"] = self.event_time.isoformat()
        return params


def _intents(milestone: str | None, order: Order) -> list[Step]:
    """The playbook steps sent at this milestone (whether or not the store turned them off)."""
    if milestone is None:
        return []
    try:
        steps = _STEPS_AT.get(Milestone(milestone), [])
    except ValueError:
        return []
    if milestone == Milestone.ORDER_CONFIRMED.value:
        cod = order.payment_method == "cod" and order.cod_decision is None
        wanted = playbook.COD_CONFIRMATION if cod else "order_confirmed"
        steps = [s for s in steps if s.key == wanted]
    return steps


async def _candidates(
    session: AsyncSession, order: Order
) -> list[tuple[Step, Track, int, str | None, datetime | None]]:
    """Every (step, entity, milestone) true of the order now; later entities last."""
    found: list[tuple[Step, Track, int, str | None, datetime | None]] = []
    rows: list[tuple[Track, Shipment | Return | Refund]] = []
    cancelled = order.milestone == Milestone.CANCELLED.value
    shipments = list(
        await session.scalars(
            select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id)
        )
    )
    # Once a parcel is on its way, "your order is confirmed" (or "please pay") is old news; and
    # a cancelled order's parcels are not news any more, while its returns and refunds still are.
    confirmed = order.milestone == Milestone.ORDER_CONFIRMED.value and not any(
        s.milestone for s in shipments
    )
    if cancelled or confirmed:
        for step in _intents(order.milestone, order):
            found.append((step, Track.ORDER, order.id, order.milestone, order.milestone_at))
    if confirmed and order.invoice_url:
        invoice = playbook.DEFAULTS["order_confirmed"]
        found.append((replace(invoice, intent="order_confirmed_invoice"), Track.ORDER, order.id,
                      order.milestone, order.milestone_at))  # fmt: skip
    if confirmed and order.payment_method == "prepaid" and order.payment_status == "pending":
        reminder = playbook.DEFAULTS[playbook.PAYMENT_REMINDER]
        found.append((reminder, Track.ORDER, order.id, None, order.placed_at))
    if not cancelled:
        rows.extend((Track.SHIPMENT, row) for row in shipments)
    returns = await session.scalars(
        select(Return).where(Return.order_id == order.id).order_by(Return.id)
    )
    rows.extend((Track.RETURN, row) for row in returns)
    refunds = await session.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
    )
    rows.extend((Track.REFUND, row) for row in refunds)
    for track, row in rows:
        if row.side_state and row.rank < 90:  # a delay or exception on a parcel still moving
            for step in _intents(row.side_state, order):
                found.append((step, track, row.id, row.side_state, row.side_at))
        for step in _intents(row.milestone, order):
            found.append((step, track, row.id, row.milestone, row.milestone_at))
    return found


async def fitting_templates(
    session: AsyncSession, store: Store, contact: Contact, order: Order
) -> list[Fit]:
    """Templates true of the order now, one per template (its latest entity), with their review
    status and preview; `sendable` ones are what an agent may send."""
    by_key: dict[str, tuple[Step, Track, int, str | None, datetime | None]] = {}
    for candidate in await _candidates(session, order):
        step = candidate[0]
        defn = REGISTRY.get(step.intent)
        if defn is not None and defn.template:
            by_key[defn.key] = candidate  # a later parcel replaces an earlier one
    fits: list[Fit] = []
    for key, (step, track, entity_id, milestone, event_time) in by_key.items():
        defn = REGISTRY[key]
        language = choose_language(key, [contact.language, store.language])
        state = await template_state(session, store.id, defn.name, language)
        fit = Fit(
            defn=defn,
            step=step.key,
            order=order,
            entity=track,
            entity_id=entity_id,
            milestone=milestone,
            event_time=event_time,
            language=language,
            status=state.status if state is not None else "NOT_SUBMITTED",
            preview=None,
        )
        preview: str | None
        try:
            ctx = await render_context(session, store, contact, fit.outbox_row(contact, store))
            preview = render(key, Form.TEMPLATE, language, ctx).preview
        except RenderError as exc:
            log.info("template %s does not render for order %s: %s", key, order.id, exc.message)
            preview = None
        fits.append(replace(fit, preview=preview))
    return fits
