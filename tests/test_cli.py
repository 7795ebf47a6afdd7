"""The `ordertalk` command: the sandbox serves from the command line and prints its defaults."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from tests.servers import free_port


def test_ordertalk_sandbox_serves_and_prints_every_setting() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ordertalk.cli_entry", "sandbox", "--port", str(port),
         "--access-token", "cli-token", "--webhook-url", ""],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/v25.0/106540352242922/messages",
                    headers={"Authorization": "Bearer cli-token"},
                    json={
                        "messaging_product": "whatsapp",
                        "to": "919876543210",
                        "type": "template",
                        "template": {"name": "hello_world", "language": {"code": "en_US"}},
                    },
                )
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert answer is not None, "the sandbox never answered"
        assert answer.status_code == 200, answer.text
        assert answer.json()["messages"][0]["id"].startswith("wamid.")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    for label in ("access token", "app secret", "verify token", "phone number id", "WABA id"):
        assert label in output
    assert "cli-token" in output
