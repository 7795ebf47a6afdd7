"""Status webhooks move a message forward (accepted < sent < delivered < read; failed is final)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.db import lock_for_update
from ordertalk.messaging.announce import announce_status
from ordertalk.messaging.cost import price_message
from ordertalk.messaging.dispatcher import parse_callback
from ordertalk.messaging.failures import handle_failure
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import note
from ordertalk.messaging.states import STATUS_RANK, MessageState
from ordertalk.whatsapp.errors import classify
from ordertalk.whatsapp.webhook_types import MessageStatus

log = logging.getLogger(__name__)

_KIND_TO_STATE = {
    "sent": MessageState.SENT,
    "delivered": MessageState.DELIVERED,
    "read": MessageState.READ,
    "played": MessageState.READ,
    "failed": MessageState.FAILED,
}
_STAMP = {
    MessageState.SENT: "sent_at",
    MessageState.DELIVERED: "delivered_at",
    MessageState.READ: "read_at",
}


# The outbox rows a batch of statuses names by wamid, keyed by (store id, wamid).
KnownRows = dict[tuple[str, str], OutboundMessage]


async def lock_status_rows(
    session: AsyncSession, found: Sequence[tuple[str, MessageStatus]]
) -> KnownRows:
    """Load (and lock) every outbox row these (store id, status) pairs may name, in id order,
    in one query, before any of them is applied; the rows named by wamid are returned.

    The dispatcher records a batch holding its rows' locks in id order, while a webhook's
    statuses come in any order: taking their locks one by one, a webhook and the dispatcher
    (or two webhooks) could each hold a row the other waits for, and PostgreSQL would abort
    one of them (the webhook answered 503, its statuses late). SQLite has one writer at a time
    (the caller holds its write lock). Loading them together also spares a query per status.
    """
    if not found:
        return {}
    wamids: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, set[int]] = defaultdict(set)
    for store_id, status in found:
        wamids[store_id].add(status.id)
        callback = parse_callback(status.biz_opaque_callback_data)
        if callback is not None:
            ids[store_id].add(callback[0])
    named = [
        and_(
            OutboundMessage.store_id == store_id,
            or_(OutboundMessage.wamid.in_(wamids[store_id]), OutboundMessage.id.in_(ids[store_id])),
        )
        for store_id in wamids
    ]
    rows = await session.scalars(
        select(OutboundMessage).where(or_(*named)).order_by(OutboundMessage.id).with_for_update()
    )
    return {(m.store_id, m.wamid): m for m in rows if m.wamid is not None}


async def find_message(
    session: AsyncSession, store_id: str, status: MessageStatus
) -> OutboundMessage | None:
    """The outbox row of a status: by wamid, else by our callback data (a lost HTTP response)."""
    # FOR UPDATE (and SQLite's write lock): the dispatcher recording this send, or another
    # status of the same message, and this status must take turns on the row, not act on
    # stale copies of it.
    await lock_for_update(session, OutboundMessage)
    message = await session.scalar(
        select(OutboundMessage)
        .where(OutboundMessage.store_id == store_id, OutboundMessage.wamid == status.id)
        .with_for_update()
    )
    if message is not None:
        return message
    callback = parse_callback(status.biz_opaque_callback_data)
    if callback is None:
        return None
    message_id, attempt = callback
    message = await session.get(OutboundMessage, message_id, with_for_update=True)
    if message is None or message.store_id != store_id or attempt != message.tries:
        return None  # another store's, or an earlier attempt's status: not this send's
    if message.wamid is None and message.state in (
        MessageState.SENDING.value,
        MessageState.UNCONFIRMED.value,
        MessageState.ACCEPTED.value,
    ):
        # The send went out even though we never saw its response: settle it, never resend.
        message.wamid = status.id
        message.accepted_at = message.accepted_at or datetime.fromtimestamp(status.timestamp, UTC)
        message.lease_until = None
        note(
            session,
            message,
            kind="status",
            outcome="settled",
            detail="reconciled from biz_opaque_callback_data",
        )
    return message if message.wamid == status.id else None


async def apply_status(
    session: AsyncSession,
    store_id: str,
    status: MessageStatus,
    now: datetime,
    known: KnownRows | None = None,
) -> bool:
    """Apply one status; False when it is for a message we do not know (logged, ignored).

    `known`: rows `lock_status_rows` already loaded and locked for this transaction.
    A status that moves the message forward, or a failure that ends it, is announced to the
    store's endpoints as `message.status` (once per message and status).
    """
    message = (known or {}).get((store_id, status.id)) or await find_message(
        session, store_id, status
    )
    if message is None:
        log.info("status %s for an unknown message; ignored", status.status)
        return False
    if status.pricing is not None:
        message.pricing_category = str(status.pricing.category or "") or None
        message.pricing_type = str(status.pricing.type or "") or None
        message.billable = status.pricing.billable
    # Priced once, from the store's rate card, when delivered (or free): see messaging/cost.py.
    await price_message(session, store_id, message, str(status.status))
    target = _KIND_TO_STATE.get(str(status.status))
    if target is None:
        return True
    at = datetime.fromtimestamp(status.timestamp, UTC)
    current = MessageState(message.state)
    stamp = _STAMP.get(target)
    if stamp and getattr(message, stamp) is None and current is not MessageState.FAILED:
        setattr(message, stamp, at)  # each time is kept even when statuses arrive out of order
    if current is MessageState.FAILED or current not in STATUS_RANK:
        return True
    if target is MessageState.FAILED:
        error = status.errors[0] if status.errors else None
        code = error.code if error else None
        details = None
        if error is not None and isinstance(error.error_data, dict):
            details = str(error.error_data.get("details") or "") or None
        contact = await session.get(Contact, message.contact_id)
        assert contact is not None
        await handle_failure(
            session,
            message,
            contact,
            code=code,
            title=error.title if error else None,
            detail=details,
            retry_class=classify(code, None),
            now=now,
            asynchronous=True,
        )
        if message.state == MessageState.FAILED.value:
            await announce_status(session, message, MessageState.FAILED, at)
        return True
    if STATUS_RANK[target] > STATUS_RANK[current]:
        message.state = target.value
        note(session, message, kind="status", outcome=target.value, at=at)
        await announce_status(session, message, target, at)
    return True
