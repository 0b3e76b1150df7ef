"""The tamper-evident journal: an append-only hash chain of everything that happens to a lot."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from omk_domain.shared.messages import to_jsonable

GENESIS_HASH = "0" * 64


def entry_hash(
    *, prev_hash: str, lot_id: str, seq: int, kind: str, recorded_at: datetime, data: dict[str, Any]
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the entry."""
    body = json.dumps(
        {"lot": lot_id, "seq": seq, "kind": kind, "at": recorded_at.isoformat(),
         "data": to_jsonable(data)},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@attrs.frozen(kw_only=True)
class JournalEntry:
    """One link of a lot's chain: what happened, when, and the hashes binding it to the past."""

    lot_id: str
    seq: int
    kind: str
    recorded_at: datetime
    data: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def after(
        cls, prev_hash: str, *, lot_id: str, seq: int, kind: str, recorded_at: datetime,
        data: dict[str, Any],
    ) -> JournalEntry:
        data = to_jsonable(data)
        return cls(
            lot_id=lot_id, seq=seq, kind=kind, recorded_at=recorded_at, data=data,
            prev_hash=prev_hash,
            hash=entry_hash(prev_hash=prev_hash, lot_id=lot_id, seq=seq, kind=kind,
                            recorded_at=recorded_at, data=data),
        )


@attrs.frozen(kw_only=True)
class ChainVerdict:
    """The outcome of verifying one lot's chain: ok, or the first broken entry and why."""

    lot_id: str
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(lot_id: str, entries: Iterable[JournalEntry], *, head_hash: str | None = None) -> ChainVerdict:
    """Check that each entry hashes the previous one, seqs run 1..n and the head matches."""
    prev = GENESIS_HASH
    count = 0
    for expected_seq, entry in enumerate(entries, start=1):
        count = expected_seq
        if entry.seq != expected_seq:
            return ChainVerdict(lot_id=lot_id, entries=count, first_broken_seq=expected_seq,
                                reason=f"entry {expected_seq} is missing (found seq {entry.seq})")
        if entry.prev_hash != prev:
            return ChainVerdict(lot_id=lot_id, entries=count, first_broken_seq=entry.seq,
                                reason="previous-hash link does not match the entry before it")
        recomputed = entry_hash(prev_hash=entry.prev_hash, lot_id=lot_id, seq=entry.seq,
                                kind=entry.kind, recorded_at=entry.recorded_at, data=entry.data)
        if recomputed != entry.hash or entry.lot_id != lot_id:
            return ChainVerdict(lot_id=lot_id, entries=count, first_broken_seq=entry.seq,
                                reason="entry content does not match its hash (altered)")
        prev = entry.hash
    if head_hash is not None and head_hash != prev:
        return ChainVerdict(lot_id=lot_id, entries=count, first_broken_seq=count + 1,
                            reason="entries after the last one were removed (head hash differs)")
    return ChainVerdict(lot_id=lot_id, entries=count)
