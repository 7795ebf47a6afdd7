"""The control plane (`/_sandbox/...`): what tests and demos use to play the customer and the
platform. Documented in the README; every route answers JSON (the phone page, for browsers,
is `phone_view.py`).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ordertalk.sandbox import phone_view
from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.graph_api import error_response, json_response, platform_of
from ordertalk.sandbox.inbound import play_inbound
from ordertalk.sandbox.model import TemplateStatus
from ordertalk.sandbox.settings import BehaviourUpdate, Faults


class PhoneUpdate(BaseModel):
    """`PUT /_sandbox/phones/{wa_id}`: how a simulated phone behaves."""

    model_config = ConfigDict(extra="forbid")

    on_whatsapp: bool | None = None
    read_receipts: bool | None = None
    marketing_opt_out: bool | None = None
    marketing_capped: bool | None = None
    profile_name: str | None = Field(default=None, min_length=1, max_length=100)


class ClockAdvance(BaseModel):
    """`POST /_sandbox/clock/advance`."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(gt=0, le=400 * 86_400)


ACCOUNT_FIELDS = frozenset(
    {"phone_number_quality_update", "business_capability_update", "account_update"}
)


class AccountEvent(BaseModel):
    """`POST /_sandbox/account-events`: Meta telling the business about its account."""

    model_config = ConfigDict(extra="forbid")

    field: str
    value: dict[str, Any]


class TemplateStatusChange(BaseModel):
    """`POST /_sandbox/templates/{id}/status`: Meta pausing, disabling or reinstating."""

    model_config = ConfigDict(extra="forbid")

    status: TemplateStatus
    reason: str = "NONE"


def _invalid(exc: ValidationError) -> Response:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
    )
    return error_response(GraphError(100, problems))


async def _body(request: Request) -> object:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except RecursionError:
        raise GraphError(100, "The request body is nested too deeply.") from None
    except ValueError as exc:
        raise GraphError(100, f"The request body is not valid JSON: {exc}.") from None


async def inbound(request: Request) -> Response:
    """Play a customer sending a message; answers the new message's wamid."""
    platform = platform_of(request)
    try:
        message = play_inbound(platform, await _body(request))
    except GraphError as error:
        return error_response(error)
    return json_response({"id": message["id"]})


async def phone_messages(request: Request) -> Response:
    """What the customer's phone received, oldest first (every business number)."""
    platform = platform_of(request)
    key = request.path_params["wa_id"]
    number = request.query_params.get("phone_number_id")
    chats = [c for c in platform.directory.chats_of(key) if number in (None, c.phone_number_id)]
    received = sorted(
        (m for chat in chats for m in chat.received), key=lambda m: (m.timestamp, m.id)
    )
    return json_response([m.to_json() for m in received])


async def phone_sent(request: Request) -> Response:
    """What the customer sent, oldest first, with whether the business has read it."""
    platform = platform_of(request)
    key = request.path_params["wa_id"]
    items = [item for chat in platform.directory.chats_of(key) for item in chat.sent]
    # Timestamps are whole seconds and wamids random: a stable sort on the time alone keeps
    # each chat's arrival order for messages sent within one second.
    items.sort(key=lambda item: int(item["message"]["timestamp"]))
    return json_response(items)


async def phones(request: Request) -> Response:
    """Every simulated customer the sandbox knows, and whether the business shows "typing…";
    a browser (Accept: text/html) gets the phone page's chat list instead."""
    if phone_view.wants_html(request):
        page = await phone_view.chat_list(request)
        page.headers["Vary"] = "Accept"
        return page
    platform = platform_of(request)
    now = platform.clock.now()
    listing = []
    for customer in platform.directory.customers.values():
        chats = platform.directory.chats_of(customer.key)
        typing = any(c.typing_until is not None and c.typing_until > now for c in chats)
        listing.append(customer.behaviour() | {"typing": typing})
    answer = json_response(listing)
    answer.headers["Vary"] = "Accept"
    return answer


