"""`ordertalk demo`: the whole order-updates scenario on SQLite, checked in the database.

Runs the real command twice on one database (a re-run must work too): once with `--exit`, once
left serving. Reads what each run's store holds: which messages went to whom, which were not
sent and why. The links printed for a browser are checked too: the tracking link is one its
messages carried; after the `--exit` run, Ordertalk served again on the same database opens it
and takes the printed login; while the second run serves, the tracking page, the dashboard login
and the phone view answer over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ordertalk.commerce.models import Order
from ordertalk.contacts.models import Contact
from ordertalk.demo_data import playground
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from ordertalk.web.models import TrackingLink
from tests.api_support import api_client
from tests.servers import free_port
from tests.web.dashboard_support import csrf_in, log_in

pytestmark = pytest.mark.slow

GONE_OUT = ("accepted", "sent", "delivered", "read")

# What each customer's phone must show, in order (by WhatsApp id).
EXPECTED = {
    "919876543210": [  # Priya: Shopify COD, ClickPost with a failed attempt
        "cod_confirmation", "shipment_dispatched", "out_for_delivery", "delivery_attempt_failed",
        "out_for_delivery", "delivered",
    ],
    "5511912345678": [  # João: Shopify prepaid, AfterShip with a customs delay
        "order_confirmed", "shipment_dispatched", "shipment_in_transit", "shipment_delayed",
        "out_for_delivery", "delivered",
    ],
    "34612345678": [  # Lucía: one order, two parcels
        "order_confirmed", "shipment_dispatched", "shipment_dispatched", "delivered",
        "out_for_delivery", "delivered",
    ],
    "919900122334": [  # Ananya: delivered, returned through ClickPost, refunded on Shopify
        "order_confirmed", "shipment_dispatched", "delivered", "return_requested",
        "return_approved", "return_pickup_scheduled", "return_picked_up", "refund_completed",
    ],
    "6281234567890": ["order_confirmed", "shipment_dispatched", "optout_confirmed"],  # Siti: STOP
    "6281298765432": [],  # Budi: not on WhatsApp
    "34699112233": [  # Javier: WooCommerce and EasyPost
        "order_confirmed", "shipment_dispatched", "shipment_delayed", "out_for_delivery",
        "delivered",
    ],
}  # fmt: skip
SITI, BUDI = "6281234567890", "6281298765432"


def _env(database_url: str) -> dict[str, str]:
    # Only what the command needs: no ORDERTALK_* settings or .env of the developer's own.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ORDERTALK_DATABASE_URL": database_url,
        "COLUMNS": "200",
    }


def _command(api: int, sandbox: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ordertalk.cli_entry", "demo",
            "--port", str(api), "--sandbox-port", str(sandbox), *extra]  # fmt: skip


def _check_output(output: str, api: int, sandbox: int) -> None:
    assert f"http://127.0.0.1:{api}/docs" in output
    assert f"http://127.0.0.1:{sandbox}/_sandbox/health" in output
    assert "Traceback" not in output, output[-6000:]


def _run_demo(database_url: str, cwd: Path) -> tuple[str, str]:
    """`ordertalk demo --exit`: its output and the URL its API answered on."""
    api, sandbox = free_port(), free_port()
    result = subprocess.run(
        _command(api, sandbox, "--exit"),
        capture_output=True,
        text=True,
        env=_env(database_url),
        cwd=cwd,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    _check_output(output, api, sandbox)
    return output, f"http://127.0.0.1:{api}"


@contextmanager
def _serving_demo(database_url: str, cwd: Path) -> Iterator[tuple[str, str]]:
    """`ordertalk demo` left serving (Alex's part done): its output so far and its API's URL;
    stopped on the way out."""
    api, sandbox = free_port(), free_port()
    log = cwd / f"demo-{api}.out"
    with log.open("w") as sink:
        process = subprocess.Popen(
            _command(api, sandbox), stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT, env=_env(database_url), cwd=cwd,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "Still serving" not in log.read_text() and process.poll() is None:
            assert time.monotonic() < deadline, log.read_text()[-6000:]
            time.sleep(0.5)
        output = log.read_text()
        assert process.poll() is None, output[-6000:]  # still serving
        _check_output(output, api, sandbox)
        yield output, f"http://127.0.0.1:{api}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text(), log.read_text()[-6000:]


def _check_store(sync_url: str, output: str) -> str:
    store_id = re.search(r"Demo store\s+(st_[0-9a-f]+)", output)
    key = re.search(r"API key\s+(ot_[\w-]+)", output)
    assert store_id is not None
    assert key is not None
    store = store_id.group(1)
    assert f"Bearer {key.group(1)}' http://127.0.0.1:" in output  # a ready-to-copy curl
    engine = create_engine(sync_url)
    try:
        with Session(engine) as session:
            contacts = {
                c.id: c for c in session.scalars(select(Contact).where(Contact.store_id == store))
            }
            messages = list(
                session.scalars(
                    select(OutboundMessage)
                    .where(OutboundMessage.store_id == store)
                    .order_by(OutboundMessage.id)
                )
            )
            events = {
                m.id: list(
                    session.scalars(
                        select(MessageEvent)
                        .where(MessageEvent.message_id == m.id)
                        .order_by(MessageEvent.id)
                    )
                )
                for m in messages
            }
    finally:
        engine.dispose()
    # Alex is the serving demo's "your turn" customer, not part of the day's story.
    contacts = {i: c for i, c in contacts.items() if c.wa_id != playground.ALEX}
    messages = [m for m in messages if m.contact_id in contacts]
    by_phone = {c.wa_id: c for c in contacts.values()}
    assert set(by_phone) == set(EXPECTED)
    for wa_id, intents in EXPECTED.items():
        mine = [m for m in messages if contacts[m.contact_id].wa_id == wa_id]
        sent = [m.intent for m in mine if m.state in GONE_OUT]
        assert sent == intents, (wa_id, sent)
    # Nothing went out twice: one accepted send per message, every wamid different.
    for message in messages:
        accepted = [
            e for e in events[message.id] if e.kind == "attempt" and e.outcome == "accepted"
        ]
        assert len(accepted) <= 1, message.intent
    wamids = [m.wamid for m in messages if m.wamid]
    assert len(wamids) == len(set(wamids))

    def not_sent(wa_id: str) -> dict[str, tuple[str, set[str | None]]]:
        return {
            m.intent: (m.state, {e.reason for e in events[m.id]})
            for m in messages
            if contacts[m.contact_id].wa_id == wa_id and m.state not in GONE_OUT
            and m.intent != "feedback_request"
        }  # fmt: skip

    # Siti wrote STOP: her later updates were suppressed as opted_out, her consent is off.
    assert not_sent(SITI) == {
        "out_for_delivery": ("suppressed", {"opted_out"}),
        "delivered": ("suppressed", {"opted_out"}),
    }
    assert by_phone[SITI].utility_consent is False
    # Budi has no WhatsApp: the first send failed (131026), he is unreachable, the next is
    # suppressed before any send.
    budi = not_sent(BUDI)
    assert budi["cod_confirmation"][0] == "failed"
    assert "not_on_whatsapp" in budi["cod_confirmation"][1]
    assert budi["shipment_dispatched"] == ("suppressed", {"not_on_whatsapp"})
    assert by_phone[BUDI].reachable is False
    assert all(c.reachable for c in contacts.values() if c.wa_id != BUDI)
    # Every delivered order asks for feedback a day later; nothing else is left waiting.
    later = [m for m in messages if m.state == "scheduled"]
    assert sorted(m.intent for m in later) == ["feedback_request"] * 6
    assert all(m.not_before > datetime.now(UTC) + timedelta(hours=20) for m in later)
    assert not [m for m in messages if m.state in ("withdrawn", "held", "unconfirmed")]
    return store


@dataclass(frozen=True)
class Printed:
    """What the demo prints for a browser, and the order its tracking link is for."""

    email: str
    password: str
    phones: str
    tracking: str
    order: str


def _printed_links(sync_url: str, output: str, api: str, store: str) -> Printed:
    """The dashboard login, the phone view and a tracking link are printed; the link is one a
    message of this run's store carried (the demo's public URL is its own API)."""
    login = re.search(
        rf"Dashboard\s+{re.escape(api)}/ui/login\s+email (\S+@\S+)\s+password (\S+)", output
    )
    assert login is not None, output[-3000:]
    phones = re.search(r"Phone view\s+(http://127\.0\.0\.1:\d+/_sandbox/phones)\s", output)
    assert phones is not None, output[-3000:]
    tracking = re.search(rf"Tracking page\s+{re.escape(api)}/t/([A-Za-z0-9_-]{{12}})\s", output)
    assert tracking is not None, output[-3000:]
    code = tracking[1]
    engine = create_engine(sync_url)
    try:
        with Session(engine) as session:
            link = session.scalar(select(TrackingLink).where(TrackingLink.code == code))
            assert link is not None
            assert link.store_id == store
            assert link.message_id is not None
            message = session.get(OutboundMessage, link.message_id)
            order = session.get(Order, link.order_id)
            assert message is not None
            assert order is not None
    finally:
        engine.dispose()
    assert f"{api}/t/{code}" in json.dumps(message.payload)  # the message carried it
    return Printed(login[1], login[2], phones[1], f"{api}/t/{code}", str(order.name))


def _open_pages_again(database_url: str, printed: Printed) -> None:
    """The demo has stopped: Ordertalk served again on its database opens the printed
    tracking page and takes the printed login."""

    async def open_pages() -> None:
        async with api_client(database_url, worker=False) as client:
            code = printed.tracking.rsplit("/", 1)[1]
            page = await client.get(f"/t/{code}")
            assert page.status_code == 200, page.text[:500]
            assert printed.order in page.text
            answer = await log_in(client, printed.email, printed.password)
            assert answer.status_code == 303, answer.text[:500]
            orders = await client.get("/ui/orders")
            assert orders.status_code == 200
            assert printed.order in orders.text

    asyncio.run(open_pages())


def _open_pages_live(api: str, printed: Printed) -> None:
    """While the demo serves, each printed page answers, the login with its printed password."""
    with httpx.Client(timeout=30) as browser:
        page = browser.get(printed.tracking)
        assert page.status_code == 200, page.text[:500]
        assert printed.order in page.text
        form = browser.get(f"{api}/ui/login")
        assert form.status_code == 200
        data = {"email": printed.email, "password": printed.password, "csrf": csrf_in(form.text)}
        answer = browser.post(f"{api}/ui/login", data=data)
        assert answer.status_code == 303, answer.text[:500]
        orders = browser.get(f"{api}/ui/orders")
        assert orders.status_code == 200
        assert printed.order in orders.text
        phones = browser.get(printed.phones)
        assert phones.status_code == 200
        assert "919876543210" in phones.text  # Priya's phone is listed


def test_the_demo_plays_every_story_and_can_be_run_again(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    url = f"sqlite+aiosqlite:///{database}"
    sync_url = f"sqlite:///{database}"

    first, api = _run_demo(url, tmp_path)
    assert "every customer got exactly the expected messages" in first
    # The phones show localised templates, the NDR buttons, and the reasons for silence.
    for text in ("ot_delivery_attempt_failed", "नमस्ते Priya", "Olá João", "¡Hola Lucía",
                 "Halo Siti", "(opted_out)", "(not_on_whatsapp)", "feedback_request"):  # fmt: skip
        assert text in first, text
    first_store = _check_store(sync_url, first)
    _open_pages_again(url, _printed_links(sync_url, first, api, first_store))

    # A re-run on the same database makes a fresh store (and owner) and plays the same story
    # again; this time it keeps serving, and the pages it prints answer while it does.
    with _serving_demo(url, tmp_path) as (second, api):
        assert "every customer got exactly the expected messages" in second
        assert "Your turn: be Alex on WhatsApp" in second
        store = re.search(r"Demo store\s+(st_[0-9a-f]+)", second)
        assert store is not None
        printed = _printed_links(sync_url, second, api, store[1])
        _open_pages_live(api, printed)
    assert _check_store(sync_url, second) != first_store
