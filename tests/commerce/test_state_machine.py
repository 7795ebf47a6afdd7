"""The forward-only milestone state machine: one example per rule, then properties."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordertalk.commerce.milestones import INFO, Milestone, Track
from ordertalk.commerce.state import EntityState, Outcome, Transition, apply, track_accepts

M = Milestone
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

Event = tuple[Milestone | None, datetime, str | None]


def at(hours: float) -> datetime:
    """An event time, `hours` after the shipment was created."""
    return T0 + timedelta(hours=hours)


def run(
    events: Iterable[Event], state: EntityState | None = None, track: Track | None = None
) -> list[Transition]:
    """Apply events in arrival order; every transition, in order."""
    current = state or EntityState()
    transitions = []
    for milestone, event_time, reason in events:
        transition = apply(current, milestone, event_time, reason, track=track)
        transitions.append(transition)
        current = transition.state
    return transitions


def reach(*steps: tuple[Milestone, float]) -> EntityState:
    """The state after these milestones, each at its hour."""
    return run((m, at(hours), None) for m, hours in steps)[-1].state


# -- advancing -------------------------------------------------------------------------------


def test_a_higher_milestone_advances_and_notifies() -> None:
    state = reach((M.PACKED, 0))
    t = apply(state, M.DISPATCHED, at(1))
    assert t.outcome is Outcome.ADVANCED
    assert t.notify
    assert t.attempt_no == 1
    assert (t.state.milestone, t.state.rank, t.state.at) == (M.DISPATCHED, 30, at(1))


def test_a_milestone_can_skip_steps() -> None:
    t = apply(EntityState(), M.OUT_FOR_DELIVERY, at(0))
    assert t.outcome is Outcome.ADVANCED
    assert t.state.milestone is M.OUT_FOR_DELIVERY


def test_a_higher_rank_advances_even_with_an_older_event_time() -> None:
    # Carrier clocks disagree; rank, not time, orders different steps.
    state = reach((M.IN_TRANSIT, 5))
    t = apply(state, M.OUT_FOR_DELIVERY, at(4))
    assert t.outcome is Outcome.ADVANCED
    assert t.state.at == at(4)


def test_a_lower_milestone_arriving_late_is_older_and_silent() -> None:
    state = reach((M.IN_TRANSIT, 5))
    t = apply(state, M.DISPATCHED, at(1))
    assert t.outcome is Outcome.OLDER
    assert not t.notify
    assert t.attempt_no == 0
    assert t.state == state


def test_the_same_milestone_again_is_a_duplicate() -> None:
    state = reach((M.DISPATCHED, 1))
    t = apply(state, M.DISPATCHED, at(3))
    assert t.outcome is Outcome.DUPLICATE
    assert not t.notify
    assert t.state == state


def test_an_earlier_report_of_the_same_milestone_moves_its_time_back() -> None:
    # Shopify and AfterShip both report the dispatch; `at` is when it really happened.
    state = reach((M.DISPATCHED, 3))
    t = apply(state, M.DISPATCHED, at(1))
    assert t.outcome is Outcome.DUPLICATE
    assert not t.notify
    assert t.state.at == at(1)
    assert t.state.count(M.DISPATCHED) == 1


def test_payment_failed_then_confirmed_advances() -> None:
    state = reach((M.PAYMENT_FAILED, 0))
    t = apply(state, M.ORDER_CONFIRMED, at(1))
    assert t.outcome is Outcome.ADVANCED


# -- the last-mile band ----------------------------------------------------------------------


def test_out_for_delivery_after_a_failed_attempt_is_a_second_attempt() -> None:
    state = reach((M.OUT_FOR_DELIVERY, 1), (M.DELIVERY_ATTEMPT_FAILED, 5))
    t = apply(state, M.OUT_FOR_DELIVERY, at(25))
    assert t.outcome is Outcome.ADVANCED
    assert t.notify
    assert t.attempt_no == 2
    assert t.state.count(M.OUT_FOR_DELIVERY) == 2
    assert t.state.count(M.DELIVERY_ATTEMPT_FAILED) == 1


def test_the_same_out_for_delivery_reported_again_is_not_a_new_attempt() -> None:
    state = reach((M.OUT_FOR_DELIVERY, 1))
    t = apply(state, M.OUT_FOR_DELIVERY, at(2))  # a second source, an hour later
    assert t.outcome is Outcome.DUPLICATE
    assert not t.notify
    assert t.state.count(M.OUT_FOR_DELIVERY) == 1
    assert t.state.at == at(2)  # the newer report still counts as the latest news


def test_ofd_failed_ofd_delivered_is_a_legitimate_history() -> None:
    transitions = run(
        [
            (M.OUT_FOR_DELIVERY, at(1), None),
            (M.DELIVERY_ATTEMPT_FAILED, at(5), None),
            (M.OUT_FOR_DELIVERY, at(25), None),
            (M.DELIVERED, at(27), None),
        ]
    )
    assert [t.outcome for t in transitions] == [Outcome.ADVANCED] * 4
    assert [(t.state.milestone, t.attempt_no) for t in transitions] == [
        (M.OUT_FOR_DELIVERY, 1),
        (M.DELIVERY_ATTEMPT_FAILED, 1),
        (M.OUT_FOR_DELIVERY, 2),
        (M.DELIVERED, 1),
    ]


def test_a_failed_attempt_older_than_the_current_out_for_delivery_is_older() -> None:
    state = reach((M.OUT_FOR_DELIVERY, 25))
    t = apply(state, M.DELIVERY_ATTEMPT_FAILED, at(5))
    assert t.outcome is Outcome.OLDER
    assert not t.notify
    assert t.state == state


def test_a_band_milestone_at_the_same_time_again_is_a_duplicate() -> None:
    state = reach((M.OUT_FOR_DELIVERY, 1))
    t = apply(state, M.OUT_FOR_DELIVERY, at(1))
    assert t.outcome is Outcome.DUPLICATE
    assert t.state == state


def test_band_steps_at_the_same_time_settle_on_the_later_step_in_any_order() -> None:
    # Minute-resolution carrier feeds stamp going out and failing with the same time.
    ofd_first = run([(M.OUT_FOR_DELIVERY, at(1), None), (M.DELIVERY_ATTEMPT_FAILED, at(1), None)])
    failed_first = run(
        [(M.DELIVERY_ATTEMPT_FAILED, at(1), None), (M.OUT_FOR_DELIVERY, at(1), None)]
    )
    assert [t.outcome for t in ofd_first] == [Outcome.ADVANCED, Outcome.ADVANCED]
    assert [t.outcome for t in failed_first] == [Outcome.ADVANCED, Outcome.OLDER]
    assert ofd_first[-1].state.milestone is M.DELIVERY_ATTEMPT_FAILED
    assert failed_first[-1].state.milestone is M.DELIVERY_ATTEMPT_FAILED


def test_a_band_step_does_not_advance_a_lower_band_after_a_higher_rank() -> None:
    state = reach((M.RTO_INITIATED, 5))
    assert apply(state, M.READY_FOR_PICKUP, at(9)).outcome is Outcome.SUPERSEDED_BY_RTO


# -- terminal states -------------------------------------------------------------------------


def test_nothing_is_accepted_after_delivered() -> None:
    state = reach((M.OUT_FOR_DELIVERY, 1), (M.DELIVERED, 2))
    for milestone in (M.OUT_FOR_DELIVERY, M.RTO_INITIATED, M.LOST_OR_DAMAGED, M.CANCELLED):
        t = apply(state, milestone, at(30))
        assert t.outcome is Outcome.AFTER_TERMINAL, milestone
        assert not t.notify
        assert t.state == state


def test_delivered_reported_twice_is_a_duplicate() -> None:
    state = reach((M.DELIVERED, 2))
    t = apply(state, M.DELIVERED, at(1))
    assert t.outcome is Outcome.DUPLICATE
    assert t.state == state  # a terminal state never moves, not even its time


def test_cancelled_is_terminal_on_an_order() -> None:
    state = reach((M.ORDER_CONFIRMED, 0), (M.CANCELLED, 1))
    assert state.terminal
    assert apply(state, M.ORDER_CONFIRMED, at(2)).outcome is Outcome.AFTER_TERMINAL


# -- side-states -----------------------------------------------------------------------------


def test_a_side_state_keeps_the_rank_and_records_its_reason() -> None:
    state = reach((M.IN_TRANSIT, 1))
    t = apply(state, M.DELAYED, at(2), "weather")
    assert t.outcome is Outcome.SIDE_STATE
    assert t.notify
    assert t.attempt_no == 1
    assert (t.state.milestone, t.state.rank, t.state.at) == (M.IN_TRANSIT, 40, at(1))
    assert (t.state.side, t.state.side_reason, t.state.side_at) == (M.DELAYED, "weather", at(2))


def test_the_same_side_state_and_reason_is_throttled_inside_the_window() -> None:
    state = apply(reach((M.IN_TRANSIT, 1)), M.DELAYED, at(2), "weather").state
    t = apply(state, M.DELAYED, at(13), "weather")
    assert t.outcome is Outcome.SIDE_THROTTLED
    assert not t.notify
    assert t.attempt_no == 0
    assert t.state.side_at == at(13)  # still recorded: it is the latest news
    assert t.state.rank == state.rank


def test_the_same_side_state_and_reason_notifies_again_after_the_window() -> None:
    state = apply(reach((M.IN_TRANSIT, 1)), M.DELAYED, at(2), "weather").state
    state = apply(state, M.DELAYED, at(8), "weather").state  # throttled
    t = apply(state, M.DELAYED, at(14), "weather")
    # The window runs from the last notification (2 h), not from the throttled report (8 h).
    assert t.outcome is Outcome.SIDE_STATE
    assert t.notify
    assert t.attempt_no == 2


def test_the_throttle_window_is_configurable() -> None:
    state = apply(reach((M.IN_TRANSIT, 1)), M.DELAYED, at(2), "weather").state
    short = apply(state, M.DELAYED, at(5), "weather", side_throttle=timedelta(hours=2))
    long = apply(state, M.DELAYED, at(5), "weather", side_throttle=timedelta(hours=4))
    assert short.outcome is Outcome.SIDE_STATE
    assert long.outcome is Outcome.SIDE_THROTTLED


def test_a_side_state_with_a_new_reason_notifies() -> None:
    state = apply(reach((M.IN_TRANSIT, 1)), M.DELAYED, at(2), "weather").state
    t = apply(state, M.DELAYED, at(3), "address incomplete")
    assert t.outcome is Outcome.SIDE_STATE
    assert t.notify


def test_a_side_state_flapping_between_reasons_notifies_each_reason_once() -> None:
    state = reach((M.IN_TRANSIT, 1))
    transitions = run(
        [
            (M.DELAYED, at(2), "weather"),
            (M.EXCEPTION, at(3), "address incomplete"),
            (M.DELAYED, at(4), "weather"),
            (M.EXCEPTION, at(5), "address incomplete"),
        ],
        state,
    )
    assert [t.notify for t in transitions] == [True, True, False, False]
    assert transitions[-1].state.side is M.EXCEPTION


def test_without_a_notice_history_the_recorded_side_state_still_throttles() -> None:
    # A state rebuilt from a row that only keeps the last side-state.
    state = EntityState(
        milestone=M.IN_TRANSIT,
        rank=40,
        at=at(1),
        side=M.DELAYED,
        side_reason="weather",
        side_at=at(2),
    )
    assert apply(state, M.DELAYED, at(4), "weather").outcome is Outcome.SIDE_THROTTLED
    assert apply(state, M.DELAYED, at(4), "strike").outcome is Outcome.SIDE_STATE


def test_a_side_state_reported_before_the_current_milestone_is_older() -> None:
    state = reach((M.OUT_FOR_DELIVERY, 5))
    t = apply(state, M.DELAYED, at(3), "weather")
    assert t.outcome is Outcome.OLDER
    assert not t.notify
    assert t.state == state


def test_a_side_state_older_than_the_recorded_one_is_older() -> None:
    state = apply(reach((M.IN_TRANSIT, 1)), M.EXCEPTION, at(6), "address incomplete").state
    t = apply(state, M.DELAYED, at(4), "weather")
    assert t.outcome is Outcome.OLDER
    assert t.state.side is M.EXCEPTION


def test_a_side_state_after_a_terminal_state_is_ignored() -> None:
    state = reach((M.DELIVERED, 2))
    t = apply(state, M.EXCEPTION, at(3), "damaged")
    assert t.outcome is Outcome.AFTER_TERMINAL
    assert not t.notify
    assert t.state == state


def test_a_side_state_stays_recorded_when_the_shipment_moves_on() -> None:
    # Journeys compare it with the milestone time to know whether it still holds.
    state = apply(reach((M.IN_TRANSIT, 1)), M.DELAYED, at(2), "weather").state
    moved = apply(state, M.OUT_FOR_DELIVERY, at(4)).state
    assert (moved.side, moved.side_at) == (M.DELAYED, at(2))


# -- return to origin ------------------------------------------------------------------------


def test_forward_milestones_after_rto_are_superseded() -> None:
    state = reach((M.DELIVERY_ATTEMPT_FAILED, 1), (M.RTO_INITIATED, 5))
    for milestone in (M.IN_TRANSIT, M.OUT_FOR_DELIVERY, M.DELIVERY_ATTEMPT_FAILED):
        t = apply(state, milestone, at(9))
        assert t.outcome is Outcome.SUPERSEDED_BY_RTO, milestone
        assert not t.notify
        assert t.state == state


def test_the_rto_track_advances_on_its_own() -> None:
    state = reach((M.RTO_INITIATED, 5))
    t = apply(state, M.RTO_IN_TRANSIT, at(9))
    assert t.outcome is Outcome.ADVANCED
    assert t.state.rto


def test_delivered_after_rto_with_a_newer_time_is_accepted_and_flagged_for_review() -> None:
    state = reach((M.RTO_INITIATED, 5), (M.RTO_IN_TRANSIT, 9))
    t = apply(state, M.DELIVERED, at(12))
    assert t.outcome is Outcome.REVIEW
    assert not t.notify
    assert t.attempt_no == 1
    assert t.state.milestone is M.DELIVERED
    assert t.state.needs_review
    assert t.state.terminal
    assert not t.state.rto


def test_delivered_after_rto_with_an_older_time_is_superseded() -> None:
    state = reach((M.RTO_INITIATED, 5))
    t = apply(state, M.DELIVERED, at(4))
    assert t.outcome is Outcome.SUPERSEDED_BY_RTO
    assert not t.state.needs_review
    assert t.state == state


def test_a_parcel_lost_on_its_way_back_is_terminal() -> None:
    state = reach((M.RTO_IN_TRANSIT, 9))
    t = apply(state, M.LOST_OR_DAMAGED, at(30))
    assert t.outcome is Outcome.ADVANCED
    assert t.state.terminal


# -- unknown statuses and tracks -------------------------------------------------------------


def test_an_unknown_status_is_logged_not_notified() -> None:
    state = reach((M.IN_TRANSIT, 1))
    t = apply(state, None, at(2))
    assert t.outcome is Outcome.UNKNOWN
    assert not t.notify
    assert t.state == state


def test_a_milestone_of_another_track_is_refused() -> None:
    state = reach((M.IN_TRANSIT, 1))
    assert apply(state, M.REFUND_INITIATED, at(2)).outcome is Outcome.WRONG_TRACK
    # With the entity's track given, even a first milestone is checked.
    first = apply(EntityState(), M.PACKED, at(0), track=Track.RETURN)
    assert first.outcome is Outcome.WRONG_TRACK
    assert first.state == EntityState()


def test_a_delay_on_an_order_is_refused() -> None:
    state = reach((M.ORDER_CONFIRMED, 0))
    assert apply(state, M.DELAYED, at(1), "weather").outcome is Outcome.WRONG_TRACK


@pytest.mark.parametrize(
    ("track", "milestone", "accepted"),
    [
        (Track.ORDER, M.CANCELLED, True),
        (Track.SHIPMENT, M.CANCELLED, True),
        (Track.RETURN, M.CANCELLED, False),
        (Track.REFUND, M.CANCELLED, False),
        (Track.ORDER, M.ORDER_CONFIRMED, True),
        (Track.ORDER, M.PAYMENT_FAILED, True),
        (Track.SHIPMENT, M.ORDER_CONFIRMED, False),
        (Track.SHIPMENT, M.DELIVERED, True),
        (Track.SHIPMENT, M.DELAYED, True),
        (Track.SHIPMENT, M.RTO_DELIVERED, True),
        (Track.ORDER, M.DELIVERED, False),
        (Track.RETURN, M.RETURN_PICKED_UP, True),
        (Track.RETURN, M.REFUND_COMPLETED, False),
        (Track.REFUND, M.REFUND_COMPLETED, True),
        (Track.REFUND, M.RETURN_RECEIVED, False),
    ],
)
def test_track_accepts(track: Track, milestone: Milestone, accepted: bool) -> None:
    assert track_accepts(track, milestone) is accepted


# -- properties ------------------------------------------------------------------------------

BAND = [M.OUT_FOR_DELIVERY, M.DELIVERY_ATTEMPT_FAILED, M.READY_FOR_PICKUP]
SIDES = [M.DELAYED, M.EXCEPTION]
REASONS = [None, "weather", "address incomplete", "customs"]
SHIPMENT_MILESTONES = [m for m in Milestone if track_accepts(Track.SHIPMENT, m)]
ACCEPTED = {Outcome.ADVANCED, Outcome.REVIEW, Outcome.SIDE_STATE}


@st.composite
def shipment_histories(draw: st.DrawFn) -> list[Event]:
    """One coherent history of a shipment, in event-time order: a terminal milestone comes last."""
    path: list[Milestone] = [m for m in (M.PACKED, M.DISPATCHED) if draw(st.booleans())]
    path += [M.IN_TRANSIT] * draw(st.integers(0, 3))  # every checkpoint scan maps to in transit
    path += draw(st.lists(st.sampled_from(BAND), max_size=5))
    ending = draw(st.sampled_from(["open", "delivered", "lost", "cancelled", "rto"]))
    if ending == "delivered":
        path.append(M.DELIVERED)
    elif ending == "lost":
        path.append(M.LOST_OR_DAMAGED)
    elif ending == "cancelled":
        path.append(M.CANCELLED)
    elif ending == "rto":
        path += [M.RTO_INITIATED] * draw(st.integers(0, 1))
        path += [M.RTO_IN_TRANSIT] * draw(st.integers(0, 2))
        path += draw(st.lists(st.sampled_from(BAND), max_size=2))  # stray scans after the turn
        path += draw(st.sampled_from([[], [M.RTO_DELIVERED], [M.DELIVERED], [M.LOST_OR_DAMAGED]]))

    events: list[Event] = []
    minutes = 0
    for milestone in path:
        on_rto = any(INFO[m].rto for m, _, _ in events)
        # Same-minute stamps are common, except a reversal must come after the turn back.
        gaps = [1, 30, 240] if milestone is M.DELIVERED and on_rto else [0, 1, 30, 240]
        minutes += draw(st.sampled_from(gaps))
        events.append((milestone, T0 + timedelta(minutes=minutes), None))
    noise = st.tuples(
        st.sampled_from([*SIDES, None]),
        st.integers(0, minutes + 60).map(lambda m: T0 + timedelta(minutes=m)),
        st.sampled_from(REASONS),
    )
    return events + draw(st.lists(noise, max_size=4))


def final(transitions: list[Transition]) -> tuple[Milestone | None, int, datetime | None]:
    state = transitions[-1].state if transitions else EntityState()
    return state.milestone, state.rank, state.at


@given(shipment_histories(), st.data())
def test_any_arrival_order_and_duplication_ends_in_the_same_state(
    history: list[Event], data: st.DataObject
) -> None:
    repeats = data.draw(st.lists(st.sampled_from(history), max_size=6)) if history else []
    arrival = data.draw(st.permutations(history + repeats))

    in_order = run(history, track=Track.SHIPMENT)
    shuffled = run(arrival, track=Track.SHIPMENT)

    assert final(shuffled) == final(in_order)
    keys = [(m, t.attempt_no) for (m, _, _), t in zip(arrival, shuffled, strict=True) if t.notify]
    assert len(keys) == len(set(keys)), keys


events = st.tuples(
    st.sampled_from([*Milestone, None]),
    st.integers(0, 3000).map(lambda m: T0 + timedelta(minutes=m)),
    st.sampled_from(REASONS),
)
shipment_events = st.tuples(
    st.sampled_from([*SHIPMENT_MILESTONES, None]),
    st.integers(0, 3000).map(lambda m: T0 + timedelta(minutes=m)),
    st.sampled_from(REASONS),
)
throttles = st.integers(0, 24 * 60).map(lambda m: timedelta(minutes=m))


@given(st.lists(shipment_events | events, max_size=25), throttles)
def test_no_transition_ever_lowers_the_rank(arrival: list[Event], throttle: timedelta) -> None:
    state = EntityState()
    for milestone, event_time, reason in arrival:
        t = apply(state, milestone, event_time, reason, side_throttle=throttle)
        assert t.state.rank >= state.rank, (state, milestone, t)
        state = t.state


@given(st.lists(shipment_events, max_size=25), st.lists(events, min_size=1, max_size=10))
def test_nothing_is_accepted_after_a_terminal_state(
    before: list[Event], after: list[Event]
) -> None:
    state = EntityState()
    for milestone, event_time, reason in before:
        state = apply(state, milestone, event_time, reason).state
    # Later than any generated event, so DELIVERED ends the history (as a reversal after RTO too).
    terminal = apply(state, M.DELIVERED, T0 + timedelta(minutes=4000)).state
    assert terminal.terminal
    for milestone, event_time, reason in after:
        t = apply(terminal, milestone, event_time, reason)
        assert t.state == terminal
        assert not t.notify
        assert t.attempt_no == 0
        assert t.outcome in {
            Outcome.AFTER_TERMINAL,
            Outcome.DUPLICATE,
            Outcome.UNKNOWN,
            Outcome.WRONG_TRACK,
        }


@given(st.lists(shipment_events, max_size=30), throttles)
def test_notifications_follow_the_outcome_and_side_states_respect_the_throttle(
    arrival: list[Event], throttle: timedelta
) -> None:
    state = EntityState()
    seen: set[tuple[Milestone, int]] = set()
    side_notified: dict[tuple[Milestone, str | None], datetime] = {}
    for milestone, event_time, reason in arrival:
        t = apply(state, milestone, event_time, reason, side_throttle=throttle)
        assert t.notify == (t.outcome in {Outcome.ADVANCED, Outcome.SIDE_STATE})
        if t.outcome in ACCEPTED:
            assert milestone is not None
            assert t.attempt_no == t.state.count(milestone) == state.count(milestone) + 1
        else:
            assert t.attempt_no == 0
            assert t.state.counts == state.counts
        if t.notify:
            assert milestone is not None
            assert (milestone, t.attempt_no) not in seen
            seen.add((milestone, t.attempt_no))
        if milestone is not None and t.notify and INFO[milestone].side:
            assert not state.terminal
            last = side_notified.get((milestone, reason))
            assert last is None or event_time - last >= throttle
            side_notified[(milestone, reason)] = event_time
        state = t.state
