"""Parse Cloud API webhook bodies and pull out typed statuses, messages and account events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from ordertalk.whatsapp.webhook_types import (
    Change,
    Contact,
    Entry,
    InboundMessage,
    MessageStatus,
    MessagesValue,
    Metadata,
    TemplateCategoryUpdate,
    TemplateQualityUpdate,
    TemplateStatusUpdate,
    TemplateUpdate,
    UserPreference,
    UserPreferencesValue,
    WebhookError,
    WebhookField,
    WebhookPayload,
)

# The models live in webhook_types; the common ones are re-exported for importers of this module.
__all__ = [
    "Change",
    "Contact",
    "Entry",
    "InboundMessage",
    "MessageStatus",
    "Metadata",
    "TemplateCategoryUpdate",
    "TemplateQualityUpdate",
    "TemplateStatusUpdate",
    "TemplateUpdate",
    "UserPreference",
    "WebhookError",
    "WebhookField",
    "WebhookParseError",
    "WebhookPayload",
    "account_errors",
    "messages",
    "parse_webhook",
    "statuses",
    "template_updates",
    "user_preferences",
]

_MAX_REPORTED_ERRORS = 3
_M = TypeVar("_M", bound=BaseModel)


class WebhookParseError(ValueError):
    """The body is not a Cloud API webhook payload; the message says where and why."""


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"non-standard JSON constant {name}")


def parse_webhook(raw: bytes | str) -> WebhookPayload:
    """Parse a raw webhook body (verify its signature first) into the envelope model."""
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise WebhookParseError("body is nested too deeply") from None
    except ValueError as exc:
        # JSONDecodeError and UnicodeDecodeError are ValueErrors; keep the body out of the message.
        raise WebhookParseError(f"body is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise WebhookParseError(f"body is a JSON {type(data).__name__}, not an object")
    if "entry" not in data:
        raise WebhookParseError("body has no 'entry' list")
    return _validate(WebhookPayload, data, "payload")


def _describe(exc: ValidationError) -> str:
    # Locations and messages only: input values may hold phone numbers or message text.
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)[:_MAX_REPORTED_ERRORS]
    ]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _validate(model: type[_M], data: Any, where: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # `from None`: the chained ValidationError would print the offending input values.
        raise WebhookParseError(f"{where}: {_describe(exc)}") from None


def _changes(
    payload: WebhookPayload, *fields: WebhookField
) -> Iterator[tuple[str, Entry, str, Any]]:
    for i, entry in enumerate(payload.entry):
        for j, change in enumerate(entry.changes):
            if change.field in fields:
                yield f"entry[{i}].changes[{j}].value", entry, change.field, change.value


def _messages_values(payload: WebhookPayload) -> Iterator[MessagesValue]:
    for where, _entry, _field, value in _changes(payload, WebhookField.MESSAGES):
        yield _validate(MessagesValue, value, where)


def statuses(payload: WebhookPayload) -> list[tuple[Metadata, MessageStatus]]:
    """Every status update in the payload, with the business number it concerns."""
    return [(v.metadata, s) for v in _messages_values(payload) for s in v.statuses]


def _contact_for(message: InboundMessage, contacts: list[Contact]) -> Contact | None:
    for contact in contacts:
        if message.from_ is not None and contact.wa_id == message.from_:
            return contact
        if message.from_user_id is not None and contact.user_id == message.from_user_id:
            return contact
    return contacts[0] if len(contacts) == 1 else None


def messages(payload: WebhookPayload) -> list[tuple[Metadata, Contact | None, InboundMessage]]:
    """Every inbound message, with its business number and the sender's contact entry."""
    return [
        (v.metadata, _contact_for(m, v.contacts), m)
        for v in _messages_values(payload)
        for m in v.messages
    ]


def account_errors(payload: WebhookPayload) -> list[tuple[Metadata, WebhookError]]:
    """Errors sent in ``value.errors`` without a status (e.g. 130429 throughput)."""
    return [(v.metadata, e) for v in _messages_values(payload) for e in v.errors]


_TEMPLATE_FIELDS: dict[str, type[TemplateUpdate]] = {
    WebhookField.MESSAGE_TEMPLATE_STATUS_UPDATE: TemplateStatusUpdate,
    WebhookField.TEMPLATE_CATEGORY_UPDATE: TemplateCategoryUpdate,
    WebhookField.MESSAGE_TEMPLATE_QUALITY_UPDATE: TemplateQualityUpdate,
}


def template_updates(payload: WebhookPayload) -> list[tuple[Entry, TemplateUpdate]]:
    """Template review, category and quality events, with their entry (WABA id, time)."""
    return [
        (entry, _validate(_TEMPLATE_FIELDS[field], value, where))
        for where, entry, field, value in _changes(payload, *map(WebhookField, _TEMPLATE_FIELDS))
    ]


def user_preferences(payload: WebhookPayload) -> list[tuple[Metadata, UserPreference]]:
    """Marketing opt-out / opt-in events, with the business number they concern."""
    result: list[tuple[Metadata, UserPreference]] = []
    for where, _entry, _field, value in _changes(payload, WebhookField.USER_PREFERENCES):
        parsed = _validate(UserPreferencesValue, value, where)
        result.extend((parsed.metadata, pref) for pref in parsed.user_preferences)
    return result
