"""Sending a failed, suppressed or withdrawn message again: a NEW outbox row, never a reset.

The retry keeps the original's intent, order, entity, milestone and parameters, with the
dedup key `<original key>:retry:<n>` (n counts retries of the same original), so a form sent
twice makes one row. It goes through the dispatcher and the policy like any other message: it
may still be suppressed (stale milestone, opted out, window closed) or deferred (quiet hours,
limits), and the page says so. Both rows record who asked for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.errors import Conflict, InvalidInput, NotFound
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import enqueue, note
from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Purpose

RETRYABLE = frozenset({MessageState.FAILED, MessageState.SUPPRESSED, MessageState.WITHDRAWN})
RETRIES_MAX = 20
_KEY_ROOM = 180  # the dedup key column holds 200 characters; the suffix must survive


class NotRetryable(Conflict):
    """The message is on its way or arrived: nothing to retry."""

    code = "not_retryable"


class AlreadyRetried(Conflict):
    """This retry was asked for already (a form sent twice)."""

    code = "already_retried"


def retry_key(original_key: str, attempt: int) -> str:
    """The dedup key of the `attempt`-th retry of a message."""
    return f"{original_key[:_KEY_ROOM]}:retry:{attempt}"


def retryable(message: OutboundMessage) -> bool:
    """Whether a person may send this message again."""
    return message.state in RETRYABLE


async def _root(session: AsyncSession, message: OutboundMessage) -> OutboundMessage:
    """The first message of a chain of retries."""
    root_id = message.params.get("retry_of") if message.params else None
    if isinstance(root_id, int):
        root = await session.scalar(
            select(OutboundMessage).where(
                OutboundMessage.id == root_id, OutboundMessage.store_id == message.store_id
            )
        )
        if root is not None:
            return root
    return message


async def next_attempt(session: AsyncSession, message: OutboundMessage) -> int:
    """The retry number a new retry of this message would take."""
    root = await _root(session, message)
    prefix = root.dedup_key[:_KEY_ROOM] + ":retry:"
    keys = await session.scalars(
        select(OutboundMessage.dedup_key).where(
            OutboundMessage.store_id == root.store_id,
            OutboundMessage.contact_id == root.contact_id,
            OutboundMessage.dedup_key.startswith(prefix, autoescape=True),
        )
    )
    taken = [int(k[len(prefix) :]) for k in keys if k[len(prefix) :].isdigit()]
    return max(taken, default=0) + 1


async def retry(
    session: AsyncSession,
    store_id: str,
    message_id: int,
    *,
    attempt: int,
    by: str,
    now: datetime,
    order_id: int | None = None,
) -> OutboundMessage:
    """Queue the store's message `message_id` again as retry number `attempt` (the number the
    page showed: `next_attempt`); the new row, with a decision recording who retried it.
    Given `order_id`, the message must be about that order (NotFound otherwise)."""
    if not 1 <= attempt <= RETRIES_MAX:
        raise InvalidInput(f"a message can be retried at most {RETRIES_MAX} times")
    query = select(OutboundMessage).where(
        OutboundMessage.id == message_id, OutboundMessage.store_id == store_id
    )
    if order_id is not None:
        query = query.where(OutboundMessage.order_id == order_id)
    original = await session.scalar(query)
    if original is None:
        raise NotFound(f"no message {message_id} in this store")
    if not retryable(original):
        raise NotRetryable(
            f"message {message_id} is {original.state}: only failed, suppressed or withdrawn"
            " messages can be sent again"
        )
    root = await _root(session, original)
    params = {
        k: v for k, v in (original.params or {}).items() if k not in ("retry_of", "retried_by")
    }
    retried = await enqueue(
        session,
        store_id=store_id,
        contact_id=original.contact_id,
        order_id=original.order_id,
        entity=original.entity,
        entity_id=original.entity_id,
        milestone=original.milestone,
        intent=original.intent,
        purpose=Purpose(original.purpose),
        dedup_key=retry_key(root.dedup_key, attempt),
        not_before=now,
        params={**params, "retry_of": root.id, "retried_by": by[:200]},
    )
    if retried is None:
        raise AlreadyRetried(
            f"message {message_id} was retried already (retry {attempt}); reload the page"
        )
    note(
        session,
        retried,
        kind="decision",
        outcome="retried",
        detail=f"retried by {by} (retry {attempt} of message {original.id})",
        at=now,
    )
    note(
        session,
        original,
        kind="decision",
        outcome="retried",
        detail=f"retried by {by} as message {retried.id}",
        at=now,
    )
    await session.flush()
    return retried
