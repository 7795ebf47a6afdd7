"""The send gate: may this message go to this customer now, and in which form?

`decide` is a pure function of `PolicyFacts` (no database, no clock: `now` is one of the facts).
Its answer is stored with every message, so "why didn't this customer get a message?" is answered
by the first rule below that applied. The rules run in this order; the first that applies decides.

Never send this message (SUPPRESS):

1. DUPLICATE: a message with the same key (entity, milestone, attempt) was already sent.
2. STALE or WITHDRAWN: the order moved on (the milestone is no longer its state) or the reason
   for the message went away (the order was paid, the parcel delivered).
3. EXPIRED: it waited past its expiry time and would no longer be useful.
4. NOT_ON_WHATSAPP: WhatsApp told us this number has no account.
5. Consent. OPTED_OUT when the customer said no to this kind of message; NO_CONSENT when they
   never said yes. Order updates (utility) need no explicit yes when the store treats checkout as
   consent; marketing always does. Replies inside the customer service window (service) need no
   consent at all, only an open window: WINDOW_CLOSED otherwise.
6. Form. Inside the customer service window (24 h after the customer's last message) a free-form
   message goes if the message has one, else its template; outside it only a template may go:
   WINDOW_CLOSED_NO_TEMPLATE when there is none (NOTHING_TO_SEND when there is neither).
7. TEMPLATE_REJECTED: Meta rejected the template.
8. NO_CONSENT: Meta re-categorised an order-update template as marketing, and the customer has
   not agreed to marketing.
9. MARKETING_CAP: the customer already received the store's weekly maximum of marketing messages
   (a re-categorised template counts as marketing).

Not now, try again later (DEFER: the message is held and visible, never silently failed):

10. TEMPLATE_NOT_APPROVED: the template is pending review, paused, disabled or not submitted;
    checked again every hour.
11. QUIET_HOURS: it is night where the customer lives; held until quiet hours end in their time
    zone (some messages, such as a failed delivery attempt, are allowed to ignore quiet hours;
    service replies always do, the customer has just written).
12. MESSAGING_LIMIT: Meta's daily limit of customers reached outside the service window is used
    up; held until the oldest counted customer leaves the 24-hour count. Marketing may use only
    the first 80 % of the limit (by default), so order updates can still go out. A customer already
    counted today costs nothing, and messages inside the window never count.

Otherwise SEND. Every reason never to send comes before every reason to wait, so a message that
can never go is never held: an opted-out customer at night is suppressed, not deferred.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ordertalk.policy.decisions import Decision, Defer, Form, Purpose, Reason, Send, Suppress

# Template review and pauses take minutes to hours and end with a webhook; hourly re-checks keep a
# held message close behind without polling Meta.
RECHECK_AFTER = timedelta(hours=1)

_SENDABLE_STATUS = "APPROVED"
_REJECTED_STATUS = "REJECTED"
_MARKETING_CATEGORY = "MARKETING"


@dataclass(frozen=True, slots=True)
class Budget:
    """Meta's messaging limit: unique customers reached outside the window per rolling 24 h."""

    used: int
    limit: int
    contact_counted: bool  # the contact already counts in the last 24 h (costs nothing more)
    frees_at: datetime | None  # when the oldest counted customer leaves the 24 h window


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyFacts:
    """Everything the gate needs to know about one message, gathered by the caller."""

    now: datetime
    purpose: Purpose
    consent: bool | None  # this purpose's current consent (None = never recorded)
    # Marketing consent, consulted when Meta re-categorised a non-marketing template as marketing.
    marketing_consent: bool | None = None
    implied_utility_consent: bool  # the store treats checkout as consent to order updates
    reachable: bool  # False once the Cloud API said "not on WhatsApp"
    window_until: datetime | None  # customer service window end (last inbound + 24 h)
    has_template: bool
    has_freeform: bool
    template_status: str | None  # Meta's status for the template+language; None = not submitted
    template_category: str | None  # what Meta now says the template is
    quiet_hours: tuple[time, time] | None  # local start, end (may wrap midnight); None = off
    timezone: str  # the contact's IANA zone
    respect_quiet_hours: bool  # per-milestone override (a failed-attempt message may ignore it)
    marketing_sent_7d: int
    marketing_cap_7d: int
    budget: Budget
    marketing_reserve: float = 0.2  # the last 20 % of the budget is kept for utility messages
    duplicate: bool  # a message with this dedup key was already sent
    still_relevant: bool  # the milestone is still the entity's state / the reason still holds
    irrelevant_reason: Reason = Reason.STALE  # STALE or WITHDRAWN, used when not still_relevant
    expires_at: datetime | None  # past this, a deferred message is dropped (EXPIRED)

    def __post_init__(self) -> None:
        # Naive datetimes would compare wrongly with stored UTC times and local quiet hours.
        if self.now.utcoffset() is None:
            raise ValueError("PolicyFacts.now must be timezone-aware")
        if self.irrelevant_reason not in (Reason.STALE, Reason.WITHDRAWN):
            raise ValueError("PolicyFacts.irrelevant_reason must be STALE or WITHDRAWN")
        if not 0.0 <= self.marketing_reserve <= 1.0:
            raise ValueError("PolicyFacts.marketing_reserve must be between 0 and 1")
        if self.quiet_hours is not None and any(t.tzinfo for t in self.quiet_hours):
            raise ValueError("quiet hours are local wall-clock times, without a time zone")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc


