"""What a sandbox is configured with: its identity, its limits and how it behaves.

Start-up flags fill :class:`SandboxSettings`; the control plane changes behaviour at run time
through :class:`BehaviourUpdate` and :class:`Faults`, which validate like any other request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

Tier = Literal["TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]

# Since this date, service messages and utility templates inside the window are charged.
DEFAULT_PRICING_CUTOVER = datetime(2026, 10, 1, tzinfo=UTC)


class Faults(BaseModel):
    """Failure injection for resilience tests (`PUT /_sandbox/faults`)."""

    model_config = ConfigDict(extra="forbid")

    http_500_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    # A "timeout" accepts the message but answers too late: the client can't know it went out.
    timeout_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    timeout_s: float = Field(default=30.0, ge=0.0, le=120.0)
    latency_ms: float = Field(default=0.0, ge=0.0, le=60_000.0)
    throughput_mps: float | None = Field(default=None, gt=0.0, le=1_000.0)
    duplicate_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    reorder: bool = False
    # Media lookups (`GET /{media_id}`) and downloads answer 500 (code 131000) this often.
    media_error_ratio: float = Field(default=0.0, ge=0.0, le=1.0)


def _utc_if_naive(value: datetime | None) -> datetime | None:
    """A cut-over given without a timezone is taken as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Behaviour(BaseModel):
    """How the simulated platform behaves; every field can be changed at run time."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    webhook_url: HttpUrl | None = None
    # Delays (seconds, sandbox clock) from acceptance to each status webhook.
    sent_delay_s: float = Field(default=0.2, ge=0.0, le=86_400.0)
    delivered_delay_s: float = Field(default=1.0, ge=0.0, le=86_400.0)
    read_delay_s: float = Field(default=3.0, ge=0.0, le=86_400.0)
    # Several statuses per webhook POST when > 1 (collected for at most batch_window_ms).
    status_batch_size: int = Field(default=1, ge=1, le=1_000)
    batch_window_ms: float = Field(default=50.0, ge=0.0, le=10_000.0)
    webhook_timeout_s: float = Field(default=10.0, gt=0.0, le=60.0)
    webhook_retry_initial_s: float = Field(default=1.0, gt=0.0, le=3_600.0)
    webhook_retry_max_s: float = Field(default=300.0, gt=0.0, le=86_400.0)
    webhook_retry_horizon_s: float = Field(default=7 * 86_400.0, gt=0.0)
    webhook_concurrency: int = Field(default=32, ge=1, le=512)
    throughput_mps: float = Field(default=80.0, gt=0.0, le=1_000.0)
    pair_interval_s: float = Field(default=6.0, gt=0.0)
    pair_burst: int = Field(default=45, ge=1)
    messaging_limit_tier: Tier = "TIER_250"
    messaging_limit_error_code: int = 131064
    # Meta's table says 400 for the throttling codes; many clients see 429. Key on `code`.
    throttle_http_status: Literal[400, 429] = 400
    template_review: Literal["approve", "reject"] = "approve"
    template_reject_reason: str = "INVALID_FORMAT"
    template_review_delay_s: float = Field(default=0.0, ge=0.0, le=86_400.0)
    pricing_cutover: datetime = DEFAULT_PRICING_CUTOVER

    _aware_cutover = field_validator("pricing_cutover")(_utc_if_naive)


class BehaviourUpdate(BaseModel):
    """A partial change to :class:`Behaviour` (`PUT /_sandbox/config`)."""

    model_config = ConfigDict(extra="forbid")

    webhook_url: HttpUrl | None = None
    sent_delay_s: float | None = Field(default=None, ge=0.0, le=86_400.0)
    delivered_delay_s: float | None = Field(default=None, ge=0.0, le=86_400.0)
    read_delay_s: float | None = Field(default=None, ge=0.0, le=86_400.0)
    status_batch_size: int | None = Field(default=None, ge=1, le=1_000)
    batch_window_ms: float | None = Field(default=None, ge=0.0, le=10_000.0)
    webhook_timeout_s: float | None = Field(default=None, gt=0.0, le=60.0)
    webhook_retry_initial_s: float | None = Field(default=None, gt=0.0, le=3_600.0)
    webhook_retry_max_s: float | None = Field(default=None, gt=0.0, le=86_400.0)
    webhook_retry_horizon_s: float | None = Field(default=None, gt=0.0)
    webhook_concurrency: int | None = Field(default=None, ge=1, le=512)
    throughput_mps: float | None = Field(default=None, gt=0.0, le=1_000.0)
    pair_interval_s: float | None = Field(default=None, gt=0.0)
    pair_burst: int | None = Field(default=None, ge=1)
    messaging_limit_tier: Tier | None = None
    messaging_limit_error_code: int | None = None
    throttle_http_status: Literal[400, 429] | None = None
    template_review: Literal["approve", "reject"] | None = None
    template_reject_reason: str | None = None
    template_review_delay_s: float | None = Field(default=None, ge=0.0, le=86_400.0)
    pricing_cutover: datetime | None = None

    _aware_cutover = field_validator("pricing_cutover")(_utc_if_naive)


class SandboxSettings(BaseModel):
    """The sandbox's identity (fixed at start) and its initial behaviour."""

    model_config = ConfigDict(extra="forbid")

    access_token: str = "sandbox-access-token"
    app_secret: str = "sandbox-app-secret"
    verify_token: str = "sandbox-verify-token"
    phone_number_id: str = "106540352242922"
    display_phone_number: str = "15550783881"
    verified_name: str = "Ordertalk Sandbox"
    waba_id: str = "102290129340398"
    behaviour: Behaviour = Field(default_factory=Behaviour)
