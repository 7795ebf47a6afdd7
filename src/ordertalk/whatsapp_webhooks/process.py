"""What a stored Cloud API webhook means: statuses, customer messages, preferences, templates.

Runs after the raw body is committed. Inbound messages here only do what order updates need
(the service window, STOP/START); the conversations package builds on the same entry point.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.keywords import Keyword, match_button_payload, match_keyword
from ordertalk.contacts.models import Contact
from ordertalk.contacts.service import (
    apply_keyword,
    apply_user_preference,
    find_by_wa_id,
    note_inbound,
    upsert_contact,
)
from ordertalk.conversations.bot import handle_inbound
from ordertalk.db import lock_for_update
from ordertalk.errors import InvalidInput
from ordertalk.messaging.models import MessageEvent
from ordertalk.messaging.outbox import enqueue
from ordertalk.messaging.statuses import apply_status, lock_status_rows
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.templates.service import apply_template_update
from ordertalk.whatsapp.webhook_types import Contact as WebhookContact
from ordertalk.whatsapp.webhook_types import InboundMessage, MessageStatus, WebhookPayload
from ordertalk.whatsapp.webhooks import messages, statuses, template_updates, user_preferences
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Processed:
    """Counts of what a webhook did."""

    statuses: int = 0
    inbound: int = 0
    keywords: int = 0
    messages_planned: int = 0
    preferences: int = 0
    templates: int = 0


class _Stores:
    """The stores a webhook may change (those whose secret signed it), by business number and
    by WABA, each looked up once per batch of webhooks."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._by_number: dict[tuple[str, frozenset[str]], Store | None] = {}

    async def by_number(self, phone_number_id: str, allowed: frozenset[str]) -> Store | None:
        key = (phone_number_id, allowed)
        if key not in self._by_number:
            self._by_number[key] = await self.session.scalar(
                select(Store)
                .where(Store.phone_number_id == phone_number_id, Store.id.in_(allowed))
                .limit(1)
            )
        return self._by_number[key]

    async def by_waba(self, waba_id: str, allowed: frozenset[str]) -> list[Store]:
        return list(
            await self.session.scalars(
                select(Store).where(Store.waba_id == waba_id, Store.id.in_(allowed))
            )
        )


async def _contact(
    session: AsyncSession, store: Store, wa_id: str, profile: WebhookContact | None
) -> Contact | None:
    contact = await find_by_wa_id(session, store.id, wa_id)
    if contact is not None:
        return contact
    name = profile.profile.name if profile and profile.profile else None
    try:
        return await upsert_contact(
            session, store, phone=f"+{wa_id}", name=name, from_whatsapp=True
        )
    except InvalidInput:
        return None


async def _inbound(
    session: AsyncSession,
    store: Store,
    profile: WebhookContact | None,
    message: InboundMessage,
    processed: Processed,
) -> None:
    wa_id = message.from_ or (profile.wa_id if profile else None)
    if not wa_id:
        return  # a username-only customer: nothing order updates can do with them yet
    contact = await _contact(session, store, wa_id, profile)
    if contact is None:
        return
    at = datetime.fromtimestamp(message.timestamp, UTC)
    await note_inbound(session, contact, at)  # opens (or refreshes) the 24-hour window
    processed.inbound += 1
    keyword: Keyword | None = None
    if message.text is not None:
        keyword = match_keyword(message.text)
    elif message.reply_id is not None:
        keyword = match_button_payload(message.reply_id)
    # A STOP/START is answered by its own confirmation below; the bot only keeps the message.
    replies = await handle_inbound(session, store, contact, message, at, answer=keyword is None)
    processed.messages_planned += len(replies)
    if keyword is None:
        return
    processed.keywords += 1
    await apply_keyword(
        session, contact, keyword, at, {"wamid": message.id, "type": str(message.type)}
    )
    intent = "optout_confirmed" if keyword is Keyword.STOP else "optin_confirmed"
    planned = await enqueue(
        session,
        store_id=store.id,
        contact_id=contact.id,
        intent=intent,
        purpose=Purpose.SERVICE,
        dedup_key=f"keyword:{message.id}",
        not_before=at,
        params={"expires_at": (at + timedelta(hours=24)).isoformat()},
    )
    processed.messages_planned += planned is not None


