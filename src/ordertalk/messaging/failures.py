"""What an error from the Cloud API means for a message, its customer and its store.

Used for both synchronous errors (the send's HTTP response) and asynchronous ones (a `failed`
status webhook), so a 131047 means the same thing whichever way it arrives.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.contacts.phones import mask
from ordertalk.contacts.service import ConsentSource, mark_unreachable, record_consent
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import note
from ordertalk.messaging.states import MessageState
from ordertalk.policy.decisions import Form, Purpose, Reason
from ordertalk.templates.render import has_form
from ordertalk.whatsapp.errors import RetryClass

log = logging.getLogger(__name__)

MAX_TRIES = 8
TEMPLATE_HELD = frozenset({132001, 132015, 132016})  # missing, paused, disabled template
ACCOUNT_BLOCKED = frozenset({368, 131031, 130497})


def backoff(tries: int, *, base: float = 2.0, cap: float = 900.0) -> timedelta:
    """Exponential back-off with full jitter (so retries of many messages do not align)."""
    ceiling = min(cap, base * (2 ** max(tries - 1, 0)))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _fail(message: OutboundMessage, now: datetime) -> None:
    message.state = MessageState.FAILED.value
    message.failed_at = now
    message.lease_until = None


async def handle_failure(
    session: AsyncSession,
    message: OutboundMessage,
    contact: Contact,
    *,
    code: int | None,
    title: str | None,
    detail: str | None,
    retry_class: RetryClass,
    now: datetime,
    asynchronous: bool = False,
) -> None:
    """Record an error and decide: retry, resend as a template, hold, or fail for good."""
    message.error_code = code
    message.error_title = (title or "")[:500] or None
    message.error_detail = (detail or "")[:1000] or None
    message.lease_until = None
    how = "status webhook" if asynchronous else "send"
    what = f"{code}: {title or 'error'}" if code is not None else (title or "error")
    if code == 131026:
        await mark_unreachable(session, contact, now)
        _fail(message, now)
        note(
            session,
            message,
            kind="status",
            outcome="failed",
            reason=Reason.NOT_ON_WHATSAPP,
            detail=f"{what} ({how}); {mask(contact.phone)} marked unreachable",
            at=now,
        )
        return
    if code == 131050:
        await record_consent(
            session,
            contact,
            Purpose.MARKETING,
            False,
            ConsentSource.CLOUD_API_ERROR,
            {"code": 131050, "message_id": message.id},
            now,
        )
        _fail(message, now)
        note(
            session,
            message,
            kind="status",
            outcome="failed",
            reason=Reason.OPTED_OUT,
            detail=f"{what} ({how}); marketing consent revoked",
            at=now,
        )
        return
    if (
        code == 131047
        and message.form == Form.FREEFORM.value
        and has_form(message.intent, Form.TEMPLATE)
    ):
        # The window closed between the decision and the send: the template form still may go.
        contact.last_inbound_at = None
        message.state = MessageState.SCHEDULED.value
        message.wamid = None
        message.not_before = now
        message.params = {**message.params, "force_template": True}
        note(
            session,
            message,
            kind="attempt",
            outcome="resend_as_template",
            reason=Reason.RETRY,
            detail=f"{what} ({how}); resending as the template",
            at=now,
        )
        return
    if code in TEMPLATE_HELD or code in ACCOUNT_BLOCKED:
        reason = Reason.ACCOUNT_BLOCKED if code in ACCOUNT_BLOCKED else Reason.TEMPLATE_NOT_APPROVED
        message.state = MessageState.HELD.value
        message.wamid = None
        message.not_before = now + timedelta(hours=1)
        log.warning(
            "message %s held: %s (store %s needs attention)", message.id, what, message.store_id
        )
        note(
            session,
            message,
            kind="attempt",
            outcome="held",
            reason=reason,
            until=message.not_before,
            detail=f"{what} ({how})",
            at=now,
        )
        return
    retryable = retry_class in (RetryClass.RETRY_SOON, RetryClass.RETRY_LATER)
    if retryable and message.tries < MAX_TRIES:
        if code == 131049:
            wait = timedelta(hours=24)  # Meta's per-user marketing limit: try tomorrow
        elif retry_class is RetryClass.RETRY_LATER:
            wait = backoff(message.tries, base=16.0, cap=3600.0)  # 131056: this customer only
        else:
            wait = backoff(message.tries)
        message.state = MessageState.SCHEDULED.value
        message.wamid = None
        message.not_before = now + wait
        note(
            session,
            message,
            kind="attempt",
            outcome="retry",
            reason=Reason.RETRY,
            until=message.not_before,
            detail=f"{what} ({how}); try {message.tries}",
            at=now,
        )
        return
    _fail(message, now)
    note(
        session,
        message,
        kind="status" if asynchronous else "attempt",
        outcome="failed",
        detail=f"{what} ({how})",
        at=now,
    )
