"""Base classes of messages: commands say what to do, events say what happened."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs


@attrs.frozen(kw_only=True)
class Command:
    """An instruction to the system, named in the imperative (PlaceBid)."""


@attrs.frozen(kw_only=True)
class Event:
    """A fact that happened, named in the past tense (BidPlaced)."""

    #: the routing key and stable name of the event on the wire
    name: ClassVar[str] = "event"
    occurred_at: datetime

    def payload(self) -> dict[str, Any]:
        """A JSON-ready representation (Decimal and datetime as strings)."""
        return {f.name: to_jsonable(getattr(self, f.name)) for f in attrs.fields(type(self))}


def to_jsonable(value: Any) -> Any:
    """Turn domain values into JSON-safe ones without losing precision."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if attrs.has(type(value)):  # fields marked secret (a password hash) never leave in JSON
        return {f.name: to_jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))
                if not f.metadata.get("secret")}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value