async def process_webhook(
    session: AsyncSession, payload: WebhookPayload, allowed: set[str]
) -> Processed:
    """Apply what a webhook carries for the stores that own its numbers and signed it."""
    return await process_webhooks(session, [(payload, frozenset(allowed))])


async def process_webhooks(
    session: AsyncSession, batch: Sequence[tuple[WebhookPayload, frozenset[str]]]
) -> Processed:
    """Apply webhooks in one transaction, in order, each for the stores that signed it.

    Every status of the batch is applied first, its rows locked together in id order; then
    each webhook's messages, preferences and template events, in arrival order.
    """
    processed = Processed()
    # Two webhooks about one customer (two messages, or two statuses) may be applied at once:
    # on SQLite, each takes the write lock before reading anything, so neither acts on a copy
    # the other has already changed (PostgreSQL locks the rows it reads FOR UPDATE instead).
    await lock_for_update(session, WhatsAppWebhookEvent)
    stores = _Stores(session)
    now = datetime.now(UTC)
    found: list[tuple[str, MessageStatus]] = []
    for payload, allowed in batch:
        for metadata, status in statuses(payload):
            store = await stores.by_number(metadata.phone_number_id, allowed)
            if store is None:
                log.info("status for a number no store owns; ignored")
                continue
            found.append((store.id, status))
    known = await lock_status_rows(session, found)
    for store_id, status in found:
        processed.statuses += await apply_status(session, store_id, status, now, known)
    await _write_events_at_once(session)
    for payload, allowed in batch:
        await _apply_the_rest(session, stores, payload, allowed, now, processed)
    await session.flush()
    return processed


async def _write_events_at_once(session: AsyncSession) -> None:
    """Write the message events the statuses noted with one executemany.

    The ORM inserts new rows one statement each on SQLite (it must read each new id back, and
    SQLite cannot say which id went to which row of a batch): 200 statements for 200 statuses.
    Nothing reads these events back in this transaction, so they need no ids.
    """
    # In the order they were noted, as the ORM would have written them (ids keep that order).
    events = sorted(
        (obj for obj in session.new if isinstance(obj, MessageEvent)),
        key=lambda event: inspect(event).insert_order or 0,
    )
    if not events:
        return
    now = datetime.now(UTC)
    rows = [
        {
            "message_id": event.message_id,
            "at": event.at or now,
            "kind": event.kind,
            "outcome": event.outcome,
            "reason": event.reason,
            "until": event.until,
            "detail": event.detail,
        }
        for event in events
    ]
    for event in events:
        session.expunge(event)
    await session.execute(insert(MessageEvent), rows)


async def _apply_the_rest(
    session: AsyncSession,
    stores: _Stores,
    payload: WebhookPayload,
    allowed: frozenset[str],
    now: datetime,
    processed: Processed,
) -> None:
    """A webhook's customer messages, preferences and template events."""
    for metadata, profile, message in messages(payload):
        store = await stores.by_number(metadata.phone_number_id, allowed)
        if store is not None:
            await _inbound(session, store, profile, message, processed)
    for metadata, preference in user_preferences(payload):
        store = await stores.by_number(metadata.phone_number_id, allowed)
        if store is None or not preference.wa_id:
            continue
        contact = await find_by_wa_id(session, store.id, preference.wa_id)
        if contact is not None:
            at = datetime.fromtimestamp(preference.timestamp, UTC) if preference.timestamp else now
            await apply_user_preference(
                session, contact, str(preference.value), at, {"detail": preference.detail}
            )
            processed.preferences += 1
    for entry, update in template_updates(payload):
        for store in await stores.by_waba(entry.id, allowed):
            await apply_template_update(session, store.id, update)
            processed.templates += 1
