"""The inbox API over HTTP: an agent's day (list, read, assign, reply, note, label, resolve),
the window rule and its template offers, canned responses, business hours, and bad input or
another store's ids answered with a 4xx and a reason, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ordertalk.stores.models import Store
from ordertalk.webhooks_out.models import WebhookDelivery
from ordertalk.webhooks_out.service import create_endpoint
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.conversations.inbox_support import Customer, approve_templates, customer, offered
from tests.database import fresh_database

pytestmark = pytest.mark.database

PHONE_DIGITS = "9876543210"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return fresh_database(tmp_path)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    # No worker: queued messages stay in the outbox where the tests can read them.
    async with api_client(database_url, worker=False) as client:
        yield client


@pytest.fixture
async def key(client: ApiClient) -> str:
    _, key = await new_store(client, name="Chai & Co", country="IN", language="en")
    return key


async def _customer(client: ApiClient, key: str, *, hours_ago: float = 1, **kw: Any) -> Customer:
    async with client.sessions() as session, session.begin():
        store = await _store(session, key)
        if not kw.pop("templates_done", False):
            await approve_templates(session, store)
        wrote_at = datetime.now(UTC) - timedelta(hours=hours_ago)
        return await customer(session, store, wrote_at=wrote_at, **kw)


async def _store(session: Any, key: str) -> Store:
    from ordertalk.stores.service import authenticate

    return await authenticate(session, f"Bearer {key}")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


async def test_an_agent_takes_a_waiting_customer_answers_and_resolves(
    client: ApiClient, key: str
) -> None:
    asha = await _customer(client, key)
    cid = asha.conversation.id
    listed = _ok(await client.get("/v1/conversations?state=waiting", headers=auth(key)))
    [row] = listed["conversations"]
    assert (row["id"], row["state"], row["phone_masked"]) == (cid, "waiting", "+91•••••3210")
    assert row["last_message"]["text"] == "I want to talk to a person"
    assert listed["next_after"] is None

    assigned = _ok(
        await client.post(f"/v1/conversations/{cid}/assign", headers=auth(key),
                          json={"assignee": "Ravi"})
    )  # fmt: skip
    assert (assigned["state"], assigned["assignee"]) == ("agent", "Ravi")
    sent = _ok(
        await client.post(f"/v1/conversations/{cid}/messages", headers=auth(key),
                          json={"text": "Hi Asha, Ravi here.", "author": "Ravi"}),
        202,
    )  # fmt: skip
    assert (sent["direction"], sent["author"], sent["status"]) == ("out", "Ravi", "scheduled")
    _ok(
        await client.post(f"/v1/conversations/{cid}/notes", headers=auth(key),
                          json={"author": "Ravi", "body": "Wants delivery after 6 pm"}),
        201,
    )  # fmt: skip
    labelled = _ok(
        await client.put(f"/v1/conversations/{cid}/labels", headers=auth(key),
                         json={"labels": [" late ", "late", "cod"]})
    )  # fmt: skip
    assert labelled["labels"] == ["late", "cod"]

    detail = _ok(await client.get(f"/v1/conversations/{cid}", headers=auth(key)))
    assert detail["window_open"] is True
    assert detail["contact"]["phone_masked"] == "+91•••••3210"
    assert [(m["direction"], m["author"]) for m in detail["messages"]] == [
        ("in", None),
        ("out", "Ravi"),
    ]
    assert detail["messages"][1]["status"] == "scheduled"
    assert [n["body"] for n in detail["notes"]] == ["Wants delivery after 6 pm"]
    assert detail["orders"][0]["order_id"] == "1001"
    by_label = _ok(await client.get("/v1/conversations?label=late", headers=auth(key)))
    assert [c["id"] for c in by_label["conversations"]] == [cid]

    resolved = _ok(await client.post(f"/v1/conversations/{cid}/resolve", headers=auth(key)))
    assert resolved["state"] == "resolved"
    again = await client.post(f"/v1/conversations/{cid}/resolve", headers=auth(key))
    assert "already resolved" in _error(again, 409, "invalid_transition")["message"]
    for response in (listed, detail, sent):
        assert PHONE_DIGITS not in str(response)


async def test_handoff_from_the_bot_and_the_first_reply_assigns_the_author(
    client: ApiClient, key: str
) -> None:
    asha = await _customer(client, key, state="bot")
    cid = asha.conversation.id
    waiting = _ok(await client.post(f"/v1/conversations/{cid}/handoff", headers=auth(key)))
    assert waiting["state"] == "waiting"
    twice = await client.post(f"/v1/conversations/{cid}/handoff", headers=auth(key))
    _error(twice, 409, "invalid_transition")
    _ok(
        await client.post(f"/v1/conversations/{cid}/messages", headers=auth(key),
                          json={"text": "Hello!", "author": "Meera"}),
        202,
    )  # fmt: skip
    detail = _ok(await client.get(f"/v1/conversations/{cid}", headers=auth(key)))
    assert (detail["state"], detail["assignee"]) == ("agent", "Meera")


async def test_a_handoff_through_the_api_tells_the_stores_endpoints(
    client: ApiClient, key: str
) -> None:
    asha = await _customer(client, key, state="bot")
    async with client.sessions() as session, session.begin():
        store = await _store(session, key)
        await create_endpoint(session, store, "http://127.0.0.1:9/hooks", allow_private=True)
    cid = asha.conversation.id
    _ok(await client.post(f"/v1/conversations/{cid}/handoff", headers=auth(key)))
    async with client.sessions() as session:
        [delivery] = await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_type == "conversation.handoff")
        )
    assert delivery.payload["type"] == "conversation.handoff"
    assert delivery.payload["data"] == {
        "conversation_id": cid,
        "contact_id": asha.contact.id,
        "customer": "+91•••••3210",
        "source": "api",
        "reason": "manual",
        "message": None,
    }
    assert delivery.state == "pending"
    refused = await client.post(f"/v1/conversations/{cid}/handoff", headers=auth(key))
    _error(refused, 409, "invalid_transition")  # already waiting: nothing more is announced
    async with client.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.event_type == "conversation.handoff")
        )
    assert count == 1


async def test_outside_the_window_free_form_is_refused_and_a_template_offered(
    client: ApiClient, key: str
) -> None:
    asha = await _customer(client, key, hours_ago=25)
    cid = asha.conversation.id
    refused = await client.post(
        f"/v1/conversations/{cid}/messages", headers=auth(key),
        json={"text": "Are you there?", "author": "Ravi"},
    )  # fmt: skip
    error = _error(refused, 409, "window_closed")
    assert "only allowed within 24 hours of the customer's last message" in error["message"]
    assert offered(error) == ["out_for_delivery"]
    assert error["templates"][0]["order_id"] == "1001"
    offers = _ok(await client.get(f"/v1/conversations/{cid}/templates", headers=auth(key)))
    assert offers["window_open"] is False
    assert offered(offers) == ["out_for_delivery"]

    headers = auth(key) | {"Idempotency-Key": "tpl-1"}
    body = {"template": "out_for_delivery", "author": "Ravi", "order_id": 1001}
    sent = _ok(await client.post(f"/v1/conversations/{cid}/templates", headers=headers, json=body),
               202)  # fmt: skip
    assert (sent["type"], sent["author"], sent["status"]) == ("template", "Ravi", "scheduled")
    replay = await client.post(f"/v1/conversations/{cid}/templates", headers=headers, json=body)
    assert _ok(replay, 202)["id"] == sent["id"]
    different = await client.post(
        f"/v1/conversations/{cid}/templates", headers=headers, json=body | {"author": "Meera"}
    )
    _error(different, 409, "idempotency_conflict")
    stale = await client.post(
        f"/v1/conversations/{cid}/templates", headers=auth(key),
        json={"template": "delivered", "author": "Ravi"},
    )  # fmt: skip
    assert offered(_error(stale, 409, "template_not_applicable")) == ["out_for_delivery"]
    unknown = await client.post(
        f"/v1/conversations/{cid}/templates", headers=auth(key),
        json={"template": "hello_world", "author": "Ravi"},
    )  # fmt: skip
    _error(unknown, 422, "unknown_template")
    detail = _ok(await client.get(f"/v1/conversations/{cid}", headers=auth(key)))
    assert detail["messages"][-1]["content"]["template"] == "out_for_delivery"
    assert (detail["state"], detail["assignee"]) == ("agent", "Ravi")


async def test_an_unapproved_template_is_refused(client: ApiClient, key: str) -> None:
    async with client.sessions() as session, session.begin():
        store = await _store(session, key)
        await approve_templates(session, store, out_for_delivery="PENDING")
    asha = await _customer(client, key, hours_ago=30, templates_done=True)
    refused = await client.post(
        f"/v1/conversations/{asha.conversation.id}/templates", headers=auth(key),
        json={"template": "ot_out_for_delivery", "author": "Ravi"},
    )  # fmt: skip
    error = _error(refused, 409, "template_not_approved")
    assert "status PENDING" in error["message"]
    assert error["templates"] == []


async def test_canned_responses(client: ApiClient, key: str) -> None:
    asha = await _customer(client, key)
    created = _ok(
        await client.post("/v1/canned-responses", headers=auth(key), json={
            "shortcut": "eta", "title": "Arriving today",
            "body": "Hi {customer_name}! Order {order_number} from {store_name} arrives today.",
        }),
        201,
    )  # fmt: skip
    assert created["placeholders"] == ["customer_name", "order_number", "store_name"]
    duplicate = await client.post(
        "/v1/canned-responses", headers=auth(key), json={"shortcut": "eta", "body": "x"}
    )
    _error(duplicate, 409, "duplicate_shortcut")
    typo = await client.post(
        "/v1/canned-responses", headers=auth(key), json={"shortcut": "t", "body": "Hi {nme}"}
    )
    assert "{nme} is not a placeholder" in _error(typo, 422, "unknown_placeholder")["message"]
    bad = await client.post(
        "/v1/canned-responses", headers=auth(key), json={"shortcut": "Hi There", "body": "x"}
    )
    _error(bad, 422, "invalid_input")
    sent = _ok(
        await client.post(f"/v1/conversations/{asha.conversation.id}/messages", headers=auth(key),
                          json={"canned": "eta", "author": "Ravi"}),
        202,
    )  # fmt: skip
    assert sent["text"] == "Hi Asha! Order #1001 from Chai & Co arrives today."
    patched = _ok(
        await client.patch(f"/v1/canned-responses/{created['id']}", headers=auth(key),
                           json={"body": "Thanks, {customer_name}!"})
    )  # fmt: skip
    assert (patched["shortcut"], patched["placeholders"]) == ("eta", ["customer_name"])
    listed = _ok(await client.get("/v1/canned-responses", headers=auth(key)))
    assert [c["shortcut"] for c in listed] == ["eta"]
    gone = await client.delete(f"/v1/canned-responses/{created['id']}", headers=auth(key))
    assert gone.status_code == 204
    again = await client.delete(f"/v1/canned-responses/{created['id']}", headers=auth(key))
    _error(again, 404, "not_found")


async def test_business_hours(client: ApiClient, key: str) -> None:
    hours = _ok(await client.get("/v1/store/business-hours", headers=auth(key)))
    assert hours == {
        "timezone": "Asia/Kolkata",
        "business_hours": None,
        "away_message": None,
        "open_now": True,
        "next_opening": hours["next_opening"],
    }
    body = {
        "business_hours": {"sun": ["10:00", "14:00"], "mon": ["9:00", "18:00"], "sat": None},
        "away_message": "  We answer Mon 9-18 and Sun 10-14.  ",
    }
    saved = _ok(await client.put("/v1/store/business-hours", headers=auth(key), json=body))
    assert saved["business_hours"] == {"mon": ["09:00", "18:00"], "sun": ["10:00", "14:00"]}
    assert saved["away_message"] == "We answer Mon 9-18 and Sun 10-14."
    assert saved["next_opening"] is not None
    assert _ok(await client.get("/v1/store/business-hours", headers=auth(key))) == saved | {
        "open_now": saved["open_now"],
        "next_opening": saved["next_opening"],
    }
    for wrong, problem in [
        ({"business_hours": {"mon": ["18:00", "09:00"]}, "away_message": None}, "next day"),
        ({"business_hours": {"funday": ["09:00", "18:00"]}, "away_message": None}, "not a day"),
        ({"business_hours": {"mon": ["09:00", "18:00"]}, "away_message": "x" * 1001}, ""),
        ({"business_hours": None, "away_message": "a\x00b"}, "control characters"),
        ({"business_hours": None}, ""),  # both fields, always
        ({"business_hours": None, "away_message": None, "extra": 1}, ""),
        ({"business_hours": {"mon": "09:00-18:00"}, "away_message": None}, ""),
    ]:
        response = await client.put("/v1/store/business-hours", headers=auth(key), json=wrong)
        assert problem in _error(response, 422, "invalid_input")["message"] + str(response.json())
    unchanged = _ok(await client.get("/v1/store/business-hours", headers=auth(key)))
    assert unchanged["business_hours"] == saved["business_hours"]
    cleared = _ok(
        await client.put("/v1/store/business-hours", headers=auth(key),
                         json={"business_hours": None, "away_message": None})
    )  # fmt: skip
    assert (cleared["business_hours"], cleared["open_now"]) == (None, True)


async def test_paging_through_conversations(client: ApiClient, key: str) -> None:
    ids = []
    for i in range(3):
        person = await _customer(
            client, key, hours_ago=i + 1, phone=f"+9198765400{i:02d}", order_id=f"30{i}",
            templates_done=i > 0,
        )  # fmt: skip
        ids.append(person.conversation.id)
    first = _ok(await client.get("/v1/conversations?limit=2", headers=auth(key)))
    assert [c["id"] for c in first["conversations"]] == ids[:2]
    second = _ok(
        await client.get("/v1/conversations", params={"limit": 2, "after": first["next_after"]},
                         headers=auth(key))
    )  # fmt: skip
    assert ([c["id"] for c in second["conversations"]], second["next_after"]) == ([ids[2]], None)
    bad = await client.get("/v1/conversations?after=bm9wZQ", headers=auth(key))
    _error(bad, 422, "invalid_input")
    wrong_state = await client.get("/v1/conversations?state=sleeping", headers=auth(key))
    _error(wrong_state, 422, "invalid_input")


# --- tenant isolation and bad input ------------------------------------------------------------


async def test_another_stores_ids_are_not_found(client: ApiClient, key: str) -> None:
    asha = await _customer(client, key)
    cid = asha.conversation.id
    created = _ok(
        await client.post("/v1/canned-responses", headers=auth(key),
                          json={"shortcut": "hi", "body": "Hi"}),
        201,
    )  # fmt: skip
    _, other = await new_store(client, name="Other")
    for method, path, body in [
        ("GET", f"/v1/conversations/{cid}", None),
        ("GET", f"/v1/conversations/{cid}/templates", None),
        ("POST", f"/v1/conversations/{cid}/assign", {"assignee": "Eve"}),
        ("POST", f"/v1/conversations/{cid}/handoff", None),
        ("POST", f"/v1/conversations/{cid}/resolve", None),
        ("POST", f"/v1/conversations/{cid}/messages", {"text": "x", "author": "Eve"}),
        ("POST", f"/v1/conversations/{cid}/templates", {"template": "delivered", "author": "E"}),
        ("POST", f"/v1/conversations/{cid}/notes", {"author": "Eve", "body": "x"}),
        ("PUT", f"/v1/conversations/{cid}/labels", {"labels": ["x"]}),
        ("PATCH", f"/v1/canned-responses/{created['id']}", {"title": "mine"}),
        ("DELETE", f"/v1/canned-responses/{created['id']}", None),
    ]:
        response = await client.request(method, path, headers=auth(other), json=body)
        _error(response, 404, "not_found")
    assert _ok(await client.get("/v1/conversations", headers=auth(other)))["conversations"] == []
    assert _ok(await client.get("/v1/canned-responses", headers=auth(other))) == []
    unauthenticated = await client.get("/v1/conversations")
    _error(unauthenticated, 401, "unauthorized")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/conversations/abc", None),
        ("GET", "/v1/conversations/0", None),
        ("GET", "/v1/conversations/3000000000", None),
        ("GET", "/v1/conversations/99999999999999999999999", None),
        ("GET", "/v1/conversations/{cid}?before=3000000000", None),
        ("GET", "/v1/conversations?limit=0", None),
        ("GET", "/v1/conversations?label=a%00b", None),
        ("GET", "/v1/conversations?assignee=a%00b", None),
        ("PATCH", "/v1/canned-responses/1.5", {"title": "x"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "x" * 4097, "author": "R"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "a\x00b", "author": "R"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "   ", "author": "R"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "x", "author": "R\x00"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "x", "author": "R", "cc": "x"}),
        ("POST", "/v1/conversations/{cid}/messages", {"author": "R"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "x", "canned": "y", "author": "R"}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "x", "author": "R", "order_id": ""}),
        ("POST", "/v1/conversations/{cid}/messages", {"text": "x", "author": "R" * 201}),
        ("POST", "/v1/conversations/{cid}/messages", ["not", "an", "object"]),
        ("POST", "/v1/conversations/{cid}/templates", {"template": "x" * 101, "author": "R"}),
        ("POST", "/v1/conversations/{cid}/templates", {"template": "delivered"}),
        ("POST", "/v1/conversations/{cid}/assign", {"assignee": ""}),
        ("POST", "/v1/conversations/{cid}/assign", {"assignee": "R", "role": "admin"}),
        ("POST", "/v1/conversations/{cid}/notes", {"author": "R", "body": "x" * 4001}),
        ("POST", "/v1/conversations/{cid}/notes", {"author": "R", "body": "\x00"}),
        ("PUT", "/v1/conversations/{cid}/labels", {"labels": ["x" * 41]}),
        ("PUT", "/v1/conversations/{cid}/labels", {"labels": [f"l{i}" for i in range(21)]}),
        ("PUT", "/v1/conversations/{cid}/labels", {"labels": ["a\x00"]}),
        ("PUT", "/v1/conversations/{cid}/labels", {"labels": "vip"}),
        ("POST", "/v1/canned-responses", {"shortcut": "a", "body": "x" * 4097}),
        ("POST", "/v1/canned-responses", {"shortcut": "a", "body": "\x00"}),
        ("POST", "/v1/canned-responses", {"shortcut": "a\x00", "body": "x"}),
        ("POST", "/v1/canned-responses", {"shortcut": "a", "body": "x", "id": 7}),
    ],
)
async def test_bad_input_is_a_4xx_with_a_reason(
    client: ApiClient, key: str, method: str, path: str, body: Any
) -> None:
    asha = await _customer(client, key)
    response = await client.request(
        method, path.format(cid=asha.conversation.id), headers=auth(key), json=body
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"]


async def test_a_bad_idempotency_key_is_refused(client: ApiClient, key: str) -> None:
    asha = await _customer(client, key)
    response = await client.post(
        f"/v1/conversations/{asha.conversation.id}/messages",
        headers=auth(key) | {"Idempotency-Key": "x" * 101},
        json={"text": "Hi", "author": "Ravi"},
    )
    _error(response, 422, "invalid_input")
