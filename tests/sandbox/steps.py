"""Small steps the HTTP-level sandbox specifications share: payloads, waits and checks.

Everything here talks to the running sandbox over HTTP through the `sandbox` fixture; nothing
reaches into the sandbox's objects.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from tests.conftest import Sandbox
from tests.servers import Delivery

APP_SECRET = "test-app-secret"
HELLO_WORLD = {"name": "hello_world", "language": {"code": "en_US"}}


def text(to: str, body: str = "Your parcel is on its way", **extra: Any) -> dict[str, Any]:
    """A text message send."""
    return {"to": to, "type": "text", "text": {"body": body}, **extra}


def template(to: str, name: str = "hello_world", **extra: Any) -> dict[str, Any]:
    """A template send (English, no parameters unless ``extra`` says otherwise)."""
    body: dict[str, Any] = {"name": name, "language": {"code": "en_US"}}
    if "components" in extra:
        body["components"] = extra.pop("components")
    return {"to": to, "type": "template", "template": body, **extra}


def reply_buttons(to: str, *titles: str) -> dict[str, Any]:
    """An interactive reply-buttons message; button ids are the lowercased titles."""
    return {
        "to": to,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "When should we deliver?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": title.lower(), "title": title}}
                    for title in titles
                ]
            },
        },
    }


def list_message(to: str) -> dict[str, Any]:
    """An interactive list of delivery speeds."""
    return {
        "to": to,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pick a delivery speed"},
            "action": {
                "button": "See options",
                "sections": [
                    {
                        "title": "Speeds",
                        "rows": [
                            {"id": "express", "title": "Express", "description": "Next day"},
                            {"id": "standard", "title": "Standard"},
                        ],
                    }
                ],
            },
        },
    }


def expected_signature(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 Meta would send, computed here independently of the sandbox."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(delivery: Delivery) -> bool:
    """Does the delivery carry a valid signature over its raw bytes?"""
    header = delivery.headers.get("x-hub-signature-256", "")
    return hmac.compare_digest(header, expected_signature(delivery.body))


def wait_status(sandbox: Sandbox, wamid: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
    """Wait for one status of one message; the status object."""
    sandbox.receiver.wait_for(
        lambda r: status in r.statuses_of(wamid), timeout, what=f"{status} of {wamid}"
    )
    return status_object(sandbox, wamid, status)


def status_object(sandbox: Sandbox, wamid: str, status: str) -> dict[str, Any]:
    """The first received status object with this id and value."""
    for item in sandbox.receiver.statuses():
        if item["id"] == wamid and item["status"] == status:
            return item
    raise AssertionError(f"no {status} status for {wamid}")


def settle(sandbox: Sandbox, timeout: float = 5.0) -> None:
    """Wait until the sandbox has no webhook left to deliver (so absences are meaningful)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = sandbox.control.get("/_sandbox/webhooks").json()
        if report["pending"] == 0:
            return
        time.sleep(0.01)
    raise AssertionError(f"webhooks still pending: {report}")


def messages_webhooks(sandbox: Sandbox) -> list[Delivery]:
    """Deliveries that carry inbound messages."""
    return [
        d
        for d in sandbox.receiver.snapshot()
        if "messages" in d.fields() and d.json["entry"][0]["changes"][0]["value"].get("messages")
    ]


def inbound_delivery(sandbox: Sandbox, wamid: str, timeout: float = 5.0) -> Delivery:
    """Wait for the `messages` webhook that carries the inbound message ``wamid``."""

    def find() -> Delivery | None:
        for delivery in messages_webhooks(sandbox):
            value = delivery.json["entry"][0]["changes"][0]["value"]
            if any(m["id"] == wamid for m in value["messages"]):
                return delivery
        return None

    sandbox.receiver.wait_for(lambda _: find() is not None, timeout, what=f"inbound {wamid}")
    found = find()
    assert found is not None
    return found


def inbound_value(sandbox: Sandbox, wamid: str) -> dict[str, Any]:
    """The `value` of the webhook that carried the inbound message ``wamid``."""
    value: dict[str, Any] = inbound_delivery(sandbox, wamid).json["entry"][0]["changes"][0]["value"]
    return value


def field_deliveries(sandbox: Sandbox, field: str) -> list[Delivery]:
    """Deliveries of one webhook field (user_preferences, message_template_status_update...)."""
    return [d for d in sandbox.receiver.snapshot() if field in d.fields()]


def set_phone(sandbox: Sandbox, wa_id: str, **behaviour: Any) -> dict[str, Any]:
    """Change how a simulated customer's phone behaves."""
    response = sandbox.control.put(f"/_sandbox/phones/{wa_id}", json=behaviour)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def approved_template(
    sandbox: Sandbox,
    name: str,
    category: str,
    body: str,
    quick_replies: tuple[str, ...] = (),
) -> str:
    """Create a template, wait until Meta's review approved it; its id."""
    components: list[dict[str, Any]] = [{"type": "BODY", "text": body}]
    if quick_replies:
        components.append(
            {
                "type": "BUTTONS",
                "buttons": [{"type": "QUICK_REPLY", "text": label} for label in quick_replies],
            }
        )
    response = sandbox.graph.post(
        f"/{sandbox.settings.waba_id}/message_templates",
        json={"name": name, "language": "en_US", "category": category, "components": components},
    )
    assert response.status_code == 200, response.text
    template_id: str = response.json()["id"]

    def approved(_: object) -> bool:
        return any(
            c["value"].get("message_template_name") == name and c["value"]["event"] == "APPROVED"
            for d in field_deliveries(sandbox, "message_template_status_update")
            for c in d.json["entry"][0]["changes"]
        )

    sandbox.receiver.wait_for(approved, what=f"approval of {name}")
    return template_id


def marketing_template(sandbox: Sandbox) -> str:
    """An approved MARKETING template named `spring_sale`."""
    return approved_template(
        sandbox, "spring_sale", "MARKETING", "Our spring sale starts today with twenty percent off."
    )


# A click-to-WhatsApp ad, as the `referral` of a customer's first message.
AD_REFERRAL = {
    "source_url": "https://fb.me/spring-sale",
    "source_id": "120000000000",
    "source_type": "ad",
    "headline": "Spring sale",
    "body": "Twenty percent off",
    "media_type": "image",
    "image_url": "https://example.com/ad.jpg",
    "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ",
}
