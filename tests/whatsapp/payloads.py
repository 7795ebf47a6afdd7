"""Realistic Cloud API webhook bodies (reference §2.5-2.7), built from small pieces."""

from __future__ import annotations

import json
from typing import Any

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"
CUSTOMER = "16505551234"
BSUID = "US.13491208655302741918"
METADATA = {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID}


def body(payload: dict[str, Any]) -> bytes:
    """Serialize like Meta does: ASCII-escaped JSON."""
    return json.dumps(payload, ensure_ascii=True).encode()


def envelope(field: str, *values: dict[str, Any], time: int | None = None) -> dict[str, Any]:
    """One entry with one change per value."""
    entry: dict[str, Any] = {
        "id": WABA_ID,
        "changes": [{"field": field, "value": value} for value in values],
    }
    if time is not None:
        entry["time"] = time
    return {"object": "whatsapp_business_account", "entry": [entry]}


def messages_value(**parts: Any) -> dict[str, Any]:
    """A ``messages`` change value with metadata plus the given lists."""
    return {"messaging_product": "whatsapp", "metadata": METADATA, **parts}


def contact(
    wa_id: str | None = CUSTOMER, user_id: str | None = BSUID, name: str = "Sheena Nelson"
) -> dict[str, Any]:
    """A ``contacts[]`` entry; pass ``wa_id=None`` for a username-only (BSUID) customer."""
    item: dict[str, Any] = {"profile": {"name": name}}
    if wa_id is not None:
        item["wa_id"] = wa_id
    if user_id is not None:
        item["user_id"] = user_id
    return item


def inbound(type_: str, content: Any = None, **extra: Any) -> dict[str, Any]:
    """A ``messages[]`` item from CUSTOMER of the given type."""
    item: dict[str, Any] = {
        "from": CUSTOMER,
        "from_user_id": BSUID,
        "id": f"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQz{type_}",
        "timestamp": "1749416383",
        "type": type_,
        **extra,
    }
    if content is not None:
        item[type_] = content
    return item


def inbound_payload(*items: dict[str, Any], contacts: list[dict[str, Any]] | None = None) -> bytes:
    """A whole inbound-message webhook body."""
    value = messages_value(
        contacts=[contact()] if contacts is None else contacts, messages=list(items)
    )
    return body(envelope("messages", value))


PRICING = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}


def status(
    state: str, wamid: str = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVC", **extra: Any
) -> dict[str, Any]:
    """A ``statuses[]`` item."""
    return {
        "id": wamid,
        "status": state,
        "timestamp": "1750263773",
        "recipient_id": CUSTOMER,
        **extra,
    }


FAILED_131047 = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the "
        "customer last replied to this number."
    },
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
