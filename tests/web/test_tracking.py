"""The tracking page at /t/{code}: links made once per message, clicks counted (never a link
preview's), the order shown to its customer only, a failed delivery answered from the page as in
chat, and the store's cross-sell cards."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from ordertalk.commerce.models import Order, Shipment, TimelineEntry
from ordertalk.messaging.models import OutboundMessage
from ordertalk.stores.models import Store
from ordertalk.web.links import CODE, link_for_message, new_code
from ordertalk.web.models import TrackingLink
from ordertalk.webhooks_out.models import WebhookDelivery
from ordertalk.webhooks_out.service import create_endpoint
from tests.api_support import ApiClient, api_client, auth, new_store

pytestmark = pytest.mark.database

PUBLIC = "https://track.chai.example"
PHONE = "+91 98765 43210"
BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[ApiClient]:
    async with api_client(
        database_url, worker=False, public_url=PUBLIC, session_secret="tracking-test-secret"
    ) as client:
        client.headers["user-agent"] = BROWSER
        yield client


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def event(client: ApiClient, key: str, body: dict[str, Any]) -> None:
    response = await client.post("/v1/events", json=body, headers=auth(key))
    assert response.status_code in (200, 202), response.text


async def shop_with_order(
    client: ApiClient,
    *,
    order_id: str = "ERP-9",
    phone: str = PHONE,
    language: str = "en",
    failed: bool = True,
    parcels: int = 1,
    store_name: str = "Chai & Co",
) -> tuple[str, str]:
    """A store and one order of its customer, shipped (and its delivery failed): (store, key)."""
    store_id, key = await new_store(client, name=store_name, country="IN")
    order = {
        "external_id": order_id,
        "name": f"#{order_id}",
        "currency": "INR",
        "total": "499.00",
        "items": [{"title": "Masala chai", "quantity": 2, "price": "249.50"}],
        "customer": {"phone": phone, "name": "Asha", "language": language},
    }
    await event(client, key, {"id": f"{order_id}-o", "milestone": "order_confirmed",
                              "order": order, "event_time": ago(hours=30)})  # fmt: skip
    for n in range(1, parcels + 1):
        parcel = {
            "external_id": f"{order_id}-{n}",
            "order_external_id": order_id,
            "carrier": "Delhivery",
            "tracking_number": f"AWB{order_id}{n}",
            "tracking_url": f"https://www.delhivery.com/track/package/AWB{order_id}{n}",
            "edd": (date.today() + timedelta(days=2)).isoformat(),
        }
        await event(client, key, {"id": f"{order_id}-{n}-d", "milestone": "dispatched",
                                  "shipment": parcel, "event_time": ago(hours=20)})  # fmt: skip
        if failed:
            await event(client, key, {"id": f"{order_id}-{n}-f",
                                      "milestone": "delivery_attempt_failed",
                                      "detail": "Consignee unavailable",
                                      "shipment": {"external_id": f"{order_id}-{n}"},
                                      "event_time": ago(hours=2)})  # fmt: skip
    return store_id, key


async def link_of(client: ApiClient, store_id: str, order_id: str = "ERP-9") -> str:
    """The code of the shipped message's link, made as the dispatcher makes it."""
    async with client.sessions() as session:
        message = await session.scalar(
            select(OutboundMessage)
            .join(Order, Order.id == OutboundMessage.order_id)
            .where(
                Order.store_id == store_id,
                Order.external_id == order_id,
                OutboundMessage.intent == "shipment_dispatched",
            )
            .order_by(OutboundMessage.id)
            .limit(1)
        )
        assert message is not None
        link = await link_for_message(
            session, message, shipment_id=message.entity_id, milestone=message.milestone
        )
        assert link is not None
        await session.commit()
        return link.code


async def link_row(client: ApiClient, code: str) -> TrackingLink:
    async with client.sessions() as session:
        link = await session.scalar(select(TrackingLink).where(TrackingLink.code == code))
        assert link is not None
        return link


