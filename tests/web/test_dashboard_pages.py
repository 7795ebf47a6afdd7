"""Dashboard contacts, templates and journeys: each page for a logged-in user (a login redirect
otherwise), masked numbers in the contact list, the consent ledger, another store's contact a
404, the templates' reviews and previews, and journey forms validated like the API (CSRF too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ordertalk.contacts.service import ConsentSource, record_consent
from ordertalk.journeys.models import JourneyOverride
from ordertalk.policy.decisions import Purpose
from ordertalk.templates.models import TemplateStatus
from ordertalk.web.users import Role
from tests.api_support import ApiClient, new_store
from tests.conversations.inbox_support import Customer
from tests.web.dashboard_support import log_in, new_user, page_token, web_customer

pytestmark = pytest.mark.database

PAGES = ["/ui/overview", "/ui/contacts", "/ui/templates", "/ui/journeys", "/ui/settings"]


@pytest.fixture
async def shop(client: ApiClient) -> tuple[str, Customer]:
    store_id, _ = await new_store(client, name="Chai & Co")
    await new_user(client, store_id)
    asha = await web_customer(client, store_id)
    async with client.sessions() as session, session.begin():
        contact = await session.get(type(asha.contact), asha.contact.id)
        assert contact is not None
        await record_consent(
            session, contact, Purpose.MARKETING, True, ConsentSource.WIDGET,
            {"page": "https://chai.example/checkout", "wording": "Send me offers"},
            datetime.now(UTC) - timedelta(days=2),
        )  # fmt: skip
        await record_consent(
            session, contact, Purpose.MARKETING, False, ConsentSource.KEYWORD,
            {"text": "STOP"}, datetime.now(UTC) - timedelta(days=1),
        )  # fmt: skip
    await log_in(client, "priya@chai.example")
    return store_id, asha


async def test_every_page_needs_a_login(client: ApiClient) -> None:
    for path in [*PAGES, "/ui/contacts/1", "/ui"]:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/ui/login?next="), path


async def test_every_page_renders_for_an_owner_with_its_navigation(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert "<h1>" in response.text
        assert 'aria-current="page"' in response.text
        for label in ("Overview", "Orders", "Inbox", "Contacts", "Templates", "Journeys"):
            assert f">{label}</a>" in response.text
        assert ">Settings</a>" in response.text
    home = await client.get("/ui")
    assert home.headers["location"] == "/ui/overview"


async def test_an_agent_has_no_settings(client: ApiClient, shop: tuple[str, Customer]) -> None:
    store_id, _ = shop
    await new_user(client, store_id, email="ravi@chai.example", name="Ravi", role=Role.AGENT)
    await client.post("/ui/logout", data={"csrf": await page_token(client, "/ui/orders")})
    await log_in(client, "ravi@chai.example")
    orders = await client.get("/ui/orders")
    assert ">Settings</a>" not in orders.text
    assert ">Contacts</a>" in orders.text
    assert (await client.get("/ui/settings")).status_code == 403
    token = await page_token(client, "/ui/journeys")
    refused = await client.post(
        "/ui/settings/messaging", data={"csrf": token, "quiet_hours": "off"}
    )
    assert refused.status_code == 403
    assert (await client.get("/ui")).headers["location"] == "/ui/orders"


async def test_the_contact_list_masks_numbers_and_searches_by_phone(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    store_id, _ = shop
    await web_customer(client, store_id, phone="+919812300000", name="Ravi", order_id="1002")
    html = (await client.get("/ui/contacts")).text
    assert "+91•••••3210" in html
    assert "+91•••••0000" in html
    assert "+919876543210" not in html
    found = (await client.get("/ui/contacts", params={"q": "98765 43210"})).text
    assert "Asha" in found
    assert "Ravi" not in found
    none = (await client.get("/ui/contacts", params={"q": "5555"})).text
    assert "No contact" in none
    assert (await client.get("/ui/contacts", params={"page": "0"})).status_code == 422


async def test_a_contact_shows_consent_history_conversation_and_orders(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    _, asha = shop
    response = await client.get(f"/ui/contacts/{asha.contact.id}")
    assert response.status_code == 200
    html = response.text
    assert "Asha" in html
    assert "Asia/Kolkata" in html or asha.contact.timezone in html
    assert "open until" in html
    assert "refused or stopped" in html  # marketing: the STOP is the latest
    assert "widget" in html
    assert "keyword" in html
    assert "wording: Send me offers" in html
    assert "text: STOP" in html
    assert html.index("keyword") < html.index("widget")  # newest first
    assert f'href="/ui/inbox/{asha.conversation.id}"' in html
    assert 'href="/ui/orders/1001"' in html


async def test_another_stores_contact_is_not_found(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    other_id, _ = await new_store(client, name="Other")
    other = await web_customer(client, other_id, phone="+919800000001")
    response = await client.get(f"/ui/contacts/{other.contact.id}")
    assert response.status_code == 404
    assert "+919800000001" not in response.text
    assert (await client.get("/ui/contacts/999999")).status_code == 404


async def test_templates_show_reviews_categories_and_a_preview(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    store_id, _ = shop
    async with client.sessions() as session, session.begin():
        session.add(
            TemplateStatus(
                store_id=store_id, name="ot_shipment_dispatched", language="en", status="APPROVED",
                category="UTILITY",
            )
        )  # fmt: skip
        session.add(
            TemplateStatus(
                store_id=store_id, name="ot_shipment_dispatched", language="hi", status="REJECTED",
                category="MARKETING", reason="INVALID_FORMAT",
            )
        )  # fmt: skip
    html = (await client.get("/ui/templates")).text
    start = html.index('id="template-shipment_dispatched"')
    shipped = html[start : html.index("</article>", start)]
    assert "approved" in shipped
    assert "rejected" in shipped
    assert "INVALID_FORMAT" in shipped
    assert "not submitted" in shipped  # the other languages
    assert "utility" in shipped
    assert "#1042" in shipped  # the sample order
    assert "{{1}}" not in shipped
    start = html.index('id="template-order_confirmed"')
    confirmed = html[start : html.index("</article>", start)]
    assert "Chai &amp; Co" in confirmed  # the preview names the store
    start = html.index('id="template-cod_confirmation"')
    assert "wa-buttons" in html[start : html.index("</article>", start)]  # its quick replies
    hindi = (await client.get("/ui/templates", params={"language": "hi"})).text
    assert "Preview (hi" in hindi


async def test_a_journey_step_is_changed_through_the_form(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    store_id, _ = shop
    token = await page_token(client, "/ui/journeys")
    saved = await client.post(
        "/ui/journeys/dispatched",
        data={"csrf": token, "enabled": "1", "delay_minutes": "30", "expires_after_minutes": ""},
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/ui/journeys?saved=dispatched#step-dispatched"
    api = (await client.get("/ui/journeys")).text
    assert "After 30 min" in api
    async with client.sessions() as session:
        row = await session.scalar(
            select(JourneyOverride).where(JourneyOverride.store_id == store_id)
        )
        assert row is not None
        assert row.changes == {
            "enabled": True, "respect_quiet_hours": False, "delay_minutes": 30,
            "expires_after_minutes": None,
        }  # fmt: skip


@pytest.mark.parametrize("delay", ["soon", "-5", "99999"])
async def test_a_bad_journey_delay_is_refused_with_the_reason_and_nothing_saved(
    client: ApiClient, shop: tuple[str, Customer], delay: str
) -> None:
    token = await page_token(client, "/ui/journeys")
    response = await client.post(
        "/ui/journeys/dispatched", data={"csrf": token, "enabled": "1", "delay_minutes": delay}
    )
    assert response.status_code == 422
    assert "delay_minutes must be a whole number of minutes from 0 to 43200" in response.text
    assert f'value="{delay}"' in response.text  # what was typed comes back
    unknown = await client.post("/ui/journeys/nope", data={"csrf": token, "delay_minutes": "1"})
    assert unknown.status_code == 422
    assert "unknown playbook step" in unknown.text
    async with client.sessions() as session:
        assert list(await session.scalars(select(JourneyOverride))) == []


async def test_journey_forms_need_the_csrf_token(
    client: ApiClient, shop: tuple[str, Customer]
) -> None:
    for data in ({}, {"csrf": "forged"}):
        response = await client.post("/ui/journeys/dispatched", data={**data, "delay_minutes": "5"})
        assert response.status_code == 403
    async with client.sessions() as session:
        assert list(await session.scalars(select(JourneyOverride))) == []
