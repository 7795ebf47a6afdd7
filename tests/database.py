"""Test databases: a fresh SQLite file by default, or the PostgreSQL named by
ORDERTALK_TEST_DATABASE_URL (`make test` runs the database tests a second time that way)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import text

import ordertalk.models  # noqa: F401  (every table, so a PostgreSQL clean-up drops them all)
from ordertalk.db import Base, create_engine
from ordertalk.migrations import upgrade


async def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        for table in [*Base.metadata.sorted_tables[::-1]]:
            await conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


def fresh_database(tmp_path: Path) -> str:
    """A migrated, empty database; PostgreSQL must be reachable when it is asked for."""
    url = os.environ.get("ORDERTALK_TEST_DATABASE_URL")
    if url:
        # Unreachable PostgreSQL fails the test loudly: a silent skip would hide a broken CI.
        asyncio.run(_drop_everything(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'ordertalk.db'}"
    upgrade(url)
    return url
