"""Time for the local cloud, injectable: real by default, a fake one in tests.

Retries, propagation delays, schedules and polling ask a ``Clock`` instead of the ``time``
module, so a test of a two-minute retry takes milliseconds and cannot flake (the way Chalice's
local server takes a ``Clock``).
"""

from __future__ import annotations

import threading
import time


class Clock:
    """The real clock."""

    def time(self) -> float:
        """Seconds since the epoch (timestamps, schedules, ages)."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds on a clock that never steps back (deadlines, idle timers)."""
        return time.monotonic()

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Wait `seconds`; return True early if `stop` is set meanwhile (shutting down)."""
        if stop is not None:
            return stop.wait(max(0.0, seconds))
        time.sleep(max(0.0, seconds))
        return False


class FakeClock(Clock):
    """A clock that moves only when told to: ``sleep`` advances it at once."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []  # every sleep asked for, in order

    def time(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> bool:
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        return stop is not None and stop.is_set()


REAL_CLOCK = Clock()
