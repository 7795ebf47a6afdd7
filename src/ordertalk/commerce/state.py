"""The forward-only state machine every order, shipment, return and refund follows (reference §4.2).

`apply` is pure: it takes the entity's current state, one milestone and the source's event time,
and answers with the new state, what happened (`Outcome`, stored in the timeline) and whether the
customer should hear about it. Time is always the event's own time, never the clock.

The rules, in the order they are checked:

1. No milestone (a status the mapping does not know): UNKNOWN, logged and never notified.
2. A milestone of another track (a refund step on a shipment): WRONG_TRACK.
3. After a terminal state nothing changes: the same terminal milestone again is a DUPLICATE,
   anything else is AFTER_TERMINAL.
4. Side-states (DELAYED, EXCEPTION) never move the rank. They are recorded with their reason and
   notified at most once per (side-state, reason) per throttle window of event time; one reported
   before the current milestone or the last recorded side-state is OLDER.
5. Once the shipment is on the return-to-origin track, forward milestones below DELIVERED are
   SUPERSEDED_BY_RTO. DELIVERED with a newer event time is accepted but flagged for review (REVIEW,
   not notified): the parcel came back to the customer after all, someone should look.
6. A higher rank ADVANCES. Inside a band (out for delivery ↔ failed attempt ↔ ready for pickup) a
   newer event time ADVANCES too, so OFD → failed attempt → OFD → DELIVERED counts two attempts.
   At an equal event time the later step of the band wins, so arrival order never decides.
7. The same milestone again (not newer inside a band) is a DUPLICATE; an earlier report of a
   non-band milestone moves its time back to when it was first reached (two sources, one fact).
8. Anything else ranks lower, or is older inside the band: OLDER.

Events from one coherent history (a terminal milestone last, if any) therefore end in the same
(milestone, rank, at) whatever order and however many times they arrive. Events stamped *after* a
terminal one cannot have that property: the terminal state freezes whichever arrives first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from ordertalk.commerce.milestones import INFO, Milestone, Track

# Where a step sits inside its band, used only to break ties between equal event times: a failed
# attempt follows going out for delivery, and a parcel is held for pickup after a failed attempt.
_BAND_STEP: dict[Milestone, int] = {
    Milestone.OUT_FOR_DELIVERY: 0,
    Milestone.DELIVERY_ATTEMPT_FAILED: 1,
    Milestone.READY_FOR_PICKUP: 2,
}

SideNotice = tuple[Milestone, str | None, datetime]


@dataclass(frozen=True, slots=True)
class EntityState:
    """Where an order, shipment, return or refund stands."""

    milestone: Milestone | None = None
    rank: int = 0
    at: datetime | None = None  # event time of the current milestone
    side: Milestone | None = None  # DELAYED / EXCEPTION: the latest one recorded
    side_reason: str | None = None
    side_at: datetime | None = None
    # How many times each milestone was accepted (band milestones repeat; side-states count
    # each notified occurrence), in `Milestone` order so equal histories compare equal.
    counts: tuple[tuple[Milestone, int], ...] = ()
    needs_review: bool = False
    # When each (side-state, reason) was last notified. Rebuilt from the timeline like `counts`;
    # when empty, the throttle falls back to the recorded side-state alone (it errs quiet).
    side_notices: tuple[SideNotice, ...] = ()

    def count(self, m: Milestone) -> int:
        """How many times this milestone was accepted."""
        return dict(self.counts).get(m, 0)

    @property
    def terminal(self) -> bool:
        """True once nothing more can happen to the entity."""
        return self.milestone is not None and INFO[self.milestone].terminal

    @property
    def rto(self) -> bool:
        """True while the shipment is on its way back to the origin."""
        return self.milestone is not None and INFO[self.milestone].rto


class Outcome(StrEnum):
    """What one offered milestone did to the state (stored in the timeline)."""

    ADVANCED = "advanced"
    SIDE_STATE = "side_state"
    SIDE_THROTTLED = "side_throttled"  # recorded, but the customer heard about it recently
    DUPLICATE = "duplicate"  # the same milestone, not newer
    OLDER = "older"  # a lower rank, or older inside the band
    AFTER_TERMINAL = "after_terminal"
    SUPERSEDED_BY_RTO = "superseded_by_rto"
    REVIEW = "review"  # DELIVERED after RTO: accepted and flagged
    UNKNOWN = "unknown"  # no milestone: logged, not notified
    CUSTOMER_ACTION = "customer_action"  # the customer decided something (NDR, COD, return)
    WRONG_TRACK = "wrong_track"


@dataclass(frozen=True, slots=True)
class Transition:
    """The new state, what happened, and whether the customer should be told."""

    state: EntityState
    outcome: Outcome
    notify: bool
    attempt_no: int  # the milestone's count after accepting it; 0 when not accepted


def track_accepts(track: Track, milestone: Milestone) -> bool:
    """True when a milestone belongs on this track's state machine."""
    if milestone is Milestone.CANCELLED:
        # A store cancels the order; a carrier cancels a parcel (before dispatch).
        return track in (Track.ORDER, Track.SHIPMENT)
    return INFO[milestone].track is track


