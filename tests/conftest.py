"""Shared fixtures: a real sandbox and a real webhook receiver over HTTP, and both databases."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ordertalk.sandbox.app import create_app
from ordertalk.sandbox.settings import Behaviour, SandboxSettings
from tests.servers import Receiver, ServerThread

API = "v25.0"
SETTINGS = SandboxSettings(
    access_token="test-token-abc123",
    app_secret="test-app-secret",
    verify_token="test-verify-token",
    phone_number_id="106540352242922",
    waba_id="102290129340398",
)
SECOND_NUMBER = "106540352242999"


@dataclass
class Sandbox:
    """A running sandbox, its receiver, and clients for the Graph API and the control plane."""

    url: str
    graph: httpx.Client
    control: httpx.Client
    receiver: Receiver
    settings: SandboxSettings

    @property
    def number(self) -> str:
        """The primary business phone number id."""
        return self.settings.phone_number_id

    def send(self, payload: dict[str, Any], number: str | None = None) -> httpx.Response:
        """POST a message (messaging_product added unless the test set it)."""
        body = {"messaging_product": "whatsapp"} | payload
        return self.graph.post(f"/{number or self.number}/messages", json=body)

    def send_ok(self, payload: dict[str, Any]) -> str:
        """Send and insist it was accepted; the new wamid."""
        response = self.send(payload)
        assert response.status_code == 200, response.text
        wamid: str = response.json()["messages"][0]["id"]
        return wamid

    def inbound(self, **message: Any) -> str:
        """Play the customer sending a message; its wamid."""
        response = self.control.post("/_sandbox/inbound", json=message)
        assert response.status_code == 200, response.text
        wamid: str = response.json()["id"]
        return wamid

    def say(self, wa_id: str, text: str = "hi") -> str:
        """The customer writes a text (which opens the 24-hour window)."""
        return self.inbound(**{"from": wa_id, "type": "text", "text": {"body": text}})

    def configure(self, **changes: Any) -> None:
        """Change the sandbox's behaviour."""
        response = self.control.put("/_sandbox/config", json=changes)
        assert response.status_code == 200, response.text

    def faults(self, **faults: Any) -> None:
        """Inject faults."""
        response = self.control.put("/_sandbox/faults", json=faults)
        assert response.status_code == 200, response.text

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward."""
        response = self.control.post("/_sandbox/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    def phone(self, wa_id: str) -> list[dict[str, Any]]:
        """What the customer's phone received."""
        response = self.control.get(f"/_sandbox/phones/{wa_id}/messages")
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()
        return messages


@pytest.fixture(scope="session")
def receiver() -> Iterator[tuple[Receiver, ServerThread]]:
    """One webhook receiver for the whole run."""
    recv = Receiver(verify_token=SETTINGS.verify_token)
    server = ServerThread(recv.app()).start()
    yield recv, server
    server.stop()


@pytest.fixture(scope="session")
def sandbox_server(receiver: tuple[Receiver, ServerThread]) -> Iterator[ServerThread]:
    """One sandbox for the whole run (reset before every test), posting to the receiver."""
    _, recv_server = receiver
    behaviour = Behaviour.model_validate(
        {
            "webhook_url": f"{recv_server.url}/webhook",
            "sent_delay_s": 0.01,
            "delivered_delay_s": 0.02,
            "read_delay_s": 0.03,
            "webhook_retry_initial_s": 0.05,
            "webhook_retry_max_s": 0.5,
            "batch_window_ms": 20,
        }
    )
    settings = SETTINGS.model_copy(update={"behaviour": behaviour})
    server = ServerThread(create_app(settings, extra_numbers=[SECOND_NUMBER])).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(
    sandbox_server: ServerThread, receiver: tuple[Receiver, ServerThread]
) -> Iterator[Sandbox]:
    """A brand-new sandbox account for this test."""
    recv, _ = receiver
    with (
        httpx.Client(base_url=sandbox_server.url, timeout=10) as control,
        httpx.Client(
            base_url=f"{sandbox_server.url}/{API}",
            headers={"Authorization": f"Bearer {SETTINGS.access_token}"},
            timeout=10,
        ) as graph,
    ):
        assert control.post("/_sandbox/reset").status_code == 200
        recv.clear()
        yield Sandbox(sandbox_server.url, graph, control, recv, SETTINGS)
