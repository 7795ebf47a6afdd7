"""A realistic day, logged at DEBUG, shows no token, secret or full phone number.

tests/test_logs_redaction.py proves the redacting filter masks what reaches it, and
tests/stores/test_api.py that the store API logs no secret. Here everything runs for real:
Ordertalk and its worker over HTTP, the sandbox as Meta, a store with every secret, a signed
Shopify order with the customer's phone, a message sent through the sandbox, the customer's
reply and STOP through signed Cloud API webhooks, forged and unauthenticated calls. Every log
record of the process (Ordertalk, the sandbox, uvicorn, libraries) is captured at DEBUG and
formatted as `configure_logging`'s handler formats it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from ordertalk.logs import RedactingFilter, configure_logging
from tests.conftest import SETTINGS, Sandbox
from tests.database import fresh_database
from tests.e2e.harness import Shop, open_shop, settled, wait_for
from tests.integrations.fixtures import SECRET, load, signed_headers

pytestmark = pytest.mark.database

ASHA = "919876543210"  # the customer of Shopify order 5302002002
ORDER = "5302002002"
NEW_SECRET = "whsec_rotated_in_the_run_8Kq"
WRONG_KEY = "ot_not-a-key-but-looks-like-one-77"


@dataclass
class Logs:
    """What production's handler writes (formatted, redacted), and the records before any
    redaction (nothing secret should be in them in the first place)."""

    written: io.StringIO
    raw: io.StringIO


@contextmanager
def everything_logged() -> Iterator[Logs]:
    """Every record of the process at DEBUG, formatted and redacted like production's handler."""
    configure_logging("DEBUG")  # production's driver and httpx levels, set once per process
    logs = Logs(io.StringIO(), io.StringIO())
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    written = logging.StreamHandler(logs.written)
    written.setFormatter(formatter)
    written.addFilter(RedactingFilter())
    raw = logging.StreamHandler(logs.raw)
    raw.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    root.handlers.insert(0, raw)  # first, so that no redacting handler has changed the record yet
    root.addHandler(written)
    root.setLevel(logging.DEBUG)
    try:
        yield logs
    finally:
        root.removeHandler(raw)
        root.removeHandler(written)
        root.setLevel(level)


def phone_pattern(digits: str) -> re.Pattern[str]:
    """The national number's digits however they are written (spaces, dashes, brackets)."""
    return re.compile(r"\D{0,3}".join(digits[-10:]))


def test_a_realistic_run_logs_no_token_secret_or_full_phone_number(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    with everything_logged() as logs:
        with contextmanager(open_shop)(tmp_path, fresh_database(tmp_path), sandbox) as shop:
            key = shop.key
            run_a_day(shop)
        text, raw = logs.written.getvalue(), logs.raw.getvalue()

    # Captured at DEBUG, and the day was logged: the store, and the customer (masked).
    assert " DEBUG " in text
    assert "store st_" in text
    assert "+91•••••3210" in text

    secrets = {
        "API key": key,
        "a wrong API key": WRONG_KEY,
        "access token": SETTINGS.access_token,
        "app secret": SETTINGS.app_secret,
        "verify token": SETTINGS.verify_token,
        "integration secret": SECRET,
        "rotated integration secret": NEW_SECRET,
    }
    leaked = {name: value for name, value in secrets.items() if value in text}
    assert not leaked, f"secrets in the logs: {leaked}"
    unredacted = {name: value for name, value in secrets.items() if value in raw}
    assert not unredacted, f"secrets logged (masked only by the filter): {unredacted}"
    for form in (f"+{ASHA}", ASHA, ASHA[2:]):
        assert form not in text, f"{form} in the logs"
    written = phone_pattern(ASHA).search(text)
    assert written is None, (
        f"the phone number in the logs: {text[max(0, written.start() - 200) : written.end() + 50]}"
    )


def run_a_day(shop: Shop) -> None:
    """What a store's day brings, through the same doors as in production."""
    api = shop.api
    # Operators rotate a secret; a script tries a wrong key; someone forges a delivery.
    rotated = api.put("/v1/integrations/easypost", headers=shop.auth, json={"secret": NEW_SECRET})
    assert rotated.status_code == 200, rotated.text
    assert api.get("/v1/store", headers={"Authorization": f"Bearer {WRONG_KEY}"}).status_code == 401
    raw = load("shopify", "orders_create_cod_in")
    forged = signed_headers("shopify", raw, "not-the-secret", topic="orders/create")
    assert (
        api.post(f"/webhooks/shopify/{shop.store_id}", content=raw, headers=forged).status_code
        == 401
    )

    # The order arrives; the customer is asked to confirm it on WhatsApp.
    shop.send("shopify", "orders_create_cod_in")
    assert len(shop.wait_phone(ASHA, 1)) == 1
    shop.wait_order(ORDER, settled)

    # The customer asks where it is, then says STOP.
    shop.sandbox.say(ASHA, "where is my order?")
    assert len(shop.wait_phone(ASHA, 2)) >= 2
    shop.sandbox.say(ASHA, "STOP")
    contact = wait_for(
        lambda: shop.get("/v1/contacts", phone=f"+{ASHA}"),
        lambda contact: contact["utility_consent"] is False,
    )
    assert contact["utility_consent"] is False, contact
    assert shop.get("/v1/messages", phone=f"+{ASHA}"), "the store sees the customer's messages"
