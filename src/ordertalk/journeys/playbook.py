"""The default playbook: which message each milestone gets, when, and for how long it stays useful.

A store changes a step with a `JourneyOverride` (enabled, delay, quiet hours, expiry); everything
it does not change keeps these defaults, so improving a default improves every store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from ordertalk.commerce.milestones import Milestone
from ordertalk.errors import InvalidInput
from ordertalk.policy.decisions import Purpose

M = Milestone


@dataclass(frozen=True, slots=True)
class Step:
    """One playbook step: a trigger, the message intent (a template key) and its timing."""

    key: str
    intent: str
    milestone: Milestone | None = None  # fires when an entity reaches this milestone
    enabled: bool = True
    delay: timedelta = timedelta(0)
    respect_quiet_hours: bool = True
    # Past this (from the triggering event), a deferred message is no longer worth sending.
    expires_after: timedelta | None = timedelta(days=2)
    purpose: Purpose = Purpose.UTILITY
    description: str = ""

    def public(self) -> dict[str, Any]:
        """The step as the API shows it."""
        return {
            "step": self.key,
            "intent": self.intent,
            "milestone": self.milestone.value if self.milestone else None,
            "enabled": self.enabled,
            "delay_minutes": int(self.delay.total_seconds() // 60),
            "respect_quiet_hours": self.respect_quiet_hours,
            "expires_after_minutes": (
                int(self.expires_after.total_seconds() // 60) if self.expires_after else None
            ),
            "purpose": self.purpose.value,
            "description": self.description,
        }


# Special steps that are not a plain "milestone reached → message".
COD_CONFIRMATION = "cod_confirmation"
PAYMENT_REMINDER = "payment_reminder"
FEEDBACK_REQUEST = "feedback_request"

DEFAULT_STEPS: tuple[Step, ...] = (
    Step(
        "order_confirmed",
        "order_confirmed",
        M.ORDER_CONFIRMED,
        description="Prepaid order confirmed (with the invoice PDF when the store gives one).",
    ),
    Step(
        COD_CONFIRMATION,
        "cod_confirmation",
        M.ORDER_CONFIRMED,
        description="Cash-on-delivery order: ask the customer to confirm or cancel.",
    ),
    Step(
        PAYMENT_REMINDER,
        "payment_reminder",
        None,
        delay=timedelta(minutes=30),
        expires_after=timedelta(days=1),
        description="Unpaid order: one reminder after 30 minutes unless paid or cancelled.",
    ),
    Step("order_cancelled", "order_cancelled", M.CANCELLED),
    Step("packed", "shipment_packed", M.PACKED, enabled=False),
    Step(
        "dispatched",
        "shipment_dispatched",
        M.DISPATCHED,
        description="Shipped, with the carrier, tracking number and tracking link.",
    ),
    Step("in_transit", "shipment_in_transit", M.IN_TRANSIT, description="First in-transit scan."),
    Step("delayed", "shipment_delayed", M.DELAYED, description="At most once per reason per 12 h."),
    Step("exception", "shipment_exception", M.EXCEPTION),
    Step(
        "out_for_delivery",
        "out_for_delivery",
        M.OUT_FOR_DELIVERY,
        expires_after=timedelta(hours=14),
        description="Arriving at night, it waits for the end of quiet hours (08:00 local).",
    ),
    Step(
        "delivery_attempt_failed",
        "delivery_attempt_failed",
        M.DELIVERY_ATTEMPT_FAILED,
        expires_after=timedelta(days=1),
        description="Failed attempt: reattempt, change address or cancel buttons.",
    ),
    Step("ready_for_pickup", "ready_for_pickup", M.READY_FOR_PICKUP),
    Step("delivered", "delivered", M.DELIVERED),
    Step(
        FEEDBACK_REQUEST,
        "feedback_request",
        M.DELIVERED,
        delay=timedelta(hours=24),
        expires_after=timedelta(days=3),
        description="A 0–10 rating request a day after delivery, once per order.",
    ),
    Step("rto_initiated", "rto_initiated", M.RTO_INITIATED),
    Step("rto_in_transit", "rto_initiated", M.RTO_IN_TRANSIT, enabled=False),
    Step(
        "lost_or_damaged",
        "lost_or_damaged",
        M.LOST_OR_DAMAGED,
        enabled=False,
        description="Off by default: the store investigates first.",
    ),
    Step("return_requested", "return_requested", M.RETURN_REQUESTED),
    Step("return_approved", "return_approved", M.RETURN_APPROVED),
    Step("return_rejected", "return_rejected", M.RETURN_REJECTED),
    Step("return_pickup_scheduled", "return_pickup_scheduled", M.RETURN_PICKUP_SCHEDULED),
    Step("return_picked_up", "return_picked_up", M.RETURN_PICKED_UP),
    Step("return_received", "return_received", M.RETURN_RECEIVED),
    Step("refund_initiated", "refund_initiated", M.REFUND_INITIATED),
    Step("refund_completed", "refund_completed", M.REFUND_COMPLETED),
)

DEFAULTS: dict[str, Step] = {step.key: step for step in DEFAULT_STEPS}

EDITABLE = {"enabled", "delay_minutes", "respect_quiet_hours", "expires_after_minutes"}


def check_changes(step: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate an override; raises InvalidInput with the reason."""
    if step not in DEFAULTS:
        raise InvalidInput(f"unknown playbook step {step!r}; see GET /v1/journeys")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"cannot change {sorted(unknown)}; editable: {sorted(EDITABLE)}")
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("enabled", "respect_quiet_hours"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{name} must be true or false")
        elif name == "expires_after_minutes" and value is None:
            pass
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 43_200:
            raise InvalidInput(f"{name} must be a whole number of minutes from 0 to 43200")
        clean[name] = value
    return clean


def with_changes(step: Step, changes: dict[str, Any]) -> Step:
    """A default step with a store's overrides applied."""
    step = replace(step)
    if "enabled" in changes:
        step = replace(step, enabled=bool(changes["enabled"]))
    if "respect_quiet_hours" in changes:
        step = replace(step, respect_quiet_hours=bool(changes["respect_quiet_hours"]))
    if "delay_minutes" in changes:
        step = replace(step, delay=timedelta(minutes=int(changes["delay_minutes"])))
    if "expires_after_minutes" in changes:
        minutes = changes["expires_after_minutes"]
        step = replace(
            step, expires_after=None if minutes is None else timedelta(minutes=int(minutes))
        )
    return step