def decide(facts: PolicyFacts) -> Decision:
    """Send now, defer until a time, or suppress for good, with the reason (see module docs)."""
    f = facts
    if f.duplicate:
        return Suppress(Reason.DUPLICATE)
    if not f.still_relevant:
        return Suppress(f.irrelevant_reason)
    if f.expires_at is not None and f.now >= f.expires_at:
        return Suppress(Reason.EXPIRED)
    if not f.reachable:
        return Suppress(Reason.NOT_ON_WHATSAPP)

    window_open = f.window_until is not None and f.now < f.window_until
    refusal = _consent_refusal(f, window_open)
    if refusal is not None:
        return Suppress(refusal)

    form = _form(f, window_open)
    if isinstance(form, Reason):
        return Suppress(form)
    template = form is Form.TEMPLATE
    status = (f.template_status or "").upper()
    recategorised = (
        template
        and f.purpose is not Purpose.MARKETING
        and (f.template_category or "").upper() == _MARKETING_CATEGORY
    )
    if template and status == _REJECTED_STATUS:
        return Suppress(Reason.TEMPLATE_REJECTED)
    if recategorised and f.marketing_consent is not True:
        return Suppress(Reason.NO_CONSENT)
    marketing = f.purpose is Purpose.MARKETING or recategorised
    if marketing and f.marketing_sent_7d >= f.marketing_cap_7d:
        return Suppress(Reason.MARKETING_CAP)

    if template and status != _SENDABLE_STATUS:
        return Defer(_utc(f.now + RECHECK_AFTER), Reason.TEMPLATE_NOT_APPROVED)
    if f.purpose is not Purpose.SERVICE and f.respect_quiet_hours and f.quiet_hours is not None:
        quiet_until = quiet_hours_end(f.now, f.quiet_hours, f.timezone)
        if quiet_until is not None:
            return Defer(quiet_until, Reason.QUIET_HOURS)
    if not window_open and not f.budget.contact_counted and _over_budget(f):
        frees_at = f.budget.frees_at
        until = frees_at if frees_at is not None and frees_at > f.now else f.now + RECHECK_AFTER
        return Defer(_utc(until), Reason.MESSAGING_LIMIT)
    return Send(form)


def quiet_hours_end(
    now: datetime, quiet_hours: tuple[time, time], timezone: str
) -> datetime | None:
    """When the quiet hours `now` falls in end (in UTC), or None outside quiet hours."""
    start, end = quiet_hours
    if start == end:  # an empty range: a start equal to the end means quiet hours are off
        return None
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    wall = local.time()
    inside = start <= wall < end if start < end else (wall >= start or wall < end)
    if not inside:
        return None
    # Inside quiet hours, the next time the local clock reads `end` is when they end.
    for day in (local.date(), local.date() + timedelta(days=1), local.date() + timedelta(days=2)):
        for instant in _instants(day, end, zone):
            if instant > now:
                return instant
    raise AssertionError("a wall-clock time recurs within two days")  # pragma: no cover


def _consent_refusal(f: PolicyFacts, window_open: bool) -> Reason | None:
    """Why consent (or, for a service reply, the closed window) rules the message out."""
    if f.purpose is Purpose.SERVICE:
        return None if window_open else Reason.WINDOW_CLOSED
    if f.consent is False:
        return Reason.OPTED_OUT
    if f.consent is None and not (f.purpose is Purpose.UTILITY and f.implied_utility_consent):
        return Reason.NO_CONSENT
    return None


def _form(f: PolicyFacts, window_open: bool) -> Form | Reason:
    """The form the message can take, or why it cannot take any."""
    if window_open and f.has_freeform:
        return Form.FREEFORM
    if f.has_template:
        return Form.TEMPLATE
    return Reason.WINDOW_CLOSED_NO_TEMPLATE if not window_open else Reason.NOTHING_TO_SEND


def _over_budget(f: PolicyFacts) -> bool:
    """True when reaching one more customer outside the window would exceed this purpose's share."""
    share = f.budget.limit
    if f.purpose is Purpose.MARKETING:
        # Rounded first so 250 × 0.8 is 200, not 199 after float error.
        share = math.floor(round(f.budget.limit * (1.0 - f.marketing_reserve), 9))
    return f.budget.used >= share


def _instants(day: date, wall: time, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants the local clock reads `wall` on `day`, earliest first.

    Two when clocks go back over it, one usually, and when clocks jump forward over it, the moment
    of the jump (the first instant at or after it).
    """
    naive = datetime.combine(day, wall)
    found: set[datetime] = set()
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            found.add(instant)
    if found:
        return sorted(found)
    return [_jump_over(naive, zone)]


def _jump_over(naive: datetime, zone: ZoneInfo) -> datetime:
    """The instant clocks jumped forward over the non-existent local time `naive`."""
    # In a gap, fold 0 and fold 1 use the offsets from either side of the jump, so the two
    # readings bracket it: before it the clock reads less than `naive`, after it at least that.
    bounds = sorted(naive.replace(tzinfo=zone, fold=fold).timestamp() for fold in (0, 1))
    low, high = math.floor(bounds[0]), math.ceil(bounds[1])
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)
