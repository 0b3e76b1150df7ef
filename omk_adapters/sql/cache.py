"""A per-process cache of each lot's open bids, keyed by the lot row's version.

Bids are immutable values and every change to a lot's bids bumps the lot's version in the same
transaction, so bids cached under version v are exactly the bids of any lot row read with
version v — whichever process wrote them. A hot lot is then loaded with one row, not thousands.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class BidCache:
    """Least-recently-used map: lot id → (version, bids as a tuple)."""

    def __init__(self, max_lots: int = 2048) -> None:
        self._entries: OrderedDict[str, tuple[int, tuple[Any, ...]]] = OrderedDict()
        self._max = max_lots
        self._lock = threading.Lock()

    def get(self, lot_id: str, version: int) -> tuple[Any, ...] | None:
        with self._lock:
            entry = self._entries.get(lot_id)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(lot_id)
            return entry[1]

    def put(self, lot_id: str, version: int, bids: tuple[Any, ...]) -> None:
        with self._lock:
            current = self._entries.get(lot_id)
            if current is not None and current[0] > version:
                return  # a newer version is cached already
            self._entries[lot_id] = (version, bids)
            self._entries.move_to_end(lot_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
