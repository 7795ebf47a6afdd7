"""`ordertalk serve --sandbox`, as the README tells a newcomer to try it: create a store, serve,
push the templates, set a Shopify secret, and a signed COD order reaches the customer's phone.

Every step is the real command in its own process, on one SQLite file; the customer's phone is
read from the sandbox that `serve` runs in-process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from ordertalk.templates.models import TemplateStatus
from tests.e2e.harness import shift_times
from tests.integrations.fixtures import load, signed_headers
from tests.servers import free_port

PRIYA = "919876543210"  # the customer of Shopify order 5302002002 (COD, India)
SHOPIFY_SECRET = "shpss_serve_sandbox_4d1f"
WAIT_S = 30.0
T = TypeVar("T")


def poll(read: Callable[[], T], ready: Callable[[T], bool], what: str) -> T:
    """`read()` once `ready` holds for it (bounded); fails naming `what` otherwise."""
    deadline = time.monotonic() + WAIT_S
    while True:
        value = read()
        if ready(value):
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}; last: {value!r}"
        time.sleep(0.1)


@dataclass
class Install:
    """A working directory and the environment every `ordertalk` command runs with."""

    cwd: Path
    env: dict[str, str]
    database: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an `ordertalk` command to completion."""
        return subprocess.run(
            [sys.executable, "-m", "ordertalk.cli_entry", *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.cwd,
            timeout=120,
            check=False,
        )

    def pending_templates(self) -> int:
        """Templates of any store not (yet) approved, read from the database file."""
        engine = create_engine(f"sqlite:///{self.database}")
        try:
            with Session(engine) as session:
                statuses = session.scalars(select(TemplateStatus.status)).all()
                count = session.scalar(select(func.count(TemplateStatus.id)))
        finally:
            engine.dispose()
        assert count, "no template has been recorded"
        return sum(status != "APPROVED" for status in statuses)


@pytest.fixture
def install(tmp_path: Path) -> Install:
    database = tmp_path / "ordertalk.db"
    # Only what the commands need: none of the developer's own ORDERTALK_* settings or .env.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ORDERTALK_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "COLUMNS": "200",
    }
    return Install(tmp_path, env, database)


@dataclass
class Served:
    """A running `ordertalk serve --sandbox` and where its pieces answer."""

    process: subprocess.Popen[str]
    api: str
    sandbox: str
    stdout: Path
    stderr: Path


@pytest.fixture
def served(install: Install) -> Iterator[Served]:
    """`ordertalk serve --sandbox` for the stores that exist when it starts; stopped by Ctrl-C."""
    # No quiet hours: at night in India the COD confirmation would rightly wait until 08:00.
    store = install.run(
        "store", "create", "--name", "Chai & Co", "--country", "IN", "--language", "en",
        "--quiet-hours", "off", "--json",
    )  # fmt: skip
    assert store.returncode == 0, store.stderr
    (install.cwd / "store.json").write_text(store.stdout)
    port, sandbox_port = free_port(), free_port()
    stdout, stderr = install.cwd / "serve.out", install.cwd / "serve.err"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "ordertalk.cli_entry", "serve",
             "--port", str(port), "--sandbox", "--sandbox-port", str(sandbox_port)],
            stdout=out,
            stderr=err,
            text=True,
            env=install.env,
            cwd=install.cwd,
        )  # fmt: skip
    try:
        yield Served(
            process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sandbox_port}", stdout, stderr
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def answer(url: str) -> int | None:
    """The status code of a GET, None while nothing listens."""
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


def test_a_new_store_on_the_sandbox_gets_its_cod_order_to_the_customers_phone(
    install: Install, served: Served
) -> None:
    store: dict[str, Any] = json.loads((install.cwd / "store.json").read_text())
    headers = {"Authorization": f"Bearer {store['api_key']}"}
    poll(lambda: answer(f"{served.api}/healthz"), lambda code: code == 200, "the API")
    poll(lambda: answer(f"{served.sandbox}/_sandbox/health"), lambda code: code == 200, "sandbox")

    # `serve` gave the store a sandbox number; templates pushed beside it go to that sandbox.
    number = httpx.get(f"{served.api}/v1/store", headers=headers).json()["phone_number_id"]
    assert number
    pushed = install.run("templates", "push", "--store", store["id"])
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    poll(install.pending_templates, lambda pending: pending == 0, "template approvals")

    configured = httpx.put(
        f"{served.api}/v1/integrations/shopify", headers=headers, json={"secret": SHOPIFY_SECRET}
    )
    assert configured.status_code == 200, configured.text
    webhook_url = served.api + configured.json()["webhook_url"]
    raw = shift_times(
        load("shopify", "orders_create_cod_in"), datetime.now(UTC) - timedelta(minutes=1)
    )
    taken = httpx.post(
        webhook_url,
        content=raw,
        headers=signed_headers("shopify", raw, SHOPIFY_SECRET, topic="orders/create"),
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["milestones"] == ["order_confirmed"]

    def phone() -> list[dict[str, Any]]:
        response = httpx.get(
            f"{served.sandbox}/_sandbox/phones/{PRIYA}/messages",
            params={"phone_number_id": number},
        )
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()
        return messages

    [received] = poll(phone, bool, "the COD confirmation on the phone")
    assert received["type"] == "template"
    assert received["template"]["name"] == "ot_cod_confirmation"
    assert "Chai & Co" in received["text"]

    # Ctrl-C stops both servers cleanly.
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=20) == 0
    output, errors = served.stdout.read_text(), served.stderr.read_text()
    assert f"{served.api}/docs" in output
    assert f"{served.sandbox}/_sandbox/health" in output
    assert "Traceback" not in errors, errors[-4000:]
    assert "ERROR" not in errors, errors[-4000:]
