"""A running Ordertalk (API + worker, real HTTP) wired to the test sandbox, and a store in it.

def test_something(shop: Shop) -> None:
    shop.post("shopify", shop.fixture("shopify", "orders_create_cod_in"))
    phone = shop.wait_phone("919876543210", 1)
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from ordertalk.config import Settings
from ordertalk.db import create_engine, session_factory
from ordertalk.stores.service import create_store, set_integration_secret
from ordertalk.templates.models import TemplateStatus
from ordertalk.templates.service import PushReport, push
from ordertalk.whatsapp.client import WhatsAppClient
from tests.conftest import API, Sandbox
from tests.database import fresh_database
from tests.integrations.fixtures import SECRET, load, signed_headers, topic_for
from tests.servers import ServerThread

SOURCES = ("shopify", "woocommerce", "aftership", "easypost", "clickpost")
WAIT_S = 15.0


@dataclass
class Shop:
    """One store on a running Ordertalk whose number is the sandbox's."""

    url: str
    store_id: str
    key: str
    sandbox: Sandbox
    api: httpx.Client
    database_url: str

    def fixture(
        self, source: str, name: str, *, at: datetime | None = None, **changes: Any
    ) -> bytes:
        """A payload fixture moved in time so its newest timestamp is `at` (default: now),
        with top-level fields replaced (e.g. another order id)."""
        raw = shift_times(load(source, name), at or datetime.now(UTC))
        if not changes:
            return raw
        body = json.loads(raw)
        body.update(changes)
        return json.dumps(body).encode()

    def post(
        self, source: str, raw: bytes, *, name: str | None = None, **headers: str
    ) -> httpx.Response:
        """POST a delivery to the store's webhook URL, signed the way `source` signs."""
        extra = dict(headers)
        if name is not None and source in ("shopify", "woocommerce"):
            extra.setdefault("topic", topic_for(source, name))
        signed = signed_headers(source, raw, SECRET, **extra)
        query = {"token": SECRET} if source == "clickpost" else None
        return self.api.post(
            f"/webhooks/{source}/{self.store_id}", content=raw, headers=signed, params=query
        )

    def send(
        self, source: str, name: str, *, at: datetime | None = None, **changes: Any
    ) -> dict[str, Any]:
        """Post a fixture (moved to `at`, optionally changed) and insist it was taken."""
        response = self.post(source, self.fixture(source, name, at=at, **changes), name=name)
        assert response.status_code in (200, 202), response.text
        body: dict[str, Any] = response.json()
        return body

    def step(
        self, source: str, name: str, order_id: str, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """Send a fixture and wait until the order's messages have gone out, as when real
        events arrive minutes apart (a message still queued when the parcel has moved on is
        rightly dropped as stale)."""
        body = self.send(source, name, at=at)
        self.wait_order(order_id, settled)
        return body

    @property
    def auth(self) -> dict[str, str]:
        """The store's API key header."""
        return {"Authorization": f"Bearer {self.key}"}

    def push_templates(self, **options: Any) -> PushReport:
        """Push the registry again (e.g. with the invoice's document handle) and wait for review."""

        async def push_now() -> PushReport:
            engine = create_engine(self.database_url)
            try:
                async with session_factory(engine)() as session, self._client() as client:
                    report = await push(session, self.store_id, client, **options)
                    await session.commit()
                    return report
            finally:
                await engine.dispose()

        report = asyncio.run(push_now())
        wait_for(
            lambda: asyncio.run(_pending_templates(self.database_url, self.store_id)),
            lambda n: n == 0,
        )
        return report

    def _client(self) -> WhatsAppClient:
        return WhatsAppClient(
            base_url=self.sandbox.url,
            api_version=API,
            access_token=self.sandbox.settings.access_token,
            phone_number_id=self.sandbox.number,
            waba_id=self.sandbox.settings.waba_id,
        )

    def get(self, path: str, **params: Any) -> Any:
        """GET an API path as the store."""
        response = self.api.get(
            path, params=params, headers={"Authorization": f"Bearer {self.key}"}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def order(self, order_id: str) -> dict[str, Any]:
        """`GET /v1/orders/{order_id}`."""
        result: dict[str, Any] = self.get(f"/v1/orders/{order_id}")
        return result

    def wait_phone(self, wa_id: str, count: int, timeout: float = WAIT_S) -> list[dict[str, Any]]:
        """What the customer's phone shows once it holds at least `count` messages."""
        return wait_for(lambda: self.sandbox.phone(wa_id), lambda m: len(m) >= count, timeout)

    def wait_order(
        self, order_id: str, ready: Callable[[dict[str, Any]], bool], timeout: float = WAIT_S
    ) -> dict[str, Any]:
        """The order once `ready(order)` holds."""
        return wait_for(lambda: self.order(order_id), ready, timeout)


_STAMP = re.compile(
    r"(?P<date>20\d\d-\d\d-\d\d)(?P<sep>[T ])(?P<time>\d\d:\d\d:\d\d)"
    r"(?P<frac>\.\d+)?(?P<zone>Z|[+-]\d\d:\d\d)?"
)
_EPOCH = re.compile(r'"(?P<key>ts|timestamp|created_at_unix)": (?P<value>1[6-9]\d{8})')


def _parse(match: re.Match[str]) -> datetime:
    zone = match["zone"] or "+00:00"
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")


def shift_times(raw: bytes, newest: datetime) -> bytes:
    """Move every timestamp in a payload by one offset, so its newest one becomes `newest`.

    Fixtures are written with fixed dates; the pipeline rightly refuses to announce a parcel
    delivered months ago, so tests replay them as if they happened just now.
    """
    text = raw.decode()
    stamps = [_parse(m) for m in _STAMP.finditer(text)]
    if not stamps:
        return raw
    offset = newest - max(stamps)

    def moved(match: re.Match[str]) -> str:
        when = _parse(match) + offset
        if match["zone"]:
            when = when.astimezone(_parse(match).tzinfo)
        out = f"{when:%Y-%m-%d}{match['sep']}{when:%H:%M:%S}{match['frac'] or ''}"
        return out + (match["zone"] or "")

    def moved_epoch(match: re.Match[str]) -> str:
        return f'"{match["key"]}": {int(match["value"]) + int(offset.total_seconds())}'

    return _EPOCH.sub(moved_epoch, _STAMP.sub(moved, text)).encode()


def wait_for(read: Callable[[], Any], ready: Callable[[Any], bool], timeout: float = WAIT_S) -> Any:
    """Poll `read()` until `ready` holds; the last value either way (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not ready(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def settled(order: dict[str, Any]) -> bool:
    """No message of the order that is due is still on its way out (a feedback request due
    tomorrow does not count)."""
    soon = datetime.now(UTC) + timedelta(seconds=2)
    return all(
        m["state"] not in ("scheduled", "sending")
        or datetime.fromisoformat(m["scheduled_for"]) > soon
        for m in order["messages"]
    )


async def _prepare_store(url: str, sandbox: Sandbox, **store: Any) -> tuple[str, str]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            fields: dict[str, Any] = {
                "name": "Chai & Co",
                "country": "IN",
                "language": "en",
                "quiet_hours": None,
                "phone_number_id": sandbox.number,
                "waba_id": sandbox.settings.waba_id,
                "access_token": sandbox.settings.access_token,
                "app_secret": sandbox.settings.app_secret,
                "verify_token": sandbox.settings.verify_token,
                "graph_base_url": sandbox.url,
            } | store
            row, key = await create_store(session, **fields)
            for source in SOURCES:
                await set_integration_secret(session, row, source, SECRET, {})
            # The store must exist for others before Meta's review webhooks name its WABA.
            await session.commit()
            async with WhatsAppClient(
                base_url=sandbox.url,
                api_version=API,
                access_token=sandbox.settings.access_token,
                phone_number_id=sandbox.number,
                waba_id=sandbox.settings.waba_id,
            ) as client:
                report = await push(session, row.id, client)
                assert not report.failed, report.failed
                await session.commit()
                # Reading the list back records Meta's verdicts at once, rather than waiting
                # for 120 review webhooks (which still arrive, and change nothing).
                await push(session, row.id, client)
                await session.commit()
            return row.id, key
    finally:
        await engine.dispose()


def open_shop(
    tmp_path: Path,
    database_url: str,
    sandbox: Sandbox,
    *,
    app_settings: dict[str, Any] | None = None,
    **store: Any,
) -> Iterator[Shop]:
    """Start Ordertalk on `database_url` (with `app_settings` on top of the test's, e.g. a
    public_url), point the sandbox's webhooks at it, make a store."""
    settings = Settings(
        database_url=database_url,
        graph_base_url=sandbox.url,
        whatsapp_app_secret=sandbox.settings.app_secret,
        whatsapp_verify_token=sandbox.settings.verify_token,
        **(app_settings or {}),
    )
    from ordertalk.app import create_app

    server = ServerThread(create_app(settings)).start()
    try:
        sandbox.configure(webhook_url=f"{server.url}/webhooks/whatsapp", template_review="approve")
        store_id, key = asyncio.run(_prepare_store(database_url, sandbox, **store))
        with httpx.Client(base_url=server.url, timeout=10) as api:
            shop = Shop(server.url, store_id, key, sandbox, api, database_url)
            # Meta approves templates by webhook; wait until Ordertalk has heard of every one.
            pending = wait_for(
                lambda: asyncio.run(_pending_templates(database_url, store_id)),
                lambda n: n == 0,
            )
            assert pending == 0, f"{pending} templates still not approved"
            yield shop
    finally:
        server.stop()


def open_tracked_shop(tmp_path: Path, sandbox: Sandbox, public_url: str) -> Iterator[Shop]:
    """`open_shop` on a fresh database, its customers reaching Ordertalk (the tracking page)
    at `public_url`."""
    yield from open_shop(
        tmp_path, fresh_database(tmp_path), sandbox, app_settings={"public_url": public_url}
    )


def post_event(shop: Shop, body: dict[str, Any]) -> None:
    """`POST /v1/events` as the shop, and insist it was taken."""
    response = shop.api.post("/v1/events", json=body, headers=shop.auth)
    assert response.status_code in (200, 202), response.text


async def _pending_templates(url: str, store_id: str) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            count = await session.scalar(
                select(func.count(TemplateStatus.id)).where(
                    TemplateStatus.store_id == store_id, TemplateStatus.status != "APPROVED"
                )
            )
            return int(count or 0)
    finally:
        await engine.dispose()
