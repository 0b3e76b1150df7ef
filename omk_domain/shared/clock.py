"""Time is injected: the domain never reads the system clock itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the authoritative server time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


def ensure_utc(moment: datetime) -> datetime:
    """Refuse naive datetimes and normalise aware ones to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: every moment must carry its time zone")
    return moment.astimezone(UTC)
