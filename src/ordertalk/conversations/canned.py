"""Canned responses: replies agents insert by shortcut, with a few placeholders filled when sent.

A body may say `{customer_name}`, `{store_name}` and `{order_number}`; any other `{word}` is
refused when saving, so a typo never reaches a customer as "Hi {custmer_name}". Braces around
anything that is not a single word (`{ }`, `{{`) are plain text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.conversations.models import CannedResponse
from ordertalk.db import insert_or_ignore
from ordertalk.errors import Conflict, InvalidInput, NotFound
from ordertalk.stores.models import Store

log = logging.getLogger(__name__)

PLACEHOLDERS = ("customer_name", "store_name", "order_number")
MAX_PER_STORE = 500
BODY_MAX = 4096
_SHORTCUT = re.compile(r"^[a-z0-9_-]{1,64}$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class DuplicateShortcut(Conflict):
    """Another canned response of the store has this shortcut."""

    code = "duplicate_shortcut"


class UnknownPlaceholder(InvalidInput):
    """A body names a placeholder that is never filled."""

    code = "unknown_placeholder"


def check_shortcut(shortcut: str) -> str:
    """A shortcut: 1–64 lower-case letters, digits, "_" or "-"; InvalidInput otherwise."""
    if not _SHORTCUT.match(shortcut):
        raise InvalidInput(
            f"shortcut {shortcut[:70]!r} must be 1 to 64 lower-case letters, digits, '_' or '-'"
        )
    return shortcut


def placeholders_in(body: str) -> list[str]:
    """The placeholders a body uses, in order of first use; UnknownPlaceholder for others."""
    used: list[str] = []
    for name in _PLACEHOLDER.findall(body):
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise UnknownPlaceholder(f"{{{name[:40]}}} is not a placeholder; use {known}")
        if name not in used:
            used.append(name)
    return used


def fill(body: str, values: Mapping[str, str]) -> str:
    """The body with its placeholders replaced by `values` (each must be given)."""
    return _PLACEHOLDER.sub(lambda match: values[match[1]], body)


async def list_canned(session: AsyncSession, store: Store) -> list[CannedResponse]:
    """The store's canned responses by shortcut."""
    return list(
        await session.scalars(
            select(CannedResponse)
            .where(CannedResponse.store_id == store.id)
            .order_by(CannedResponse.shortcut)
        )
    )


async def get_canned(session: AsyncSession, store: Store, canned_id: int) -> CannedResponse:
    """One of the store's canned responses; NotFound for an unknown one or another store's."""
    row = await session.scalar(
        select(CannedResponse).where(
            CannedResponse.id == canned_id, CannedResponse.store_id == store.id
        )
    )
    if row is None:
        raise NotFound(f"no canned response {canned_id} in this store")
    return row


async def by_shortcut(session: AsyncSession, store: Store, shortcut: str) -> CannedResponse:
    """The store's canned response with this shortcut; InvalidInput naming it otherwise."""
    row = await session.scalar(
        select(CannedResponse).where(
            CannedResponse.store_id == store.id, CannedResponse.shortcut == shortcut
        )
    )
    if row is None:
        raise InvalidInput(f"no canned response with the shortcut {shortcut[:70]!r}")
    return row


async def create_canned(
    session: AsyncSession, store: Store, *, shortcut: str, title: str | None, body: str,
    now: datetime,
) -> CannedResponse:  # fmt: skip
    """A new canned response; DuplicateShortcut when the shortcut is taken."""
    check_shortcut(shortcut)
    placeholders_in(body)
    count = await session.scalar(
        select(func.count(CannedResponse.id)).where(CannedResponse.store_id == store.id)
    )
    if (count or 0) >= MAX_PER_STORE:
        raise InvalidInput(f"a store can have at most {MAX_PER_STORE} canned responses")
    values: dict[str, Any] = {
        "store_id": store.id,
        "shortcut": shortcut,
        "title": title or shortcut,
        "body": body,
        "created_at": now,
        "updated_at": now,
    }
    # Two agents saving the same shortcut at once: the unique key lets exactly one through.
    if not await insert_or_ignore(session, CannedResponse, values, ["store_id", "shortcut"]):
        raise DuplicateShortcut(f"the shortcut {shortcut!r} is taken in this store")
    row = await session.scalar(
        select(CannedResponse).where(
            CannedResponse.store_id == store.id, CannedResponse.shortcut == shortcut
        )
    )
    assert row is not None
    log.info("canned response %s (%s) created for store %s", row.id, shortcut, store.id)
    return row


async def update_canned(
    session: AsyncSession, store: Store, canned_id: int, changes: Mapping[str, Any], now: datetime
) -> CannedResponse:
    """Apply the fields present in `changes` (checked before anything changes)."""
    row = await get_canned(session, store, canned_id)
    for field in ("shortcut", "title", "body"):
        if field in changes and changes[field] is None:
            raise InvalidInput(f"{field} cannot be null")
    shortcut = check_shortcut(changes.get("shortcut", row.shortcut))
    body = changes.get("body", row.body)
    placeholders_in(body)
    if shortcut != row.shortcut:
        taken = await session.scalar(
            select(CannedResponse.id).where(
                CannedResponse.store_id == store.id, CannedResponse.shortcut == shortcut
            )
        )
        if taken is not None:
            raise DuplicateShortcut(f"the shortcut {shortcut!r} is taken in this store")
    row.shortcut = shortcut
    row.title = changes.get("title", row.title)
    row.body = body
    row.updated_at = now
    try:
        await session.flush()
    except IntegrityError:
        # Renamed to a shortcut another request took a moment ago (the edge rolls back).
        raise DuplicateShortcut(f"the shortcut {shortcut!r} is taken in this store") from None
    return row


async def delete_canned(session: AsyncSession, store: Store, canned_id: int) -> None:
    """Remove a canned response (messages already sent with it keep their text)."""
    row = await get_canned(session, store, canned_id)
    await session.delete(row)
    await session.flush()
