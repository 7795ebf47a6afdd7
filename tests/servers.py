"""Real HTTP servers for tests: the sandbox and a webhook receiver, each on its own thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerThread:
    """Runs an ASGI app under uvicorn on a background thread until stopped."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        # The socket is bound here and handed to uvicorn, so no other process (a parallel test
        # worker, or any client's outgoing connection) can take the port in between.
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", port or 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> ServerThread:
        """Start and wait until it accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@dataclass
class Delivery:
    """One webhook POST as the receiver saw it."""

    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        """The parsed body."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    def statuses(self) -> list[dict[str, Any]]:
        """Every status in the delivery."""
        return [
            status
            for entry in self.json.get("entry", [])
            for change in entry.get("changes", [])
            for status in change.get("value", {}).get("statuses", [])
        ]

    def fields(self) -> list[str]:
        """The `changes[].field` values."""
        return [c["field"] for e in self.json.get("entry", []) for c in e.get("changes", [])]


@dataclass
class Receiver:
    """A webhook receiver that records what it gets and can play dead."""

    verify_token: str
    deliveries: list[Delivery] = field(default_factory=list)
    status_code: int = 200
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """The receiver's ASGI app."""

        async def receive(request: Request) -> Response:
            if request.method == "GET":
                params = request.query_params
                if (
                    params.get("hub.mode") == "subscribe"
                    and params.get("hub.verify_token") == self.verify_token
                ):
                    return PlainTextResponse(params.get("hub.challenge", ""))
                return PlainTextResponse("Forbidden", status_code=403)
            body = await request.body()
            with self.lock:
                if self.status_code != 200:
                    self.refused += 1
                    return Response(status_code=self.status_code)
                self.deliveries.append(Delivery(body, dict(request.headers)))
            return Response("ok")

        return Starlette(routes=[Route("/webhook", receive, methods=["GET", "POST"])])

    def clear(self) -> None:
        """Forget everything received and answer 200 again."""
        with self.lock:
            self.deliveries.clear()
            self.status_code = 200
            self.refused = 0

    def snapshot(self) -> list[Delivery]:
        """A copy of the deliveries so far."""
        with self.lock:
            return list(self.deliveries)

    def statuses(self) -> list[dict[str, Any]]:
        """Every status received so far, in arrival order."""
        return [s for d in self.snapshot() for s in d.statuses()]

    def wait_for(
        self, predicate: Callable[[Receiver], bool], timeout: float = 5.0, what: str = "webhooks"
    ) -> None:
        """Poll until ``predicate`` holds; fail the test with what was received otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.01)
        seen = [d.fields() for d in self.snapshot()]
        raise AssertionError(f"timed out waiting for {what}; received {seen}")

    def statuses_of(self, wamid: str) -> list[str]:
        """The status values received for one message, in arrival order."""
        return [s["status"] for s in self.statuses() if s["id"] == wamid]
