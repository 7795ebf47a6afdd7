"""Acknowledge fast: verified webhook bodies are kept many per commit, then answered.

Each request waits for the commit that holds its body, so a 200 still means "kept for good".
While one batch commits, the next requests gather behind it and share the next commit
(group commit): one transaction per batch instead of one per POST, and, on SQLite, no two
requests of this process waiting on each other's write lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.errors import Unavailable
from ordertalk.whatsapp_webhooks.service import Incoming, Kept, keep

log = logging.getLogger(__name__)


class Intake:
    """Keeps verified webhook bodies for the applier; one writer task at a time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        max_batch: int = 500,
        write_turn: asyncio.Lock | None = None,
    ) -> None:
        self.sessions = sessions
        self.max_batch = max_batch
        # On SQLite, shared with this process's applier: the two take turns at the single
        # write lock here, instead of in SQLite's busy handler, which sleeps in steps of up to
        # 100 ms and made acknowledgements wait behind whole batches.
        self.write_turn = write_turn or contextlib.nullcontext()
        self._pending: list[tuple[Incoming, asyncio.Future[Kept]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def keep(self, item: Incoming) -> Kept:
        """Wait until the body is committed; Unavailable (503) when it could not be."""
        future: asyncio.Future[Kept] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            try:
                async with self.write_turn, self.sessions() as session:
                    kept = await keep(session, [item for item, _ in batch])
                    await session.commit()
            except Exception as exc:  # the database away or busy: nothing of it was kept
                log.warning("keeping %d webhooks failed (%s)", len(batch), type(exc).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(
                            Unavailable("the webhook could not be stored now; deliver it again")
                        )
                continue
            for (_, future), answer in zip(batch, kept, strict=True):
                if not future.done():  # its request may have gone (the sender hung up)
                    future.set_result(answer)
