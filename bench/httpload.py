"""A minimal HTTP/1.1 load generator and webhook sink on raw asyncio streams.

The measuring side must be much faster than what it measures: httpx spends more CPU per request
than the sandbox does, so the benchmark speaks HTTP/1.1 over keep-alive sockets itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Sink:
    """A webhook receiver that answers 200 at once and counts the statuses it gets."""

    statuses: int = 0
    posts: int = 0
    last_at: float = 0.0
    waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)
    writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b""
                self.posts += 1
                self.statuses += body.count(b'"status":"')
                self.last_at = time.perf_counter()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                for target, future in list(self.waiters):
                    if self.statuses >= target and not future.done():
                        future.set_result(None)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def close(self, server: asyncio.Server) -> None:
        """Stop listening and hang up every open connection (their handlers then end)."""
        server.close()
        for writer in list(self.writers):
            writer.close()
        await asyncio.sleep(0.05)

    async def start(self, port: int) -> asyncio.Server:
        """Listen on 127.0.0.1:port."""
        return await asyncio.start_server(self._handle, "127.0.0.1", port, backlog=1024)

    async def wait_for(self, statuses: int, within: float) -> bool:
        """Wait until ``statuses`` have arrived; False on timeout."""
        if self.statuses >= statuses:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append((statuses, future))
        try:
            await asyncio.wait_for(future, within)
            return True
        except TimeoutError:
            return False


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length) if length else b""
    return status, body


def post_bytes(host: str, path: str, body: bytes, token: str) -> bytes:
    """A complete HTTP/1.1 POST request."""
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def blast(
    port: int, requests: list[bytes], connections: int, on_answer: Callable[[int, bytes], None]
) -> float:
    """Send every request over ``connections`` keep-alive sockets; seconds taken."""
    queue = iter(requests)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for raw in queue:
                on_answer(*await _request(reader, writer, raw))
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - started


async def timed_blast(
    port: int, requests: list[bytes], connections: int, on_answer: Callable[[int, bytes], None]
) -> tuple[float, list[float]]:
    """Like :func:`blast`; also each request's seconds from write to complete answer."""
    queue = iter(requests)
    latencies: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for raw in queue:
                sent = time.perf_counter()
                answer = await _request(reader, writer, raw)
                latencies.append(time.perf_counter() - sent)
                on_answer(*answer)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - started, latencies
