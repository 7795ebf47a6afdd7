"""The sandbox as its own ASGI app: `create_app(settings)` builds everything, the lifespan
starts and stops webhook delivery. Nothing happens at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from ordertalk.sandbox import control, graph_api
from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.platform import Platform
from ordertalk.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)


def create_app(settings: SandboxSettings, extra_numbers: list[str] | None = None) -> Starlette:
    """A new sandbox app with a brand-new simulated account."""
    platform = Platform(settings, extra_numbers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await platform.webhooks.start()
        try:
            yield
        finally:
            await platform.webhooks.stop()

    async def not_found(request: Request, exc: Exception) -> Response:
        return graph_api.error_response(
            GraphError(
                100, f"Unknown path components: {request.url.path}", error_type="OAuthException"
            )
        )

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        return graph_api.error_response(
            GraphError(100, f"{request.method} is not supported on {request.url.path}")
        )

    async def crashed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ClientDisconnect):  # the caller hung up; nothing went wrong here
            return Response(status_code=499)
        # A bug in the sandbox still answers in Graph's shape; the traceback stays in our log.
        log.exception("sandbox error on %s %s", request.method, request.url.path)
        return graph_api.error_response(
            GraphError(131000, "Something went wrong. Please retry later.", http_status=500)
        )

    app = Starlette(
        routes=[*control.ROUTES, *graph_api.ROUTES],
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: method_not_allowed, Exception: crashed},
    )
    app.state.platform = platform
    return app