async def shipment_of(client: ApiClient, external_id: str) -> Shipment:
    async with client.sessions() as session:
        shipment = await session.scalar(select(Shipment).where(Shipment.external_id == external_id))
        assert shipment is not None
        return shipment


def token_in(page: httpx.Response) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None, "the page has no form"
    return match.group(1)


def tomorrow_in_india() -> date:
    return datetime.now(IST).date() + timedelta(days=1)


async def ndr(client: ApiClient, code: str, **form: str) -> httpx.Response:
    return await client.post(f"/t/{code}/ndr", data=form)


# --- links ----------------------------------------------------------------------------------------


def test_codes_are_long_random_and_url_safe() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE.fullmatch(code) for code in codes)


async def test_a_message_gets_one_link_and_a_retry_reuses_it(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client, failed=False)
    first = await link_of(client, store_id)
    again = await link_of(client, store_id)
    assert first == again
    link = await link_row(client, first)
    assert (link.milestone, link.clicks, link.first_click_at) == ("dispatched", 0, None)
    async with client.sessions() as session:
        shipment = await session.scalar(select(Shipment).where(Shipment.external_id == "ERP-9-1"))
        assert shipment is not None
        assert link.shipment_id == shipment.id
        assert await session.scalar(select(func.count(TrackingLink.id))) == 1


# --- the page -------------------------------------------------------------------------------------


async def test_the_page_shows_the_order_and_counts_the_customers_open(client: ApiClient) -> None:
    store_id, key = await shop_with_order(client, failed=False)
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-robots-tag"].startswith("noindex")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert "Chai &amp; Co" in text
    assert "Order #ERP-9" in text
    assert "Shipped" in text
    assert "AWBERP-91" in text
    assert 'href="https://www.delhivery.com/track/package/AWBERP-91"' in text
    assert "Expected delivery" in text
    assert "Masala chai × 2" in text
    assert "+91•••••3210" in text
    assert "98765" not in text
    assert "9876543210" not in text
    link = await link_row(client, code)
    assert link.clicks == 1
    assert link.first_click_at is not None
    assert link.first_click_at == link.last_click_at
    await client.get(f"/t/{code}")
    link = await link_row(client, code)
    assert link.clicks == 2
    assert link.last_click_at is not None
    assert link.first_click_at is not None
    assert link.last_click_at >= link.first_click_at
    order = (await client.get("/v1/orders/ERP-9", headers=auth(key))).json()
    clicks = {m["intent"]: m["link_clicks"] for m in order["messages"]}
    assert clicks["shipment_dispatched"] == 2
    assert clicks["order_confirmed"] is None  # it carried no link