def apply(
    state: EntityState,
    milestone: Milestone | None,
    event_time: datetime,
    reason: str | None = None,
    *,
    side_throttle: timedelta = timedelta(hours=12),
    track: Track | None = None,
) -> Transition:
    """Offer one milestone, reported at `event_time`, to an entity's state."""
    if milestone is None:
        return _unchanged(state, Outcome.UNKNOWN)
    entity_track = track or _track_of(state)
    if entity_track is not None and not track_accepts(entity_track, milestone):
        return _unchanged(state, Outcome.WRONG_TRACK)
    if state.terminal:
        same = milestone is state.milestone
        return _unchanged(state, Outcome.DUPLICATE if same else Outcome.AFTER_TERMINAL)
    new = INFO[milestone]
    if new.side:
        return _side_state(state, milestone, event_time, reason, side_throttle)
    if state.rto and not new.rto and new.rank <= INFO[Milestone.DELIVERED].rank:
        if milestone is Milestone.DELIVERED and _newer(event_time, state.at):
            return _accept(state, milestone, event_time, Outcome.REVIEW, needs_review=True)
        return _unchanged(state, Outcome.SUPERSEDED_BY_RTO)
    if new.rank > state.rank:
        return _accept(state, milestone, event_time, Outcome.ADVANCED)
    if milestone is state.milestone and new.band is not None:
        # The same last-mile step again (a second source, a repeated scan) is not a new
        # attempt: only a different step in between (a failed attempt) makes one.
        if _newer(event_time, state.at):
            return Transition(replace(state, at=event_time), Outcome.DUPLICATE, False, 0)
        return _unchanged(state, Outcome.DUPLICATE)
    if _same_band(state, milestone) and _later_in_band(state, milestone, event_time):
        return _accept(state, milestone, event_time, Outcome.ADVANCED)
    if milestone is state.milestone:
        if new.band is None and state.at is not None and event_time < state.at:
            return Transition(replace(state, at=event_time), Outcome.DUPLICATE, False, 0)
        return _unchanged(state, Outcome.DUPLICATE)
    return _unchanged(state, Outcome.OLDER)


def _track_of(state: EntityState) -> Track | None:
    """The track the state's own milestones put it on, when they say (CANCELLED does not)."""
    if state.milestone is not None and state.milestone is not Milestone.CANCELLED:
        return INFO[state.milestone].track
    if state.side is not None:
        return INFO[state.side].track
    return None


def _unchanged(state: EntityState, outcome: Outcome) -> Transition:
    return Transition(state, outcome, notify=False, attempt_no=0)


def _newer(event_time: datetime, than: datetime | None) -> bool:
    return than is None or event_time > than


def _same_band(state: EntityState, milestone: Milestone) -> bool:
    band = INFO[milestone].band
    return band is not None and state.milestone is not None and INFO[state.milestone].band == band


def _later_in_band(state: EntityState, milestone: Milestone, event_time: datetime) -> bool:
    if _newer(event_time, state.at):
        return True
    assert state.milestone is not None
    return event_time == state.at and _BAND_STEP.get(milestone, 0) > _BAND_STEP.get(
        state.milestone, 0
    )


def _counted(state: EntityState, milestone: Milestone) -> tuple[tuple[Milestone, int], ...]:
    counts = dict(state.counts)
    counts[milestone] = counts.get(milestone, 0) + 1
    return tuple((m, counts[m]) for m in Milestone if m in counts)


def _accept(
    state: EntityState,
    milestone: Milestone,
    event_time: datetime,
    outcome: Outcome,
    *,
    needs_review: bool = False,
) -> Transition:
    counts = _counted(state, milestone)
    advanced = replace(
        state,
        milestone=milestone,
        rank=INFO[milestone].rank,
        at=event_time,
        counts=counts,
        needs_review=state.needs_review or needs_review,
    )
    notify = outcome is Outcome.ADVANCED
    return Transition(advanced, outcome, notify=notify, attempt_no=dict(counts)[milestone])


def _side_state(
    state: EntityState,
    side: Milestone,
    event_time: datetime,
    reason: str | None,
    throttle: timedelta,
) -> Transition:
    # A delay reported before the current milestone or the last side-state is old news.
    if (state.at is not None and event_time < state.at) or (
        state.side_at is not None and event_time < state.side_at
    ):
        return _unchanged(state, Outcome.OLDER)
    recorded = replace(state, side=side, side_reason=reason, side_at=event_time)
    last = _last_notice(state, side, reason)
    if last is not None and event_time - last < throttle:
        return Transition(recorded, Outcome.SIDE_THROTTLED, notify=False, attempt_no=0)
    counts = _counted(state, side)
    notices = tuple(n for n in state.side_notices if (n[0], n[1]) != (side, reason))
    notified = replace(recorded, counts=counts, side_notices=(*notices, (side, reason, event_time)))
    return Transition(notified, Outcome.SIDE_STATE, notify=True, attempt_no=dict(counts)[side])


def _last_notice(state: EntityState, side: Milestone, reason: str | None) -> datetime | None:
    """When the customer last heard about this side-state and reason, if we know."""
    if state.side_notices:
        for notice_side, notice_reason, at in state.side_notices:
            if (notice_side, notice_reason) == (side, reason):
                return at
        return None
    # No notice history was provided: the recorded side-state is all we know.
    if (state.side, state.side_reason) == (side, reason):
        return state.side_at
    return None
