"""Contacts and their consent ledger: upsert by number, record and mirror consent, keywords."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.keywords import Keyword
from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.contacts.phones import mask, normalise_phone, timezone_for, wa_id
from ordertalk.contacts.schemas import ContactIn
from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.errors import InvalidInput, NotFound
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.stores.schemas import OrderUpdatesConsent
from ordertalk.stores.service import validate_country, validate_language

log = logging.getLogger(__name__)


class ConsentSource(StrEnum):
    """How a consent change reached Ordertalk (kept with every ledger row)."""

    CHECKOUT_IMPLIED = "checkout_implied"  # an order at an "implied" store
    STORE_PAYLOAD = "store_payload"  # a checkbox the store reported (order/customer webhook)
    KEYWORD = "keyword"  # the customer wrote STOP / START
    TEMPLATE_BUTTON = "template_button"  # a quick-reply button on one of our templates
    USER_PREFERENCES_WEBHOOK = "user_preferences_webhook"  # Meta's marketing stop/resume
    WIDGET = "widget"  # the opt-in widget on the store's site
    API = "api"  # the store's own call to /v1/contacts
    CLOUD_API_ERROR = "cloud_api_error"  # 131050: the customer stopped marketing inside WhatsApp


# Only these purposes are consented to; service replies ride on the customer's own message.
CONSENTED = (Purpose.UTILITY, Purpose.MARKETING)


_WHATSAPP_ID = re.compile(r"\+[1-9]\d{7,14}")

# --- contacts ---------------------------------------------------------------------------------


async def upsert_contact(
    session: AsyncSession,
    store: Store,
    *,
    phone: str,
    name: str | None = None,
    language: str | None = None,
    region: str | None = None,
    from_whatsapp: bool = False,
) -> Contact:
    """The store's contact for this number, created or updated; given values replace old ones.

    `from_whatsapp`: the number is a WhatsApp id, which exists whatever phonenumbers' metadata
    says (new ranges, test numbers), so one it calls invalid is kept as written, not dropped.
    """
    try:
        e164 = normalise_phone(phone, validate_country(region) if region else store.country)
    except InvalidInput:
        if not (from_whatsapp and _WHATSAPP_ID.fullmatch(phone)):
            raise
        e164 = phone
    language = validate_language(language) if language else None
    name = (name or "").strip()[:200] or None
    contact = await find_by_phone(session, store.id, e164)
    if contact is None:
        created = await _insert_new(
            session,
            store_id=store.id,
            phone=e164,
            wa_id=wa_id(e164),
            name=name,
            language=language or store.language,
            timezone=timezone_for(e164, store.timezone),
            reachable=True,
        )
        contact = await find_by_phone(session, store.id, e164)
        assert contact is not None
        if created:
            log.info("contact %s created for store %s (%s)", contact.id, store.id, mask(e164))
            return contact
    if name is not None:
        contact.name = name
    if language is not None:
        contact.language = language
    await session.flush()
    return contact


async def _insert_new(session: AsyncSession, **values: Any) -> bool:
    """Insert a contact unless the store already has its number; whether it was inserted.

    Two webhooks about one new customer can arrive together: the loser carries on with the
    winner's row.
    """
    return await insert_or_ignore(session, Contact, values, ["store_id", "phone"])


async def save_contact(session: AsyncSession, store: Store, data: ContactIn) -> Contact:
    """Upsert from the API, recording the consent it carries when that changes anything."""
    contact = await upsert_contact(
        session, store, phone=data.phone, name=data.name, language=data.language, region=data.region
    )
    if data.consent is not None:
        at = utcnow()
        source = ConsentSource(data.consent.source)
        for purpose, granted in (
            (Purpose.UTILITY, data.consent.utility),
            (Purpose.MARKETING, data.consent.marketing),
        ):
            # A store re-sending the same checkbox on every order is not a new decision.
            if granted is not None and granted != _current(contact, purpose):
                await record_consent(
                    session, contact, purpose, granted, source, data.consent.evidence, at
                )
    return contact


async def list_contacts(
    session: AsyncSession, store: Store, *, after: int | None = None, limit: int = 50
) -> list[Contact]:
    """The store's contacts in id order, `limit` at a time after the id `after`."""
    query = select(Contact).where(Contact.store_id == store.id)
    if after is not None:
        query = query.where(Contact.id > after)
    return list(await session.scalars(query.order_by(Contact.id).limit(limit)))