@pytest.mark.parametrize(
    ("method", "agent"),
    [
        ("GET", "WhatsApp/2.23.20.0 A"),
        ("GET", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
        ("GET", "TelegramBot (like TwitterBot)"),
        ("GET", ""),
        ("HEAD", BROWSER),
    ],
)
async def test_link_previews_and_heads_are_not_clicks_and_see_nothing_personal(
    client: ApiClient, method: str, agent: str
) -> None:
    store_id, _ = await shop_with_order(client, failed=False)
    code = await link_of(client, store_id)
    response = await client.request(method, f"/t/{code}", headers={"user-agent": agent})
    assert response.status_code == 200
    assert response.headers["x-robots-tag"].startswith("noindex")
    if method == "GET":
        assert "Chai &amp; Co" in response.text
        assert "ERP-9" not in response.text
        assert "AWB" not in response.text
    assert (await link_row(client, code)).clicks == 0


async def test_a_prefetch_is_not_a_click(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client, failed=False)
    code = await link_of(client, store_id)
    await client.get(f"/t/{code}", headers={"sec-purpose": "prefetch"})
    assert (await link_row(client, code)).clicks == 0


@pytest.mark.parametrize("code", ["AAAAAAAAAAAA", "short", "x" * 200, "..%2F..%2Fetc"])
async def test_an_unknown_code_is_a_friendly_404_page(client: ApiClient, code: str) -> None:
    response = await client.get(f"/t/{code}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Link not found" in response.text
    assert response.headers["cache-control"] == "no-store"
    posted = await ndr(client, code, csrf="x", shipment="1", action="cancel", confirm="yes")
    assert posted.status_code == 404
    assert "Link not found" in posted.text


async def test_the_page_speaks_the_customers_language_with_local_dates(
    client: ApiClient,
) -> None:
    store_id, _ = await shop_with_order(
        client, phone="+34 612 34 56 78", language="es", failed=True
    )
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert "Pedido #ERP-9" in page.text
    assert "Intento de entrega fallido" in page.text
    assert "Entrega prevista" in page.text
    assert re.search(r"\d de [a-z]+ de 20\d\d", page.text)  # Babel's Spanish date


async def test_a_split_order_shows_each_parcel(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client, failed=False, parcels=2)
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    assert "Parcel 1 of 2" in page.text
    assert "Parcel 2 of 2" in page.text
    assert "AWBERP-91" in page.text
    assert "AWBERP-92" in page.text


async def test_the_brand_colour_is_used_with_readable_text(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client, failed=False)
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        store.brand_color = "#FFD500"  # yellow: white text on it would not read
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    assert "--brand: #ffd500; --brand-ink: #1b1f23;" in page.text
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce is not None
    assert f'<style nonce="{nonce.group(1)}">' in page.text


# --- a failed delivery answered from the page -----------------------------------------------------


async def with_endpoint(client: ApiClient, store_id: str) -> None:
    async with client.sessions() as session, session.begin():
        store = await session.get(Store, store_id)
        assert store is not None
        await create_endpoint(session, store, "http://127.0.0.1:9/hooks", allow_private=True)


async def test_a_reattempt_chosen_on_the_page_is_recorded_as_in_chat(client: ApiClient) -> None:
    store_id, key = await shop_with_order(client)
    await with_endpoint(client, store_id)
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    assert "We missed you" in page.text
    assert "Consignee unavailable" in page.text
    shipment = await shipment_of(client, "ERP-9-1")
    day = tomorrow_in_india()
    assert f'value="{day.isoformat()}"' in page.text
    done = await ndr(client, code, csrf=token_in(page), shipment=str(shipment.id),
                     action="reattempt", day=day.isoformat())  # fmt: skip
    assert done.status_code == 200, done.text
    assert "Done: the courier will deliver order #ERP-9 again on" in done.text
    assert 'role="status"' in done.text
    assert done.headers["cache-control"] == "no-store"
    shipment = await shipment_of(client, "ERP-9-1")
    assert (shipment.ndr_action, shipment.reattempt_on) == ("reattempt", day)
    async with client.sessions() as session:
        entry = await session.scalar(
            select(TimelineEntry).where(TimelineEntry.raw_status == "customer:ndr_reattempt")
        )
        assert entry is not None
        assert entry.source == "tracking_page"
        [delivery] = await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_type == "shipment.ndr_action")
        )
    data = delivery.payload["data"]
    assert (data["action"], data["source"]) == ("reattempt", "tracking_page")
    assert data["reattempt_on"] == day.isoformat()
    assert data["customer"] == "+91•••••3210"
    order = (await client.get("/v1/orders/ERP-9", headers=auth(key))).json()
    assert order["shipments"][0]["ndr_action"] == "reattempt"
    # A POST is not an open of the link.
    assert (await link_row(client, code)).clicks == 1


