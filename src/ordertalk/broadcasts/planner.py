"""Planning a broadcast: its audience, chunk by chunk, through the send gate and the renderer
into the outbox.

For each chunk of contacts (keyset on id, plain rows, `CHUNK` at a time):
1. the marketing messages each contact had this week, in one grouped query;
2. per contact: the language the dispatcher will choose, then `policy.gate.decide` on the same
   facts the dispatcher gathers (consent from the contact's mirror of the ledger, reachability,
   the service window, the template's status and category in that language, the weekly
   marketing cap). A suppression skips the contact with its reason; so does a template not
   approved in the contact's language (a broadcast is for now, not for whenever Meta approves).
   Quiet hours and the messaging limit only say *when*: they stay the dispatcher's to apply at
   send time, so they are not asked here;
3. the message rendered in the contact's language (a value WhatsApp would refuse skips the
   contact as `render_failed`, never fails the broadcast);
4. the planned messages written by one INSERT … SELECT … ON CONFLICT DO NOTHING (only the
   contact ids are sent; messaging/outbox.enqueue_each): the dedup key
   `broadcast:<id>:<contact>` means planning the broadcast again (a retried request) never
   plans anyone twice;
5. the broadcast's counts updated, and the chunk committed.

The planner owns its transactions, one per chunk, as the dispatcher does: a large audience never
holds SQLite's write lock for long, the dispatcher can start on the first chunk at once, and a
crash loses at most the chunk in flight (planning again resumes: what was planned stays planned).
The dispatcher asks the gate again at send time, with everything that changed since.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.broadcasts import audience as audiences
from ordertalk.broadcasts.audience import Recipient
from ordertalk.broadcasts.models import Broadcast, BroadcastState
from ordertalk.broadcasts.service import template_statuses
from ordertalk.db import utcnow
from ordertalk.messaging.context import locale_for
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import enqueue_each
from ordertalk.policy.decisions import Defer, Purpose, Reason, Send, Suppress
from ordertalk.policy.gate import Budget, PolicyFacts, decide
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import REGISTRY, TemplateDef
from ordertalk.templates.render import RenderContext, RenderError, choose_language, render

log = logging.getLogger(__name__)

CHUNK = 2000
# The customer service window (messaging/dispatcher.py's WINDOW): inside it a message may go
# free-form, and the form decides what is rendered.
SERVICE_WINDOW = timedelta(hours=24)
MARKETING_WEEK = timedelta(days=7)
# The planner does not forecast the messaging limit (the dispatcher defers on it at send time):
# a budget that always has room leaves the gate's other rules to answer.
_NO_BUDGET_CHECK = Budget(used=0, limit=1, contact_counted=True, frees_at=None)


def dedup_prefix(broadcast_id: int) -> str:
    """What the outbox dedup keys of a broadcast's messages start with (then the contact id)."""
    return f"broadcast:{broadcast_id}:"


def dedup_key(broadcast_id: int, contact_id: int) -> str:
    """The outbox dedup key of a broadcast's message to one contact."""
    return f"{dedup_prefix(broadcast_id)}{contact_id}"


@dataclass(slots=True)
class Tally:
    """What one planning pass made of the audience so far."""

    audience: int = 0
    planned: int = 0  # new outbox rows
    already_planned: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class _Pass:
    """Everything that is the same for every contact of one planning pass."""

    store: Store
    broadcast: Broadcast
    defn: TemplateDef
    purpose: Purpose
    states: dict[str, TemplateStatus]
    now: datetime
    languages: dict[str, str] = field(default_factory=dict)  # contact language → chosen
    row_params: dict[str, Any] = field(default_factory=dict)

    @property
    def counts_marketing(self) -> bool:
        """Whether the weekly marketing cap applies (a re-categorised template counts too)."""
        return self.purpose is Purpose.MARKETING or any(
            state.category == "MARKETING" for state in self.states.values()
        )

    def language(self, contact_language: str) -> str:
        """The language the dispatcher will send in: the contact's, else the store's, else en."""
        chosen = self.languages.get(contact_language)
        if chosen is None:
            preferred = [contact_language, self.store.language]
            chosen = self.languages[contact_language] = choose_language(self.defn.key, preferred)
        return chosen

    def decide(self, contact: Recipient, sent_7d: int, language: str) -> Send | Defer | Suppress:
        """The gate's answer for this contact now (quiet hours and the budget left out)."""
        state = self.states.get(language)
        window = contact.last_inbound_at
        consent = (
            contact.marketing_consent
            if self.purpose is Purpose.MARKETING
            else contact.utility_consent
        )
        return decide(
            PolicyFacts(
                now=self.now,
                purpose=self.purpose,
                consent=consent,
                marketing_consent=contact.marketing_consent,
                implied_utility_consent=self.store.order_updates_consent == "implied",
                reachable=contact.reachable,
                window_until=window + SERVICE_WINDOW if window is not None else None,
                has_template=self.defn.template,
                has_freeform=self.defn.freeform,
                template_status=state.status if state else None,
                template_category=state.category if state else self.defn.category,
                quiet_hours=None,  # when, not whether: the dispatcher's
                timezone="UTC",  # only quiet hours read it
                respect_quiet_hours=False,
                marketing_sent_7d=sent_7d,
                marketing_cap_7d=self.store.marketing_cap_per_week,
                budget=_NO_BUDGET_CHECK,
                duplicate=False,
                still_relevant=True,
                expires_at=self.broadcast.expires_at,
            )
        )

    def renders(self, contact: Recipient, decision: Send, language: str) -> bool:
        """Whether the message renders for this contact, as the dispatcher will render it."""
        params = self.broadcast.params
        ctx = RenderContext(
            store_name=self.store.name,
            locale=locale_for(contact.language, contact.phone),
            timezone=contact.timezone,
            customer_name=contact.name,
            order_ref=dedup_key(self.broadcast.id, contact.id),
            offer=params.get("offer"),
            product=params.get("product"),
            shop_url=params.get("shop_url"),
        )
        try:
            render(self.defn.key, decision.form, language, ctx)
        except RenderError:
            return False
        return True


