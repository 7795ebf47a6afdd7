"""`/ui/settings` (owners only): the WhatsApp number, integrations and their webhook URLs,
quiet hours, the marketing cap, order-updates consent, the rate card and outgoing webhooks with
their delivery logs. Every change goes through the service the API uses
(`stores.service.update_store`, `set_integration_secret`, `stores.rate_card.set_rate_card`,
`webhooks_out.service.create_endpoint`) with the API's input models.

Secrets go in and never come out: tokens and secrets are shown only as "set" / "not set"; a new
webhook endpoint's signing secret is shown once, on the page that answers its creation (as the
API's 201 does), never in a URL or on a later page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import SecretStr, ValidationError

from ordertalk.db import utcnow
from ordertalk.deps import SessionDep, SettingsDep
from ordertalk.errors import Forbidden, OrdertalkError
from ordertalk.stores import service as stores
from ordertalk.stores.models import IntegrationSecret
from ordertalk.stores.rate_card import set_rate_card
from ordertalk.stores.schemas import (
    IntegrationIn,
    IntegrationOut,
    IntegrationSource,
    OrderUpdatesConsent,
    StoreOut,
    StoreUpdate,
)
from ordertalk.web.auth import Viewer, ViewerDep
from ordertalk.web.costs import rate_card_form, rate_card_from_form
from ordertalk.web.csrf import FormViewerDep
from ordertalk.web.pages import PREFIX, page
from ordertalk.web.users import Role
from ordertalk.webhooks_out import service as webhooks
from ordertalk.webhooks_out.events import WebhookEventType
from ordertalk.webhooks_out.schemas import EndpointIn, EndpointOut

router = APIRouter(prefix=f"{PREFIX}/settings", include_in_schema=False)

DELIVERIES_SHOWN = 10
EVENT_TYPES = [kind.value for kind in WebhookEventType if kind is not WebhookEventType.PING]


class OwnersOnly(Forbidden):
    """Settings are for the store's owners; agents work in orders and the inbox."""

    code = "owners_only"


def _owner(viewer: Viewer) -> Viewer:
    if viewer.user.role != Role.OWNER:
        raise OwnersOnly("only the store's owners can see and change its settings")
    return viewer


async def owner_viewer(viewer: ViewerDep) -> Viewer:
    """The logged-in owner (403 for an agent)."""
    return _owner(viewer)


async def owner_form_viewer(viewer: FormViewerDep) -> Viewer:
    """The logged-in owner, once the form's CSRF token matches (403 for an agent)."""
    return _owner(viewer)


OwnerDep = Annotated[Viewer, Depends(owner_viewer)]
OwnerFormDep = Annotated[Viewer, Depends(owner_form_viewer)]


def _webhook_url(request: Request, path: str) -> str:
    settings = request.app.state.settings
    base = (settings.public_url or "").rstrip("/")
    return f"{base}{path}" if base else path


