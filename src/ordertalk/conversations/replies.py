"""What the bot (or an agent) says: free-form messages built here, sent through the outbox.

A reply is an outbox row (`intent = "reply"`) whose params carry the finished Cloud API payload,
so the policy still checks the service window and nothing leaves without a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ordertalk.contacts.models import Contact
from ordertalk.conversations.models import Conversation, ConversationMessage
from ordertalk.db import utcnow
from ordertalk.messaging.models import OutboundMessage
from ordertalk.messaging.outbox import REPLY_INTENT, enqueue
from ordertalk.policy.decisions import Purpose

# Cloud API limits for interactive messages (reference §1.4).
BUTTON_TITLE_MAX = 20
LIST_ROW_TITLE_MAX = 24
LIST_ROW_DESCRIPTION_MAX = 72
LIST_ROWS_MAX = 10
BODY_MAX = 1024


def text(body: str) -> dict[str, Any]:
    """A plain text message."""
    return {"type": "text", "text": {"body": body[:4096], "preview_url": "https://" in body}}


def buttons(body: str, choices: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Up to three reply buttons: (id, title)."""
    assert 1 <= len(choices) <= 3
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body[:BODY_MAX]},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": id_, "title": title[:BUTTON_TITLE_MAX]}}
                    for id_, title in choices
                ]
            },
        },
    }


def choice_list(
    body: str, button: str, rows: Sequence[tuple[str, str, str | None]]
) -> dict[str, Any]:
    """A list of up to ten rows: (id, title, description)."""
    assert 1 <= len(rows) <= LIST_ROWS_MAX
    items: list[dict[str, str]] = []
    for id_, title, description in rows:
        row = {"id": id_, "title": title[:LIST_ROW_TITLE_MAX]}
        if description:
            row["description"] = description[:LIST_ROW_DESCRIPTION_MAX]
        items.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body[:BODY_MAX]},
            "action": {"button": button[:BUTTON_TITLE_MAX], "sections": [{"rows": items}]},
        },
    }


def cta_url(body: str, label: str, url: str) -> dict[str, Any]:
    """A message with one button that opens a link."""
    return {
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "body": {"text": body[:BODY_MAX]},
            "action": {
                "name": "cta_url",
                "parameters": {"display_text": label[:BUTTON_TITLE_MAX], "url": url},
            },
        },
    }


async def send_reply(
    session: AsyncSession,
    *,
    contact: Contact,
    conversation: Conversation,
    payload: dict[str, Any],
    preview: str,
    dedup_key: str,
    at: datetime,
    order_id: int | None = None,
    author: str | None = None,
    extra: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    """Queue a free-form message and show it in the conversation; None if already queued.
    `extra` goes into the row's params (e.g. the tracking link the text holds)."""
    planned = await enqueue(
        session,
        store_id=conversation.store_id,
        contact_id=contact.id,
        order_id=order_id,
        intent=REPLY_INTENT,
        purpose=Purpose.SERVICE,
        dedup_key=dedup_key,
        not_before=min(at, utcnow()),  # due now, even if the phone's clock runs ahead of ours
        params={
            "payload": payload,
            "preview": preview,
            "language": contact.language,
            "expires_at": (at + timedelta(hours=24)).isoformat(),
            **(extra or {}),
        },
    )
    if planned is None:
        return None
    session.add(
        ConversationMessage(
            store_id=conversation.store_id,
            conversation_id=conversation.id,
            direction="out",
            outbound_message_id=planned.id,
            type=str(payload.get("type", "text")),
            text=preview[:4096],
            content=payload,
            author=author,
            at=at,
        )
    )
    return planned
