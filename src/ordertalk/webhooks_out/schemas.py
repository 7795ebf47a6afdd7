"""What the webhook endpoint API accepts and returns. A secret comes out twice at most: when the
endpoint is created and when its secret is rotated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ordertalk.webhooks_out.addresses import MAX_URL_LENGTH
from ordertalk.webhooks_out.events import OPEN_STATES, WebhookEventType
from ordertalk.webhooks_out.models import WebhookDelivery, WebhookEndpoint

Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]
Description = Annotated[str, Field(max_length=500)]
EventTypes = Annotated[list[WebhookEventType], Field(max_length=len(WebhookEventType))]


class EndpointIn(BaseModel):
    """A new endpoint: where to send, which events (none listed: all of them)."""

    model_config = ConfigDict(extra="forbid")

    url: Url
    events: EventTypes = Field(default_factory=list)
    description: Description = ""
    # Deliver to private, loopback or link-local addresses (an endpoint inside your own network).
    allow_private: bool = False


class EndpointUpdate(BaseModel):
    """A partial change: only the fields present change. `enabled: true` resumes deliveries."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None
    allow_private: bool | None = None


class EndpointOut(BaseModel):
    """An endpoint as the API shows it: never its secret."""

    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    allow_private: bool
    created_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointOut:
        """The API view of an endpoint."""
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            events=list(endpoint.event_types or []),
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            consecutive_failures=endpoint.consecutive_failures,
            allow_private=endpoint.allow_private,
            created_at=endpoint.created_at,
        )


class EndpointWithSecret(EndpointOut):
    """An endpoint and its signing secret: only in the creation and rotation responses."""

    secret: str

    @classmethod
    def with_secret(cls, endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
        """The API view of an endpoint, plus the secret to keep (it is not shown again)."""
        return cls(**EndpointOut.of(endpoint).model_dump(), secret=secret)


class DeliveryOut(BaseModel):
    """One event for one endpoint: its payload, and how its delivery went."""

    id: int
    endpoint_id: int
    event_type: str
    event_id: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        """The API view of a delivery (no next attempt once delivered or dead)."""
        open_ = delivery.state in OPEN_STATES
        return cls(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            state=delivery.state,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if open_ else None,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            payload=dict(delivery.payload),
        )
