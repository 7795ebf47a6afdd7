"""How messages and their history look in the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ordertalk.messaging.models import MessageEvent, OutboundMessage


class MessageEventOut(BaseModel):
    """One decision, attempt or status of a message."""

    at: datetime
    kind: str
    outcome: str
    reason: str | None
    until: datetime | None
    detail: str | None


class MessageOut(BaseModel):
    """A message with its status, pricing and every decision taken about it."""

    id: int
    intent: str
    purpose: str
    milestone: str | None
    entity: str | None
    entity_id: int | None
    state: str
    form: str | None
    template: str | None
    language: str | None
    wamid: str | None
    scheduled_for: datetime
    created_at: datetime
    accepted_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None
    error: dict[str, Any] | None
    pricing: dict[str, Any] | None
    cost: Decimal | None
    cost_currency: str | None = None  # ISO 4217, from the rate card that priced it
    # Customers' opens of the tracking page link this message carried (None: it carried none).
    link_clicks: int | None = None
    events: list[MessageEventOut]

    @classmethod
    def of(
        cls, message: OutboundMessage, events: list[MessageEvent], link_clicks: int | None = None
    ) -> MessageOut:
        """From a row, its events and its tracking link's clicks."""
        error = None
        if message.error_code is not None or message.error_title:
            error = {
                "code": message.error_code,
                "title": message.error_title,
                "detail": message.error_detail,
            }
        pricing = None
        if message.pricing_category or message.billable is not None:
            pricing = {
                "category": message.pricing_category,
                "type": message.pricing_type,
                "billable": message.billable,
            }
        return cls(
            id=message.id,
            intent=message.intent,
            purpose=message.purpose,
            milestone=message.milestone,
            entity=message.entity,
            entity_id=message.entity_id,
            state=message.state,
            form=message.form,
            template=message.template_name,
            language=message.language,
            wamid=message.wamid,
            scheduled_for=message.not_before,
            created_at=message.created_at,
            accepted_at=message.accepted_at,
            sent_at=message.sent_at,
            delivered_at=message.delivered_at,
            read_at=message.read_at,
            failed_at=message.failed_at,
            error=error,
            pricing=pricing,
            cost=message.cost,
            cost_currency=message.cost_currency,
            link_clicks=link_clicks,
            events=[
                MessageEventOut(
                    at=e.at,
                    kind=e.kind,
                    outcome=e.outcome,
                    reason=e.reason,
                    until=e.until,
                    detail=e.detail,
                )
                for e in events
            ],
        )
