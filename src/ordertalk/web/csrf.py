"""CSRF: every dashboard form carries the session's token in a hidden `csrf` field.

The login form has no session yet: its token is a random cookie of its own (double submit).
A missing or wrong token is a 403 page; nothing is changed.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from ordertalk.errors import Forbidden
from ordertalk.web.auth import Viewer, ViewerDep, is_https

FIELD = "csrf"
LOGIN_COOKIE = "ot_login_csrf"
LOGIN_COOKIE_PATH = "/ui/login"


class CsrfRejected(Forbidden):
    """A form without this session's token: possibly sent from another site."""

    code = "csrf_failed"


def _same(expected: str, given: object) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected, given)


async def form_token(request: Request) -> object:
    """The token a posted form carries (None when it carries none)."""
    return (await request.form()).get(FIELD)


async def checked_viewer(request: Request, viewer: ViewerDep) -> Viewer:
    """The logged-in user, once the form's CSRF token matches their session's."""
    if not _same(viewer.csrf, await form_token(request)):
        raise CsrfRejected(
            "this form is out of date or was not sent from the dashboard; reload the page and"
            " try again"
        )
    return viewer


FormViewerDep = Annotated[Viewer, Depends(checked_viewer)]


def login_token(request: Request) -> str:
    """The login form's token: the one in its cookie, else a new one."""
    token = request.cookies.get(LOGIN_COOKIE)
    return token if token and 20 <= len(token) <= 100 else secrets.token_urlsafe(32)


def set_login_token(request: Request, response: Response, token: str) -> None:
    """Keep the login form's token in its cookie."""
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=LOGIN_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


async def check_login_token(request: Request) -> None:
    """CsrfRejected unless the login form's token matches its cookie."""
    cookie = request.cookies.get(LOGIN_COOKIE)
    if not cookie or not _same(cookie, await form_token(request)):
        raise CsrfRejected(
            "the login form is out of date (or cookies are blocked); reload the page and try again"
        )
