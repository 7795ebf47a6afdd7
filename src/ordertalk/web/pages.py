"""Rendering dashboard pages: the layout's context (user, store, navigation), safe headers, and
business errors as pages (a login redirect, a 403, a 404, a 4xx with its message)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ordertalk.errors import OrdertalkError
from ordertalk.web.auth import LoginRequired, Viewer
from ordertalk.web.csrf import FIELD as CSRF_FIELD
from ordertalk.web.nav import nav_for
from ordertalk.web.templating import templates

PREFIX = "/ui"

# Pages are private and never framed; scripts and styles come from this server only.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}


def is_dashboard(request: Request) -> bool:
    """Whether the request is for a dashboard page (errors then render as pages)."""
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def page(
    request: Request,
    name: str,
    viewer: Viewer | None,
    *,
    section: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A dashboard page: the template with the layout's context and the safe headers."""
    values: dict[str, Any] = {
        "viewer": viewer,
        "nav": nav_for(viewer.user.role) if viewer is not None else [],
        "section": section,
        "csrf_field": CSRF_FIELD,
        "csrf": viewer.csrf if viewer is not None else "",
        **context,
    }
    return templates.TemplateResponse(
        request, name, values, status_code=status_code, headers=HEADERS
    )


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, coming back here afterwards (GET pages only)."""
    target = f"{PREFIX}/login"
    if request.method == "GET" and request.url.path != target:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(here, safe="")
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a dashboard path only (never another site)."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and not value.startswith("//")
        and "\\" not in value
        and all(32 < ord(ch) < 127 for ch in value)
    ):
        return value
    return f"{PREFIX}/orders"


_TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible now",
    422: "Please check what you entered",
    429: "Too many attempts",
}


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """A page saying what went wrong (no layout navigation: the session may be the problem)."""
    title = _TITLES.get(status_code, "Something went wrong")
    return page(
        request,
        "ui_error.html",
        None,
        status_code=status_code,
        title=title,
        message=message,
    )


def business_error(request: Request, exc: OrdertalkError) -> Response:
    """An OrdertalkError on a dashboard page: the login page for a missing session, else a
    page with the error's status and message."""
    if isinstance(exc, LoginRequired):
        return login_redirect(request)
    return error_page(request, exc.status_code, exc.message)


def invalid_form(request: Request, problems: list[dict[str, Any]]) -> HTMLResponse:
    """A request the dashboard's forms would not send (a missing field, a wrong number): 422."""
    parts = []
    for problem in problems:
        where = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path")]
        parts.append(f"{'.'.join(where) or 'the form'}: {problem.get('message', 'invalid')}")
    return error_page(request, 422, "; ".join(parts) or "the form is not valid")