async def _settings_page(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    *,
    error: str | None = None,
    error_at: str | None = None,
    saved: str | None = None,
    new_secret: tuple[int, str] | None = None,
    entered: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    store = viewer.store
    configured = {row.source: row for row in await stores.list_integrations(session, store)}
    integrations = []
    for source in IntegrationSource:
        row = configured.get(source.value)
        shown = IntegrationOut.of(
            row
            if row is not None
            # Not configured yet: the same address, so the owner can paste it into the source.
            else IntegrationSecret(
                store_id=store.id, source=source.value, secret="", options={}, updated_at=utcnow()
            )
        )
        integrations.append(
            {
                "source": source.value,
                "url": _webhook_url(request, shown.webhook_url),
                "secret_set": row is not None and shown.secret_set,
                "updated_at": row.updated_at if row is not None else None,
            }
        )
    endpoints = []
    for endpoint in await webhooks.list_endpoints(session, store):
        deliveries = await webhooks.deliveries(session, store, endpoint.id, DELIVERIES_SHOWN)
        endpoints.append((EndpointOut.of(endpoint), deliveries))
    return page(
        request,
        "ui_settings.html",
        viewer,
        section="settings",
        status_code=status_code,
        store=StoreOut.of(store),
        consent_modes=[mode.value for mode in OrderUpdatesConsent],
        integrations=integrations,
        rate_card=rate_card_form(store),
        endpoints=endpoints,
        event_types=EVENT_TYPES,
        allow_private=bool(request.app.state.settings.webhooks_allow_private),
        error=error,
        error_at=error_at,
        saved=saved,
        new_secret=new_secret,
        entered=entered or {},
    )


@router.get("")
async def settings_page(
    request: Request, viewer: OwnerDep, session: SessionDep, saved: str | None = None
) -> HTMLResponse:
    """The store's settings, each section with its form."""
    return await _settings_page(request, viewer, session, saved=saved)


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


async def _refused(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    section: str,
    message: str,
    status_code: int,
    entered: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Undo a refused change and show the settings again with the reason (nothing saved)."""
    await session.rollback()
    await session.refresh(viewer.user)
    await session.refresh(viewer.store)
    return await _settings_page(
        request, viewer, session,
        error=message, error_at=section, entered=entered, status_code=status_code,
    )  # fmt: skip


async def _update(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    section: str,
    fields: dict[str, Any],
    entered: dict[str, Any] | None = None,
) -> Response:
    """Validate `fields` with the API's StoreUpdate, apply them with `update_store`."""
    try:
        changes = StoreUpdate(**fields)
        await stores.update_store(session, viewer.store, changes)
    except ValidationError as exc:
        return await _refused(request, viewer, session, section, _problem(exc), 422, entered)
    except OrdertalkError as exc:
        return await _refused(
            request, viewer, session, section, exc.message, exc.status_code, entered
        )
    await session.commit()
    return RedirectResponse(f"{PREFIX}/settings?saved={section}#{section}", status_code=303)


Short = Annotated[str, Form(max_length=200)]


@router.post("/messaging")
async def change_messaging(
    request: Request,
    viewer: OwnerFormDep,
    session: SessionDep,
    quiet_hours: Annotated[str, Form(max_length=32)] = "",
    marketing_cap_per_week: Annotated[str, Form(max_length=8)] = "",
    order_updates_consent: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Quiet hours, the weekly marketing cap and how consent to order updates is obtained."""
    entered = {
        "quiet_hours": quiet_hours,
        "marketing_cap_per_week": marketing_cap_per_week,
        "order_updates_consent": order_updates_consent,
    }
    fields: dict[str, Any] = {
        "quiet_hours": quiet_hours.strip() or "off",
        "marketing_cap_per_week": marketing_cap_per_week.strip() or None,
        "order_updates_consent": order_updates_consent or None,
    }
    fields = {key: value for key, value in fields.items() if value is not None}
    return await _update(request, viewer, session, "messaging", fields, entered)


@router.post("/number")
async def change_number(
    request: Request,
    viewer: OwnerFormDep,
    session: SessionDep,
    phone_number_id: Short = "",
    waba_id: Short = "",
) -> Response:
    """The WhatsApp number's ids (blank keeps the current value)."""
    fields = {
        name: value.strip()
        for name, value in (("phone_number_id", phone_number_id), ("waba_id", waba_id))
        if value.strip()
    }
    entered = {"phone_number_id": phone_number_id, "waba_id": waba_id}
    if not fields:
        return await _refused(
            request, viewer, session, "number", "enter a phone number id or a WABA id", 422, entered
        )
    return await _update(request, viewer, session, "number", fields, entered)


@router.post("/secrets")
async def replace_secrets(
    request: Request,
    viewer: OwnerFormDep,
    session: SessionDep,
    access_token: Annotated[str, Form(max_length=1000)] = "",
    app_secret: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Replace the access token and/or app secret (blank keeps the current one); never shown."""
    fields = {
        name: SecretStr(value.strip())
        for name, value in (("access_token", access_token), ("app_secret", app_secret))
        if value.strip()
    }
    if not fields:
        return await _refused(
            request, viewer, session, "secrets", "enter a new access token or app secret", 422
        )
    return await _update(request, viewer, session, "secrets", fields)


@router.post("/rate-card")
async def change_rate_card(
    request: Request,
    viewer: OwnerFormDep,
    session: SessionDep,
    currency: Annotated[str, Form(max_length=8)] = "",
    markets: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Replace the rate card, validated like `PUT /v1/store/rate-card` (markets as JSON)."""
    entered = {"currency": currency, "markets": markets}
    try:
        body = rate_card_from_form(currency, markets)
        await set_rate_card(session, viewer.store, body, utcnow())
    except ValidationError as exc:
        return await _refused(request, viewer, session, "rate-card", _problem(exc), 422, entered)
    except OrdertalkError as exc:
        return await _refused(
            request, viewer, session, "rate-card", exc.message, exc.status_code, entered
        )
    await session.commit()
    return RedirectResponse(f"{PREFIX}/settings?saved=rate-card#rate-card", status_code=303)


SourceKey = Annotated[str, Path(min_length=1, max_length=40)]


@router.post("/integrations/{source}")
async def set_integration(
    request: Request,
    source: SourceKey,
    viewer: OwnerFormDep,
    session: SessionDep,
    secret: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Set or rotate a source's webhook signing secret (its options are kept)."""
    section = f"integration-{source[:40]}"
    try:
        body = IntegrationIn(secret=SecretStr(secret.strip()))
        existing = await stores.integration_secret(session, viewer.store.id, source)
        await stores.set_integration_secret(
            session,
            viewer.store,
            source,
            body.secret.get_secret_value(),
            dict(existing.options or {}) if existing is not None else {},
        )
    except ValidationError as exc:
        return await _refused(request, viewer, session, section, _problem(exc), 422)
    except OrdertalkError as exc:
        return await _refused(request, viewer, session, section, exc.message, exc.status_code)
    await session.commit()
    return RedirectResponse(f"{PREFIX}/settings?saved={section}#{section}", status_code=303)


@router.post("/webhooks")
async def add_endpoint(
    request: Request,
    viewer: OwnerFormDep,
    session: SessionDep,
    settings: SettingsDep,
    url: Annotated[str, Form(max_length=2100)] = "",
    description: Annotated[str, Form(max_length=600)] = "",
    allow_private: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Add an endpoint; the answer shows its signing secret this once."""
    form = await request.form()
    events = [str(value) for value in form.getlist("events")]
    entered = {"url": url, "description": description, "events": events}
    try:
        body = EndpointIn(
            url=url.strip(),
            events=events,
            description=description,
            allow_private=bool(allow_private),
        )
        if body.allow_private and not settings.webhooks_allow_private:
            raise Forbidden(
                "private and loopback addresses are off on this server "
                "(the operator can allow them with ORDERTALK_WEBHOOKS_ALLOW_PRIVATE=true)"
            )
        endpoint, secret = await webhooks.create_endpoint(
            session, viewer.store, body.url, body.events, body.description, body.allow_private
        )
    except ValidationError as exc:
        return await _refused(request, viewer, session, "webhooks", _problem(exc), 422, entered)
    except OrdertalkError as exc:
        return await _refused(
            request, viewer, session, "webhooks", exc.message, exc.status_code, entered
        )
    await session.commit()
    # The secret is in this answer only (no redirect: it must not travel in a URL).
    return await _settings_page(
        request, viewer, session, saved="webhooks", new_secret=(endpoint.id, secret)
    )
