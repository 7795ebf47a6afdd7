"""`apply_status`: status webhooks move a message forward only, and failures do what they mean.

Statuses are built as the Cloud API sends them (reference §2.6) and applied to outbox rows on a
real database; the failure codes follow `messaging/failures.py` (reference §3.2).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import ConsentEvent, Contact
from ordertalk.contacts.service import upsert_contact
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.outbox import enqueue
from ordertalk.messaging.statuses import apply_status
from ordertalk.policy.decisions import Purpose
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from ordertalk.whatsapp.webhook_types import MessageStatus
from tests.api_support import database_session
from tests.database import fresh_database

pytestmark = pytest.mark.database

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5)
WAMID = "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQzBGRTlBMkQ2RUM4OTM0NwA="


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    async with database_session(database_url) as session:
        yield session


@pytest.fixture
async def store(session: AsyncSession) -> Store:
    store, _ = await create_store(session, name="Chai & Co", country="IN", language="en")
    return store


@pytest.fixture
async def contact(session: AsyncSession, store: Store) -> Contact:
    return await upsert_contact(session, store, phone="+91 98765 43210")


async def sent_message(
    session: AsyncSession,
    store: Store,
    contact: Contact,
    *,
    form: str = "template",
    intent: str = "cod_confirmation",
    wamid: str | None = WAMID,
    state: str = "accepted",
    key: str = "m1",
) -> OutboundMessage:
    """A message the dispatcher already handed to the Cloud API."""
    message = await enqueue(
        session,
        store_id=store.id,
        contact_id=contact.id,
        intent=intent,
        purpose=Purpose.UTILITY,
        dedup_key=key,
        not_before=T0,
        params={"step": intent},
    )
    assert message is not None
    message.state = state
    message.form = form
    message.wamid = wamid
    message.tries = 1
    message.accepted_at = T0 if wamid else None
    await session.flush()
    return message


def status(
    kind: str,
    *,
    seconds: int = 0,
    wamid: str = WAMID,
    code: int | None = None,
    callback: str | None = None,
    **extra: Any,
) -> MessageStatus:
    """A `statuses[]` item, `seconds` after T0."""
    body: dict[str, Any] = {
        "id": wamid,
        "status": kind,
        "timestamp": str(int((T0 + timedelta(seconds=seconds)).timestamp())),
        "recipient_id": "919876543210",
        **extra,
    }
    if callback is not None:
        body["biz_opaque_callback_data"] = callback
    if code is not None:
        body["errors"] = [
            {
                "code": code,
                "title": f"error {code}",
                "message": f"error {code}",
                "error_data": {"details": f"details of {code}"},
            }
        ]
    return MessageStatus.model_validate(body)


async def events(
    session: AsyncSession, message: OutboundMessage
) -> list[tuple[str, str, str | None]]:
    rows = await session.scalars(
        select(MessageEvent).where(MessageEvent.message_id == message.id).order_by(MessageEvent.id)
    )
    return [(e.kind, e.outcome, e.reason) for e in rows]


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- forward only -------------------------------------------------------------------------------


async def test_statuses_move_a_message_forward_and_stamp_each_time(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    for kind, seconds in (("sent", 1), ("delivered", 2), ("read", 30)):
        assert await apply_status(session, store.id, status(kind, seconds=seconds), NOW)

    assert message.state == "read"
    assert (message.sent_at, message.delivered_at, message.read_at) == (at(1), at(2), at(30))
    assert await events(session, message) == [
        ("status", "sent", None),
        ("status", "delivered", None),
        ("status", "read", None),
    ]


async def test_a_late_delivered_never_moves_a_read_message_back(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("read", seconds=30), NOW)
    await apply_status(session, store.id, status("delivered", seconds=2), NOW)
    await apply_status(session, store.id, status("sent", seconds=1), NOW)

    assert message.state == "read"
    # Every time is kept, whatever order the webhooks came in.
    assert (message.sent_at, message.delivered_at, message.read_at) == (at(1), at(2), at(30))
    assert await events(session, message) == [("status", "read", None)]


async def test_a_delivered_after_failed_leaves_the_message_failed(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("failed", seconds=1, code=131026), NOW)
    await apply_status(session, store.id, status("delivered", seconds=2), NOW)
    await apply_status(session, store.id, status("read", seconds=3), NOW)

    assert message.state == "failed"
    assert message.error_code == 131026
    assert [outcome for _, outcome, _ in await events(session, message)] == ["failed"]


async def test_pricing_is_recorded_from_the_status(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)
    pricing = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}

    await apply_status(session, store.id, status("sent", seconds=1, pricing=pricing), NOW)

    assert (message.pricing_category, message.pricing_type, message.billable) == (
        "utility",
        "regular",
        True,
    )


async def test_a_status_for_a_message_we_never_sent_is_ignored(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)
    other, _ = await create_store(session, name="Other", country="IN", language="en")

    unknown = status("delivered", wamid="wamid.unknown")
    assert await apply_status(session, store.id, unknown, NOW) is False
    # Our wamid, but reported on another store's number.
    assert await apply_status(session, other.id, status("delivered"), NOW) is False
    # A callback naming our row, for a message that already has another wamid.
    mismatched = status(
        "delivered", wamid="wamid.other", callback=f"ot:{message.id}:{message.tries}"
    )
    assert await apply_status(session, store.id, mismatched, NOW) is False
    # A callback that is not ours at all.
    foreign = status("delivered", wamid="wamid.other", callback="crm:12345")
    assert await apply_status(session, store.id, foreign, NOW) is False

    assert (message.state, message.wamid, message.delivered_at) == ("accepted", WAMID, None)
    assert await events(session, message) == []


async def test_a_late_status_of_an_earlier_attempt_does_not_settle_the_resend(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact, wamid=None, state="unconfirmed")
    message.tries = 2  # the first attempt failed; the second one's response was lost

    stale = status("delivered", seconds=3, callback=f"ot:{message.id}:1")

    assert await apply_status(session, store.id, stale, NOW) is False
    assert (message.state, message.wamid) == ("unconfirmed", None)


async def test_the_callback_data_settles_a_send_whose_response_was_lost(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact, wamid=None, state="unconfirmed")

    found = await apply_status(
        session,
        store.id,
        status("delivered", seconds=3, callback=f"ot:{message.id}:{message.tries}"),
        NOW,
    )

    assert found is True
    assert (message.state, message.wamid) == ("delivered", WAMID)
    assert message.accepted_at == at(3)
    assert message.lease_until is None
    assert await events(session, message) == [
        ("status", "settled", None),
        ("status", "delivered", None),
    ]
    # Later statuses find it by its wamid.
    await apply_status(session, store.id, status("read", seconds=9), NOW)
    assert message.state == "read"


# --- what each failure code does ----------------------------------------------------------------


async def test_131026_marks_the_customer_unreachable(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("failed", seconds=1, code=131026), NOW)

    assert contact.reachable is False
    assert (message.state, message.failed_at, message.error_code) == ("failed", NOW, 131026)
    assert message.error_detail == "details of 131026"
    assert await events(session, message) == [("status", "failed", "not_on_whatsapp")]


async def test_131050_revokes_marketing_consent_in_the_ledger(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("failed", seconds=1, code=131050), NOW)

    [row] = list(await session.scalars(select(ConsentEvent)))
    assert (row.contact_id, row.purpose, row.granted, row.source) == (
        contact.id,
        "marketing",
        False,
        "cloud_api_error",
    )
    assert row.evidence == {"code": 131050, "message_id": message.id}
    assert contact.marketing_consent is False
    assert contact.utility_consent is None  # order updates are another matter
    assert contact.reachable is True
    assert message.state == "failed"
    assert await events(session, message) == [("status", "failed", "opted_out")]


async def test_131047_on_a_free_form_message_reschedules_it_as_the_template(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    contact.last_inbound_at = T0 - timedelta(hours=30)  # we thought the window was open
    message = await sent_message(session, store, contact, form="freeform")

    failed = status("failed", seconds=1, code=131047, callback=f"ot:{message.id}:{message.tries}")
    await apply_status(session, store.id, failed, NOW)

    assert (message.state, message.wamid, message.not_before) == ("scheduled", None, NOW)
    assert message.params["force_template"] is True
    assert message.error_code == 131047
    assert contact.last_inbound_at is None  # the window is closed: no free-form until they write
    assert await events(session, message) == [("attempt", "resend_as_template", "retry")]

    # Webhooks come at least once: the same failure again changes nothing.
    await apply_status(session, store.id, failed, NOW + timedelta(seconds=5))
    assert (message.state, message.not_before) == ("scheduled", NOW)
    assert len(await events(session, message)) == 1


async def test_131047_on_a_template_fails_the_message(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact, form="template")

    await apply_status(session, store.id, status("failed", seconds=1, code=131047), NOW)

    assert message.state == "failed"
    assert "force_template" not in message.params


async def test_131047_on_a_reply_that_has_no_template_fails_it(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact, form="freeform", intent="optin_confirmed")

    await apply_status(session, store.id, status("failed", seconds=1, code=131047), NOW)

    assert message.state == "failed"


async def test_132015_a_paused_template_holds_the_message_for_a_person(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("failed", seconds=1, code=132015), NOW)

    assert (message.state, message.wamid) == ("held", None)
    assert message.not_before == NOW + timedelta(hours=1)
    [event] = await session.scalars(select(MessageEvent))
    assert (event.kind, event.outcome, event.reason, event.until) == (
        "attempt",
        "held",
        "template_not_approved",
        NOW + timedelta(hours=1),
    )


async def test_131049_the_marketing_cap_retries_a_day_later(
    session: AsyncSession, store: Store, contact: Contact
) -> None:
    message = await sent_message(session, store, contact)

    await apply_status(session, store.id, status("failed", seconds=1, code=131049), NOW)

    assert (message.state, message.wamid) == ("scheduled", None)
    assert message.not_before == NOW + timedelta(hours=24)
    assert await events(session, message) == [("attempt", "retry", "retry")]
