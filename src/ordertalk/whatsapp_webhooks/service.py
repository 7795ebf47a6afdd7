"""Store a verified webhook once; parse it enough to say what it holds."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.whatsapp.webhooks import (
    WebhookPayload,
    messages,
    parse_webhook,
    statuses,
    template_updates,
    user_preferences,
)
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent


async def record_webhook(session: AsyncSession, raw: bytes) -> tuple[WhatsAppWebhookEvent, bool]:
    """Keep the raw body (once per distinct body); returns the row and whether it was new.

    Raises ``WebhookParseError`` for a body that is not a Cloud API webhook.
    """
    payload: WebhookPayload = parse_webhook(raw)
    digest = hashlib.sha256(raw).hexdigest()
    existing = await session.scalar(
        select(WhatsAppWebhookEvent).where(WhatsAppWebhookEvent.digest == digest)
    )
    if existing is not None:
        return existing, False
    found_statuses = statuses(payload)
    found_messages = messages(payload)
    # Every change is read now, so a malformed one is refused (422) before it is kept, rather
    # than failing later in processing with a 5xx that asks Meta to send it again forever.
    template_updates(payload)
    user_preferences(payload)
    numbers = [meta.phone_number_id for meta, _ in found_statuses] + [
        meta.phone_number_id for meta, _, _ in found_messages
    ]
    event = WhatsAppWebhookEvent(
        digest=digest,
        phone_number_id=numbers[0] if numbers else None,
        fields=",".join(sorted({c.field for e in payload.entry for c in e.changes}))[:255],
        statuses=len(found_statuses),
        messages=len(found_messages),
        body=raw,
    )
    session.add(event)
    await session.flush()
    return event, True
