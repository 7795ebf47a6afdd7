"""Dashboard inbox: the list (waiting first, filters, the refreshing fragment), a conversation
answered inside the window and with a template outside it, canned responses, assignment,
notes, labels, bad input as a 4xx page, and another store's conversation a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ordertalk.conversations.canned import create_canned
from ordertalk.conversations.models import Conversation, ConversationMessage, ConversationNote
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from tests.api_support import ApiClient, new_store
from tests.conversations.inbox_support import Customer, approve_templates, customer
from tests.web.dashboard_support import log_in, new_user, page_token

pytestmark = pytest.mark.database


@pytest.fixture
async def store_id(client: ApiClient) -> str:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id)
    await new_user(client, store_id, email="ravi@chai.example", name="Ravi")
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        await approve_templates(session, store)
        await create_canned(
            session, store, shortcut="thanks", title="Thanks",
            body="Thank you {customer_name}, order {order_number} is on its way.",
            now=datetime.now(UTC),
        )  # fmt: skip
    await log_in(client, "priya@chai.example")
    return store_id


async def _customer(client: ApiClient, store_id: str, **kw: Any) -> Customer:
    hours_ago = kw.pop("hours_ago", 1)
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        wrote_at = datetime.now(UTC) - timedelta(hours=hours_ago)
        return await customer(session, store, wrote_at=wrote_at, **kw)


async def _post(client: ApiClient, cid: int, action: str, **data: str) -> Any:
    token = await page_token(client, f"/ui/inbox/{cid}")
    return await client.post(f"/ui/inbox/{cid}/{action}", data={"csrf": token, **data})


async def test_the_list_shows_waiting_first_then_with_agents_and_filters(
    client: ApiClient, store_id: str
) -> None:
    await _customer(client, store_id, state="agent", phone="+919812300000", name="Ravi K",
                    order_id="1002", hours_ago=0.5)  # fmt: skip
    await _customer(client, store_id, state="waiting", hours_ago=2)
    await _customer(client, store_id, state="bot", phone="+919800000001", name="Bot Only",
                    order_id="1003")  # fmt: skip
    html = (await client.get("/ui/inbox")).text
    waiting, agents = html.index('id="section-waiting"'), html.index('id="section-agent"')
    assert waiting < html.index("Asha") < agents < html.index("Ravi K")
    assert "Bot Only" not in html
    assert "+91•••••3210" in html
    assert "+919876543210" not in html
    assert 'data-refresh="/ui/inbox/list"' in html
    bots = (await client.get("/ui/inbox", params={"state": "bot"})).text
    assert "Bot Only" in bots
    assert "Asha" not in bots
    fragment = await client.get("/ui/inbox/list", params={"state": "waiting"})
    assert fragment.status_code == 200
    assert "Asha" in fragment.text
    assert "<html" not in fragment.text
    bad = await client.get("/ui/inbox", params={"state": "sleeping"})
    assert bad.status_code == 422
    assert "state must be" in bad.text


async def test_an_agent_answers_inside_the_window(client: ApiClient, store_id: str) -> None:
    asha = await _customer(client, store_id)
    cid = asha.conversation.id
    page = (await client.get(f"/ui/inbox/{cid}")).text
    assert "I want to talk to a person" in page
    assert "free text is allowed" in page
    assert 'data-body="Thank you Asha, order #1001 is on its way."' in page
    sent = await _post(client, cid, "reply", text="Hello Asha, Priya here.")
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/ui/inbox/{cid}#reply"
    canned = await _post(client, cid, "canned", shortcut="thanks")
    assert canned.status_code == 303, canned.text
    async with client.sessions() as session:
        conversation = await session.get(Conversation, cid)
        assert conversation is not None
        assert (conversation.state, conversation.assignee) == ("agent", "Priya")
        outs = list(
            await session.scalars(
                select(ConversationMessage)
                .where(ConversationMessage.direction == "out")
                .order_by(ConversationMessage.id)
            )
        )
        assert [(m.text, m.author) for m in outs] == [
            ("Hello Asha, Priya here.", "Priya"),
            ("Thank you Asha, order #1001 is on its way.", "Priya"),
        ]
        queued = list(await session.scalars(select(OutboundMessage.state)))
        assert queued == ["scheduled", "scheduled"]
    thread = (await client.get(f"/ui/inbox/{cid}/thread")).text
    assert "Hello Asha, Priya here." in thread
    assert "<html" not in thread


async def test_outside_the_window_the_page_offers_templates_and_sends_one(
    client: ApiClient, store_id: str
) -> None:
    asha = await _customer(client, store_id, hours_ago=30)
    cid = asha.conversation.id
    page = (await client.get(f"/ui/inbox/{cid}")).text
    assert "The 24-hour window is closed" in page
    assert 'name="template" value="out_for_delivery"' in page
    assert 'id="reply-text"' not in page
    refused = await _post(client, cid, "reply", text="Hello?")
    assert refused.status_code == 409
    assert "only allowed within 24 hours" in refused.text
    assert "Send this template" in refused.text
    sent = await _post(client, cid, "template", template="out_for_delivery", order_id="1001")
    assert sent.status_code == 303, sent.text
    wrong = await _post(client, cid, "template", template="no_such_template", order_id="1001")
    assert wrong.status_code == 422
    assert "no template" in wrong.text
    async with client.sessions() as session:
        rows = list(await session.scalars(select(OutboundMessage)))
        assert [(r.intent, r.order_id) for r in rows] == [("out_for_delivery", asha.order.id)]


async def test_assign_resolve_notes_and_labels(client: ApiClient, store_id: str) -> None:
    asha = await _customer(client, store_id)
    cid = asha.conversation.id
    assert (await _post(client, cid, "assign", assignee="me")).status_code == 303
    assert (await _post(client, cid, "assign", assignee="Ravi")).status_code == 303
    assert (await _post(client, cid, "notes", body="Asked twice already")).status_code == 303
    assert (await _post(client, cid, "labels", labels="vip, late , vip")).status_code == 303
    mine = (await client.get("/ui/inbox", params={"assignee": "me"})).text
    assert "Asha" not in mine
    ravis = (await client.get("/ui/inbox", params={"assignee": "Ravi", "label": "vip"})).text
    assert "Asha" in ravis
    page = (await client.get(f"/ui/inbox/{cid}")).text
    assert "Asked twice already" in page
    assert 'value="vip, late"' in page
    assert (await _post(client, cid, "resolve")).status_code == 303
    again = await _post(client, cid, "resolve")
    assert again.status_code == 409
    assert "already resolved" in again.text
    async with client.sessions() as session:
        conversation = await session.get(Conversation, cid)
        assert conversation is not None
        assert (conversation.state, conversation.assignee, conversation.labels) == (
            "resolved", "Ravi", ["vip", "late"],
        )  # fmt: skip
        notes = list(await session.scalars(select(ConversationNote.author)))
        assert notes == ["Priya"]


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("reply", {"text": "   "}, "must not be blank"),
        ("reply", {"text": "bad \x00 byte"}, "control characters"),
        ("reply", {"text": "x" * 5000}, "4096"),
        ("notes", {"body": ""}, "note"),
        ("labels", {"labels": "x" * 41}, "40 characters"),
        ("canned", {"shortcut": "nope"}, "no canned response"),
        ("assign", {"assignee": ""}, "assignee"),
    ],
)
async def test_bad_input_is_a_4xx_page_with_the_reason(
    client: ApiClient, store_id: str, action: str, data: dict[str, str], message: str
) -> None:
    asha = await _customer(client, store_id)
    response = await _post(client, asha.conversation.id, action, **data)
    assert 400 <= response.status_code < 500, response.text
    assert message in response.text
    assert "I want to talk to a person" in response.text or response.status_code == 422
    async with client.sessions() as session:
        assert list(await session.scalars(select(OutboundMessage))) == []


async def test_a_form_without_the_token_changes_nothing(client: ApiClient, store_id: str) -> None:
    asha = await _customer(client, store_id)
    cid = asha.conversation.id
    response = await client.post(f"/ui/inbox/{cid}/reply", data={"text": "hi"})
    assert response.status_code == 403
    assert "not sent from the dashboard" in response.text
    async with client.sessions() as session:
        assert list(await session.scalars(select(OutboundMessage))) == []


async def test_another_stores_conversation_is_a_404(client: ApiClient, store_id: str) -> None:
    asha = await _customer(client, store_id)
    cid = asha.conversation.id
    other_id, _ = await new_store(client, name="Other")
    await new_user(client, other_id, email="mallory@other.example", name="Mallory")
    client.cookies.clear()
    await log_in(client, "mallory@other.example")
    for path in (f"/ui/inbox/{cid}", f"/ui/inbox/{cid}/thread", "/ui/media/1"):
        response = await client.get(path)
        assert response.status_code == 404, path
    token = await page_token(client, "/ui/inbox")
    for action in ("reply", "assign", "resolve", "notes", "labels"):
        response = await client.post(
            f"/ui/inbox/{cid}/{action}",
            data={"csrf": token, "text": "hi", "assignee": "me", "body": "x", "labels": "a"},
        )
        assert response.status_code == 404, action
    assert "Asha" not in (await client.get("/ui/inbox")).text
    assert (await client.get("/ui/inbox/99999999999")).status_code == 422
