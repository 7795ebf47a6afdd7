"""A store with something of everything, made through Ordertalk's own HTTP edges.

`seed_store` gives a store whose order came from a signed Shopify webhook, whose customer wrote
(a text and a photo) through a signed WhatsApp webhook, and which has a contact, a webhook
endpoint, a canned response, a kept photo and a broadcast (of the `offer` template, approved by
Meta): every kind of row a `/v1` path can name.
`serve_seeded` serves Ordertalk over HTTP with such stores (STORES), and `row_counts` counts
every table's rows, to show that a refused request stored nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from ordertalk.app import create_app
from ordertalk.config import Settings
from ordertalk.conversations.media import MediaFiles
from ordertalk.conversations.models import InboundMedia
from ordertalk.db import Base, create_engine, session_factory
from ordertalk.integrations.registry import SOURCES
from ordertalk.templates.registry import REGISTRY
from ordertalk.templates.service import apply_template_update
from ordertalk.whatsapp.signature import sign
from ordertalk.whatsapp.webhook_types import TemplateStatusUpdate
from tests.api_support import ApiClient, api_client, auth, new_store
from tests.database import fresh_database
from tests.integrations.fixtures import load, signed_headers, topic_for
from tests.servers import ServerThread

ORDER_FIXTURE = "orders_create_cod_in"
ENDPOINT_URL = "https://93.184.216.34/ordertalk"  # a public address literal: no DNS needed
PHOTO = b"\xff\xd8\xff\xe0 a small jpeg\xff\xd9"


@dataclass
class Tenant:
    """A seeded store: its credentials, the secrets it holds, and one id of every kind."""

    tag: str
    store_id: str
    key: str
    integration_secret: str
    app_secret: str
    phone_number_id: str
    waba_id: str
    customer: str  # the customer's WhatsApp id (E.164 digits without "+")
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        """The store's API key header."""
        return auth(self.key)

    @property
    def secrets(self) -> list[str]:
        """Everything of this store's that must never be shown to anyone else."""
        return [self.key, self.integration_secret, self.app_secret]


def whatsapp_headers(raw: bytes, app_secret: str) -> dict[str, str]:
    """The headers Meta sends with a webhook body signed with `app_secret`."""
    return {"X-Hub-Signature-256": sign(app_secret, raw), "Content-Type": "application/json"}


