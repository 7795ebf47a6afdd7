"""The dispatcher: claims due outbox rows, asks the policy, renders, paces, sends, records.

One pass (`run_once`) is three short transactions around the network calls:
1. claim a batch of due rows with a lease (`UPDATE … RETURNING`, so two workers never share one);
2. decide and render each, marking the ones to send `sending` *before* any HTTP call, so a crash
   after the call is settled by the status webhook's `biz_opaque_callback_data`, never resent blind;
3. after the sends (bounded concurrency, paced per number), record wamids and classify errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.commerce.models import Order
from ordertalk.config import Settings
from ordertalk.contacts.models import Contact
from ordertalk.db import utcnow
from ordertalk.idle import until_woken
from ordertalk.journeys.service import expires_at, relevance, respects_quiet_hours
from ordertalk.messaging.announce import announce_status
from ordertalk.messaging.clients import ClientPool, NotConnected
from ordertalk.messaging.context import render_context
from ordertalk.messaging.failures import handle_failure
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import REPLY_INTENT, note
from ordertalk.messaging.pacing import (
    PAIR_BURST,
    PAIR_RATE,
    Limiter,
    LimiterUnavailable,
    MemoryLimiter,
    number_key,
    number_pace,
    pair_key,
)
from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Defer, Form, Purpose, Reason, Send, Suppress
from ordertalk.policy.gate import Budget, PolicyFacts, decide
from ordertalk.stores.models import Store
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.registry import REGISTRY
from ordertalk.templates.render import (
    Rendered,
    RenderError,
    choose_language,
    has_form,
    render,
)
from ordertalk.templates.service import template_state
from ordertalk.web.links import shorten_reply
from ordertalk.whatsapp.client import SendResult, WhatsAppClient
from ordertalk.whatsapp.errors import CloudApiError

log = logging.getLogger(__name__)

CLAIMABLE = (
    MessageState.SCHEDULED.value,
    MessageState.HELD.value,
    MessageState.SENDING.value,
    MessageState.UNCONFIRMED.value,
)
WINDOW = timedelta(hours=24)
CALLBACK_PREFIX = "ot:"
# Variants that need a template of their own, and what goes when that one is not approved.
FALLBACK_INTENTS = {"order_confirmed_invoice": "order_confirmed"}


def callback_data(message_id: int, attempt: int) -> str:
    """What we put in `biz_opaque_callback_data`: the row and the attempt, so any status
    webhook finds its row, and a late status of an earlier attempt cannot settle a later one."""
    return f"{CALLBACK_PREFIX}{message_id}:{attempt}"


def parse_callback(value: str | None) -> tuple[int, int] | None:
    """(outbox row id, attempt) from a status webhook's `biz_opaque_callback_data`."""
    if not value or not value.startswith(CALLBACK_PREFIX):
        return None
    row, _, attempt = value[len(CALLBACK_PREFIX) :].partition(":")
    if not (row.isdigit() and attempt.isdigit()):
        return None
    return int(row), int(attempt)


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    """Batch size, concurrency and timing of the dispatcher."""

    batch: int = 200
    concurrency: int = 64
    lease: timedelta = timedelta(seconds=60)
    poll_interval: float = 0.25
    # How long a send whose HTTP response was lost waits for a status webhook before a resend.
    reconcile_wait: timedelta = timedelta(minutes=2)
    # While the shared rate limiter cannot be asked, nothing is sent: passes pause this long,
    # doubling up to the maximum, until it answers again.
    limiter_retry: float = 1.0
    limiter_retry_max: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DispatchConfig:
        """The defaults, with the lease and the reconcile wait the settings give."""
        return cls(
            lease=timedelta(seconds=settings.dispatch_lease_s),
            reconcile_wait=timedelta(seconds=settings.reconcile_wait_s),
        )


@dataclass(slots=True)
class _Job:
    message_id: int
    client: WhatsAppClient
    payload: dict[str, Any]
    throughput: int
    pair: str  # the customer's pacing key (pacing.pair_key)


# What became of one job's send: the Cloud API's answer, or no send (the limiter was down).
_Outcome = SendResult | CloudApiError | LimiterUnavailable


