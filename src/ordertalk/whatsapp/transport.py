"""An httpx transport that moves the bytes with aiohttp.

Why: at the concurrency a dispatcher needs (tens of sends in flight), httpx's own connection pool
(httpcore) costs several milliseconds of CPU per request; measured on this machine against the
sandbox, 150 sends/s at 64 in flight, against more than 1,000/s for aiohttp on the same core
(`bench/`). Keeping httpx as the interface keeps `MockTransport` for tests and one error model.

Why not the `httpx-aiohttp` package: it maps aiohttp's errors loosely (a server that hangs up,
or a read timeout, becomes `httpx.ConnectTimeout`), and the client treats a connect failure as
"the request never left", which for a send would mean a second message. Here only failures
that happen before a connection exists say so; everything after is a read error (ambiguous).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import aiohttp
import httpx

_CHUNK = 64 * 1024


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    """aiohttp's failures as the httpx exceptions that say the same thing about the request."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        # aiohttp raises this only while it is still connecting: nothing was written yet.
        raise httpx.ConnectTimeout(str(exc), request=request) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
    except aiohttp.ClientError as exc:
        # Disconnected, reset, a broken body: the request may have reached the server.
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


class _Body(httpx.AsyncByteStream):
    """An aiohttp response body, read as httpx reads a stream."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._response.content.iter_chunked(_CHUNK):
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent by one aiohttp session (made on first use, inside the event loop)."""

    def __init__(
        self,
        max_connections: int = 100,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._factory = session_factory
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if self._factory is not None:
                self._session = self._factory()
            else:
                connector = aiohttp.TCPConnector(limit=self._max_connections)
                # Decoding, redirects and cookies stay httpx's job, as with its own transport.
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    auto_decompress=False,
                    cookie_jar=aiohttp.DummyCookieJar(),
                    skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
                )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()
        with _as_httpx_errors(request):
            response = await self._client().request(
                request.method,
                str(request.url),
                headers=[
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in request.headers.raw
                ],
                data=body or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_Body(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
            # Let the connector's transports finish closing before the loop may end.
            await asyncio.sleep(0)
