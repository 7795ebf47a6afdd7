"""What the broadcasts API accepts and returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ordertalk.broadcasts.models import Broadcast

ParamName = Annotated[str, Field(min_length=1, max_length=40)]
ParamValue = Annotated[str, Field(max_length=1000)]


class AudienceIn(BaseModel):
    """Which of the store's contacts it is for; left empty, all of them. Consent, reachability
    and the marketing cap are checked per contact (each skip is counted with its reason)."""

    model_config = ConfigDict(extra="forbid")

    language: Annotated[str, Field(min_length=2, max_length=32, examples=["hi"])] | None = None
    country: Annotated[str, Field(min_length=2, max_length=2, examples=["IN"])] | None = None


class BroadcastIn(BaseModel):
    """One template to many contacts, each in their own language."""

    model_config = ConfigDict(extra="forbid")

    template: Annotated[str, Field(min_length=1, max_length=60, examples=["offer"])]
    purpose: Literal["marketing", "utility"]
    # The template's broadcast values, the same for everyone: `offer`, `product`, `shop_url`.
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict,
        max_length=10,
        examples=[{"offer": "20% off the monsoon collection", "shop_url": "https://x.in/m"}],
    )
    audience: AudienceIn = Field(default_factory=AudienceIn)
    not_before: AwareDatetime | None = None  # not sent before this; left out, at once
    expires_at: AwareDatetime | None = None  # not sent at all after this

    @field_validator("not_before", "expires_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 west of UTC, year 9999 east of it
            raise ValueError("a time out of range") from None


class BroadcastCounts(BaseModel):
    """What planning made of the audience; all but `planned` are of the latest planning pass."""

    audience: int  # contacts matching the filter
    planned: int  # messages in the outbox for this broadcast (each contact at most once)
    already_planned: int  # contacts planned by an earlier pass (a retried request)
    skipped: dict[str, int]  # contacts not planned, by reason (no_consent, opted_out, ...)


class BroadcastOut(BaseModel):
    """A broadcast and its counts."""

    id: int
    template: str
    purpose: str
    params: dict[str, str]
    audience: dict[str, str]
    not_before: datetime | None
    expires_at: datetime | None
    state: str  # planning (in progress, or interrupted: retry with the same key) / planned
    counts: BroadcastCounts
    created_at: datetime
    planned_at: datetime | None

    @classmethod
    def of(cls, broadcast: Broadcast) -> BroadcastOut:
        """The API view of a broadcast."""
        return cls(
            id=broadcast.id,
            template=broadcast.template,
            purpose=broadcast.purpose,
            params=dict(broadcast.params),
            audience=dict(broadcast.audience),
            not_before=broadcast.not_before,
            expires_at=broadcast.expires_at,
            state=broadcast.state,
            counts=BroadcastCounts(
                audience=broadcast.audience_size,
                planned=broadcast.planned,
                already_planned=broadcast.already_planned,
                skipped=dict(broadcast.skipped),
            ),
            created_at=broadcast.created_at,
            planned_at=broadcast.planned_at,
        )