class _BudgetCache:
    """Per-store messaging-limit usage for one pass: one query per store, and one for the whole
    batch's customers, not one per message."""

    def __init__(self) -> None:
        self._used: dict[str, tuple[int, datetime | None]] = {}
        self._counted: set[tuple[str, int]] = set()

    @staticmethod
    def _recent(since: datetime) -> tuple[Any, ...]:
        return (
            OutboundMessage.form == Form.TEMPLATE.value,
            OutboundMessage.accepted_at >= since,
        )

    async def prefetch(self, session: AsyncSession, contact_ids: set[int], now: datetime) -> None:
        """Which of these customers already count against their store's limit today."""
        rows = await session.execute(
            select(OutboundMessage.store_id, OutboundMessage.contact_id)
            .where(*self._recent(now - WINDOW), OutboundMessage.contact_id.in_(contact_ids))
            .distinct()
        )
        self._counted.update((store_id, contact_id) for store_id, contact_id in rows)

    async def budget(
        self, session: AsyncSession, store: Store, contact_id: int, now: datetime
    ) -> Budget:
        if store.id not in self._used:
            row = (
                await session.execute(
                    select(
                        func.count(func.distinct(OutboundMessage.contact_id)),
                        func.min(OutboundMessage.accepted_at),
                    ).where(OutboundMessage.store_id == store.id, *self._recent(now - WINDOW))
                )
            ).one()
            self._used[store.id] = (int(row[0]), row[1])
        used, oldest = self._used[store.id]
        return Budget(
            used=used,
            limit=store.messaging_limit,
            contact_counted=(store.id, contact_id) in self._counted,
            frees_at=(oldest + WINDOW) if oldest else None,
        )

    def spend(self, store_id: str, contact_id: int) -> None:
        """A template is about to go to this customer: they count from now on."""
        if (store_id, contact_id) in self._counted:
            return
        used, oldest = self._used.get(store_id, (0, None))
        self._used[store_id] = (used + 1, oldest)
        self._counted.add((store_id, contact_id))


