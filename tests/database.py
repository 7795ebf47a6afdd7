"""Test databases: a fresh SQLite file by default, or the PostgreSQL named by
ORDERTALK_TEST_DATABASE_URL (`make test` runs the database tests a second time that way).

Every call gives a migrated, empty database, but the migrations run once per test process:

- SQLite: the first call migrates a template file; every call copies it (byte for byte the
  database a migration would have made) into the test's own directory.
- PostgreSQL: the first call drops every table and migrates, as a brand-new run would; later
  calls delete every row and restart every sequence, so the schema the migrations made is kept.
  Under pytest-xdist each worker has a database of its own, named after the given one and the
  worker (`test` → `test_gw0`, `test_gw1`…), created through the `postgres` maintenance database
  when missing. Without xdist the given database is used as it is.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import sqlite3
import tempfile
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

import ordertalk.models  # noqa: F401  (every table, so a PostgreSQL clean-up drops them all)
from ordertalk.db import Base, create_engine
from ordertalk.migrations import upgrade

# A test still holding a lock fails the next test's clean-up instead of hanging the run.
LOCK_TIMEOUT = "30s"

_sqlite_template: Path | None = None
# PostgreSQL URL → (schema revision, tables) as migrated by this process.
_migrated: dict[str, tuple[str, frozenset[str]]] = {}
_created: set[str] = set()


def fresh_database(tmp_path: Path) -> str:
    """A migrated, empty database; PostgreSQL must be reachable when it is asked for."""
    url = os.environ.get("ORDERTALK_TEST_DATABASE_URL")
    if url:
        # Unreachable PostgreSQL fails the test loudly: a silent skip would hide a broken CI.
        return _fresh_postgres(worker_database_url(url))
    database = tmp_path / "ordertalk.db"
    shutil.copyfile(_migrated_sqlite(), database)
    return f"sqlite+aiosqlite:///{database}"


def _migrated_sqlite() -> Path:
    """This process's migrated SQLite template (made on first use)."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="ordertalk-test-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "ordertalk.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        # Everything into the main file, so that copying it alone copies the whole database.
        with sqlite3.connect(template) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        wal = template.with_name(template.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, "template left a WAL behind"
        _sqlite_template = template
    return _sqlite_template


def worker_database_url(url: str) -> str:
    """`url` itself, or under pytest-xdist the database of this worker (created if missing)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    mine = parsed.set(database=name).render_as_string(hide_password=False)
    if mine not in _created:
        maintenance = parsed.set(database="postgres").render_as_string(hide_password=False)
        asyncio.run(_create_database(maintenance, name))
        _created.add(mine)
    return mine


async def _create_database(maintenance_url: str, name: str) -> None:
    engine = create_engine(maintenance_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


def _fresh_postgres(url: str) -> str:
    if url in _migrated and asyncio.run(_empty_if_unchanged(url, _migrated[url])):
        return url
    asyncio.run(_drop_everything(url))
    upgrade(url)
    _migrated[url] = asyncio.run(_schema(url))
    return url


async def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            for table in [*Base.metadata.sorted_tables[::-1]]:
                await conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await engine.dispose()


async def _schema(url: str) -> tuple[str, frozenset[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await _read_schema(conn)
    finally:
        await engine.dispose()


async def _read_schema(conn: AsyncConnection) -> tuple[str, frozenset[str]]:
    """The migrated revision and the tables of the current schema."""
    tables = frozenset(
        await conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        )
    )
    revision = ""
    if "alembic_version" in tables:
        revision = ",".join(
            sorted(await conn.scalars(text("SELECT version_num FROM alembic_version")))
        )
    return revision, tables


async def _empty_if_unchanged(url: str, migrated: tuple[str, frozenset[str]]) -> bool:
    """Delete every row and restart every sequence, if the schema is still the one this
    process migrated; False (nothing done) when it is not."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            if await _read_schema(conn) != migrated:
                return False
            await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            tables = sorted(migrated[1] - {"alembic_version"})
            order = await _children_first(conn, tables)
            if order is None:
                quoted = ", ".join(f'"{table}"' for table in tables)
                await conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                # Faster than TRUNCATE (which makes new files for every table and index).
                for table in order:
                    await conn.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608
                await conn.execute(
                    text(
                        "SELECT setval(format('%I.%I', schemaname, sequencename), "
                        "start_value, false) FROM pg_sequences "
                        "WHERE schemaname = current_schema()"
                    )
                )
            return True
    finally:
        await engine.dispose()


async def _children_first(conn: AsyncConnection, tables: list[str]) -> list[str] | None:
    """The tables in an order that deletes every referencing row before the row it references;
    None if the foreign keys make a cycle."""
    edges = await conn.execute(
        text(
            "SELECT child.relname, parent.relname FROM pg_constraint c "
            "JOIN pg_class child ON child.oid = c.conrelid "
            "JOIN pg_class parent ON parent.oid = c.confrelid "
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.contype = 'f' AND n.nspname = current_schema()"
        )
    )
    # A table comes after every table that references it.
    graph: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in edges:
        if child != parent and parent in graph:
            graph[parent].add(child)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:
        return None
