"""Short tracking links (/t/{code}) for the messages that carry one.

Messaging calls this while it renders a message, in the transaction that marks the message
`sending`: the link's row is committed before the message (and its link) leaves. One link per
message (unique `message_id`), so a retry or a resend as a template reuses the same code.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.db import insert_or_ignore, utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.web.models import TrackingLink

# 9 random bytes: 12 URL-safe characters, 72 bits (not enumerable, short enough for a message).
CODE_BYTES = 9
CODE = re.compile(r"^[A-Za-z0-9_-]{12}$")
PATH = "/t/"
# What a bot reply carries in `params` when its text holds a tracking link: the link as written
# (the carrier's or the store's), the parcel and the milestone it spoke of.
REPLY_LINK = "tracking_link"


def new_code() -> str:
    """A fresh unguessable code."""
    return secrets.token_urlsafe(CODE_BYTES)


def is_code(value: str) -> bool:
    """Whether `value` could be a code at all (anything else is a 404 without a query)."""
    return CODE.fullmatch(value) is not None


def page_url(public_url: str, code: str) -> str:
    """The address customers open: `{public_url}/t/{code}`."""
    return f"{public_url.rstrip('/')}{PATH}{code}"


async def link_for_message(
    session: AsyncSession,
    message: OutboundMessage,
    *,
    shipment_id: int | None,
    milestone: str | None,
) -> TrackingLink | None:
    """The message's link, created the first time it is asked for; None without an order."""
    if message.order_id is None:
        return None
    existing = await session.scalar(
        select(TrackingLink).where(TrackingLink.message_id == message.id)
    )
    if existing is not None:
        return existing
    await insert_or_ignore(
        session,
        TrackingLink,
        {
            "store_id": message.store_id,
            "code": new_code(),
            "order_id": message.order_id,
            "shipment_id": shipment_id,
            "message_id": message.id,
            "milestone": milestone,
            "clicks": 0,
            "created_at": utcnow(),
        },
        ["message_id"],
    )
    return await session.scalar(select(TrackingLink).where(TrackingLink.message_id == message.id))


async def short_url(
    session: AsyncSession,
    public_url: str | None,
    message: OutboundMessage,
    *,
    shipment_id: int | None,
    milestone: str | None,
) -> str | None:
    """`{public_url}/t/{code}` for this message, or None (no public URL, or no order)."""
    if not public_url:
        return None
    link = await link_for_message(session, message, shipment_id=shipment_id, milestone=milestone)
    return page_url(public_url, link.code) if link is not None else None


async def shorten_reply(
    session: AsyncSession,
    public_url: str | None,
    message: OutboundMessage,
    payload: dict[str, Any],
    preview: str,
) -> tuple[dict[str, Any], str]:
    """A bot reply whose text holds a tracking link, with that link replaced by the message's
    short link (unchanged when there is no public URL or the reply carries no link)."""
    spec = message.params.get(REPLY_LINK)
    if not public_url or not isinstance(spec, dict):
        return payload, preview
    original = spec.get("url")
    shipment_id = spec.get("shipment_id")
    milestone = spec.get("milestone")
    if not isinstance(original, str) or not original:
        return payload, preview
    short = await short_url(
        session,
        public_url,
        message,
        shipment_id=shipment_id if isinstance(shipment_id, int) else None,
        milestone=milestone if isinstance(milestone, str) else None,
    )
    if short is None:
        return payload, preview
    replaced = _replace(payload, original, short)
    assert isinstance(replaced, dict)
    return replaced, preview.replace(original, short)


def _replace(value: Any, old: str, new: str) -> Any:
    """`value` with `old` replaced by `new` in every string it holds."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {key: _replace(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    return value
