"""`ordertalk demo --exit`: the whole order-updates scenario on SQLite, checked in the database.

Runs the real command twice on one database (a re-run must work too) and reads what each run's
store holds: which messages went to whom, which were not sent and why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ordertalk.contacts.models import Contact
from ordertalk.messaging.models import MessageEvent, OutboundMessage
from tests.servers import free_port

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


def _run_demo(database_url: str, cwd: Path) -> str:
    # Only what the command needs: no ORDERTALK_* settings or .env of the developer's own.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ORDERTALK_DATABASE_URL": database_url,
        "COLUMNS": "200",
    }
    api, sandbox = free_port(), free_port()
    result = subprocess.run(
        [sys.executable, "-m", "ordertalk.cli_entry", "demo",
         "--port", str(api), "--sandbox-port", str(sandbox), "--exit"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
        check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert f"http://127.0.0.1:{api}/docs" in output
    assert f"http://127.0.0.1:{sandbox}/_sandbox/health" in output
    assert "Traceback" not in output, output[-6000:]
    return output


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


def test_the_demo_plays_every_story_and_can_be_run_again(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    url = f"sqlite+aiosqlite:///{database}"
    sync_url = f"sqlite:///{database}"

    first = _run_demo(url, tmp_path)
    assert "every customer got exactly the expected messages" in first
    # The phones show localised templates, the NDR buttons, and the reasons for silence.
    for text in ("ot_delivery_attempt_failed", "नमस्ते Priya", "Olá João", "¡Hola Lucía",
                 "Halo Siti", "(opted_out)", "(not_on_whatsapp)", "feedback_request"):  # fmt: skip
        assert text in first, text
    first_store = _check_store(sync_url, first)

    # A re-run on the same database makes a fresh store and plays the same story again.
    second = _run_demo(url, tmp_path)
    assert "every customer got exactly the expected messages" in second
    assert _check_store(sync_url, second) != first_store
