"""The inbox at the service layer (SQLite, and PostgreSQL in CI): states and their transitions,
listing and paging, reading a conversation, agents' replies inside and outside the service
window, templates, canned responses, notes, labels, and one store never reaching another's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.service import ConsentSource, record_consent
from ordertalk.conversations import canned, inbox, sending
from ordertalk.conversations.inbox import Action, InvalidTransition, next_state
from ordertalk.conversations.models import ConversationMessage
from ordertalk.conversations.states import ConversationState as S
from ordertalk.errors import InvalidInput, NotFound
from ordertalk.journeys.service import relevance
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.outbox import note
from ordertalk.policy.decisions import Purpose, Reason
from ordertalk.stores.models import Store
from ordertalk.stores.service import create_store
from tests.api_support import database_session
from tests.conversations.inbox_support import Customer, approve_templates, customer
from tests.database import fresh_database

pytestmark = pytest.mark.database

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


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
    await approve_templates(session, store, shipment_delayed="PENDING")
    return store


@pytest.fixture
async def asha(session: AsyncSession, store: Store) -> Customer:
    return await customer(session, store, wrote_at=NOW - timedelta(hours=1))


# --- states -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (S.BOT, Action.ASSIGN, S.AGENT),
        (S.WAITING, Action.ASSIGN, S.AGENT),
        (S.AGENT, Action.ASSIGN, S.AGENT),  # reassigned
        (S.RESOLVED, Action.ASSIGN, S.AGENT),  # reopened
        (S.BOT, Action.HANDOFF, S.WAITING),
        (S.RESOLVED, Action.HANDOFF, S.WAITING),
        (S.WAITING, Action.RESOLVE, S.RESOLVED),
        (S.AGENT, Action.RESOLVE, S.RESOLVED),
        (S.BOT, Action.MESSAGE, S.AGENT),
        (S.WAITING, Action.MESSAGE, S.AGENT),
        (S.AGENT, Action.MESSAGE, S.AGENT),
        (S.RESOLVED, Action.MESSAGE, S.AGENT),
    ],
)
def test_allowed_transitions(state: S, action: Action, after: S) -> None:
    assert next_state(state, action) is after


@pytest.mark.parametrize(
    ("state", "action", "reason"),
    [
        (S.WAITING, Action.HANDOFF, "already waiting for an agent"),
        (S.AGENT, Action.HANDOFF, "Ravi has the conversation already"),
        (S.BOT, Action.RESOLVE, "the bot has the conversation; there is nothing to resolve"),
        (S.RESOLVED, Action.RESOLVE, "already resolved"),
    ],
)
def test_refused_transitions_say_why(state: S, action: Action, reason: str) -> None:
    with pytest.raises(InvalidTransition, match=reason) as caught:
        next_state(state, action, "Ravi")
    assert (caught.value.status_code, caught.value.code) == (409, "invalid_transition")


async def test_assign_handoff_and_resolve(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    conversation = await inbox.assign(session, store, asha.conversation.id, "Ravi", NOW)
    assert (conversation.state, conversation.assignee) == ("agent", "Ravi")
    conversation.flow = "ndr"
    conversation.flow_state = {"step": "address"}
    conversation = await inbox.resolve(session, store, asha.conversation.id, NOW)
    assert (conversation.state, conversation.flow, conversation.flow_state) == (
        "resolved",
        None,
        {},
    )
    with pytest.raises(InvalidTransition, match="already resolved"):
        await inbox.resolve(session, store, asha.conversation.id, NOW)
    conversation = await inbox.handoff(session, store, asha.conversation.id, NOW)
    assert (conversation.state, conversation.assignee) == ("waiting", None)


# --- listing and reading ----------------------------------------------------------------------


async def test_listing_filters_and_pages_newest_activity_first(
    session: AsyncSession, store: Store
) -> None:
    people = []
    for i in range(5):
        person = await customer(
            session,
            store,
            phone=f"+9198765432{i:02d}",
            name=f"Customer {i}",
            wrote_at=NOW - timedelta(minutes=10 * i),
            order_id=f"20{i}",
            state="waiting" if i % 2 else "agent",
        )
        people.append(person)
    await inbox.set_labels(session, store, people[3].conversation.id, [" vip ", "cod"], NOW)
    await inbox.assign(session, store, people[4].conversation.id, "Ravi", NOW)

    ids = [c.conversation.id for c in people]
    seen: list[int] = []
    after = None
    while True:
        page, after = await inbox.list_conversations(session, store, limit=2, after=after)
        seen += [row.conversation.id for row in page]
        if after is None:
            break
    assert seen == ids  # newest message first, every conversation once
    waiting, _ = await inbox.list_conversations(session, store, state=S.WAITING)
    assert [r.conversation.id for r in waiting] == [ids[1], ids[3]]
    ravi, _ = await inbox.list_conversations(session, store, assignee="Ravi")
    assert [r.conversation.id for r in ravi] == [ids[4]]
    vip, _ = await inbox.list_conversations(session, store, label="vip")
    assert [r.conversation.id for r in vip] == [ids[3]]
    assert vip[0].last is not None
    assert vip[0].last.text == "I want to talk to a person"
    nobody, _ = await inbox.list_conversations(session, store, label="v")
    assert nobody == []
    with pytest.raises(InvalidInput, match="next_after"):
        await inbox.list_conversations(session, store, after="not-a-cursor")


async def test_ties_in_activity_page_by_id(session: AsyncSession, store: Store) -> None:
    same = [
        await customer(session, store, phone=f"+9198765431{i:02d}", wrote_at=NOW, order_id=str(i))
        for i in range(3)
    ]
    first, after = await inbox.list_conversations(session, store, limit=2)
    rest, last = await inbox.list_conversations(session, store, limit=2, after=after)
    assert [r.conversation.id for r in first + rest] == sorted(
        (c.conversation.id for c in same), reverse=True
    )
    assert last is None


async def test_reading_shows_messages_with_statuses_notes_window_and_orders(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    message, outbound = await sending.send_message(
        session, store, asha.conversation.id, author="Ravi", text="Hello Asha!", now=NOW
    )
    note(session, outbound, kind="decision", outcome="defer", reason=Reason.QUIET_HOURS, at=NOW)
    await inbox.add_note(session, store, asha.conversation.id, "Ravi", "Asked for a refund", NOW)
    view = await inbox.read_conversation(session, store, asha.conversation.id, NOW)
    assert view.window_open
    assert view.window_closes_at == NOW + timedelta(hours=23)
    texts = [(m.direction, m.text, m.author) for m, _, _ in view.messages]
    assert texts == [("in", "I want to talk to a person", None), ("out", "Hello Asha!", "Ravi")]
    _, out, why = view.messages[1]
    assert out is not None
    assert (out.state, why) == ("scheduled", "quiet_hours")
    assert [n.body for n in view.notes] == ["Asked for a refund"]
    assert [o.external_id for o in view.orders] == ["1001"]
    earlier = await inbox.read_conversation(
        session, store, asha.conversation.id, NOW, limit=1, before=message.id
    )
    assert [m.direction for m, _, _ in earlier.messages] == ["in"]
    assert not earlier.has_earlier_messages
    latest = await inbox.read_conversation(session, store, asha.conversation.id, NOW, limit=1)
    assert latest.has_earlier_messages
    later = await inbox.read_conversation(
        session, store, asha.conversation.id, NOW + timedelta(hours=23)
    )
    assert not later.window_open


async def test_another_stores_conversation_is_not_found(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    other, _ = await create_store(session, name="Other", country="IN", language="en")
    for action in (
        inbox.read_conversation(session, other, asha.conversation.id, NOW),
        inbox.assign(session, other, asha.conversation.id, "Eve", NOW),
        inbox.resolve(session, other, asha.conversation.id, NOW),
        inbox.add_note(session, other, asha.conversation.id, "Eve", "x", NOW),
        inbox.set_labels(session, other, asha.conversation.id, ["x"], NOW),
        sending.send_message(session, other, asha.conversation.id, author="E", text="x", now=NOW),
        sending.send_template(
            session, other, asha.conversation.id, template="out_for_delivery", author="E", now=NOW
        ),
    ):
        with pytest.raises(NotFound):
            await action
    listed, _ = await inbox.list_conversations(session, other)
    assert listed == []


# --- agent replies ----------------------------------------------------------------------------


async def test_a_reply_inside_the_window_is_queued_and_gives_the_agent_the_conversation(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    message, outbound = await sending.send_message(
        session, store, asha.conversation.id, author="Ravi", text="On it!", now=NOW
    )
    assert (outbound.intent, outbound.purpose, outbound.state) == ("reply", "service", "scheduled")
    assert outbound.params["payload"] == {
        "type": "text",
        "text": {"body": "On it!", "preview_url": False},
    }
    assert (message.author, message.direction, message.outbound_message_id) == (
        "Ravi",
        "out",
        outbound.id,
    )
    assert (asha.conversation.state, asha.conversation.assignee) == ("agent", "Ravi")
    assert asha.conversation.last_message_at == NOW
    # A colleague chipping in does not take the conversation over.
    await sending.send_message(
        session, store, asha.conversation.id, author="Meera", text="Hi", now=NOW
    )
    assert asha.conversation.assignee == "Ravi"


async def test_the_same_idempotency_key_queues_once(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    first = await sending.send_message(
        session, store, asha.conversation.id, author="Ravi", text="One", idempotency_key="k1",
        now=NOW,
    )  # fmt: skip
    again = await sending.send_message(
        session, store, asha.conversation.id, author="Ravi", text="One", idempotency_key="k1",
        now=NOW + timedelta(hours=30),  # even once the window has closed
    )  # fmt: skip
    assert again[0].id == first[0].id
    rows = await session.scalars(select(OutboundMessage).where(OutboundMessage.intent == "reply"))
    assert len(list(rows)) == 1
    with pytest.raises(sending.IdempotencyConflict):
        await sending.send_message(
            session, store, asha.conversation.id, author="Ravi", text="Two",
            idempotency_key="k1", now=NOW,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="Idempotency-Key"):
        await sending.send_message(
            session, store, asha.conversation.id, author="Ravi", text="Two",
            idempotency_key="ключ", now=NOW,
        )  # fmt: skip


async def test_outside_the_window_a_reply_is_refused_with_the_fitting_templates(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    later = NOW + timedelta(hours=24)
    with pytest.raises(sending.WindowClosed) as caught:
        await sending.send_message(
            session, store, asha.conversation.id, author="Ravi", text="Hello?", now=later
        )
    error = caught.value
    assert (error.status_code, error.code) == (409, "window_closed")
    assert "only allowed within 24 hours of the customer's last message" in error.message
    [offer] = error.details["templates"]
    assert offer["template"] == "out_for_delivery"
    assert (offer["order_id"], offer["about"], offer["language"]) == ("1001", "shipment", "en")
    assert "#1001" in offer["preview"]
    assert error.details["window_closes_at"] == NOW + timedelta(hours=23)
    assert asha.conversation.state == "waiting"  # nothing changed
    rows = await session.scalars(select(OutboundMessage))
    assert list(rows) == []


@pytest.mark.parametrize(
    ("milestone", "side_state", "offers"),
    [
        ("out_for_delivery", None, ["out_for_delivery"]),
        ("delivered", None, ["delivered", "feedback_request"]),
        ("in_transit", "delayed", ["shipment_in_transit"]),  # the delay's is pending review
        ("in_transit", "exception", ["shipment_exception", "shipment_in_transit"]),
        ("delivery_attempt_failed", None, ["delivery_attempt_failed"]),
        (None, None, ["order_confirmed"]),  # nothing shipped yet
    ],
)
async def test_templates_fit_the_orders_current_state(
    session: AsyncSession, store: Store, asha: Customer, milestone: str | None,
    side_state: str | None, offers: list[str],
) -> None:  # fmt: skip
    asha.shipment.milestone = milestone
    asha.shipment.side_state = side_state
    asha.shipment.side_reason = "weather" if side_state else None
    _, _, fits = await sending.template_offers(session, store, asha.conversation.id)
    assert sorted(fit.defn.key for fit in fits) == offers


async def test_an_agent_sends_a_template_the_dispatcher_can_send(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    later = NOW + timedelta(hours=30)
    message, outbound = await sending.send_template(
        session, store, asha.conversation.id, template="ot_out_for_delivery", author="Ravi",
        now=later,
    )  # fmt: skip
    assert (outbound.intent, outbound.purpose) == ("out_for_delivery", Purpose.UTILITY.value)
    assert (outbound.order_id, outbound.entity, outbound.entity_id, outbound.milestone) == (
        asha.order.id,
        "shipment",
        asha.shipment.id,
        "out_for_delivery",
    )
    assert await relevance(session, outbound) is None  # the dispatcher will not drop it as stale
    assert (message.type, message.author, message.content["template"]) == (
        "template",
        "Ravi",
        "out_for_delivery",
    )
    assert message.text is not None
    assert "#1001" in message.text
    assert (asha.conversation.state, asha.conversation.assignee) == ("agent", "Ravi")
    # The parcel moves on before it goes: the row is then stale, like any order update.
    asha.shipment.milestone = "delivered"
    assert await relevance(session, outbound) is Reason.STALE


async def test_a_retried_template_answers_with_the_first_even_once_the_parcel_moved_on(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    first, _ = await sending.send_template(
        session, store, asha.conversation.id, template="out_for_delivery", author="Ravi",
        idempotency_key="t-1", now=NOW,
    )  # fmt: skip
    asha.shipment.milestone, asha.shipment.rank = "delivered", 90
    again, _ = await sending.send_template(
        session, store, asha.conversation.id, template="out_for_delivery", author="Ravi",
        idempotency_key="t-1", now=NOW,
    )  # fmt: skip
    assert again.id == first.id
    with pytest.raises(sending.IdempotencyConflict):
        await sending.send_template(
            session, store, asha.conversation.id, template="delivered", author="Ravi",
            idempotency_key="t-1", now=NOW,
        )  # fmt: skip


async def test_templates_that_cannot_go_are_refused_with_the_reason(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    with pytest.raises(sending.UnknownTemplate) as unknown:
        await sending.send_template(
            session, store, asha.conversation.id, template="hello_world", author="R", now=NOW
        )
    assert unknown.value.status_code == 422
    with pytest.raises(sending.UnknownTemplate):  # free-form only: no template form
        await sending.send_template(
            session, store, asha.conversation.id, template="optout_confirmed", author="R", now=NOW
        )
    with pytest.raises(sending.TemplateNotApplicable) as stale:
        await sending.send_template(
            session, store, asha.conversation.id, template="delivered", author="R", now=NOW
        )
    assert [t["template"] for t in stale.value.details["templates"]] == ["out_for_delivery"]
    asha.shipment.milestone, asha.shipment.side_state = "in_transit", "delayed"
    with pytest.raises(sending.TemplateNotApproved, match="status PENDING"):
        await sending.send_template(
            session, store, asha.conversation.id, template="shipment_delayed", author="R", now=NOW
        )
    with pytest.raises(NotFound, match="no order '9999' for this customer"):
        await sending.send_template(
            session, store, asha.conversation.id, template="shipment_delayed", author="R",
            order_ref="9999", now=NOW,
        )  # fmt: skip
    await record_consent(session, asha.contact, Purpose.UTILITY, False, ConsentSource.API, {}, NOW)
    with pytest.raises(sending.OptedOut):
        await sending.send_template(
            session, store, asha.conversation.id, template="shipment_in_transit", author="R",
            now=NOW,
        )  # fmt: skip
    assert list(await session.scalars(select(MessageEvent))) == []


async def test_another_customers_order_is_not_found(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    ravi = await customer(session, store, phone="+919812345678", wrote_at=NOW, order_id="2002")
    with pytest.raises(NotFound):
        await sending.send_template(
            session, store, asha.conversation.id, template="out_for_delivery", author="R",
            order_ref=ravi.order.external_id, now=NOW,
        )  # fmt: skip


# --- canned responses, notes, labels ----------------------------------------------------------


async def test_canned_responses_fill_their_placeholders_when_sent(
    session: AsyncSession, store: Store, asha: Customer
) -> None:
    await canned.create_canned(
        session, store, shortcut="eta", title=None, now=NOW,
        body="Hi {customer_name}, {store_name} here: order {order_number} arrives today.",
    )  # fmt: skip
    message, outbound = await sending.send_message(
        session, store, asha.conversation.id, author="Ravi", canned="eta", now=NOW
    )
    body = "Hi Asha, Chai & Co here: order #1001 arrives today."
    assert message.text == body
    assert outbound.params["payload"]["text"]["body"] == body
    assert outbound.order_id == asha.order.id
    with pytest.raises(InvalidInput, match="no canned response with the shortcut 'nope'"):
        await sending.send_message(
            session, store, asha.conversation.id, author="Ravi", canned="nope", now=NOW
        )


async def test_a_canned_order_number_needs_an_order(session: AsyncSession, store: Store) -> None:
    nameless = await customer(session, store, name=None, wrote_at=NOW)
    nameless.order.contact_id = None  # a guest checkout: not this customer's order any more
    await session.flush()
    await canned.create_canned(
        session, store, shortcut="hi", title="Hi", body="Hi {customer_name}!", now=NOW
    )
    await canned.create_canned(
        session, store, shortcut="order", title="Order", body="Order {order_number}", now=NOW
    )
    message, _ = await sending.send_message(
        session, store, nameless.conversation.id, author="R", canned="hi", now=NOW
    )
    assert message.text == "Hi there!"  # the templates' own greeting when there is no name
    with pytest.raises(sending.NoOrder, match=r"mentions \{order_number\}"):
        await sending.send_message(
            session, store, nameless.conversation.id, author="R", canned="order", now=NOW
        )


async def test_canned_responses_are_validated_and_unique_per_store(
    session: AsyncSession, store: Store
) -> None:
    row = await canned.create_canned(
        session, store, shortcut="thanks", title=None, body="Thanks!", now=NOW
    )
    assert row.title == "thanks"
    with pytest.raises(canned.DuplicateShortcut) as duplicate:
        await canned.create_canned(session, store, shortcut="thanks", title=None, body="x", now=NOW)
    assert (duplicate.value.status_code, duplicate.value.code) == (409, "duplicate_shortcut")
    with pytest.raises(canned.UnknownPlaceholder, match=r"\{name\} is not a placeholder"):
        await canned.create_canned(
            session, store, shortcut="bad", title=None, body="Hi {name}", now=NOW
        )
    for shortcut in ("Thanks", "with space", "x" * 65, "", "ñ"):
        with pytest.raises(InvalidInput, match="lower-case letters"):
            await canned.create_canned(
                session, store, shortcut=shortcut, title=None, body="x", now=NOW
            )
    # Braces that are not a placeholder are text.
    row2 = await canned.create_canned(
        session, store, shortcut="json", title=None, body="Use { } or {{ }} freely", now=NOW
    )
    assert canned.placeholders_in(row2.body) == []
    with pytest.raises(canned.DuplicateShortcut):
        await canned.update_canned(session, store, row2.id, {"shortcut": "thanks"}, NOW)
    updated = await canned.update_canned(
        session, store, row2.id, {"shortcut": "braces", "body": "Dear {customer_name}"}, NOW
    )
    assert (updated.shortcut, updated.body) == ("braces", "Dear {customer_name}")
    other, _ = await create_store(session, name="Other", country="IN", language="en")
    await canned.create_canned(session, other, shortcut="thanks", title=None, body="Ta", now=NOW)
    with pytest.raises(NotFound):
        await canned.update_canned(session, other, row.id, {"title": "mine now"}, NOW)
    with pytest.raises(NotFound):
        await canned.delete_canned(session, other, row.id)
    await canned.delete_canned(session, store, row.id)
    assert [r.shortcut for r in await canned.list_canned(session, store)] == ["braces"]


def test_labels_are_trimmed_deduplicated_and_bounded() -> None:
    assert inbox.normalise_labels([" vip ", "vip", "late  delivery", "VIP"]) == [
        "vip",
        "late delivery",
        "VIP",
    ]
    assert inbox.normalise_labels([]) == []
    with pytest.raises(InvalidInput, match="at most 20 labels"):
        inbox.normalise_labels([f"l{i}" for i in range(21)])
    assert len(inbox.normalise_labels(["same"] * 50)) == 1  # counted after de-duplication
    for bad in ("", "   ", "x" * 41):
        with pytest.raises(InvalidInput, match="1 to 40 characters"):
            inbox.normalise_labels([bad])
    with pytest.raises(InvalidInput, match="control characters"):
        inbox.normalise_labels(["a\x00b"])


async def test_notes_stay_private(session: AsyncSession, store: Store, asha: Customer) -> None:
    await inbox.add_note(session, store, asha.conversation.id, "Ravi", "Call back at 5", NOW)
    rows = await session.scalars(select(ConversationMessage))
    assert all(m.text != "Call back at 5" for m in rows)
    assert list(await session.scalars(select(OutboundMessage))) == []