def whatsapp_body(tenant: Tenant, *messages: dict[str, Any]) -> bytes:
    """An inbound-messages webhook from the tenant's customer to the tenant's number."""
    name = f"Customer {tenant.tag}"
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550001111",
            "phone_number_id": tenant.phone_number_id,
        },
        "contacts": [{"wa_id": tenant.customer, "profile": {"name": name}}],
        "messages": list(messages),
    }
    entry = {"id": tenant.waba_id, "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def text_from(tenant: Tenant, text: str, wamid: str | None = None) -> dict[str, Any]:
    """A text message from the tenant's customer."""
    return {
        "from": tenant.customer,
        "id": wamid or f"wamid.{tenant.store_id}.{time.time_ns()}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }


def hmac_hex(secret: str, raw: bytes) -> str:
    """The bare hex HMAC-SHA256 of `raw`."""
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


async def post_integration(
    client: ApiClient,
    tenant: Tenant,
    source: str,
    raw: bytes,
    *,
    fixture: str | None = None,
) -> httpx.Response:
    """POST `raw` to the tenant's webhook URL for `source`, signed the way `source` signs
    (with the topic of `fixture`, default the source's one in FIXTURES)."""
    extra: dict[str, str | None] = {}
    if source in ("shopify", "woocommerce"):
        extra["topic"] = topic_for(source, fixture or FIXTURES[source])
    headers = signed_headers(source, raw, tenant.integration_secret, **extra)
    return await client.post(f"/webhooks/{source}/{tenant.store_id}", content=raw, headers=headers)


# One well-formed delivery per source.
FIXTURES = {
    "shopify": ORDER_FIXTURE,
    "woocommerce": "order_created_cod_in",
    "aftership": "in_transit_002_in",
    "easypost": "out_for_delivery_us",
    "clickpost": "forward_6_out_for_delivery_in",
}


async def seed_store(
    client: ApiClient,
    tag: str,
    *,
    number: str,
    customer: str,
    media_dir: Path,
    order_fixture: str = ORDER_FIXTURE,
    **store: Any,
) -> Tenant:
    """A store named after `tag` on the business number `number`, with one of everything:
    its order from the Shopify fixture `order_fixture`, its customer's chat from `customer`."""
    app_secret = f"app-secret-{tag}-Zq81vW"
    store_id, key = await new_store(
        client,
        name=f"Store {tag}",
        phone_number_id=number,
        waba_id=f"WABA{number}",
        app_secret=app_secret,
        access_token=f"EAAG-token-{tag}-9xYv",
        verify_token=f"verify-{tag}-44",
        **store,
    )
    tenant = Tenant(
        tag=tag,
        store_id=store_id,
        key=key,
        integration_secret=f"whsec_{tag}_7Hq2xV9pL0cK",
        app_secret=app_secret,
        phone_number_id=number,
        waba_id=f"WABA{number}",
        customer=customer,
    )
    for source in SOURCES:
        response = await client.put(
            f"/v1/integrations/{source}",
            headers=tenant.auth,
            json={"secret": tenant.integration_secret},
        )
        assert response.status_code == 200, response.text

    raw = load("shopify", order_fixture)
    response = await post_integration(client, tenant, "shopify", raw, fixture=order_fixture)
    assert response.status_code == 200, response.text
    orders = (await client.get("/v1/orders", headers=tenant.auth)).json()
    assert len(orders) == 1, orders
    tenant.ids["order_id"] = orders[0]["order_id"]

    photo = {
        "from": customer,
        "id": f"wamid.photo.{tag}",
        "timestamp": str(int(time.time())),
        "type": "image",
        "image": {"id": f"media-{tag}", "mime_type": "image/jpeg"},
    }
    raw = whatsapp_body(tenant, text_from(tenant, "where is my order?"), photo)
    response = await client.post(
        "/webhooks/whatsapp", content=raw, headers=whatsapp_headers(raw, app_secret)
    )
    assert response.status_code == 200, response.text
    await client.applied()

    response = await client.post(
        "/v1/contacts",
        headers=tenant.auth,
        json={"phone": f"+{customer}", "name": f"Customer {tag}"},
    )
    assert response.status_code in (200, 201), response.text
    tenant.ids["contact_id"] = str(response.json()["id"])

    page = (await client.get("/v1/conversations", headers=tenant.auth)).json()
    assert len(page["conversations"]) == 1, page
    tenant.ids["conversation_id"] = str(page["conversations"][0]["id"])

    response = await client.post(
        "/v1/webhooks", headers=tenant.auth, json={"url": f"{ENDPOINT_URL}/{tag}"}
    )
    assert response.status_code == 201, response.text
    tenant.ids["endpoint_id"] = str(response.json()["id"])

    response = await client.post(
        "/v1/canned-responses",
        headers=tenant.auth,
        json={"shortcut": f"thanks-{tag.lower()}", "body": f"Thank you from {tag}!"},
    )
    assert response.status_code == 201, response.text
    tenant.ids["canned_id"] = str(response.json()["id"])

    tenant.ids["media_id"] = str(await _keep_photo(client, store_id, media_dir))

    await _approve(client, store_id, "offer")
    response = await client.post("/v1/broadcasts", headers=tenant.auth, json=BROADCAST)
    assert response.status_code == 201, response.text
    tenant.ids["broadcast_id"] = str(response.json()["id"])
    return tenant


# A broadcast every seeded store can send (its template approved by `_approve`).
BROADCAST = {
    "template": "offer",
    "purpose": "marketing",
    "params": {"offer": "20% off the monsoon collection", "shop_url": "https://x.example/m"},
}


async def _approve(client: ApiClient, store_id: str, key: str) -> None:
    """Meta's approval of a registry template in every language, as its webhook records it."""
    defn = REGISTRY[key]
    async with client.sessions() as session, session.begin():
        for language in defn.languages:
            update = TemplateStatusUpdate(
                event="APPROVED",
                message_template_id=f"{store_id}-{defn.name}-{language}",
                message_template_name=defn.name,
                message_template_language=language,
            )
            await apply_template_update(session, store_id, update)


async def _keep_photo(client: ApiClient, store_id: str, media_dir: Path) -> int:
    """The customer's photo kept as the media task keeps it (a file named by its SHA-256)."""
    files = MediaFiles(media_dir)
    temp = files.temp()
    temp.write_bytes(PHOTO)
    digest = hashlib.sha256(PHOTO).hexdigest()
    relative = files.keep(temp, store_id, digest)
    async with client.sessions() as session, session.begin():
        row = await session.scalar(select(InboundMedia).where(InboundMedia.store_id == store_id))
        assert row is not None, "the photo's message made no media row"
        row.state = "stored"
        row.path = relative
        row.sha256 = digest
        row.mime_type = "image/jpeg"
        row.size = len(PHOTO)
        return row.id


# Two stores on one Ordertalk: different numbers, customers and orders.
STORES: dict[str, dict[str, Any]] = {
    "A": {"number": "222000000000001", "customer": "919876543210"},
    "B": {
        "number": "111000000000001",
        "customer": "14155552671",
        "order_fixture": "orders_create_prepaid_us",
        "country": "US",
    },
}


@dataclass
class Running:
    """Ordertalk served over real HTTP on its own thread, with seeded stores."""

    http: httpx.Client
    database_url: str
    tenants: dict[str, Tenant]


@contextmanager
def serve_seeded(folder: Path, *tags: str, **settings: Any) -> Iterator[Running]:
    """Ordertalk (no worker: nothing is sent) on a fresh database in `folder`, with the
    stores of STORES named by `tags` seeded through its API."""
    url = fresh_database(folder)
    media_dir = folder / "media"

    async def seed() -> dict[str, Tenant]:
        async with api_client(url, worker=False, media_dir=media_dir, **settings) as client:
            return {
                tag: await seed_store(client, tag, media_dir=media_dir, **STORES[tag])
                for tag in tags
            }

    tenants = asyncio.run(seed())
    app = create_app(Settings(database_url=url, worker=False, media_dir=media_dir, **settings))
    server = ServerThread(app).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            yield Running(http, url, tenants)
    finally:
        server.stop()


def row_counts(database_url: str) -> dict[str, int]:
    """How many rows every table holds (a stored or changed-by-insert thing shows up here)."""

    async def count() -> dict[str, int]:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                return {
                    table.name: int(
                        await session.scalar(select(func.count()).select_from(table)) or 0
                    )
                    for table in Base.metadata.sorted_tables
                }
        finally:
            await engine.dispose()

    return asyncio.run(count())