async def update_phone(request: Request) -> Response:
    """Change how a phone behaves; a marketing opt-out change emits `user_preferences`."""
    platform = platform_of(request)
    key = request.path_params["wa_id"]
    try:
        update = PhoneUpdate.model_validate(await _body(request))
    except ValidationError as exc:
        return _invalid(exc)
    except GraphError as error:
        return error_response(error)
    is_bsuid = "." in key
    if not is_bsuid and not (key.isdigit() and 8 <= len(key) <= 15):
        return error_response(
            GraphError(100, "The phone must be a wa_id (8-15 digits) or a BSUID.")
        )
    customer = platform.directory.customer(None if is_bsuid else key, key if is_bsuid else None)
    changes = update.model_dump(exclude_none=True)
    opt_out_changed = (
        "marketing_opt_out" in changes
        and changes["marketing_opt_out"] != customer.marketing_opt_out
    )
    for name, value in changes.items():
        setattr(customer, name, value)
    if opt_out_changed:
        chat = platform.directory.chat(platform.primary.phone_number_id, customer)
        platform.user_preference(platform.primary, chat, stop=customer.marketing_opt_out)
    return json_response(customer.behaviour())


async def advance_clock(request: Request) -> Response:
    """Move the sandbox clock forward; due webhooks fire and windows expire."""
    platform = platform_of(request)
    try:
        step = ClockAdvance.model_validate(await _body(request))
    except ValidationError as exc:
        return _invalid(exc)
    except GraphError as error:
        return error_response(error)
    now = platform.clock.advance(step.seconds)
    platform.webhooks.wake()
    return json_response({"now": now, "offset_s": platform.clock.offset})


async def clock(request: Request) -> Response:
    """The sandbox's time."""
    platform = platform_of(request)
    return json_response({"now": platform.clock.now(), "offset_s": platform.clock.offset})


async def faults(request: Request) -> Response:
    """Read or replace the injected faults."""
    platform = platform_of(request)
    if request.method == "PUT":
        try:
            platform.set_faults(Faults.model_validate(await _body(request)))
        except ValidationError as exc:
            return _invalid(exc)
        except GraphError as error:
            return error_response(error)
    return json_response(platform.faults.model_dump())


async def config(request: Request) -> Response:
    """Read or change the platform's behaviour (delays, batching, limits, review outcome...)."""
    platform = platform_of(request)
    if request.method == "PUT":
        try:
            platform.configure(BehaviourUpdate.model_validate(await _body(request)))
        except ValidationError as exc:
            return _invalid(exc)
        except GraphError as error:
            return error_response(error)
    return json_response(platform.behaviour.model_dump(mode="json"))


async def request_log(request: Request) -> Response:
    """Every API request received, with its sandbox time: `?since=<unix>&limit=<n>`."""
    platform = platform_of(request)
    try:
        since = float(request.query_params.get("since", "0"))
        limit = int(request.query_params.get("limit", "100000"))
    except ValueError:
        return error_response(GraphError(100, "since must be a number and limit an integer."))
    rows = [row for row in platform.requests if row["time"] >= since]
    return json_response(rows[-limit:] if limit > 0 else [])


async def reset(request: Request) -> Response:
    """Back to a brand-new account."""
    platform_of(request).reset()
    return json_response({"reset": True})


async def webhooks(request: Request) -> Response:
    """Delivery counters, pending jobs and the latest attempts."""
    dispatcher = platform_of(request).webhooks
    stats = dispatcher.stats
    return json_response(
        {
            "pending": dispatcher.pending,
            "posts_ok": stats.posts_ok,
            "posts_failed": stats.posts_failed,
            "statuses_delivered": stats.statuses_delivered,
            "changes_delivered": stats.changes_delivered,
            "dropped": stats.dropped,
            "attempts": list(dispatcher.attempts)[-200:],
        }
    )


