"""The send gate: one example per rule and per ordering interaction, then properties."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordertalk.policy.decisions import Defer, Form, Purpose, Reason, Send, Suppress
from ordertalk.policy.gate import Budget, PolicyFacts, decide, quiet_hours_end

# 12:00 UTC is 17:30 in Kolkata: outside the default quiet hours below.
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
NIGHT = (time(21, 0), time(8, 0))
ROOMY = Budget(used=0, limit=250, contact_counted=False, frees_at=None)


def facts(**changes: object) -> PolicyFacts:
    """An order update that would be sent as an approved template; change what a test is about."""
    base = PolicyFacts(
        now=NOON,
        purpose=Purpose.UTILITY,
        consent=True,
        implied_utility_consent=False,
        reachable=True,
        window_until=None,
        has_template=True,
        has_freeform=True,
        template_status="APPROVED",
        template_category="UTILITY",
        quiet_hours=NIGHT,
        timezone="Asia/Kolkata",
        respect_quiet_hours=True,
        marketing_sent_7d=0,
        marketing_cap_7d=2,
        budget=ROOMY,
        duplicate=False,
        still_relevant=True,
        expires_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def open_window(now: datetime = NOON) -> dict[str, object]:
    """The customer wrote an hour ago."""
    return {"window_until": now + timedelta(hours=23)}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_baseline_sends_the_template() -> None:
    assert decide(facts()) == Send(Form.TEMPLATE)


# -- suppressions, in order ------------------------------------------------------------------


def test_a_message_already_sent_is_a_duplicate() -> None:
    assert decide(facts(duplicate=True)) == Suppress(Reason.DUPLICATE)


def test_a_message_about_a_past_milestone_is_stale() -> None:
    assert decide(facts(still_relevant=False)) == Suppress(Reason.STALE)


def test_a_message_whose_reason_went_away_is_withdrawn() -> None:
    withdrawn = facts(still_relevant=False, irrelevant_reason=Reason.WITHDRAWN)
    assert decide(withdrawn) == Suppress(Reason.WITHDRAWN)


def test_a_message_past_its_expiry_is_dropped() -> None:
    assert decide(facts(expires_at=NOON)) == Suppress(Reason.EXPIRED)
    assert decide(facts(expires_at=NOON + timedelta(minutes=1))) == Send(Form.TEMPLATE)


def test_a_number_without_whatsapp_is_not_messaged() -> None:
    assert decide(facts(reachable=False)) == Suppress(Reason.NOT_ON_WHATSAPP)


def test_a_customer_who_opted_out_is_not_messaged() -> None:
    assert decide(facts(consent=False)) == Suppress(Reason.OPTED_OUT)
    marketing = facts(purpose=Purpose.MARKETING, consent=False, template_category="MARKETING")
    assert decide(marketing) == Suppress(Reason.OPTED_OUT)


def test_an_explicit_opt_out_beats_implied_consent() -> None:
    assert decide(facts(consent=False, implied_utility_consent=True)) == Suppress(Reason.OPTED_OUT)


def test_order_updates_without_recorded_consent_need_the_store_to_imply_it() -> None:
    assert decide(facts(consent=None)) == Suppress(Reason.NO_CONSENT)
    assert decide(facts(consent=None, implied_utility_consent=True)) == Send(Form.TEMPLATE)


def test_marketing_without_recorded_consent_is_never_implied() -> None:
    marketing = facts(
        purpose=Purpose.MARKETING,
        consent=None,
        implied_utility_consent=True,
        template_category="MARKETING",
    )
    assert decide(marketing) == Suppress(Reason.NO_CONSENT)


def test_a_service_reply_needs_only_the_open_window() -> None:
    reply = facts(purpose=Purpose.SERVICE, consent=None, **open_window())
    assert decide(reply) == Send(Form.FREEFORM)
    # Confirming a STOP goes to a customer who has just opted out.
    assert decide(replace(reply, consent=False)) == Send(Form.FREEFORM)


def test_a_service_reply_is_never_sent_outside_the_window() -> None:
    closed = facts(purpose=Purpose.SERVICE, window_until=NOON)  # closed exactly now
    assert decide(closed) == Suppress(Reason.WINDOW_CLOSED)


def test_inside_the_window_free_form_is_preferred() -> None:
    assert decide(facts(**open_window())) == Send(Form.FREEFORM)


def test_inside_the_window_without_free_form_the_template_goes() -> None:
    assert decide(facts(has_freeform=False, **open_window())) == Send(Form.TEMPLATE)


def test_outside_the_window_only_a_template_can_go() -> None:
    assert decide(facts(has_template=False)) == Suppress(Reason.WINDOW_CLOSED_NO_TEMPLATE)


def test_a_message_with_neither_text_nor_template_has_nothing_to_send() -> None:
    nothing = facts(has_template=False, has_freeform=False, **open_window())
    assert decide(nothing) == Suppress(Reason.NOTHING_TO_SEND)


def test_a_rejected_template_is_suppressed() -> None:
    assert decide(facts(template_status="REJECTED")) == Suppress(Reason.TEMPLATE_REJECTED)


def test_a_rejected_template_does_not_matter_when_free_form_goes() -> None:
    inside = facts(template_status="REJECTED", **open_window())
    assert decide(inside) == Send(Form.FREEFORM)


def test_a_template_recategorised_as_marketing_needs_marketing_consent() -> None:
    recategorised = facts(template_category="MARKETING")
    assert decide(recategorised) == Suppress(Reason.NO_CONSENT)
    assert decide(replace(recategorised, marketing_consent=False)) == Suppress(Reason.NO_CONSENT)
    assert decide(replace(recategorised, marketing_consent=True)) == Send(Form.TEMPLATE)


def test_a_recategorised_template_counts_against_the_marketing_cap() -> None:
    capped = facts(template_category="MARKETING", marketing_consent=True, marketing_sent_7d=2)
    assert decide(capped) == Suppress(Reason.MARKETING_CAP)
    # The same update with its utility category ignores the cap.
    assert decide(replace(capped, template_category="UTILITY")) == Send(Form.TEMPLATE)


def test_marketing_over_the_weekly_cap_is_suppressed() -> None:
    marketing = facts(purpose=Purpose.MARKETING, template_category="MARKETING")
    assert decide(replace(marketing, marketing_sent_7d=1)) == Send(Form.TEMPLATE)
    assert decide(replace(marketing, marketing_sent_7d=2)) == Suppress(Reason.MARKETING_CAP)


# -- deferrals, in order ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["PENDING", "PAUSED", "DISABLED", None])
def test_a_template_not_yet_approved_is_held_for_an_hour(status: str | None) -> None:
    assert decide(facts(template_status=status)) == Defer(
        NOON + timedelta(hours=1), Reason.TEMPLATE_NOT_APPROVED
    )


def test_quiet_hours_hold_the_message_until_morning_in_kolkata() -> None:
    # 17:00 UTC is 22:30 IST; quiet hours end at 08:00 IST the next day, 02:30 UTC.
    evening = facts(now=utc(2026, 11, 22, 17, 0))
    assert decide(evening) == Defer(utc(2026, 11, 23, 2, 30), Reason.QUIET_HOURS)
    # 20:00 UTC is already 01:30 IST on the 23rd: the same morning.
    after_midnight = facts(now=utc(2026, 11, 22, 20, 0))
    assert decide(after_midnight) == Defer(utc(2026, 11, 23, 2, 30), Reason.QUIET_HOURS)


def test_quiet_hours_start_inclusive_and_end_exclusive() -> None:
    assert isinstance(decide(facts(now=utc(2026, 11, 22, 15, 30))), Defer)  # 21:00 IST
    assert decide(facts(now=utc(2026, 11, 22, 15, 29))) == Send(Form.TEMPLATE)  # 20:59 IST
    assert decide(facts(now=utc(2026, 11, 23, 2, 30))) == Send(Form.TEMPLATE)  # 08:00 IST


def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    siesta = facts(quiet_hours=(time(13, 0), time(16, 0)), now=utc(2026, 11, 22, 8, 0))  # 13:30
    assert decide(siesta) == Defer(utc(2026, 11, 22, 10, 30), Reason.QUIET_HOURS)


def test_quiet_hours_end_at_local_time_across_the_spring_dst_change_in_madrid() -> None:
    # Saturday 23:30 CET; clocks go forward at 02:00, so 08:00 on Sunday is 06:00 UTC, not 07:00.
    night = facts(timezone="Europe/Madrid", quiet_hours=(time(22), time(8)))
    decision = decide(replace(night, now=utc(2026, 3, 28, 22, 30)))
    assert decision == Defer(utc(2026, 3, 29, 6, 0), Reason.QUIET_HOURS)


def test_quiet_hours_end_at_local_time_across_the_autumn_dst_change_in_madrid() -> None:
    # Saturday 23:00 CEST; clocks go back at 03:00, so 08:00 on Sunday is 07:00 UTC, not 06:00.
    night = facts(timezone="Europe/Madrid", quiet_hours=(time(22), time(8)))
    decision = decide(replace(night, now=utc(2026, 10, 24, 21, 0)))
    assert decision == Defer(utc(2026, 10, 25, 7, 0), Reason.QUIET_HOURS)


def test_quiet_hours_ending_in_the_skipped_hour_end_when_the_clocks_jump() -> None:
    # 02:30 never happens in Madrid on 2026-03-29: at 02:00 CET the clock reads 03:00 CEST.
    assert quiet_hours_end(
        utc(2026, 3, 28, 23, 0), (time(23), time(2, 30)), "Europe/Madrid"
    ) == utc(2026, 3, 29, 1, 0)


def test_quiet_hours_ending_in_the_repeated_hour_end_at_its_next_occurrence() -> None:
    window = (time(0), time(2, 30))
    # 00:30 CEST: the first 02:30 (CEST) comes next.
    first = quiet_hours_end(utc(2026, 10, 24, 22, 30), window, "Europe/Madrid")
    assert first == utc(2026, 10, 25, 0, 30)
    # 02:15 CET, after the clocks went back: the second 02:30 (CET), not the past one.
    second = quiet_hours_end(utc(2026, 10, 25, 1, 15), window, "Europe/Madrid")
    assert second == utc(2026, 10, 25, 1, 30)


def test_quiet_hours_ending_in_a_midnight_dst_gap_in_sao_paulo() -> None:
    # Brazil's last DST began at 00:00 on 2018-11-04: 00:30 did not exist that night.
    end = quiet_hours_end(utc(2018, 11, 4, 1, 0), (time(22), time(0, 30)), "America/Sao_Paulo")
    assert end == utc(2018, 11, 4, 3, 0)


def test_equal_start_and_end_turn_quiet_hours_off() -> None:
    assert decide(facts(quiet_hours=(time(8), time(8)), now=utc(2026, 11, 22, 17))) == Send(
        Form.TEMPLATE
    )


def test_a_failed_attempt_message_may_ignore_quiet_hours() -> None:
    at_night = facts(now=utc(2026, 11, 22, 17, 0), respect_quiet_hours=False)
    assert decide(at_night) == Send(Form.TEMPLATE)


def test_a_service_reply_at_night_goes_at_once() -> None:
    now = utc(2026, 11, 22, 17, 0)
    reply = facts(now=now, purpose=Purpose.SERVICE, **open_window(now))
    assert decide(reply) == Send(Form.FREEFORM)


def test_an_order_update_may_use_the_whole_messaging_limit() -> None:
    assert decide(facts(budget=replace(ROOMY, used=249))) == Send(Form.TEMPLATE)
    frees_at = NOON + timedelta(hours=3)
    full = replace(ROOMY, used=250, frees_at=frees_at)
    assert decide(facts(budget=full)) == Defer(frees_at, Reason.MESSAGING_LIMIT)


def test_marketing_leaves_the_last_fifth_of_the_limit_to_order_updates() -> None:
    marketing = facts(purpose=Purpose.MARKETING, template_category="MARKETING")
    assert decide(replace(marketing, budget=replace(ROOMY, used=199))) == Send(Form.TEMPLATE)
    over = decide(replace(marketing, budget=replace(ROOMY, used=200)))
    assert over == Defer(NOON + timedelta(hours=1), Reason.MESSAGING_LIMIT)
    assert decide(facts(budget=replace(ROOMY, used=200))) == Send(Form.TEMPLATE)


def test_a_customer_already_counted_today_costs_nothing() -> None:
    counted = replace(ROOMY, used=250, contact_counted=True)
    assert decide(facts(budget=counted)) == Send(Form.TEMPLATE)


def test_messages_inside_the_window_do_not_touch_the_limit() -> None:
    full = replace(ROOMY, used=250)
    assert decide(facts(budget=full, **open_window())) == Send(Form.FREEFORM)
    template = facts(budget=full, has_freeform=False, **open_window())
    assert decide(template) == Send(Form.TEMPLATE)


def test_a_limit_that_should_already_have_freed_is_rechecked_in_an_hour() -> None:
    stale = replace(ROOMY, used=250, frees_at=NOON - timedelta(minutes=5))
    assert decide(facts(budget=stale)) == Defer(NOON + timedelta(hours=1), Reason.MESSAGING_LIMIT)


# -- ordering interactions -------------------------------------------------------------------

AT_NIGHT = utc(2026, 11, 22, 17, 0)  # 22:30 in Kolkata


def test_an_opted_out_customer_at_night_is_suppressed_not_deferred() -> None:
    assert decide(facts(now=AT_NIGHT, consent=False)) == Suppress(Reason.OPTED_OUT)


def test_a_duplicate_is_suppressed_even_when_it_is_also_stale() -> None:
    both = facts(duplicate=True, still_relevant=False)
    assert decide(both) == Suppress(Reason.DUPLICATE)


def test_a_stale_message_is_suppressed_before_it_expires_or_bounces() -> None:
    stale = facts(still_relevant=False, expires_at=NOON, reachable=False)
    assert decide(stale) == Suppress(Reason.STALE)


def test_an_unreachable_number_is_reported_before_missing_consent() -> None:
    assert decide(facts(reachable=False, consent=False)) == Suppress(Reason.NOT_ON_WHATSAPP)


def test_a_marketing_message_over_the_cap_at_night_is_suppressed_not_deferred() -> None:
    capped = facts(
        now=AT_NIGHT,
        purpose=Purpose.MARKETING,
        template_category="MARKETING",
        marketing_sent_7d=5,
    )
    assert decide(capped) == Suppress(Reason.MARKETING_CAP)


def test_a_recategorised_pending_template_without_consent_is_suppressed_not_held() -> None:
    pending = facts(template_status="PENDING", template_category="MARKETING")
    assert decide(pending) == Suppress(Reason.NO_CONSENT)


def test_a_pending_template_at_night_is_held_for_the_template() -> None:
    pending = facts(now=AT_NIGHT, template_status="PENDING")
    assert decide(pending) == Defer(AT_NIGHT + timedelta(hours=1), Reason.TEMPLATE_NOT_APPROVED)


def test_quiet_hours_come_before_the_messaging_limit() -> None:
    full_at_night = facts(now=AT_NIGHT, budget=replace(ROOMY, used=250))
    assert decide(full_at_night) == Defer(utc(2026, 11, 23, 2, 30), Reason.QUIET_HOURS)


def test_an_expired_message_is_dropped_even_at_night() -> None:
    expired = facts(now=AT_NIGHT, expires_at=AT_NIGHT - timedelta(minutes=1))
    assert decide(expired) == Suppress(Reason.EXPIRED)


# -- facts that cannot be right --------------------------------------------------------------


def test_facts_need_an_aware_now_and_a_known_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        facts(now=datetime(2026, 11, 22, 12, 0))
    with pytest.raises(ValueError, match="unknown time zone"):
        facts(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="STALE or WITHDRAWN"):
        facts(irrelevant_reason=Reason.OK)


# -- properties ------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Asia/Kolkata",
    "Europe/Madrid",
    "America/Sao_Paulo",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Pacific/Chatham",
    "Pacific/Apia",  # skipped a whole day in 2011
]
instants = st.datetimes(
    min_value=datetime(2010, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
offsets = st.integers(-48 * 60, 48 * 60).map(lambda m: timedelta(minutes=m))
wall_times = st.times()


@st.composite
def any_facts(draw: st.DrawFn) -> PolicyFacts:
    """Any plausible combination of facts, near the edges that matter."""
    now = draw(instants)
    relative = st.one_of(st.none(), offsets.map(lambda d: now + d))
    budget = Budget(
        used=draw(st.integers(0, 300)),
        limit=draw(st.sampled_from([1, 3, 250, 2000])),
        contact_counted=draw(st.booleans()),
        frees_at=draw(relative),
    )
    return PolicyFacts(
        now=now,
        purpose=draw(st.sampled_from(Purpose)),
        consent=draw(st.sampled_from([True, False, None])),
        marketing_consent=draw(st.sampled_from([True, False, None])),
        implied_utility_consent=draw(st.booleans()),
        reachable=draw(st.booleans()),
        window_until=draw(relative),
        has_template=draw(st.booleans()),
        has_freeform=draw(st.booleans()),
        template_status=draw(
            st.sampled_from(["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", None])
        ),
        template_category=draw(st.sampled_from(["UTILITY", "MARKETING", None])),
        quiet_hours=draw(st.one_of(st.none(), st.tuples(wall_times, wall_times))),
        timezone=draw(st.sampled_from(ZONES)),
        respect_quiet_hours=draw(st.booleans()),
        marketing_sent_7d=draw(st.integers(0, 5)),
        marketing_cap_7d=draw(st.integers(0, 5)),
        budget=budget,
        marketing_reserve=draw(st.sampled_from([0.0, 0.2, 0.5, 1.0])),
        duplicate=draw(st.booleans()),
        still_relevant=draw(st.booleans()),
        irrelevant_reason=draw(st.sampled_from([Reason.STALE, Reason.WITHDRAWN])),
        expires_at=draw(relative),
    )


@given(any_facts())
def test_a_deferral_is_always_to_a_later_time(f: PolicyFacts) -> None:
    decision = decide(f)
    if isinstance(decision, Defer):
        assert decision.until > f.now


@given(any_facts(), st.sampled_from([Purpose.UTILITY, Purpose.MARKETING]))
def test_with_consent_refused_nothing_is_ever_sent(f: PolicyFacts, purpose: Purpose) -> None:
    # Service replies need no consent (a STOP must still be confirmed); every other purpose does.
    assert not isinstance(decide(replace(f, consent=False, purpose=purpose)), Send)


@given(any_facts())
def test_service_messages_are_never_sent_outside_the_window(f: PolicyFacts) -> None:
    service = replace(f, purpose=Purpose.SERVICE)
    if service.window_until is None or service.window_until <= service.now:
        assert not isinstance(decide(service), Send)


@given(any_facts())
def test_free_form_is_only_ever_sent_inside_the_window(f: PolicyFacts) -> None:
    if decide(f) == Send(Form.FREEFORM):
        assert f.window_until is not None
        assert f.now < f.window_until


@given(any_facts())
def test_a_send_outside_the_window_stays_inside_the_messaging_limit(f: PolicyFacts) -> None:
    window_open = f.window_until is not None and f.now < f.window_until
    if isinstance(decide(f), Send) and not window_open and not f.budget.contact_counted:
        assert f.budget.used < f.budget.limit


@given(any_facts())
def test_the_decision_is_a_pure_function_of_the_facts(f: PolicyFacts) -> None:
    first = decide(f)
    assert decide(copy.deepcopy(f)) == first
    assert decide(f) == first


def in_quiet_hours(instant: datetime, quiet_hours: tuple[time, time], timezone: str) -> bool:
    """An independent reading of the rule: the local wall clock is in [start, end)."""
    start, end = quiet_hours
    wall = instant.astimezone(ZoneInfo(timezone)).time()
    if start <= end:
        return start <= wall < end
    return wall >= start or wall < end


@given(
    instants,
    st.tuples(wall_times, wall_times).filter(lambda q: q[0] != q[1]),
    st.sampled_from(ZONES),
    st.floats(0, 1),
)
def test_quiet_hours_hold_exactly_until_they_end(
    now: datetime, quiet_hours: tuple[time, time], timezone: str, fraction: float
) -> None:
    end = quiet_hours_end(now, quiet_hours, timezone)
    if end is None:
        assert not in_quiet_hours(now, quiet_hours, timezone)
        return
    assert in_quiet_hours(now, quiet_hours, timezone)
    # Not released early: every moment until then is still quiet...
    between = now + (end - now - timedelta(microseconds=1)) * fraction
    assert in_quiet_hours(between, quiet_hours, timezone)
    # ...and not late: the local clock reads the end, unless it jumped over it right then.
    zone = ZoneInfo(timezone)
    jumped = (end - timedelta(seconds=1)).astimezone(zone).utcoffset() != end.astimezone(
        zone
    ).utcoffset()
    assert end.astimezone(zone).time() == quiet_hours[1] or jumped
