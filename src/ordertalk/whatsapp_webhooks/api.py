"""`/webhooks/whatsapp`: Meta's verification handshake and signed webhook deliveries."""

from __future__ import annotations

import json
import logging
from datetime import UTC, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.db import utcnow
from ordertalk.deps import SettingsDep
from ordertalk.errors import (
    Forbidden,
    InvalidInput,
    PayloadTooLarge,
    Unauthorized,
    Unavailable,
)
from ordertalk.stores.models import Store
from ordertalk.whatsapp.signature import verify_challenge, verify_signature
from ordertalk.whatsapp.webhooks import WebhookParseError, parse_webhook
from ordertalk.whatsapp_webhooks.models import WhatsAppWebhookEvent
from ordertalk.whatsapp_webhooks.process import process_webhook
from ordertalk.whatsapp_webhooks.service import record_webhook

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])

MAX_BODY = 3 * 1024 * 1024


def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return factory


# The challenge is echoed as plain text; errors are the JSON every route answers with.
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"description": "The handshake is refused", "content": _JSON_ERROR},
    503: {"description": "Busy or unavailable: try again", "content": _JSON_ERROR},
}


@router.get("", response_class=PlainTextResponse, responses=_ERRORS)
async def verify(request: Request, settings: SettingsDep) -> str:
    """Echo `hub.challenge` when the verify token matches (Meta's subscription handshake)."""
    params = dict(request.query_params)
    default = settings.whatsapp_verify_token
    tokens = [default.get_secret_value()] if default is not None else []
    async with _sessions(request)() as session:
        tokens += [t for t in await session.scalars(select(Store.verify_token)) if t]
    for token in tokens:
        challenge = verify_challenge(params, token)
        if challenge is not None:
            return challenge
    raise Forbidden("hub.mode must be subscribe and hub.verify_token must match")


def _ids_in(raw: bytes) -> tuple[set[str], set[str]]:
    """Business number and WABA ids a body names, only to pick candidate app secrets."""
    numbers: set[str] = set()
    wabas: set[str] = set()
    try:
        data = json.loads(raw)
        for entry in data.get("entry", [])[:50]:
            wabas.add(str(entry.get("id")))
            for change in entry.get("changes", [])[:50]:
                metadata = (change.get("value") or {}).get("metadata") or {}
                if metadata.get("phone_number_id"):
                    numbers.add(str(metadata["phone_number_id"]))
    except (ValueError, AttributeError, TypeError):
        pass
    return numbers, wabas


async def _signers(
    session: AsyncSession, raw: bytes, header: str | None, default: str | None
) -> tuple[set[str], bool]:
    """The stores whose own app secret (or, for stores without one, the settings' secret)
    signed this body, and whether the body was signed by a secret we know at all.

    Only those stores' entries are applied: a body signed by one app must not change another
    store's customers, even when it names their numbers.
    """
    numbers, wabas = _ids_in(raw)
    stores = await session.execute(
        select(Store.id, Store.app_secret).where(
            or_(Store.phone_number_id.in_(numbers), Store.waba_id.in_(wabas))
        )
    )
    default_ok = default is not None and verify_signature(default, raw, header)
    signed: set[str] = set()
    any_ok = default_ok
    for store_id, secret in stores:
        ok = verify_signature(secret, raw, header) if secret else default_ok
        any_ok = any_ok or ok
        if ok:
            signed.add(store_id)
    return signed, any_ok


def _unfinished(event: WhatsAppWebhookEvent) -> bool:
    """A kept webhook whose processing failed, or never finished (a crash): apply it again."""
    if event.processed_at is not None:
        return False
    if event.error is not None:
        return True
    received = event.received_at
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return received < utcnow() - timedelta(minutes=1)


@router.post("")
async def receive(request: Request, settings: SettingsDep) -> dict[str, object]:
    """Verify the signature on the raw bytes, store the event once, then apply it."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge("webhook body is larger than 3 MB")
    header = request.headers.get("x-hub-signature-256")
    async with _sessions(request)() as session:
        default = settings.whatsapp_app_secret
        signers, signed = await _signers(
            session, raw, header, default.get_secret_value() if default is not None else None
        )
        if not signed:
            raise Unauthorized("X-Hub-Signature-256 is missing or does not match the body")
        try:
            event, new = await record_webhook(session, raw)
        except WebhookParseError as exc:
            raise InvalidInput(f"not a WhatsApp webhook: {exc}") from None
        retry = not new and _unfinished(event)
        await session.commit()
        event_id = event.id
    if not new and not retry:
        if event.processed_at is None:
            # Kept but not applied yet: another request may be applying it, or one died doing
            # so (then it is applied again once a minute old). Acknowledging it now could lose
            # its statuses for good: Meta stops delivering what was answered 200.
            raise Unavailable(f"webhook {event_id} is not applied yet; deliver it again later")
        return {"received": True, "duplicate": True, "id": event_id}
    async with _sessions(request)() as session:
        try:
            processed = await process_webhook(session, parse_webhook(raw), signers)
            stored = await session.get(WhatsAppWebhookEvent, event_id)
            assert stored is not None
            stored.processed_at = utcnow()
            stored.error = None
            await session.commit()
        except Exception as exc:
            await session.rollback()
            log.exception("processing WhatsApp webhook %s failed; kept for replay", event_id)
            stored = await session.get(WhatsAppWebhookEvent, event_id)
            if stored is not None:
                stored.error = type(exc).__name__[:200]
                await session.commit()
            # A 5xx makes Meta deliver it again, and that redelivery is applied again.
            raise Unavailable(
                f"webhook {event_id} is kept but could not be processed now; deliver it again"
            ) from None
    if processed.messages_planned:
        dispatcher = getattr(request.app.state, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.wake()
    return {"received": True, "duplicate": False, "id": event_id, "processed": True}
