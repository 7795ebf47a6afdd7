"""`/ui/login` and `/ui/logout`: a dashboard user's session begins and ends here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ordertalk.db import utcnow
from ordertalk.deps import SessionDep
from ordertalk.errors import OrdertalkError
from ordertalk.web import auth, csrf
from ordertalk.web.pages import PREFIX, page, safe_next
from ordertalk.web.public_limit import PUBLIC_RATE_LIMIT
from ordertalk.web.users import Role, TooManyAttempts, authenticate, end_sessions

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _login_page(
    request: Request, *, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    token = csrf.login_token(request)
    response = page(
        request,
        "ui_login.html",
        None,
        status_code=status,
        login_csrf=token,
        next_url=next_url,
        email=email,
        error=error,
    )
    csrf.set_login_token(request, response, token)
    return response


@router.get("")
async def home(viewer: auth.ViewerDep) -> RedirectResponse:
    """The dashboard starts at the overview for owners, at the orders for agents."""
    start = "overview" if viewer.user.role == Role.OWNER else "orders"
    return RedirectResponse(f"{PREFIX}/{start}", status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The login form."""
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", dependencies=[PUBLIC_RATE_LIMIT])
async def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the email and password; on success, a session cookie and the page asked for."""
    await csrf.check_login_token(request)
    target = safe_next(next)
    address = request.client.host if request.client else "unknown"
    throttle = auth.throttle(request.app)
    if not email.strip() or not password:
        return _login_page(
            request,
            next_url=target,
            email=email,
            error="Enter your email and your password.",
            status=422,
        )
    try:
        throttle.check(email, address)
        user = await authenticate(session, email, password, utcnow())
    except TooManyAttempts as exc:
        return _login_page(
            request, next_url=target, email=email, error=exc.message, status=exc.status_code
        )
    except OrdertalkError:
        throttle.failed(email, address)
        return _login_page(
            request,
            next_url=target,
            email=email,
            error="The email or the password is wrong.",
            status=401,
        )
    throttle.succeeded(email, address)
    await session.commit()
    response = RedirectResponse(target, status_code=303)
    auth.start_session(request, response, user)
    response.delete_cookie(csrf.LOGIN_COOKIE, path=csrf.LOGIN_COOKIE_PATH)
    return response


@router.post("/logout")
async def logout(request: Request, viewer: csrf.FormViewerDep, session: SessionDep) -> Response:
    """End the session (every session of this user: the cookie version moves on)."""
    await end_sessions(session, viewer.user)
    await session.commit()
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    auth.end_session(request, response)
    return response
