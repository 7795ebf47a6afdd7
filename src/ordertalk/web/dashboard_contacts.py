"""`/ui/contacts`: the store's customers (masked numbers, search by phone, pages) and one
customer: language, time zone, reachability, the 24-hour window, consent per purpose with the
full ledger (`contacts.service.consent_history`), their conversation and their orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from ordertalk.contacts import queries, service
from ordertalk.contacts.models import ConsentEvent
from ordertalk.conversations.inbox import window_closes_at, window_is_open
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.policy.decisions import Purpose
from ordertalk.web.auth import ViewerDep
from ordertalk.web.pages import PREFIX, page

router = APIRouter(prefix=f"{PREFIX}/contacts", include_in_schema=False)

PAGE_SIZE = 25
ContactId = Annotated[int, Path(ge=1, le=2**31 - 1)]
EVIDENCE_MAX = 160
CONSENT_PURPOSES = (Purpose.UTILITY, Purpose.MARKETING)  # the purposes a contact consents to


@router.get("")
async def contacts(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=64)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The store's customers, newest first; search by any part of the phone number."""
    rows, more = await queries.search_contacts(
        session, viewer.store.id, q, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return page(
        request,
        "ui_contacts.html",
        viewer,
        section="contacts",
        rows=rows,
        q=q.strip(),
        page_number=page_number,
        more=more,
    )


def evidence_summary(evidence: dict[str, Any] | None) -> str:
    """A consent event's proof in one short line (`key: value`, clipped)."""
    parts = []
    for key, value in (evidence or {}).items():
        if value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else str(value)
        parts.append(f"{key}: {' '.join(text.split())}")
    line = " · ".join(parts)
    return line if len(line) <= EVIDENCE_MAX else line[: EVIDENCE_MAX - 1] + "…"


@router.get("/{contact_id}")
async def contact_page(
    request: Request, contact_id: ContactId, viewer: ViewerDep, session: SessionDep
) -> HTMLResponse:
    """One customer: details, consent now and its history, conversation, orders."""
    contact = await service.get_contact(session, viewer.store.id, contact_id)
    history: list[ConsentEvent] = await service.consent_history(session, contact)
    now = utcnow()
    consent = {
        Purpose.UTILITY.value: contact.utility_consent,
        Purpose.MARKETING.value: contact.marketing_consent,
    }
    return page(
        request,
        "ui_contact.html",
        viewer,
        section="contacts",
        contact=contact,
        consent=consent,
        history=[(event, evidence_summary(event.evidence)) for event in history],
        window_open=window_is_open(contact, now),
        window_until=window_closes_at(contact),
        conversation=await queries.contact_conversation(session, contact),
        orders=await queries.contact_orders(session, contact),
    )