async def test_a_new_address_and_a_cancellation_from_the_page(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client)
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    shipment = await shipment_of(client, "ERP-9-1")
    address = "  Flat 12,  Rose Villa, MG Road, Bengaluru 560001 "
    done = await ndr(client, code, csrf=token_in(page), shipment=str(shipment.id),
                     action="address", address=address)  # fmt: skip
    assert done.status_code == 200, done.text
    assert "The courier has the new address for order #ERP-9" in done.text
    assert "You gave a new address: Flat 12, Rose Villa, MG Road, Bengaluru 560001" in done.text
    shipment = await shipment_of(client, "ERP-9-1")
    assert shipment.ndr_action == "address"
    assert shipment.delivery_address == {"text": "Flat 12, Rose Villa, MG Road, Bengaluru 560001"}
    cancelled = await ndr(client, code, csrf=token_in(done), shipment=str(shipment.id),
                          action="cancel", confirm="yes")  # fmt: skip
    assert cancelled.status_code == 200
    assert "is cancelled and the parcel goes back to Chai &amp; Co" in cancelled.text
    assert (await shipment_of(client, "ERP-9-1")).ndr_action == "cancel"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"action": "address", "address": "near the temple"}, "look like a full address"),
        ({"action": "address", "address": "12"}, "look like a full address"),
        ({"action": "reattempt", "day": "2001-01-01"}, "pick one of the days shown"),
        ({"action": "reattempt", "day": "tomorrow"}, "pick one of the days shown"),
        ({"action": "reattempt"}, "pick one of the days shown"),
        ({"action": "cancel"}, "Tick the box to confirm"),
        ({"action": "explode"}, "choose one of the options shown"),
    ],
)
async def test_a_wrong_answer_shows_the_form_again_and_changes_nothing(
    client: ApiClient, form: dict[str, str], message: str
) -> None:
    store_id, _ = await shop_with_order(client)
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    shipment = await shipment_of(client, "ERP-9-1")
    response = await ndr(client, code, csrf=token_in(page), shipment=str(shipment.id), **form)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert 'role="alert"' in response.text
    assert 'name="csrf"' in response.text  # the form is there to try again
    if form.get("address"):
        assert f">{form['address']}</textarea>" in response.text  # what was typed is kept
    assert (await shipment_of(client, "ERP-9-1")).ndr_action is None


@pytest.mark.parametrize("token", [None, "", "forged-token", "A" * 32])
async def test_a_form_without_the_links_token_is_refused(
    client: ApiClient, token: str | None
) -> None:
    store_id, _ = await shop_with_order(client)
    code = await link_of(client, store_id)
    shipment = await shipment_of(client, "ERP-9-1")
    form = {"shipment": str(shipment.id), "action": "cancel", "confirm": "yes"}
    if token is not None:
        form["csrf"] = token
    response = await ndr(client, code, **form)
    assert response.status_code == 403
    assert "This form is out of date" in response.text
    assert (await shipment_of(client, "ERP-9-1")).ndr_action is None


async def test_another_links_token_does_not_fit(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client)
    code = await link_of(client, store_id)
    other_store, _ = await shop_with_order(client, order_id="ERP-10", phone="+91 98123 45678")
    other_code = await link_of(client, other_store, "ERP-10")
    other_page = await client.get(f"/t/{other_code}")
    shipment = await shipment_of(client, "ERP-9-1")
    response = await ndr(client, code, csrf=token_in(other_page), shipment=str(shipment.id),
                         action="cancel", confirm="yes")  # fmt: skip
    assert response.status_code == 403


async def test_a_parcel_that_moved_on_says_so(client: ApiClient) -> None:
    store_id, key = await shop_with_order(client)
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    await event(client, key, {"id": "ERP-9-1-del", "milestone": "delivered",
                              "shipment": {"external_id": "ERP-9-1"},
                              "event_time": ago(minutes=5)})  # fmt: skip
    shipment = await shipment_of(client, "ERP-9-1")
    tomorrow = tomorrow_in_india().isoformat()
    response = await ndr(client, code, csrf=token_in(page), shipment=str(shipment.id),
                         action="reattempt", day=tomorrow)  # fmt: skip
    assert response.status_code == 409
    assert "can no longer be changed here" in response.text
    assert "Delivered" in response.text
    assert (await shipment_of(client, "ERP-9-1")).ndr_action is None
    fresh = await client.get(f"/t/{code}")
    assert "We missed you" not in fresh.text  # no form for a delivered parcel


