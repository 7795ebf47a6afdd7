"""The Graph-API-compatible routes: `/{version}/...`, answered like graph.facebook.com.

Each route checks the bearer token, parses the body, makes one call into :class:`Platform` and
renders the result (or the real error envelope). No business rule lives here.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ordertalk.sandbox.errors import GraphError
from ordertalk.sandbox.platform import Platform, random_fault, unknown_object

_VERSION = re.compile(r"^v\d{1,2}\.0$")
MAX_BODY = 3 * 1024 * 1024


def json_response(payload: Any, status: int = 200) -> Response:
    """A compact JSON response (the hot path avoids Starlette's slower JSONResponse)."""
    return Response(
        json.dumps(payload, separators=(",", ":")), status, media_type="application/json"
    )


def error_response(error: GraphError) -> Response:
    """The real Graph error envelope."""
    return json_response(error.envelope(), error.status)


def platform_of(request: Request) -> Platform:
    """The platform this app serves (one per app instance)."""
    platform: Platform = request.app.state.platform
    return platform


def _check(request: Request, platform: Platform) -> None:
    version = request.path_params["version"]
    if not _VERSION.match(version):
        raise GraphError(100, f"Unknown API version {version!r}; use one like v25.0.")
    header = request.headers.get("authorization")
    if not header:
        raise GraphError(0, "An access token is required to request this resource.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token.strip() != platform.settings.access_token:
        raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")


async def _json_body(request: Request) -> object:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise GraphError(100, "Request body is larger than 3 MB.")
    if not raw:
        raise GraphError(100, "The request body is empty; expected a JSON object.")
    try:
        return json.loads(raw)
    except RecursionError:
        raise GraphError(100, "The request body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise GraphError(100, f"The request body is not valid JSON: {exc}.") from None


async def send_message(request: Request) -> Response:
    """`POST /{version}/{phone_number_id}/messages`: send, or mark an inbound message read."""
    platform = platform_of(request)
    number_id = request.path_params["object_id"]
    entry: dict[str, Any] = {
        "method": "POST",
        "path": request.url.path,
        "phone_number_id": number_id,
    }
    faults = platform.faults
    try:
        _check(request, platform)
        line = platform.line(number_id)
        body = await _json_body(request)
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if random_fault(faults.http_500_ratio):
            raise GraphError(131000, "Something went wrong. Please retry later.", http_status=500)
        if isinstance(body, dict) and body.get("status") == "read" and "message_id" in body:
            platform.mark_read(line, body)
            entry["kind"] = "mark_read"
            platform.log_request(entry | {"http_status": 200})
            return json_response({"success": True})
        message, record = platform.send(line, body)
    except GraphError as error:
        platform.log_request(entry | {"http_status": error.status, "code": error.code})
        return error_response(error)
    entry |= {"to": message.wa_id or message.user_id, "type": message.type, "wamid": record.id}
    if message.biz_opaque_callback_data:
        # Ties each accepted send to the sender's own record (a test counts sends per row).
        entry["biz_opaque_callback_data"] = message.biz_opaque_callback_data
    platform.log_request(entry | {"http_status": 200})
    contact: dict[str, str] = {"input": message.to_input}
    if message.wa_id is not None:
        contact["wa_id"] = message.wa_id
    else:
        contact["user_id"] = message.user_id or ""
    payload = {
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [{"id": record.id, "message_status": "accepted"}],
    }
    if random_fault(faults.timeout_ratio):
        # Accepted, but the answer comes too late: the client times out not knowing.
        await asyncio.sleep(faults.timeout_s)
    return json_response(payload)


async def upload_media(request: Request) -> Response:
    """`POST /{version}/{phone_number_id}/media` (multipart: file, type, messaging_product)."""
    platform = platform_of(request)
    try:
        _check(request, platform)
        platform.line(request.path_params["object_id"])
        try:
            form = await request.form(max_files=1, max_fields=10, max_part_size=1024 * 1024)
        except Exception:  # malformed multipart of any kind is the client's error
            raise GraphError(100, "The body must be multipart/form-data.") from None
        try:
            if form.get("messaging_product") != "whatsapp":
                raise GraphError(100, "The parameter messaging_product is required.")
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise GraphError(131008, "The parameter file is required.")
            data = await upload.read()
            declared = form.get("type")
            mime = declared if isinstance(declared, str) and declared else upload.content_type
            if not mime:
                raise GraphError(131008, "The parameter type (the file's MIME type) is required.")
            media = platform.media.upload(data, mime, platform.clock.now(), upload.filename)
        finally:
            await form.close()
    except GraphError as error:
        return error_response(error)
    platform.log_request({"method": "POST", "path": request.url.path, "http_status": 200})
    return json_response({"id": media.id})


async def get_object(request: Request) -> Response:
    """`GET /{version}/{id}`: a media URL, a template, or a phone number's fields."""
    platform = platform_of(request)
    object_id = request.path_params["object_id"]
    try:
        _check(request, platform)
        now = platform.clock.now()
        media = platform.media.get(object_id, now)
        if media is not None:
            _media_fault(platform)
            url = str(request.base_url).rstrip("/") + f"/_lookaside/{media.id}"
            return json_response(
                {
                    "messaging_product": "whatsapp",
                    "url": url,
                    "mime_type": media.mime_type,
                    "sha256": media.sha256,
                    "file_size": media.file_size,
                    "id": media.id,
                }
            )
        template = platform.templates.get(object_id)
        if template is not None:
            return json_response(template.to_graph(_fields(request)))
        line = platform.lines.get(object_id)
        if line is not None:
            return json_response(_phone_number(platform, line.phone_number_id))
        raise unknown_object(object_id, "get")
    except GraphError as error:
        return error_response(error)


def _media_fault(platform: Platform) -> None:
    if random_fault(platform.faults.media_error_ratio):
        raise GraphError(131000, "Something went wrong. Please retry later.", http_status=500)


def _phone_number(platform: Platform, number_id: str) -> dict[str, Any]:
    line = platform.lines[number_id]
    behaviour = platform.behaviour
    return {
        "id": number_id,
        "display_phone_number": line.display_phone_number,
        "verified_name": platform.settings.verified_name,
        "quality_rating": "GREEN",
        "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
        "throughput": {"level": "HIGH" if line.throughput.rate > 80 else "STANDARD"},
        "whatsapp_business_manager_messaging_limit": behaviour.messaging_limit_tier,
    }


def _fields(request: Request) -> set[str] | None:
    raw = request.query_params.get("fields")
    return {f.strip() for f in raw.split(",") if f.strip()} if raw else None


async def delete_object(request: Request) -> Response:
    """`DELETE /{version}/{media_id}`."""
    platform = platform_of(request)
    object_id = request.path_params["object_id"]
    try:
        _check(request, platform)
        if not platform.media.delete(object_id):
            raise unknown_object(object_id, "delete")
    except GraphError as error:
        return error_response(error)
    return json_response({"success": True})


async def edit_template(request: Request) -> Response:
    """`POST /{version}/{template_id}`: change a template's category or components."""
    platform = platform_of(request)
    object_id = request.path_params["object_id"]
    try:
        _check(request, platform)
        if platform.templates.get(object_id) is None:
            raise unknown_object(object_id, "post")
        body = await _json_body(request)
        platform.edit_template(object_id, body)
    except GraphError as error:
        return error_response(error)
    return json_response({"success": True})


async def message_templates(request: Request) -> Response:
    """`GET/POST/DELETE /{version}/{waba_id}/message_templates`."""
    platform = platform_of(request)
    waba_id = request.path_params["object_id"]
    try:
        _check(request, platform)
        if waba_id != platform.settings.waba_id:
            raise unknown_object(waba_id, request.method.lower())
        if request.method == "POST":
            return json_response(platform.create_template(await _json_body(request)))
        params = request.query_params
        if request.method == "DELETE":
            name = params.get("name")
            if not name:
                raise GraphError(131008, "The parameter name is required.")
            platform.delete_templates(name, params.get("hsm_id"))
            return json_response({"success": True})
        return json_response(_list_templates(request, platform))
    except GraphError as error:
        return error_response(error)


def _list_templates(request: Request, platform: Platform) -> dict[str, Any]:
    params = request.query_params
    try:
        limit = int(params.get("limit", "25"))
    except ValueError:
        raise GraphError(100, "Param limit must be an integer.") from None
    if not 1 <= limit <= 1000:
        raise GraphError(100, "Param limit must be between 1 and 1000.")
    found, after = platform.templates.list(
        name=params.get("name"),
        status=params.get("status"),
        category=params.get("category"),
        language=params.get("language"),
        limit=limit,
        after=params.get("after"),
    )
    fields = _fields(request)
    page: dict[str, Any] = {"data": [t.to_graph(fields) for t in found], "paging": {}}
    if after is not None:
        page["paging"] = {
            "cursors": {"after": after},
            "next": str(request.url.include_query_params(after=after)),
        }
    return page


async def download_media(request: Request) -> Response:
    """`GET /_lookaside/{media_id}`: the bytes, for a caller with the same bearer token."""
    platform = platform_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token.strip() != platform.settings.access_token:
        return error_response(GraphError(190, "Media downloads need the access token."))
    media = platform.media.get(request.path_params["media_id"], platform.clock.now())
    if media is None:
        return Response(status_code=404)
    try:
        _media_fault(platform)
    except GraphError as error:
        return error_response(error)
    return Response(media.data, media_type=media.mime_type.split(";")[0])


ROUTES = [
    Route("/_lookaside/{media_id}", download_media, methods=["GET"]),
    Route("/{version}/{object_id}/messages", send_message, methods=["POST"]),
    Route("/{version}/{object_id}/media", upload_media, methods=["POST"]),
    Route(
        "/{version}/{object_id}/message_templates",
        message_templates,
        methods=["GET", "POST", "DELETE"],
    ),
    Route("/{version}/{object_id}", get_object, methods=["GET"]),
    Route("/{version}/{object_id}", delete_object, methods=["DELETE"]),
    Route("/{version}/{object_id}", edit_template, methods=["POST"]),
]
