"""Dashboard sessions: a signed cookie naming the user, their session version and a CSRF token.

The cookie is signed with itsdangerous using `settings.session_secret` (unset: a random secret
per app, so logins do not survive a restart), is HttpOnly, SameSite=Lax, limited to /ui, Secure
on https, and good for 12 hours. Bumping a user's `session_version` ends every session at once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ordertalk.config import Settings
from ordertalk.deps import SessionDep
from ordertalk.errors import OrdertalkError
from ordertalk.stores.models import Store
from ordertalk.web.models import DashboardUser
from ordertalk.web.users import LoginThrottle, WrongCredentials, active_user

log = logging.getLogger(__name__)

COOKIE = "ot_session"
COOKIE_PATH = "/ui"
MAX_AGE_S = 12 * 3600
_SALT = "ordertalk.dashboard.session"


class LoginRequired(OrdertalkError):
    """No valid session: the page asks the person to log in (a redirect, for pages)."""

    status_code = 401
    code = "login_required"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in person, their store, and their session's CSRF token."""

    user: DashboardUser
    store: Store
    csrf: str


def session_secret(app: FastAPI) -> str:
    """The secret that signs session cookies: the configured one, else one random per app."""
    settings: Settings = app.state.settings
    if settings.session_secret is not None and settings.session_secret.get_secret_value():
        return settings.session_secret.get_secret_value()
    secret: str | None = getattr(app.state, "ui_session_secret", None)
    if secret is None:
        secret = secrets.token_urlsafe(32)
        app.state.ui_session_secret = secret
        log.warning(
            "ORDERTALK_SESSION_SECRET is not set: dashboard sessions are signed with a random"
            " secret, so they end when the process restarts and work on this process only"
        )
    return secret


def throttle(app: FastAPI) -> LoginThrottle:
    """The app's failed-login counter (in memory, per process)."""
    found: LoginThrottle | None = getattr(app.state, "ui_login_throttle", None)
    if found is None:
        found = LoginThrottle()
        app.state.ui_login_throttle = found
    return found


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(request.app), salt=_SALT)


def is_https(request: Request) -> bool:
    """Whether the browser reached us over https (cookies then carry Secure)."""
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, user: DashboardUser) -> None:
    """Set the session cookie for `user`, with a fresh CSRF token."""
    value = _serializer(request).dumps(
        {"u": user.id, "v": user.session_version, "c": secrets.token_urlsafe(32)}
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_S,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def end_session(request: Request, response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=is_https(request)
    )


def _claims(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 4096:
        return None
    try:
        claims = _serializer(request).loads(raw, max_age=MAX_AGE_S)
    except BadSignature:  # also SignatureExpired
        return None
    if (
        not isinstance(claims, dict)
        or not isinstance(claims.get("u"), int)
        or not isinstance(claims.get("v"), int)
        or not isinstance(claims.get("c"), str)
    ):
        return None
    return claims


async def current_viewer(request: Request, session: SessionDep) -> Viewer:
    """The logged-in user and their store (LoginRequired without a current session)."""
    claims = _claims(request)
    if claims is None:
        raise LoginRequired("log in to see this page")
    try:
        user = await active_user(session, claims["u"], claims["v"])
    except WrongCredentials:
        raise LoginRequired("your session has ended; log in again") from None
    store = await session.get(Store, user.store_id)
    if store is None:
        raise LoginRequired("your store no longer exists")
    return Viewer(user=user, store=store, csrf=claims["c"])


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
