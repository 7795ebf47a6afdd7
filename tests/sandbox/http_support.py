"""Helpers for the sandbox's HTTP-level specifications: the Graph error envelope, templates,
media uploads and reading what the webhook receiver got. Nothing here fakes the sandbox.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import Sandbox
from tests.servers import Receiver

MESSAGE_PREFIX = re.compile(r"^\(#(\d+)\) \S")


def assert_graph_error(response: httpx.Response, code: int, status: int = 400) -> dict[str, Any]:
    """Assert the real Graph error envelope with this code and HTTP status; the `error` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["code"] == code, error
    match = MESSAGE_PREFIX.match(error["message"])
    assert match is not None, error["message"]
    assert match.group(1) == str(code)
    assert isinstance(error["type"], str)
    assert error["type"]
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert isinstance(error["error_data"]["details"], str)
    assert error["error_data"]["details"].strip()
    assert isinstance(error["fbtrace_id"], str)
    assert error["fbtrace_id"]
    return error


# -- webhooks ---------------------------------------------------------------------------------


def changes(receiver: Receiver, field: str) -> list[dict[str, Any]]:
    """The `value` of every received webhook change of this field, in arrival order."""
    return [
        change["value"]
        for delivery in receiver.snapshot()
        for entry in delivery.json.get("entry", [])
        for change in entry.get("changes", [])
        if change.get("field") == field
    ]


def inbound_messages(receiver: Receiver) -> list[dict[str, Any]]:
    """Every customer message received by webhook, in arrival order."""
    return [m for value in changes(receiver, "messages") for m in value.get("messages", [])]


def wait_inbound(receiver: Receiver, wamid: str) -> dict[str, Any]:
    """The inbound message webhook for ``wamid``, once it has arrived."""

    def arrived(_: Receiver) -> bool:
        return any(m["id"] == wamid for m in inbound_messages(receiver))

    receiver.wait_for(arrived, what=f"inbound message {wamid}")
    return next(m for m in inbound_messages(receiver) if m["id"] == wamid)


def wait_status(receiver: Receiver, wamid: str, status: str) -> dict[str, Any]:
    """The first status webhook ``status`` for ``wamid``, once it has arrived."""
    receiver.wait_for(lambda r: status in r.statuses_of(wamid), what=f"{status} for {wamid}")
    return next(s for s in receiver.statuses() if s["id"] == wamid and s["status"] == status)


def wait_outcome(receiver: Receiver, wamid: str) -> list[dict[str, Any]]:
    """Every status of ``wamid`` once it was either delivered or failed (whichever came first)."""

    def settled(r: Receiver) -> bool:
        return bool({"delivered", "failed"} & set(r.statuses_of(wamid)))

    receiver.wait_for(settled, what=f"delivered or failed for {wamid}")
    return [s for s in receiver.statuses() if s["id"] == wamid]


def template_events(receiver: Receiver, template_id: str) -> list[dict[str, Any]]:
    """The `message_template_status_update` values received for one template."""
    return [
        value
        for value in changes(receiver, "message_template_status_update")
        if str(value.get("message_template_id")) == template_id
    ]


def wait_template_event(receiver: Receiver, template_id: str, event: str) -> dict[str, Any]:
    """The `message_template_status_update` with ``event`` for a template, once it arrived."""

    def arrived(_: Receiver) -> bool:
        return any(v["event"] == event for v in template_events(receiver, template_id))

    receiver.wait_for(arrived, what=f"template {template_id} {event}")
    return next(v for v in template_events(receiver, template_id) if v["event"] == event)


# -- templates --------------------------------------------------------------------------------


def create_template(sandbox: Sandbox, definition: dict[str, Any]) -> httpx.Response:
    """POST a template definition to the account's WABA."""
    return sandbox.graph.post(f"/{sandbox.settings.waba_id}/message_templates", json=definition)


def create_approved(sandbox: Sandbox, definition: dict[str, Any]) -> str:
    """Create a template and wait until review approved it; its id."""
    response = create_template(sandbox, definition)
    assert response.status_code == 200, response.text
    template_id: str = response.json()["id"]
    wait_template_event(sandbox.receiver, template_id, "APPROVED")
    return template_id


def template_send(
    to: str, name: str, components: list[dict[str, Any]] | None = None, language: str = "en_US"
) -> dict[str, Any]:
    """The body of a template send."""
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if components is not None:
        template["components"] = components
    return {"to": to, "type": "template", "template": template}


def body_params(*values: str) -> dict[str, Any]:
    """A body component with positional text parameters."""
    return {"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}


# -- media ------------------------------------------------------------------------------------


def upload(
    sandbox: Sandbox,
    data: bytes,
    mime: str,
    filename: str = "file.bin",
    *,
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    """POST /{number}/media as multipart: file, type, messaging_product."""
    form = {"messaging_product": "whatsapp", "type": mime} if fields is None else fields
    return sandbox.graph.post(
        f"/{sandbox.number}/media", data=form, files={"file": (filename, data, mime)}
    )


def upload_ok(sandbox: Sandbox, data: bytes, mime: str, filename: str = "file.bin") -> str:
    """Upload and insist it worked; the media id."""
    response = upload(sandbox, data, mime, filename)
    assert response.status_code == 200, response.text
    media_id: str = response.json()["id"]
    return media_id


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
OGG = b"OggS\x00\x02" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
