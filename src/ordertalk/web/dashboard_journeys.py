"""`/ui/journeys`: the store's playbook (each step's message, delay, quiet hours and expiry)
with a form per step, validated and saved by `journeys.service.set_override`, exactly as
`PUT /v1/journeys/{step}`. A refused change shows the playbook again with the reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ordertalk.deps import SessionDep
from ordertalk.errors import InvalidInput, OrdertalkError
from ordertalk.journeys.service import effective_playbook, set_override
from ordertalk.web.auth import Viewer, ViewerDep
from ordertalk.web.csrf import FormViewerDep
from ordertalk.web.pages import PREFIX, page

router = APIRouter(prefix=f"{PREFIX}/journeys", include_in_schema=False)

StepKey = Annotated[str, Path(min_length=1, max_length=64)]
Minutes = Annotated[str, Form(max_length=32)]


async def _playbook_page(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    *,
    saved: str | None = None,
    failed: str | None = None,
    error: str | None = None,
    entered: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    steps = await effective_playbook(session, viewer.store.id)
    return page(
        request,
        "ui_journeys.html",
        viewer,
        section="journeys",
        status_code=status_code,
        steps=[step.public() for step in steps.values()],
        saved=saved,
        failed=failed,
        error=error,
        entered=entered or {},
    )


@router.get("")
async def journeys_page(
    request: Request, viewer: ViewerDep, session: SessionDep, saved: str | None = None
) -> HTMLResponse:
    """Every playbook step with this store's settings, each with its form."""
    return await _playbook_page(request, viewer, session, saved=saved)


def minutes(name: str, text: str, *, blank_is_none: bool = False) -> int | None:
    """A form's minutes as the API's JSON would carry them (a whole number; blank: none)."""
    clean = text.strip()
    if not clean and blank_is_none:
        return None
    try:
        return int(clean)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number of minutes from 0 to 43200") from None


@router.post("/{step}")
async def change_step(
    request: Request,
    step: StepKey,
    viewer: FormViewerDep,
    session: SessionDep,
    delay_minutes: Minutes = "0",
    expires_after_minutes: Minutes = "",
    enabled: Annotated[str, Form(max_length=8)] = "",
    respect_quiet_hours: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Save one step (checkboxes left unticked mean false, a blank expiry means never)."""
    entered = {
        "step": step,
        "enabled": bool(enabled),
        "respect_quiet_hours": bool(respect_quiet_hours),
        "delay_minutes": delay_minutes,
        "expires_after_minutes": expires_after_minutes,
    }
    try:
        changes: dict[str, object] = {
            "enabled": bool(enabled),
            "respect_quiet_hours": bool(respect_quiet_hours),
            "delay_minutes": minutes("delay_minutes", delay_minutes),
            "expires_after_minutes": minutes(
                "expires_after_minutes", expires_after_minutes, blank_is_none=True
            ),
        }
        await set_override(session, viewer.store.id, step, changes)
    except OrdertalkError as exc:
        await session.rollback()
        await session.refresh(viewer.user)
        await session.refresh(viewer.store)
        return await _playbook_page(
            request, viewer, session,
            failed=step, error=exc.message, entered=entered, status_code=exc.status_code,
        )  # fmt: skip
    await session.commit()
    return RedirectResponse(f"{PREFIX}/journeys?saved={step}#step-{step}", status_code=303)