class BroadcastPlanner:
    """Plans broadcasts into the outbox, a chunk of the audience per transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] = utcnow,
        chunk: int = CHUNK,
    ) -> None:
        if chunk < 1:
            raise ValueError("chunk must be at least 1")
        self.sessions = sessions
        self.clock = clock
        self.chunk = chunk

    async def plan(self, store_id: str, broadcast_id: int) -> Broadcast:
        """Plan (or plan again) every contact of the broadcast's audience; the broadcast after."""
        work = await self._start(store_id, broadcast_id)
        audience = audiences.Audience.of(work.broadcast.audience)
        tally = Tally()
        after = 0
        while True:
            async with self.sessions() as session:
                rows = await audiences.chunk(session, store_id, audience, after, self.chunk)
                if not rows:
                    break
                after = rows[-1].id
                admitted = [row for row in rows if audience.admits(row.phone)]
                await self._plan_chunk(session, work, admitted, tally)
                await session.commit()
            if len(rows) < self.chunk:
                break
        done = await self._finish(store_id, broadcast_id)
        log.info(
            "broadcast %s of store %s planned: %d new messages, %d planned before, %d skipped %s",
            done.id,
            store_id,
            tally.planned,
            tally.already_planned,
            sum(tally.skipped.values()),
            dict(tally.skipped),
        )
        return done

    async def _start(self, store_id: str, broadcast_id: int) -> _Pass:
        now = self.clock()
        async with self.sessions() as session:
            store = await session.get(Store, store_id)
            broadcast = await session.scalar(
                select(Broadcast).where(
                    Broadcast.id == broadcast_id, Broadcast.store_id == store_id
                )
            )
            if store is None or broadcast is None:
                raise LookupError(f"no broadcast {broadcast_id} for store {store_id}")
            defn = REGISTRY[broadcast.template]
            states = await template_statuses(session, store_id, defn)
            broadcast.state = BroadcastState.PLANNING.value
            broadcast.audience_size = broadcast.already_planned = 0
            broadcast.skipped = {}
            await session.commit()
        row_params: dict[str, Any] = {"broadcast": broadcast.id, "values": dict(broadcast.params)}
        if broadcast.expires_at is not None:
            row_params["expires_at"] = broadcast.expires_at.isoformat()
        return _Pass(
            store=store,
            broadcast=broadcast,
            defn=defn,
            purpose=Purpose(broadcast.purpose),
            states=states,
            now=now,
            row_params=row_params,
        )

    async def _plan_chunk(
        self, session: AsyncSession, work: _Pass, contacts: Sequence[Recipient], tally: Tally
    ) -> None:
        sent = await _marketing_sent(session, work, [c.id for c in contacts])
        planned: list[int] = []
        for contact in contacts:
            language = work.language(contact.language)
            decision = work.decide(contact, sent.get(contact.id, 0), language)
            if isinstance(decision, Suppress | Defer):
                # Only an unapproved template defers here (quiet hours and the budget were
                # not asked): skipped, rather than held until some day Meta approves it.
                tally.skipped[decision.reason.value] += 1
            elif not work.renders(contact, decision, language):
                tally.skipped[Reason.RENDER_FAILED.value] += 1
            else:
                planned.append(contact.id)
        added = len(
            await enqueue_each(
                session,
                planned,
                store_id=work.store.id,
                intent=work.defn.key,
                purpose=work.purpose,
                dedup_prefix=dedup_prefix(work.broadcast.id),
                not_before=work.broadcast.not_before or work.now,
                params=work.row_params,
            )
        )
        tally.audience += len(contacts)
        tally.planned += added
        tally.already_planned += len(planned) - added
        # Absolute values for the pass, an increment for the total: a second pass running at
        # the same time (a retry racing) cannot make the total count a message twice.
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == work.broadcast.id)
            .values(
                planned=Broadcast.planned + added,
                audience_size=tally.audience,
                already_planned=tally.already_planned,
                skipped=dict(tally.skipped),
            )
            .execution_options(synchronize_session=False)
        )

    async def _finish(self, store_id: str, broadcast_id: int) -> Broadcast:
        async with self.sessions() as session:
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast_id)
                .values(state=BroadcastState.PLANNED.value, planned_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            broadcast = await session.scalar(
                select(Broadcast).where(
                    Broadcast.id == broadcast_id, Broadcast.store_id == store_id
                )
            )
            assert broadcast is not None
            return broadcast


async def _marketing_sent(session: AsyncSession, work: _Pass, ids: list[int]) -> dict[int, int]:
    """Marketing messages each contact had accepted in the last 7 days (the dispatcher's count),
    in one query for the chunk; empty when the cap does not apply."""
    if not ids or not work.counts_marketing:
        return {}
    rows = await session.execute(
        select(OutboundMessage.contact_id, func.count(OutboundMessage.id))
        .where(
            OutboundMessage.contact_id.in_(ids),
            OutboundMessage.purpose == Purpose.MARKETING.value,
            OutboundMessage.accepted_at >= work.now - MARKETING_WEEK,
        )
        .group_by(OutboundMessage.contact_id)
    )
    return {contact_id: int(count) for contact_id, count in rows}
