"""Database engine, sessions and the declarative base (SQLite by default, PostgreSQL to scale)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Executable, MetaData, event, false, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware (every stored time is UTC)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware UTC in Python (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout so a worker and the API can share it."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True, **kwargs
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # Parameters (payloads, phone numbers, tokens) never appear in SQLAlchemy's error text.
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep objects usable after commit (the edge commits, services flush)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def insert_or_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict: list[str]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on a unique key; whether a row was inserted.

    Lets two requests racing to create the same row both carry on, inside the caller's
    transaction (a savepoint would not do: on SQLite, releasing one commits everything).
    """
    statement: Executable
    if session.get_bind().dialect.name == "postgresql":
        statement = (
            postgresql.insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=conflict)
        )
    else:
        statement = (
            sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict)
        )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


async def insert_or_ignore_many(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict: list[str]
) -> None:
    """`insert_or_ignore` for many rows in one statement (a row already there is skipped)."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).on_conflict_do_nothing(index_elements=conflict)
    await session.execute(statement, rows)


async def lock_for_update(session: AsyncSession, model: type[Base]) -> None:
    """What SELECT … FOR UPDATE gives on PostgreSQL, on SQLite: call before a read-modify-write.

    SQLite ignores FOR UPDATE, and its driver opens a transaction only at the first write, so
    two connections can read the same row and the later writer overwrites the other's change.
    A write that touches nothing takes SQLite's single write lock now, for the rest of this
    transaction: what is read next stays true until commit. Nothing happens on PostgreSQL.
    """
    if session.get_bind().dialect.name == "sqlite":
        [key] = model.__table__.primary_key.columns  # type: ignore[attr-defined]
        await session.execute(
            update(model)
            .where(false())
            .values({key.name: key})
            .execution_options(synchronize_session=False)
        )
