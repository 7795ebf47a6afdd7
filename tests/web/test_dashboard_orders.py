"""Dashboard orders: the list (newest first, search, pages), one order with its messages and
reasons, Retry making exactly one new outbox row that the policy still judges (and that reaches
the sandbox phone when nothing stops it), and another store's order a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ordertalk.contacts.models import Contact
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.messaging.outbox import enqueue, note
from ordertalk.policy.decisions import Purpose, Reason
from tests.api_support import ApiClient, new_store
from tests.conftest import Sandbox
from tests.conversations.inbox_support import Customer
from tests.messaging.conftest import rig  # noqa: F401  (a store on the sandbox, templates approved)
from tests.messaging.test_dispatcher import Rig
from tests.web.dashboard_support import log_in, new_user, page_token, web_customer

pytestmark = pytest.mark.database

PHONE = "919876543210"  # Asha, the customer `customer()` makes


async def _failed_message(client: ApiClient, asha: Customer) -> int:
    """The parcel's out-for-delivery message, failed with WhatsApp's error 131026."""
    async with client.sessions() as session, session.begin():
        message = await enqueue(
            session,
            store_id=asha.order.store_id,
            contact_id=asha.contact.id,
            order_id=asha.order.id,
            entity="shipment",
            entity_id=asha.shipment.id,
            milestone="out_for_delivery",
            intent="out_for_delivery",
            purpose=Purpose.UTILITY,
            dedup_key=f"shipment:{asha.shipment.id}:out_for_delivery",
            not_before=datetime.now(UTC) - timedelta(minutes=30),
        )
        assert message is not None
        message.state = "failed"
        message.error_code = 131026
        message.error_title = "Message undeliverable"
        message.pricing_category = "utility"
        message.billable = True
        note(session, message, kind="decision", outcome="send", reason=Reason.OK)
        note(session, message, kind="status", outcome="failed", detail="131026 undeliverable")
        return message.id


@pytest.fixture
async def shop(client: ApiClient) -> tuple[str, Customer]:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id)
    asha = await web_customer(client, store_id)
    await log_in(client, "priya@chai.example")
    return store_id, asha


async def test_the_list_is_newest_first_searchable_and_masks_phones(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    store_id, _ = shop
    await web_customer(client, store_id, phone="+919812300000", name="Ravi", order_id="1002")
    html = (await client.get("/ui/orders")).text
    assert html.index("#1002") < html.index("#1001")
    assert "+91•••••3210" in html
    assert "+919876543210" not in html
    by_phone = (await client.get("/ui/orders", params={"q": "98765 43210"})).text
    assert "#1001" in by_phone
    assert "#1002" not in by_phone
    by_number = (await client.get("/ui/orders", params={"q": "#1002"})).text
    assert "#1002" in by_number
    assert "#1001" not in by_number
    none = (await client.get("/ui/orders", params={"q": "100%_"})).text
    assert "No order matches" in none
    bad_page = await client.get("/ui/orders", params={"page": "0"})
    assert bad_page.status_code == 422
    assert "page" in bad_page.text


async def test_the_order_page_shows_the_timeline_messages_ticks_costs_and_reasons(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    _, asha = shop
    await _failed_message(client, asha)
    response = await client.get("/ui/orders/1001")
    assert response.status_code == 200
    html = response.text
    assert "Order #1001" in html
    assert "+919876543210" in html  # the merchant sees their customer's number here
    assert "out_for_delivery" in html
    assert "✗" in html
    assert "131026" in html
    assert "Message undeliverable" in html
    assert "utility" in html
    assert "(billable)" in html
    assert "decision: send" in html
    assert "status: failed" in html
    assert "Retry" in html
    assert "may still be held" in html


async def test_retry_makes_one_new_row_and_the_policy_still_decides(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    _, asha = shop
    failed_id = await _failed_message(client, asha)
    # The customer has since said STOP: the retry must not reach them.
    async with client.sessions() as session, session.begin():
        contact = await session.get(Contact, asha.contact.id)
        assert contact is not None
        contact.utility_consent = False
    token = await page_token(client, "/ui/orders/1001")
    path = f"/ui/orders/1001/messages/{failed_id}/retry"
    response = await client.post(path, data={"csrf": token, "attempt": "1"})
    assert response.status_code == 303, response.text
    twice = await client.post(path, data={"csrf": token, "attempt": "1"})  # a double click
    assert twice.status_code == 409
    assert "retried already" in twice.text
    async with client.sessions() as session:
        rows = list(await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        assert len(rows) == 2
        original, retried = rows
        assert response.headers["location"].endswith(f"?retried={retried.id}#message-{retried.id}")
        assert retried.dedup_key == f"{original.dedup_key}:retry:1"
        assert (retried.intent, retried.order_id, retried.entity, retried.entity_id) == (
            original.intent, original.order_id, original.entity, original.entity_id,
        )  # fmt: skip
        assert retried.state == "scheduled"
        details = await session.scalars(
            select(MessageEvent.detail).where(MessageEvent.outcome == "retried")
        )
        assert sorted(details) == [
            f"retried by Priya (retry 1 of message {original.id})",
            f"retried by Priya as message {retried.id}",
        ]
    # The dispatcher judges the retry like any other message: suppressed, never sent.
    await client.app.state.dispatcher.run_once()
    async with client.sessions() as session:
        again = await session.get(OutboundMessage, retried.id)
        assert again is not None
        assert again.state == "suppressed"
        assert again.wamid is None
        reasons = list(
            await session.scalars(
                select(MessageEvent.reason).where(MessageEvent.message_id == retried.id)
            )
        )
        assert "opted_out" in reasons or "no_consent" in reasons
    page = (await client.get(f"/ui/orders/1001?retried={retried.id}")).text
    assert f"Retry queued as message {retried.id}" in page
    assert "opted out" in page or "not agreed" in page
    # A second retry of the suppressed retry takes the next number, of the same original.
    token = await page_token(client, "/ui/orders/1001")
    second = await client.post(
        f"/ui/orders/1001/messages/{retried.id}/retry", data={"csrf": token, "attempt": "2"}
    )
    assert second.status_code == 303
    async with client.sessions() as session:
        keys = list(await session.scalars(select(OutboundMessage.dedup_key)))
        assert keys[-1].endswith(":retry:2")


async def test_a_retry_from_the_dashboard_is_sent_and_reaches_the_phone(
    client: ApiClient,
    rig: Rig,  # noqa: F811
    sandbox: Sandbox,
) -> None:
    # The rig's store sends through the sandbox; the customer's consent is intact, and she
    # wrote an hour ago (so WhatsApp's window is open on the sandbox too).
    await new_user(client, rig.store_id)
    asha = await web_customer(client, rig.store_id)
    sandbox.say(PHONE, "I want to talk to a person")
    failed_id = await _failed_message(client, asha)
    await log_in(client, "priya@chai.example")
    token = await page_token(client, "/ui/orders/1001")
    response = await client.post(
        f"/ui/orders/1001/messages/{failed_id}/retry", data={"csrf": token, "attempt": "1"}
    )
    assert response.status_code == 303, response.text
    await client.app.state.dispatcher.run_once()
    async with client.sessions() as session:
        original, retried = list(
            await session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        )
    assert (original.id, original.state) == (failed_id, "failed")  # kept as it was
    assert retried.dedup_key.endswith(":retry:1")
    assert retried.state == "accepted", await rig.events(retried.id)
    assert retried.wamid is not None
    assert ("attempt", "accepted", None) in await rig.events(retried.id)

    # WhatsApp's status webhooks come back for the new row, not the failed one.
    async def delivered() -> bool:
        return await rig.state_of(retried.id) in ("delivered", "read")

    await rig.wait(delivered, "the retry's delivery")
    assert await rig.state_of(failed_id) == "failed"
    received = [m for m in sandbox.phone(PHONE) if m["id"] == retried.wamid]
    assert len(received) == 1, sandbox.phone(PHONE)
    assert received[0]["status"] in ("delivered", "read")
    assert "your order #1001 is out for delivery" in received[0]["text"]
    page = (await client.get(f"/ui/orders/1001?retried={retried.id}")).text
    assert f"Retry queued as message {retried.id}" in page


async def test_retry_refuses_what_cannot_be_retried_with_a_message(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    _, asha = shop
    failed_id = await _failed_message(client, asha)
    token = await page_token(client, "/ui/orders/1001")
    async with client.sessions() as session, session.begin():
        row = await session.get(OutboundMessage, failed_id)
        assert row is not None
        row.state = "delivered"
    delivered = await client.post(
        f"/ui/orders/1001/messages/{failed_id}/retry", data={"csrf": token, "attempt": "1"}
    )
    assert delivered.status_code == 409
    assert "only failed, suppressed or withdrawn" in delivered.text
    for attempt in ("0", "x", ""):
        bad = await client.post(
            f"/ui/orders/1001/messages/{failed_id}/retry", data={"csrf": token, "attempt": attempt}
        )
        assert bad.status_code == 422, bad.text
        assert "attempt" in bad.text
    no_csrf = await client.post(
        f"/ui/orders/1001/messages/{failed_id}/retry", data={"attempt": "1"}
    )
    assert no_csrf.status_code == 403
    elsewhere = await client.post(
        f"/ui/orders/nope/messages/{failed_id}/retry", data={"csrf": token, "attempt": "1"}
    )
    assert elsewhere.status_code == 404
    async with client.sessions() as session:
        count = await session.scalar(select(func.count(OutboundMessage.id)))
        assert count == 1


async def test_another_stores_order_is_a_404(client: ApiClient, shop: tuple[str, Customer]) -> None:
    _, asha = shop
    failed_id = await _failed_message(client, asha)
    other_id, _ = await new_store(client, name="Other")
    await new_user(client, other_id, email="mallory@other.example", name="Mallory")
    client.cookies.clear()
    await log_in(client, "mallory@other.example")
    response = await client.get("/ui/orders/1001")
    assert response.status_code == 404
    assert "no order" in response.text
    assert "#1001" not in (await client.get("/ui/orders")).text
    token = await page_token(client, "/ui/orders")
    retry = await client.post(
        f"/ui/orders/1001/messages/{failed_id}/retry", data={"csrf": token, "attempt": "1"}
    )
    assert retry.status_code == 404
