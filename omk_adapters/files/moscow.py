"""Moscow time for people: parsing what they type and printing what they read.

The system stores and computes in UTC; people in OMK think in Moscow time (UTC+3, no daylight
saving since 2014). A naive time typed by a person means Moscow time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omk_domain.shared.errors import InvalidValue


def _moscow() -> timezone | ZoneInfo:
    try:
        return ZoneInfo("Europe/Moscow")
    except ZoneInfoNotFoundError:  # a system without tz data: Moscow has been UTC+3 since 2014
        return timezone(timedelta(hours=3), "MSK")


MOSCOW = _moscow()


class MomentInvalid(InvalidValue):
    code = "moment_invalid"
    message_ru = "Время указывается в формате ISO 8601, например 2026-12-01T10:00 (московское) или 2026-12-01T07:00Z."


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time as aware UTC; without an offset it is read as Moscow time."""
    value = (text or "").strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MomentInvalid(value=text) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=MOSCOW)
    return moment.astimezone(UTC)


def to_moscow(moment: datetime) -> datetime:
    return moment.astimezone(MOSCOW)


def format_moscow(moment: datetime | None, *, seconds: bool = False) -> str:
    """«01.12.2026 12:00 МСК» — how a person reads a moment."""
    if moment is None:
        return "—"
    return to_moscow(moment).strftime("%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y %H:%M") + " МСК"
