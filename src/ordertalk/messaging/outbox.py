"""Writing to the outbox: a message is a row, in the transaction of the change that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, cast, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.db import UtcDateTime, insert_or_ignore, utcnow
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Purpose, Reason

REPLY_INTENT = "reply"
"""The intent of a reply rendered already (a bot or agent message): its body is in `params`."""


async def enqueue(
    session: AsyncSession,
    *,
    store_id: str,
    contact_id: int,
    intent: str,
    purpose: Purpose,
    dedup_key: str,
    not_before: datetime,
    order_id: int | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    milestone: str | None = None,
    params: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    """Add a message unless one with the same dedup key exists (then None: never twice)."""
    values: dict[str, Any] = {
        "store_id": store_id,
        "contact_id": contact_id,
        "order_id": order_id,
        "entity": entity,
        "entity_id": entity_id,
        "milestone": milestone,
        "intent": intent,
        "purpose": purpose.value,
        "dedup_key": dedup_key[:200],
        "state": MessageState.SCHEDULED.value,
        "not_before": not_before,
        "params": params or {},
        "tries": 0,
        "created_at": utcnow(),
    }
    # Two sources reporting one milestone at once: the unique key lets exactly one through.
    if not await insert_or_ignore(session, OutboundMessage, values, ["store_id", "dedup_key"]):
        return None
    return await session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.store_id == store_id, OutboundMessage.dedup_key == values["dedup_key"]
        )
    )


async def enqueue_each(
    session: AsyncSession,
    contact_ids: list[int],
    *,
    store_id: str,
    intent: str,
    purpose: Purpose,
    dedup_prefix: str,
    not_before: datetime,
    params: dict[str, Any],
) -> list[int]:
    """The same message to each of these contacts of the store, dedup key `<dedup_prefix><contact
    id>`, skipping any contact whose message exists already; the contact ids of those added.

    One INSERT … SELECT for them all: only the ids travel, the database writes the rows, and
    RETURNING names exactly the ones it inserted.
    """
    if not contact_ids:
        return []
    rows = select(
        literal(store_id),
        Contact.id,
        literal(intent),
        literal(purpose.value),
        literal(dedup_prefix) + cast(Contact.id, String),
        literal(MessageState.SCHEDULED.value),
        literal(not_before, UtcDateTime()),
        literal(0),
        literal(params, JSON()),
        literal(utcnow(), UtcDateTime()),
    ).where(Contact.store_id == store_id, Contact.id.in_(contact_ids))
    columns = ["store_id", "contact_id", "intent", "purpose", "dedup_key", "state",
               "not_before", "tries", "params", "created_at"]  # fmt: skip
    table = OutboundMessage.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .from_select(columns, rows, include_defaults=False)
        .on_conflict_do_nothing(index_elements=["store_id", "dedup_key"])
        .returning(table.c.contact_id)
    )
    return [int(contact_id) for contact_id in await session.scalars(statement)]


def note(
    session: AsyncSession,
    message: OutboundMessage,
    *,
    kind: str,
    outcome: str,
    reason: Reason | None = None,
    until: datetime | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Record what happened to a message and why (the explanation merchants read)."""
    event = MessageEvent(
        message_id=message.id,
        kind=kind,
        outcome=outcome,
        reason=reason.value if reason else None,
        until=until,
        detail=(detail or "")[:1000] or None,
    )
    if at is not None:
        event.at = at
    session.add(event)