async def test_another_stores_order_never_shows_or_changes(client: ApiClient) -> None:
    store_id, _ = await shop_with_order(client)
    code = await link_of(client, store_id)
    await shop_with_order(client, order_id="ERP-77", phone="+91 98123 45678", store_name="Other")
    theirs = await shipment_of(client, "ERP-77-1")
    page = await client.get(f"/t/{code}")
    assert "ERP-77" not in page.text
    assert "Other" not in page.text
    for shipment_id in (str(theirs.id), "0", "-1", "1e3", "99999999999999999999", "١"):
        response = await ndr(client, code, csrf=token_in(page), shipment=shipment_id,
                             action="cancel", confirm="yes")  # fmt: skip
        assert response.status_code == 422, (shipment_id, response.text)
        assert "ERP-77" not in response.text
    assert (await shipment_of(client, "ERP-77-1")).ndr_action is None
    # The same customer's other order in this store is not reachable from this link either.
    async with client.sessions() as session:
        orders = await session.scalar(
            select(func.count(Order.id)).where(Order.store_id == store_id)
        )
    assert orders == 1


# --- cross-sell -----------------------------------------------------------------------------------

CARDS = [
    {"title": "Cardamom chai, 250 g", "url": "https://chai.example/p/cardamom",
     "image_url": "https://cdn.chai.example/cardamom.jpg", "price": "349.00", "currency": "INR"},
    {"title": "Clay cups (set of 4)", "url": "https://chai.example/p/kulhad"},
]  # fmt: skip


async def test_cross_sell_cards_are_kept_and_shown_on_the_page(client: ApiClient) -> None:
    store_id, key = await shop_with_order(client, failed=False)
    empty = await client.get("/v1/store/cross-sell", headers=auth(key))
    assert empty.json() == {"items": []}
    saved = await client.put("/v1/store/cross-sell", json={"items": CARDS}, headers=auth(key))
    assert saved.status_code == 200, saved.text
    read = (await client.get("/v1/store/cross-sell", headers=auth(key))).json()
    assert [item["title"] for item in read["items"]] == [c["title"] for c in CARDS]
    assert read["items"][1]["image_url"] is None
    code = await link_of(client, store_id)
    page = await client.get(f"/t/{code}")
    assert "More from Chai &amp; Co" in page.text
    assert (
        '<a class="tp-product" href="https://chai.example/p/cardamom" rel="noopener"' in page.text
    )
    assert 'src="https://cdn.chai.example/cardamom.jpg"' in page.text
    assert "₹349.00" in page.text
    assert "Clay cups (set of 4)" in page.text


@pytest.mark.parametrize(
    "items",
    [
        [CARDS[0]] * 7,
        [{"title": "Tea", "url": "http://chai.example/p/tea"}],
        [{"title": "Tea", "url": "javascript:alert(1)"}],
        [{"title": "Tea", "url": "https://chai.example/p", "image_url": "data:image/png;base64,x"}],
        [{"title": "Tea", "url": "https://chai.example/p", "price": "10.00"}],
        [{"title": "Tea", "url": "https://chai.example/p", "price": "-1", "currency": "INR"}],
        [{"title": "  ", "url": "https://chai.example/p"}],
        [{"title": "Tea", "url": "https://user:pw@chai.example/p"}],
        [{"title": "Tea", "url": "https://chai.example/p", "tracking": "x"}],
    ],
)
async def test_bad_cross_sell_cards_are_refused(client: ApiClient, items: list[Any]) -> None:
    _, key = await new_store(client)
    response = await client.put("/v1/store/cross-sell", json={"items": items}, headers=auth(key))
    assert response.status_code == 422, response.text
    assert (await client.get("/v1/store/cross-sell", headers=auth(key))).json() == {"items": []}


async def test_cross_sell_needs_the_stores_key(client: ApiClient) -> None:
    assert (await client.get("/v1/store/cross-sell")).status_code == 401
