"""A controllable clock: real time plus an offset that tests move forward.

Every time-based rule of the sandbox (the 24-hour window, the 72-hour free entry point, rate
limits, rolling messaging limits, webhook delays and retries) reads this clock, so a test can
jump a day ahead with one request instead of waiting.
"""

from __future__ import annotations

import time


class VirtualClock:
    """Wall-clock seconds since the epoch, shifted by however far tests have advanced it."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """The sandbox's current time in Unix seconds."""
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """How far ahead of the wall clock the sandbox runs."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Jump forward (never back); the caller wakes whatever waits on the clock."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        return self.now()

    def reset(self) -> None:
        """Back to the wall clock."""
        self._offset = 0.0
