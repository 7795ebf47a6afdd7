"""Keep verified webhooks once, many per transaction; read enough of each to say what it holds."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.db import insert_or_ignore_many
from ordertalk.whatsapp.webhooks import (
    WebhookPayload,
    messages,
    parse_webhook,
    statuses,
    template_updates,
    user_preferences,
)
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent


@dataclass(frozen=True, slots=True)
class Incoming:
    """A verified webhook body, read but not applied."""

    raw: bytes
    digest: str
    signers: frozenset[str]
    phone_number_id: str | None
    fields: str
    statuses: int
    messages: int


@dataclass(frozen=True, slots=True)
class Kept:
    """Where a body is kept, and whether this delivery was its first."""

    id: int
    new: bool


def describe(raw: bytes, signers: frozenset[str]) -> Incoming:
    """Read a body as a Cloud API webhook; raises ``WebhookParseError`` when it is not one.

    Every change is read now, so a malformed one is refused (422) before it is kept, rather
    than failing later in the applier, where nobody could tell the sender.
    """
    payload: WebhookPayload = parse_webhook(raw)
    found_statuses = statuses(payload)
    found_messages = messages(payload)
    template_updates(payload)
    user_preferences(payload)
    numbers = [meta.phone_number_id for meta, _ in found_statuses] + [
        meta.phone_number_id for meta, _, _ in found_messages
    ]
    return Incoming(
        raw=raw,
        digest=hashlib.sha256(raw).hexdigest(),
        signers=signers,
        phone_number_id=numbers[0] if numbers else None,
        fields=",".join(sorted({c.field for e in payload.entry for c in e.changes}))[:255],
        statuses=len(found_statuses),
        messages=len(found_messages),
    )


async def keep(session: AsyncSession, batch: Sequence[Incoming]) -> list[Kept]:
    """Store each body once (by digest), in the caller's transaction; one answer per item.

    A body kept before but not applied yet learns who signed it now if it did not know (kept
    before 0009), and is claimable at once: Meta delivering it again is a sign it is waited for.
    """
    digests = {item.digest for item in batch}
    known = {
        digest: (event_id, signers)
        for event_id, digest, signers in await session.execute(
            select(
                WhatsAppWebhookEvent.id, WhatsAppWebhookEvent.digest, WhatsAppWebhookEvent.signers
            ).where(WhatsAppWebhookEvent.digest.in_(digests))
        )
    }
    fresh: dict[str, Incoming] = {}
    for item in batch:
        if item.digest not in known:
            fresh.setdefault(item.digest, item)
    if fresh:
        await insert_or_ignore_many(
            session,
            WhatsAppWebhookEvent,
            [
                {
                    "digest": item.digest,
                    "phone_number_id": item.phone_number_id,
                    "fields": item.fields,
                    "statuses": item.statuses,
                    "messages": item.messages,
                    "body": item.raw,
                    "signers": sorted(item.signers),
                    "attempts": 0,
                }
                for item in fresh.values()
            ],
            conflict=["digest"],
        )
    unsigned = [item for item in batch if item.digest in known and known[item.digest][1] is None]
    for item in unsigned:
        await session.execute(
            update(WhatsAppWebhookEvent)
            .where(
                WhatsAppWebhookEvent.digest == item.digest,
                WhatsAppWebhookEvent.processed_at.is_(None),
                WhatsAppWebhookEvent.signers.is_(None),
            )
            .values(signers=sorted(item.signers), lease_until=None, attempts=0)
            .execution_options(synchronize_session=False)
        )
    inserted = await session.execute(
        select(WhatsAppWebhookEvent.digest, WhatsAppWebhookEvent.id).where(
            WhatsAppWebhookEvent.digest.in_(fresh)
        )
    )
    ids: dict[str, int] = dict(inserted.all())
    ids.update({digest: event_id for digest, (event_id, _) in known.items()})
    first: set[str] = set()
    answers: list[Kept] = []
    for item in batch:
        new = item.digest in fresh and item.digest not in first
        first.add(item.digest)
        answers.append(Kept(ids[item.digest], new))
    return answers