async def verify_webhook(request: Request) -> Response:
    """Run Meta's GET handshake against the receiver, as the App Dashboard does."""
    platform = platform_of(request)
    url = platform.behaviour.webhook_url
    if url is None:
        return error_response(GraphError(100, "No webhook_url is configured."))
    challenge = str(secrets.randbelow(10**10))
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": platform.settings.verify_token,
        "hub.challenge": challenge,
    }
    result: dict[str, Any] = {"url": str(url)}
    try:
        async with httpx.AsyncClient(timeout=platform.behaviour.webhook_timeout_s) as client:
            answer = await client.get(str(url), params=params)
    except httpx.HTTPError as exc:
        return json_response(result | {"ok": False, "error": type(exc).__name__})
    echoed = answer.status_code == 200 and answer.text.strip() == challenge
    return json_response(result | {"ok": echoed, "http_status": answer.status_code})


async def template_status(request: Request) -> Response:
    """Meta pauses, disables or reinstates a template; the receiver is told."""
    platform = platform_of(request)
    template_id = request.path_params["template_id"]
    try:
        change = TemplateStatusChange.model_validate(await _body(request))
    except ValidationError as exc:
        return _invalid(exc)
    except GraphError as error:
        return error_response(error)
    if platform.templates.get(template_id) is None:
        return error_response(GraphError(100, f"No template with id {template_id}."))
    platform.set_template_status(template_id, change.status, change.reason)
    template = platform.templates.get(template_id)
    assert template is not None
    return json_response(template.to_graph())


async def account_event(request: Request) -> Response:
    """Emit a `phone_number_quality_update`, `business_capability_update` or `account_update`."""
    platform = platform_of(request)
    try:
        event = AccountEvent.model_validate(await _body(request))
    except ValidationError as exc:
        return _invalid(exc)
    except GraphError as error:
        return error_response(error)
    if event.field not in ACCOUNT_FIELDS:
        return error_response(
            GraphError(100, f"field must be one of: {', '.join(sorted(ACCOUNT_FIELDS))}.")
        )
    value = dict(event.value)
    if event.field == "phone_number_quality_update":
        value.setdefault("display_phone_number", platform.primary.display_phone_number)
    platform.webhooks.change(event.field, value)
    return json_response({"scheduled": event.field})


async def health(request: Request) -> Response:
    """Liveness and identity (never the secrets)."""
    platform = platform_of(request)
    return json_response(
        {
            "ok": True,
            "phone_number_ids": list(platform.lines),
            "waba_id": platform.settings.waba_id,
            "now": platform.clock.now(),
        }
    )


ROUTES = [
    Route("/_sandbox/health", health, methods=["GET"]),
    Route("/_sandbox/inbound", inbound, methods=["POST"]),
    Route("/_sandbox/phones", phones, methods=["GET"]),
    Route("/_sandbox/phones/{wa_id}", update_phone, methods=["PUT"]),
    *phone_view.ROUTES,
    Route("/_sandbox/phones/{wa_id}/messages", phone_messages, methods=["GET"]),
    Route("/_sandbox/phones/{wa_id}/sent", phone_sent, methods=["GET"]),
    Route("/_sandbox/clock", clock, methods=["GET"]),
    Route("/_sandbox/clock/advance", advance_clock, methods=["POST"]),
    Route("/_sandbox/faults", faults, methods=["GET", "PUT"]),
    Route("/_sandbox/config", config, methods=["GET", "PUT"]),
    Route("/_sandbox/log", request_log, methods=["GET"]),
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/webhooks", webhooks, methods=["GET"]),
    Route("/_sandbox/verify-webhook", verify_webhook, methods=["POST"]),
    Route("/_sandbox/templates/{template_id}/status", template_status, methods=["POST"]),
    Route("/_sandbox/account-events", account_event, methods=["POST"]),
]
