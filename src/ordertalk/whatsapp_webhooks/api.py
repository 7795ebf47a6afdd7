"""`/webhooks/whatsapp`: Meta's verification handshake and signed webhook deliveries."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ordertalk.deps import SessionDep, SettingsDep
from ordertalk.errors import Forbidden, InvalidInput, Unauthorized
from ordertalk.whatsapp.signature import verify_challenge, verify_signature
from ordertalk.whatsapp.webhooks import WebhookParseError
from ordertalk.whatsapp_webhooks.service import record_webhook

router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])

MAX_BODY = 3 * 1024 * 1024


@router.get("", response_class=PlainTextResponse)
async def verify(request: Request, settings: SettingsDep) -> str:
    """Echo `hub.challenge` when the verify token matches (Meta's subscription handshake)."""
    challenge = verify_challenge(
        dict(request.query_params), settings.whatsapp_verify_token.get_secret_value()
    )
    if challenge is None:
        raise Forbidden("hub.mode must be subscribe and hub.verify_token must match")
    return challenge


@router.post("")
async def receive(
    request: Request, session: SessionDep, settings: SettingsDep
) -> dict[str, object]:
    """Verify the signature on the raw bytes, store the event once, acknowledge at once."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput("webhook body is larger than 3 MB")
    secret = settings.whatsapp_app_secret.get_secret_value()
    if not verify_signature(secret, raw, request.headers.get("x-hub-signature-256")):
        raise Unauthorized("X-Hub-Signature-256 is missing or does not match the body")
    try:
        event, new = await record_webhook(session, raw)
    except WebhookParseError as exc:
        raise InvalidInput(f"not a WhatsApp webhook: {exc}") from None
    return {"received": True, "duplicate": not new, "id": event.id}
