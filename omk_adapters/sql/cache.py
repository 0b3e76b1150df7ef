"""A per-process cache of each lot's bids and offers, keyed by the lot row's version.

Bids and offers are immutable values and every change to them bumps the lot's version in the
same transaction, so what is cached under version v is exactly what any lot row read with
version v has — whichever process wrote it. A hot lot is then loaded with one row, not its
whole history. When another process moved the lot on to version w > v, each bid and offer row
written since carries its `lot_version` (> v), so only those rows are read onto the cached ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

Items = tuple[Any, ...]


class LotCache:
    """Least-recently-used map: lot id → (version, bids, offers)."""

    def __init__(self, max_lots: int = 2048) -> None:
        self._entries: OrderedDict[str, tuple[int, Items, Items]] = OrderedDict()
        self._max = max_lots
        self._lock = threading.Lock()

    def get(self, lot_id: str, version: int) -> tuple[Items, Items] | None:
        """The bids and offers of the lot at exactly this version, if cached."""
        with self._lock:
            entry = self._entries.get(lot_id)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(lot_id)
            return entry[1], entry[2]

    def latest(self, lot_id: str) -> tuple[int, Items, Items] | None:
        """Whatever version of the lot is cached: the base a newer version is read onto."""
        with self._lock:
            return self._entries.get(lot_id)

    def put(self, lot_id: str, version: int, bids: Items, offers: Items) -> None:
        with self._lock:
            current = self._entries.get(lot_id)
            if current is not None and current[0] > version:
                return  # a newer version is cached already
            self._entries[lot_id] = (version, bids, offers)
            self._entries.move_to_end(lot_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
