"""The tracking page's routes: /t/{code} (public: the code is the credential) and its
failed-delivery form, and the store's cross-sell cards (`/v1/store/cross-sell`, API key)."""

from __future__ import annotations

import functools
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordertalk.config import Settings
from ordertalk.db import utcnow
from ordertalk.deps import SessionDep, SettingsDep
from ordertalk.stores.deps import StoreDep
from ordertalk.web.brand import brand
from ordertalk.web.cross_sell import CrossSell, cross_sell, save_cross_sell
from ordertalk.web.public_limit import PUBLIC_RATE_LIMIT
from ordertalk.web.templating import templates
from ordertalk.web.tracking import LinkNotFound, answer, visit
from ordertalk.web.tracking_texts import page_language, say
from ordertalk.web.tracking_view import TrackingView

router = APIRouter(tags=["tracking"])

# Private to the customer: never cached, indexed, framed, or named in a Referer elsewhere.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _csp(nonce: str) -> str:
    # Product pictures come from the store's own https site; the brand colours in a nonce'd style.
    return (
        f"default-src 'none'; style-src 'self' 'nonce-{nonce}'; img-src 'self' https:;"
        " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


@functools.cache
def _process_secret() -> bytes:
    """Without a configured session secret: one per process (forms work within it)."""
    return secrets.token_bytes(32)


def _secret(settings: Settings) -> bytes:
    if settings.session_secret is not None and settings.session_secret.get_secret_value():
        return settings.session_secret.get_secret_value().encode()
    return _process_secret()


def _render(request: Request, name: str, status_code: int, **context: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    return templates.TemplateResponse(
        request,
        name,
        {"nonce": nonce, **context},
        status_code=status_code,
        headers={**HEADERS, "Content-Security-Policy": _csp(nonce)},
    )


def _page(request: Request, view: TrackingView, status_code: int = 200) -> HTMLResponse:
    return _render(request, "tracking.html", status_code, view=view, lang=view.lang)


def _missing(request: Request) -> HTMLResponse:
    """A friendly 404 in the browser's language (no store is known for an unknown code)."""
    lang = page_language(request.headers.get("accept-language", "")[:2])
    return _render(
        request,
        "tracking_message.html",
        404,
        lang=lang,
        title=say("missing_title", lang),
        body=say("missing_body", lang),
        brand=brand(None),
    )


# Anything under /t/ is a tracking link to a person: an unknown one gets the friendly page.
@router.api_route(
    "/t/{code:path}",
    methods=["GET", "HEAD"],
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[PUBLIC_RATE_LIMIT],
)
async def tracking_page(
    request: Request, code: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The order's tracking page; each customer's open is counted (never a link preview's)."""
    try:
        view = await visit(
            session, code, method=request.method, headers=request.headers,
            secret=_secret(settings), now=utcnow(),
        )  # fmt: skip
    except LinkNotFound:
        return _missing(request)
    return _page(request, view)


@router.post(
    "/t/{code:path}/ndr",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[PUBLIC_RATE_LIMIT],
)
async def tracking_ndr(
    request: Request, code: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """A failed delivery's answer from the page: deliver again on a day, to a new address, or
    cancel; the page again with the confirmation or what to fix."""
    try:
        form: dict[str, object] = dict(await request.form())
    except StarletteHTTPException:
        form = {}  # an unreadable body: treated as a form without its token
    try:
        view, status_code = await answer(
            session, code, form, secret=_secret(settings), now=utcnow()
        )
    except LinkNotFound:
        return _missing(request)
    return _page(request, view, status_code)


@router.get("/v1/store/cross-sell")
async def read_cross_sell(store: StoreDep) -> CrossSell:
    """The products the tracking page shows (up to six cards)."""
    return cross_sell(store)


@router.put("/v1/store/cross-sell")
async def replace_cross_sell(body: CrossSell, store: StoreDep, session: SessionDep) -> CrossSell:
    """Replace the tracking page's cards: title, https url, optional https image_url, optional
    price with its currency."""
    saved = save_cross_sell(store, body)
    await session.flush()
    return saved
