"""`/webhooks/whatsapp`: Meta's verification handshake and signed webhook deliveries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ordertalk.deps import SettingsDep
from ordertalk.errors import Forbidden, InvalidInput, PayloadTooLarge, Unauthorized
from ordertalk.stores.models import Store
from ordertalk.whatsapp.signature import verify_challenge
from ordertalk.whatsapp.webhooks import WebhookParseError
from ordertalk.whatsapp_webhooks.service import describe

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


@router.post("")
async def receive(request: Request, settings: SettingsDep) -> dict[str, object]:
    """Verify the signature on the raw bytes, keep the event once, and acknowledge it.

    The 200 means the body is committed; the applier (whatsapp_webhooks/applier.py) applies
    it a moment later, so Meta never waits on our processing and never times out on it.
    """
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge("webhook body is larger than 3 MB")
    header = request.headers.get("x-hub-signature-256")
    state = request.app.state
    default = settings.whatsapp_app_secret
    signers, signed = await state.whatsapp_signers.find(
        _sessions(request), raw, header, default.get_secret_value() if default else None
    )
    if not signed:
        raise Unauthorized("X-Hub-Signature-256 is missing or does not match the body")
    try:
        incoming = describe(raw, signers)
    except WebhookParseError as exc:
        raise InvalidInput(f"not a WhatsApp webhook: {exc}") from None
    kept = await state.whatsapp_intake.keep(incoming)
    state.whatsapp_applier.wake()
    return {"received": True, "duplicate": not kept.new, "id": kept.id}
