"""A merchant's webhook receiver for tests: records every request, and can be told to fail,
to be slow, to redirect or to ask for a later retry. Runs over real HTTP (`ServerThread`)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Hit:
    """One request as the receiver saw it."""

    path: str
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        """The parsed body."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        """The `webhook-id` header."""
        return self.headers["webhook-id"]


@dataclass
class HookReceiver:
    """Answers `status` (200 by default) after `delay` seconds, with `headers`; records hits."""

    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """The receiver's ASGI app: any path, POST only."""

        async def receive(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.hits.append(Hit(request.url.path, body, dict(request.headers)))
                status, delay, headers = self.status, self.delay, dict(self.headers)
            if delay:
                await asyncio.sleep(delay)
            return Response(f"answer {status} " + "x" * 2000, status_code=status, headers=headers)

        return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])

    def behave(self, status: int = 200, delay: float = 0.0, **headers: str) -> None:
        """Change how the receiver answers from now on."""
        with self.lock:
            self.status, self.delay = status, delay
            self.headers = {k.replace("_", "-"): v for k, v in headers.items()}

    def reset(self) -> None:
        """Forget every hit and answer 200 again."""
        with self.lock:
            self.hits.clear()
            self.status, self.delay, self.headers = 200, 0.0, {}

    def snapshot(self, path: str | None = None) -> list[Hit]:
        """The hits so far (on one path, if given)."""
        with self.lock:
            return [h for h in self.hits if path is None or h.path == path]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Hit]:
        """Block until at least `count` hits arrived; all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hits = self.snapshot()
            if len(hits) >= count:
                return hits
            time.sleep(0.01)
        raise AssertionError(f"expected {count} webhook requests, got {len(self.snapshot())}")
