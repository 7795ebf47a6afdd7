"""`/v1/contacts`: a store's customers and their consent ledger (every query is per store)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ordertalk.contacts import service
from ordertalk.contacts.schemas import (
    ConsentEventIn,
    ConsentEventOut,
    ConsentHistory,
    ContactIn,
    ContactList,
    ContactOut,
)
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.deps import StoreDep

router = APIRouter(prefix="/v1", tags=["contacts"])


@router.post("/contacts")
async def post_contact(body: ContactIn, store: StoreDep, session: SessionDep) -> ContactOut:
    """Create or update a contact by phone number, with optional consent."""
    return ContactOut.of(await service.save_contact(session, store, body))


@router.get("/contacts")
async def get_contacts(
    store: StoreDep,
    session: SessionDep,
    phone: Annotated[
        str | None, Query(max_length=64, description="Find one contact by number (any format).")
    ] = None,
    region: Annotated[
        str | None, Query(min_length=2, max_length=2, description="Country of a local `phone`.")
    ] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ContactOut | ContactList:
    """With `phone`: that contact (404 if unknown). Without: a page of the store's contacts."""
    if phone is not None:
        return ContactOut.of(await service.lookup_contact(session, store, phone, region))
    contacts = await service.list_contacts(session, store, after=after, limit=limit)
    return ContactList(
        contacts=[ContactOut.of(contact) for contact in contacts],
        next_after=contacts[-1].id if len(contacts) == limit else None,
    )


@router.get("/contacts/{contact_id}")
async def get_contact(contact_id: int, store: StoreDep, session: SessionDep) -> ContactOut:
    """One contact of this store."""
    return ContactOut.of(await service.get_contact(session, store.id, contact_id))


@router.get("/contacts/{contact_id}/consent")
async def get_consent(
    contact_id: int,
    store: StoreDep,
    session: SessionDep,
    purpose: Annotated[Purpose | None, Query()] = None,
) -> ConsentHistory:
    """The contact's consent ledger, newest first."""
    contact = await service.get_contact(session, store.id, contact_id)
    events = await service.consent_history(session, contact, purpose)
    return ConsentHistory(events=[ConsentEventOut.of(event) for event in events])


@router.post("/contacts/{contact_id}/consent", status_code=status.HTTP_201_CREATED)
async def post_consent(
    contact_id: int, body: ConsentEventIn, store: StoreDep, session: SessionDep
) -> ConsentEventOut:
    """Append a consent change the store collected (a checkbox, a form, a call)."""
    contact = await service.get_contact(session, store.id, contact_id)
    event = await service.record_consent(
        session,
        contact,
        Purpose(body.purpose),
        body.granted,
        service.ConsentSource(body.source),
        body.evidence,
        body.at or utcnow(),
    )
    return ConsentEventOut.of(event)
