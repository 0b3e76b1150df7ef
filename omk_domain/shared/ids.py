"""Typed identifiers. Ids are opaque strings; new ones are random UUIDs."""

from __future__ import annotations

import uuid
from typing import NewType

AuctionId = NewType("AuctionId", str)
LotId = NewType("LotId", str)
BidId = NewType("BidId", str)
OfferId = NewType("OfferId", str)
OrganizationId = NewType("OrganizationId", str)
UserId = NewType("UserId", str)


def new_id() -> str:
    """A fresh opaque id (a UUID4 in hex)."""
    return uuid.uuid4().hex