async def find_by_phone(session: AsyncSession, store_id: str, e164: str) -> Contact | None:
    """The store's contact with this E.164 number, if any."""
    return await session.scalar(
        select(Contact).where(Contact.store_id == store_id, Contact.phone == e164)
    )


async def find_by_wa_id(session: AsyncSession, store_id: str, wa_id: str) -> Contact | None:
    """The store's contact with this WhatsApp id (digits), if any."""
    return await session.scalar(
        select(Contact).where(Contact.store_id == store_id, Contact.wa_id == wa_id)
    )


async def get_contact(session: AsyncSession, store_id: str, contact_id: int) -> Contact:
    """The store's contact with this id; NotFound for a missing one or another store's."""
    contact = await session.scalar(
        select(Contact).where(Contact.id == contact_id, Contact.store_id == store_id)
    )
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    return contact


async def lookup_contact(
    session: AsyncSession, store: Store, phone: str, region: str | None = None
) -> Contact:
    """The store's contact for a number in any local or E.164 format; NotFound otherwise."""
    e164 = normalise_phone(phone, validate_country(region) if region else store.country)
    contact = await find_by_phone(session, store.id, e164)
    if contact is None:
        raise NotFound("no contact with that phone number")
    return contact


async def mark_unreachable(session: AsyncSession, contact: Contact, at: datetime) -> bool:
    """Record that the number is not on WhatsApp (131026); whether the flag changed.

    Status webhooks arrive late and out of order: a message from the customer after `at`
    proves the number works, so the old failure does not mark it unreachable.
    """
    if contact.last_inbound_at is not None and contact.last_inbound_at >= at:
        return False
    changed = contact.reachable
    contact.reachable = False
    await session.flush()
    if changed:
        log.info("contact %s marked unreachable (%s)", contact.id, mask(contact.phone))
    return changed


# --- consent ----------------------------------------------------------------------------------


def _purpose(purpose: Purpose | str) -> Purpose:
    if purpose not in CONSENTED:
        raise InvalidInput("consent purpose must be 'utility' or 'marketing'")
    return Purpose(purpose)


async def record_consent(
    session: AsyncSession,
    contact: Contact,
    purpose: Purpose,
    granted: bool,
    source: ConsentSource,
    evidence: dict[str, Any],
    at: datetime,
) -> ConsentEvent:
    """Append one ledger row and mirror the purpose's newest row onto the contact."""
    purpose = _purpose(purpose)
    if at.tzinfo is None:
        raise InvalidInput("consent time must include a time zone")
    # A row from the future would outrank every real decision until that time came: another
    # system's clock running ahead must not freeze a contact's consent.
    at = min(at, utcnow())
    # Events can arrive late (a webhook's own timestamp): the mirror follows the newest `at`,
    # so a late, older event is kept in the ledger but does not override a newer decision.
    newer = await session.scalar(
        select(ConsentEvent.id)
        .where(
            ConsentEvent.contact_id == contact.id,
            ConsentEvent.purpose == purpose.value,
            ConsentEvent.at > at,
        )
        .limit(1)
    )
    event = ConsentEvent(
        store_id=contact.store_id,
        contact_id=contact.id,
        purpose=purpose.value,
        granted=granted,
        source=ConsentSource(source).value,
        evidence=dict(evidence),
        at=at,
    )
    session.add(event)
    if newer is None:
        if purpose is Purpose.UTILITY:
            contact.utility_consent = granted
        else:
            contact.marketing_consent = granted
    await session.flush()
    log.info(
        "consent %s %s for contact %s (%s)",
        purpose.value,
        "granted" if granted else "revoked",
        contact.id,
        event.source,
    )
    return event


async def consent_history(
    session: AsyncSession, contact: Contact, purpose: Purpose | None = None
) -> list[ConsentEvent]:
    """The contact's ledger, newest first (by when it happened, then by when it was recorded)."""
    query = select(ConsentEvent).where(ConsentEvent.contact_id == contact.id)
    if purpose is not None:
        query = query.where(ConsentEvent.purpose == _purpose(purpose).value)
    query = query.order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
    return list(await session.scalars(query))