class _TemplateStates:
    """What Meta said of each template in one pass: one query per (store, template, language)
    rather than one per message (a batch is mostly the same few templates)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str, str], TemplateStatus | None] = {}

    async def get(
        self, session: AsyncSession, store_id: str, name: str, language: str
    ) -> TemplateStatus | None:
        key = (store_id, name, language)
        if key not in self._known:
            self._known[key] = await template_state(session, store_id, name, language)
        return self._known[key]


class Dispatcher:
    """Sends what the outbox holds, in batches, within every limit."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clients: ClientPool,
        *,
        limiter: Limiter | None = None,
        clock: Callable[[], datetime] = utcnow,
        config: DispatchConfig | None = None,
    ) -> None:
        self.sessions = sessions
        self.clients = clients
        self.limiter = limiter or MemoryLimiter()
        self.clock = clock
        self.config = config or DispatchConfig()
        # Where customers reach the tracking page; set, messages carry short links to it.
        self.public_url = clients.settings.public_url
        self._wake = asyncio.Event()
        # One task per number asks the limiter at a time; the others queue here. Without it,
        # every waiting send would poll a shared (Redis) bucket each few milliseconds.
        self._pacing: dict[str, asyncio.Lock] = {}

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop` is set; errors in a pass are logged, never fatal.

        Passes overlap by one: while a batch's sends are under way (waiting on the Cloud API
        most of the time), the next batch is claimed and prepared, and is sent once they are
        done. At most two batches are held at once; stopping finishes the batch being sent.
        """
        pause = self.config.limiter_retry
        sending: asyncio.Task[None] | None = None
        try:
            while not stop.is_set():
                try:
                    ids, jobs = await self._begin()
                    if sending is not None:
                        previous, sending = sending, None
                        await previous  # its LimiterUnavailable, if any, is raised here
                    if jobs:
                        sending = asyncio.create_task(self._finish(jobs))
                    handled = len(ids)
                except LimiterUnavailable as exc:
                    log.warning(
                        "rate limiter unavailable, nothing sent; retrying in %gs: %s", pause, exc
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), pause)
                    pause = min(pause * 2, self.config.limiter_retry_max)
                    continue
                except Exception:
                    log.exception("dispatch pass failed; retrying")
                    handled = 0
                pause = self.config.limiter_retry
                if handled:
                    continue
                if sending is not None:  # nothing new came due: let the last batch finish
                    continue
                self._wake.clear()
                await until_woken(self._wake, stop, self.config.poll_interval)
        finally:
            if sending is not None:
                with contextlib.suppress(Exception):
                    await sending

    async def run_once(self) -> int:
        """One pass; the number of rows it handled.

        Raises LimiterUnavailable when the rate limiter could not be asked; the rows it held
        are left to be sent later (none was sent without the limiter's token).
        """
        ids, jobs = await self._begin()
        if jobs:
            await self._finish(jobs)
        return len(ids)

    async def _begin(self) -> tuple[list[int], list[_Job]]:
        """Claim due rows and prepare them (each decided, rendered and marked sending)."""
        now = self.clock()
        ids = await self._claim(now)
        if not ids:
            return ids, []
        try:
            return ids, await self._prepare(ids, now)
        except LimiterUnavailable:
            # Nothing of the pass was kept (its transaction rolled back): free the rows at once
            # rather than when their lease runs out.
            await self._release(ids)
            raise

    async def _finish(self, jobs: list[_Job]) -> None:
        """Send prepared jobs and record what each send answered."""
        results = await self._send_all(jobs)
        await self._record(results)
        for _, result in results:
            if isinstance(result, LimiterUnavailable):
                raise result

    async def _release(self, ids: list[int]) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id.in_(ids))
                .values(lease_until=None)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def _claim(self, now: datetime) -> list[int]:
        cfg = self.config
        async with self.sessions() as session:
            due = (
                select(OutboundMessage.id)
                .where(
                    OutboundMessage.state.in_(CLAIMABLE),
                    OutboundMessage.not_before <= now,
                    or_(OutboundMessage.lease_until.is_(None), OutboundMessage.lease_until < now),
                )
                .order_by(OutboundMessage.not_before, OutboundMessage.id)
                .limit(cfg.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = await session.scalars(
                update(OutboundMessage)
                .where(
                    OutboundMessage.id.in_(due.scalar_subquery()),
                    or_(OutboundMessage.lease_until.is_(None), OutboundMessage.lease_until < now),
                )
                .values(lease_until=now + cfg.lease)
                .returning(OutboundMessage.id)
                .execution_options(synchronize_session=False)
            )
            ids = sorted(claimed.all())
            await session.commit()
        return ids

    async def _prepare(self, ids: list[int], now: datetime) -> list[_Job]:
        jobs: list[_Job] = []
        budgets = _BudgetCache()
        templates = _TemplateStates()
        async with self.sessions() as session:
            messages = list(
                await session.scalars(
                    select(OutboundMessage)
                    .where(OutboundMessage.id.in_(ids))
                    .order_by(OutboundMessage.id)
                )
            )
            contacts = {
                c.id: c
                for c in await session.scalars(
                    select(Contact).where(Contact.id.in_({m.contact_id for m in messages}))
                )
            }
            stores = {
                s.id: s
                for s in await session.scalars(
                    select(Store).where(Store.id.in_({m.store_id for m in messages}))
                )
            }
            # Loaded once for the batch: relevance and rendering then find them in the session.
            await budgets.prefetch(session, set(contacts), now)
            order_ids = {m.order_id for m in messages if m.order_id is not None}
            _orders = (await session.scalars(select(Order).where(Order.id.in_(order_ids)))).all()
            for message in messages:
                job = await self._prepare_one(
                    session,
                    message,
                    contacts[message.contact_id],
                    stores[message.store_id],
                    now,
                    budgets,
                    templates,
                )
                if job is not None:
                    jobs.append(job)
            await session.commit()
        return jobs

    async def _prepare_one(
        self,
        session: AsyncSession,
        message: OutboundMessage,
        contact: Contact,
        store: Store,
        now: datetime,
        budgets: _BudgetCache,
        templates: _TemplateStates,
    ) -> _Job | None:
        if message.state == MessageState.SENDING.value:
            # The lease ran out mid-send (a crash, or a response that never came back).
            message.state = MessageState.UNCONFIRMED.value
            message.not_before = now + self.config.reconcile_wait
            message.lease_until = None
            note(
                session,
                message,
                kind="attempt",
                outcome="unconfirmed",
                reason=Reason.AWAITING_STATUS,
                until=message.not_before,
                at=now,
                detail="no response to the send; waiting for a status webhook",
            )
            return None
        decision, language = await self._decide(
            session, message, contact, store, now, budgets, templates
        )
        if isinstance(decision, Suppress):
            message.state = MessageState.SUPPRESSED.value
            message.lease_until = None
            note(
                session,
                message,
                kind="decision",
                outcome="suppress",
                reason=decision.reason,
                at=now,
            )
            return None
        if isinstance(decision, Defer):
            held = decision.reason in (Reason.TEMPLATE_NOT_APPROVED, Reason.ACCOUNT_BLOCKED)
            message.state = (MessageState.HELD if held else MessageState.SCHEDULED).value
            message.not_before = decision.until
            message.lease_until = None
            note(
                session,
                message,
                kind="decision",
                outcome="defer",
                reason=decision.reason,
                until=decision.until,
                at=now,
            )
            return None
        return await self._ready(session, message, contact, store, decision, language, now, budgets)

    async def _fall_back_if_unapproved(
        self,
        session: AsyncSession,
        message: OutboundMessage,
        contact: Contact,
        store: Store,
        now: datetime,
        templates: _TemplateStates,
    ) -> None:
        """A richer variant whose template Meta has not approved (the invoice PDF header)
        gives way to the plain one, rather than holding the message."""
        plain = FALLBACK_INTENTS.get(message.intent)
        if plain is None:
            return
        language = choose_language(message.intent, [contact.language, store.language])
        state = await templates.get(session, store.id, REGISTRY[message.intent].name, language)
        if state is not None and state.status == "APPROVED":
            return
        note(
            session,
            message,
            kind="decision",
            outcome="fallback",
            detail=f"{message.intent} is not approved in {language}; sending {plain}",
            at=now,
        )
        message.intent = plain

    async def _decide(
        self,
        session: AsyncSession,
        message: OutboundMessage,
        contact: Contact,
        store: Store,
        now: datetime,
        budgets: _BudgetCache,
        templates: _TemplateStates,
    ) -> tuple[Send | Defer | Suppress, str]:
        purpose = Purpose(message.purpose)
        await self._fall_back_if_unapproved(session, message, contact, store, now, templates)
        language = (
            str(message.params.get("language") or contact.language)
            if message.intent == REPLY_INTENT
            else choose_language(message.intent, [contact.language, store.language])
        )
        force_template = bool(message.params.get("force_template"))
        has_template = has_form(message.intent, Form.TEMPLATE)
        status = category = None
        if has_template:
            defn = REGISTRY[message.intent]
            state = await templates.get(session, store.id, defn.name, language)
            status = state.status if state else None
            category = state.category if state else defn.category
        consent = {
            Purpose.UTILITY: contact.utility_consent,
            Purpose.MARKETING: contact.marketing_consent,
        }.get(purpose)
        marketing_sent = 0
        if purpose is Purpose.MARKETING or category == "MARKETING":
            marketing_sent = int(
                await session.scalar(
                    select(func.count(OutboundMessage.id)).where(
                        OutboundMessage.contact_id == contact.id,
                        OutboundMessage.purpose == Purpose.MARKETING.value,
                        OutboundMessage.accepted_at >= now - timedelta(days=7),
                    )
                )
                or 0
            )
        irrelevant = await relevance(session, message)
        window_until = contact.last_inbound_at + WINDOW if contact.last_inbound_at else None
        facts = PolicyFacts(
            now=now,
            purpose=purpose,
            consent=consent,
            implied_utility_consent=store.order_updates_consent == "implied",
            reachable=contact.reachable,
            window_until=window_until,
            has_template=has_template,
            has_freeform=(message.intent == REPLY_INTENT or has_form(message.intent, Form.FREEFORM))
            and not force_template,
            template_status=status,
            template_category=category,
            quiet_hours=(
                (store.quiet_start, store.quiet_end)
                if store.quiet_start is not None and store.quiet_end is not None
                else None
            ),
            timezone=contact.timezone,
            respect_quiet_hours=respects_quiet_hours(message),
            marketing_sent_7d=marketing_sent,
            marketing_cap_7d=store.marketing_cap_per_week,
            marketing_consent=contact.marketing_consent,
            budget=await budgets.budget(session, store, contact.id, now),
            duplicate=message.wamid is not None,
            still_relevant=irrelevant is None,
            irrelevant_reason=irrelevant or Reason.STALE,
            expires_at=expires_at(message),
        )
        return decide(facts), language

    async def _ready(
        self,
        session: AsyncSession,
        message: OutboundMessage,
        contact: Contact,
        store: Store,
        decision: Send,
        language: str,
        now: datetime,
        budgets: _BudgetCache,
    ) -> _Job | None:
        try:
            client = self.clients.get(store)
        except NotConnected as exc:
            message.state = MessageState.HELD.value
            message.not_before = now + timedelta(minutes=10)
            message.lease_until = None
            note(
                session,
                message,
                kind="decision",
                outcome="held",
                reason=Reason.ACCOUNT_BLOCKED,
                detail=str(exc),
                at=now,
            )
            return None
        pair = pair_key(client.phone_number_id, contact.wa_id)
        wait = await self.limiter.take(pair, PAIR_RATE, PAIR_BURST)
        if wait > 0:
            # This customer got a message moments ago: let the others through first.
            message.state = MessageState.SCHEDULED.value
            message.not_before = now + timedelta(seconds=wait)
            message.lease_until = None
            return None
        try:
            if message.intent == REPLY_INTENT:
                # A bot or agent reply: written already, in the conversation's language.
                payload, preview = await shorten_reply(
                    session,
                    self.public_url,
                    message,
                    dict(message.params["payload"]),
                    str(message.params.get("preview", "")),
                )
                rendered = Rendered(
                    payload=payload, template_name=None, language=language, preview=preview
                )
            else:
                ctx = await render_context(
                    session, store, contact, message, public_url=self.public_url
                )
                rendered = render(message.intent, decision.form, language, ctx)
        except RenderError as exc:
            message.state = MessageState.FAILED.value
            message.failed_at = now
            message.lease_until = None
            note(
                session, message, kind="decision", outcome="failed", detail=f"render: {exc}", at=now
            )
            return None
        payload = {
            **rendered.payload,
            "to": contact.wa_id,
            "biz_opaque_callback_data": callback_data(message.id, message.tries + 1),
        }
        message.state = MessageState.SENDING.value
        message.form = decision.form.value
        message.template_name = rendered.template_name
        message.language = rendered.language
        message.payload = payload
        message.tries += 1
        note(
            session,
            message,
            kind="decision",
            outcome="send",
            reason=decision.reason,
            detail=f"{decision.form.value}: {rendered.preview[:300]}",
            at=now,
        )
        if decision.form is Form.TEMPLATE:
            budgets.spend(store.id, contact.id)
        return _Job(message.id, client, payload, max(store.throughput_per_s, 1), pair)

    async def _send_all(self, jobs: list[_Job]) -> list[tuple[int, _Outcome]]:
        gate = asyncio.Semaphore(self.config.concurrency)
        down: list[LimiterUnavailable] = []

        async def one(job: _Job) -> tuple[int, _Outcome]:
            async with gate:
                if down:  # the limiter failed a moment ago: don't wait on it once per job
                    return job.message_id, down[0]
                try:
                    await self._pace(number_key(job.client.phone_number_id), job.throughput)
                except LimiterUnavailable as exc:
                    down.append(exc)
                    return job.message_id, exc
                try:
                    return job.message_id, await job.client.send(job.payload)
                except CloudApiError as exc:
                    # At once, not when the batch is recorded: the batch's sends still waiting
                    # for a token are the ones that must slow down.
                    await self._penalise(job, exc)
                    return job.message_id, exc

        return list(await asyncio.gather(*(one(job) for job in jobs)))

    async def _pace(self, key: str, throughput: int) -> None:
        """Wait for the number's token."""
        rate, burst = number_pace(throughput)
        lock = self._pacing.setdefault(key, asyncio.Lock())
        async with lock:
            while (  # noqa: ASYNC110 (waiting for a token bucket, not for an event)
                wait := await self.limiter.take(key, rate, burst)
            ) > 0:
                await asyncio.sleep(wait)

    async def _penalise(self, job: _Job, error: CloudApiError) -> None:
        """Meta refused a send for a rate our bucket thought had room: put that bucket in debt,
        so the number (130429) or this customer (131056) waits, in every worker sharing it.

        The refused row's own retry is set by `handle_failure`; a 131056 row due again meets
        the customer's debt when it asks for the pair token, and waits for it then.
        """
        if error.code == 130429:
            what, key = "number", number_key(job.client.phone_number_id)
            rate, burst = number_pace(job.throughput)
        elif error.code == 131056:
            what, key, rate, burst = "customer", job.pair, PAIR_RATE, PAIR_BURST
        else:
            return
        try:
            await self.limiter.penalise(key, rate, burst)
        except LimiterUnavailable as exc:
            # The refusal is still recorded (and retried); the next take fails the same way
            # and stops the sends, so nothing goes out unpaced meanwhile.
            log.warning(
                "message %s: %s not slowed down after %s, rate limiter unavailable: %s",
                job.message_id,
                what,
                error.code,
                exc,
            )

    async def _record(self, results: list[tuple[int, _Outcome]]) -> None:
        now = self.clock()
        async with self.sessions() as session:
            locked = await self._locked(session, [message_id for message_id, _ in results])
            for message_id, result in results:
                message = locked.get(message_id)
                if message is None:
                    continue
                message.lease_until = None
                if message.state not in (
                    MessageState.SENDING.value,
                    MessageState.UNCONFIRMED.value,
                ):
                    # A status webhook settled this send first (delivered, failed, or sent back
                    # to go as a template): its verdict is newer than this response.
                    continue
                if isinstance(result, LimiterUnavailable):
                    # Never sent, so not a try (and no status can come for its callback data):
                    # due again as soon as the limiter answers.
                    message.state = MessageState.SCHEDULED.value
                    message.not_before = now
                    message.tries -= 1
                    note(
                        session,
                        message,
                        kind="attempt",
                        outcome="not_sent",
                        detail=f"rate limiter unavailable: {result}",
                        at=now,
                    )
                    continue
                if isinstance(result, SendResult):
                    message.state = MessageState.ACCEPTED.value
                    message.wamid = message.wamid or result.wamid
                    message.accepted_at = message.accepted_at or now
                    note(session, message, kind="attempt", outcome="accepted", at=now)
                    continue
                # A lost or unreadable response, or a 5xx (Meta may have accepted the message
                # before failing): resending now could send it twice, so wait for a status
                # webhook to settle it.
                if result.ambiguous or (
                    result.http_status is not None and result.http_status >= 500
                ):
                    message.state = MessageState.UNCONFIRMED.value
                    message.not_before = now + self.config.reconcile_wait
                    message.error_code = result.code
                    message.error_title = (result.title or "")[:500] or None
                    note(
                        session,
                        message,
                        kind="attempt",
                        outcome="unconfirmed",
                        reason=Reason.AWAITING_STATUS,
                        until=message.not_before,
                        at=now,
                        detail=str(result),
                    )
                    continue
                contact = await session.get(Contact, message.contact_id)
                assert contact is not None
                await handle_failure(
                    session,
                    message,
                    contact,
                    code=result.code,
                    title=result.title,
                    detail=result.details,
                    retry_class=result.retry_class,
                    now=now,
                )
                if message.state == MessageState.FAILED.value:
                    await announce_status(session, message, MessageState.FAILED, now)
            await session.commit()

    async def _locked(
        self, session: AsyncSession, message_ids: list[int]
    ) -> dict[int, OutboundMessage]:
        """The rows, read only once this transaction holds their write locks.

        A status webhook may change a row while the batch was being sent; reading it first
        and writing later would overwrite that (a failure turned back into "accepted"). With
        the locks held (SQLite: a write first takes the database lock; PostgreSQL: SELECT … FOR
        UPDATE, in id order so two lockers never wait on each other in a circle), what is read
        is the latest committed state and stays so until commit.
        """
        ids = sorted(message_ids)
        rows = (
            select(OutboundMessage).where(OutboundMessage.id.in_(ids)).order_by(OutboundMessage.id)
        )
        if session.get_bind().dialect.name == "postgresql":
            # FOR UPDATE: the strong row lock (a plain UPDATE of a non-key column takes a
            # weaker one, and a webhook adding an event for the row could then deadlock us).
            rows = rows.with_for_update()
        else:
            await session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id.in_(ids))
                .values(lease_until=None)
                .execution_options(synchronize_session=False)
            )
        found = await session.scalars(rows.execution_options(populate_existing=True))
        return {message.id: message for message in found}
