"""`GET /v1/messages`: a customer's messages, with statuses, pricing and decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ordertalk.contacts.phones import normalise_phone
from ordertalk.contacts.phones import wa_id as wa_id_of
from ordertalk.contacts.service import find_by_wa_id
from ordertalk.deps import SessionDep
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.queries import messages_out
from ordertalk.messaging.schemas import MessageOut
from ordertalk.stores.deps import StoreDep

router = APIRouter(prefix="/v1", tags=["messages"])


@router.get("/messages")
async def list_messages(
    store: StoreDep,
    session: SessionDep,
    phone: Annotated[str, Query(min_length=3, max_length=40, description="Any format")],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MessageOut]:
    """Every message to one customer (phone in E.164 or the store's local format)."""
    e164 = normalise_phone(phone, store.country)
    contact = await find_by_wa_id(session, store.id, wa_id_of(e164))
    if contact is None:
        return []
    return await messages_out(
        session, store.id, OutboundMessage.contact_id == contact.id, limit=limit
    )