async def ensure_order_consent(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    at: datetime,
    evidence: dict[str, Any],
) -> ConsentEvent | None:
    """At an "implied" store, record the order as utility consent, once per contact."""
    if store.order_updates_consent != OrderUpdatesConsent.IMPLIED:
        return None
    # Any earlier utility row wins, above all a STOP: an order never overrides an opt-out.
    earlier = await session.scalar(
        select(ConsentEvent.id)
        .where(
            ConsentEvent.contact_id == contact.id,
            ConsentEvent.purpose == Purpose.UTILITY.value,
        )
        .limit(1)
    )
    if earlier is not None:
        return None
    return await record_consent(
        session, contact, Purpose.UTILITY, True, ConsentSource.CHECKOUT_IMPLIED, evidence, at
    )


def _current(contact: Contact, purpose: Purpose) -> bool | None:
    return contact.utility_consent if purpose is Purpose.UTILITY else contact.marketing_consent


async def _last_keyword_event(
    session: AsyncSession, contact: Contact, purpose: Purpose
) -> ConsentEvent | None:
    return await session.scalar(
        select(ConsentEvent)
        .where(
            ConsentEvent.contact_id == contact.id,
            ConsentEvent.purpose == purpose.value,
            ConsentEvent.source == ConsentSource.KEYWORD.value,
        )
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
        .limit(1)
    )


async def _stop(
    session: AsyncSession, contact: Contact, at: datetime, evidence: dict[str, Any]
) -> list[ConsentEvent]:
    events = []
    for purpose in CONSENTED:
        # What STOP found is kept, so that START can restore exactly that. A second STOP finds
        # the first one's work, so it carries the first one's finding forward.
        previously = _current(contact, purpose)
        if previously is False:
            last = await _last_keyword_event(session, contact, purpose)
            if last is not None and not last.granted:
                previously = (last.evidence or {}).get("previously")
        proof = {**evidence, "keyword": "STOP", "previously": previously}
        events.append(
            await record_consent(session, contact, purpose, False, ConsentSource.KEYWORD, proof, at)
        )
    return events


async def _start(
    session: AsyncSession, contact: Contact, at: datetime, evidence: dict[str, Any]
) -> list[ConsentEvent]:
    events = []
    for purpose in CONSENTED:
        last = await _last_keyword_event(session, contact, purpose)
        if last is None or last.granted or _current(contact, purpose) is True:
            continue  # no STOP to undo, or already back on
        previously = (last.evidence or {}).get("previously")
        # START is the customer asking for their updates again, so utility comes back unless it
        # had been refused before the STOP; marketing only if they had agreed to it before.
        restore = previously is not False if purpose is Purpose.UTILITY else previously is True
        if restore:
            proof = {**evidence, "keyword": "START"}
            events.append(
                await record_consent(
                    session, contact, purpose, True, ConsentSource.KEYWORD, proof, at
                )
            )
    return events


async def apply_keyword(
    session: AsyncSession,
    contact: Contact,
    keyword: Keyword,
    at: datetime,
    evidence: dict[str, Any],
) -> list[ConsentEvent]:
    """STOP revokes utility and marketing; START re-grants what the last STOP revoked."""
    if keyword is Keyword.STOP:
        return await _stop(session, contact, at, evidence)
    return await _start(session, contact, at, evidence)


async def note_inbound(session: AsyncSession, contact: Contact, at: datetime) -> None:
    """A message from the customer: the service window opens and the number is reachable."""
    if contact.last_inbound_at is None or at > contact.last_inbound_at:
        contact.last_inbound_at = at
    contact.reachable = True  # they just wrote from it, whatever an old failure said
    await session.flush()


_PREFERENCES = {"stop": False, "resume": True, "signup": True}


async def apply_user_preference(
    session: AsyncSession,
    contact: Contact,
    value: str,
    at: datetime,
    evidence: dict[str, Any],
) -> ConsentEvent:
    """Meta's `user_preferences` webhook: marketing stopped ("stop") or resumed ("resume")."""
    granted = _PREFERENCES.get(value.strip().lower())
    if granted is None:
        raise InvalidInput("user preference must be 'stop' or 'resume'")
    proof = {**evidence, "value": value.strip().lower()}
    return await record_consent(
        session,
        contact,
        Purpose.MARKETING,
        granted,
        ConsentSource.USER_PREFERENCES_WEBHOOK,
        proof,
        at,
    )
