"""Clocks: the system clock, and a manual clock that tests move."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from omk_domain.shared.clock import ensure_utc


class SystemClock:
    """Wall-clock UTC time of this server."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until moved; thread-safe."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = ensure_utc(moment)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now
