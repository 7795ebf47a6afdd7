"""The opt-in widget's routes: its settings (API key), its script and its consent endpoint
(public, called from the store's own site: CORS for the store's allowed origins only)."""

from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.errors import InvalidInput, NotFound
from ordertalk.stores.deps import StoreDep
from ordertalk.stores.models import Store
from ordertalk.web.public_limit import PUBLIC_RATE_LIMIT
from ordertalk.web.templating import templates
from ordertalk.web.widget import (
    ConsentIn,
    WidgetSettings,
    allowed_origin,
    record_widget_consent,
    save_widget_settings,
    widget_settings,
)

router = APIRouter(tags=["widget"])
StoreId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]

# Saves per (store, client address) per minute: a person saves once; a script saves thousands.
SAVES_PER_MINUTE = 10
_recent: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)


def _throttled(store_id: str, client: str) -> bool:
    now = time.monotonic()
    window = _recent[(store_id, client)]
    while window and now - window[0] > 60:
        window.popleft()
    if len(window) >= SAVES_PER_MINUTE:
        return True
    window.append(now)
    return False


@router.get("/v1/store/widget")
async def read_widget(store: StoreDep) -> WidgetSettings:
    """The widget's wording, WhatsApp number and the sites allowed to show it."""
    return widget_settings(store)


@router.put("/v1/store/widget")
async def replace_widget(
    body: WidgetSettings, store: StoreDep, session: SessionDep
) -> WidgetSettings:
    """Replace the widget settings (origins: https://host, http only for localhost)."""
    saved = save_widget_settings(store, body)
    await session.flush()
    return saved


async def _store(session: AsyncSession, store_id: str) -> Store:
    store = await session.get(Store, store_id)
    if store is None:
        raise NotFound("no such widget")
    return store


@router.get("/widget/{store_id}.js", include_in_schema=False, dependencies=[PUBLIC_RATE_LIMIT])
async def widget_script(request: Request, store_id: StoreId, session: SessionDep) -> Response:
    """The script a store's page includes; its texts come from the store's settings."""
    store = await _store(session, store_id)
    settings = widget_settings(store)
    base = str(request.base_url).rstrip("/")
    number = (settings.whatsapp_number or "").lstrip("+")
    config = {
        "endpoint": f"{base}/widget/{store.id}/consent",
        "phone_label": "Your WhatsApp number",
        "utility_text": settings.utility_text,
        "marketing_text": settings.marketing_text,
        "button_text": settings.button_text,
        "chat_text": settings.chat_text,
        "chat_url": f"https://wa.me/{number}" if number else None,
        "saved_text": "Saved. You can reply STOP on WhatsApp at any time.",
        "failed_text": "That did not work; please check the number and try again.",
    }
    # "<" escaped: nothing in the settings can close the script or open a tag.
    config_json = json.dumps(config).replace("<", "\\u003c")
    return templates.TemplateResponse(
        request,
        "widget.js",
        {"config_json": config_json, "store_name": store.name.replace("*/", "")},
        media_type="application/javascript",
        headers={"Cache-Control": "public, max-age=300"},
    )


def _cors(origin: str | None) -> dict[str, str]:
    if origin is None:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _refusal(status: int, code: str, message: str, origin: str | None) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=_cors(origin))


@router.options(
    "/widget/{store_id}/consent", include_in_schema=False, dependencies=[PUBLIC_RATE_LIMIT]
)
async def consent_preflight(request: Request, store_id: StoreId, session: SessionDep) -> Response:
    """The browser's CORS check before a cross-site POST."""
    store = await _store(session, store_id)
    origin = allowed_origin(widget_settings(store), request.headers.get("origin"))
    if origin is None:
        return Response(status_code=403)
    return Response(status_code=204, headers=_cors(origin))


@router.post(
    "/widget/{store_id}/consent", include_in_schema=False, dependencies=[PUBLIC_RATE_LIMIT]
)
async def consent(request: Request, store_id: StoreId, session: SessionDep) -> Response:
    """A customer's ticks, from a page of a site the store allows."""
    store = await _store(session, store_id)
    origin = allowed_origin(widget_settings(store), request.headers.get("origin"))
    if origin is None:
        return _refusal(403, "origin_not_allowed", "this site may not use the widget", None)
    client = request.client.host if request.client else "?"
    if _throttled(store.id, client):
        return _refusal(429, "too_many_requests", "too many saves; try again in a minute", origin)
    raw = await request.body()
    if len(raw) > 8_192:
        return _refusal(413, "payload_too_large", "the request is too large", origin)
    try:
        body = ConsentIn.model_validate_json(raw)
        granted = await record_widget_consent(
            session, store, body, origin=origin,
            user_agent=request.headers.get("user-agent"), at=utcnow(),
        )  # fmt: skip
    except ValidationError:
        return _refusal(422, "invalid_input", "send phone, utility, marketing and page", origin)
    except InvalidInput as refused:
        return _refusal(422, refused.code, refused.message, origin)
    return JSONResponse(
        {"saved": [p.value for p in granted]}, status_code=201, headers=_cors(origin)
    )
