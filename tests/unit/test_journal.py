"""The tamper-evident journal: any alteration, deletion, reordering or truncation is found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_domain.auctions.journal import GENESIS_HASH, JournalEntry, entry_hash, verify_chain

pytestmark = pytest.mark.unit

LOT = "lot-1"
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def chain(n: int, lot_id: str = LOT) -> list[JournalEntry]:
    """A genuine chain of n entries, as a lot writes it."""
    entries: list[JournalEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        entry = JournalEntry.after(prev, lot_id=lot_id, seq=seq, kind="bid" if seq % 2 else "offer",
                                   recorded_at=T0 + timedelta(minutes=seq),
                                   data={"amount": Decimal(85000 + 500 * seq), "organization_id": f"org-{seq % 3}"})
        entries.append(entry)
        prev = entry.hash
    return entries


def broken_at(entries: list[JournalEntry], head: str | None) -> int | None:
    return verify_chain(LOT, entries, head_hash=head).first_broken_seq


def test_a_genuine_chain_verifies() -> None:
    entries = chain(6)
    verdict = verify_chain(LOT, entries, head_hash=entries[-1].hash)
    assert verdict.ok and verdict.entries == 6 and verdict.reason is None


def test_an_empty_journal_verifies_against_the_genesis_head() -> None:
    assert verify_chain(LOT, [], head_hash=GENESIS_HASH).ok
    assert broken_at([], head="f" * 64) == 1


def test_each_entry_binds_the_previous_hash() -> None:
    first, second = chain(2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.hash
    assert len(second.hash) == 64 and second.hash != first.hash


def test_altering_the_data_of_an_entry_is_found_at_that_entry() -> None:
    entries = chain(6)
    head = entries[-1].hash
    entries[2] = attrs.evolve(entries[2], data=dict(entries[2].data, amount="1.00"))
    verdict = verify_chain(LOT, entries, head_hash=head)
    assert (verdict.first_broken_seq, verdict.reason) == (3, "entry content does not match its hash (altered)")


@pytest.mark.parametrize("change", [
    {"kind": "annulment"},
    {"recorded_at": T0},
    {"lot_id": "another-lot"},
])
def test_altering_what_when_or_where_of_an_entry_is_found_at_that_entry(change: dict[str, object]) -> None:
    entries = chain(5)
    head = entries[-1].hash
    entries[3] = attrs.evolve(entries[3], **change)
    assert broken_at(entries, head) == 4


def test_deleting_an_entry_is_found_where_the_gap_is() -> None:
    entries = chain(6)
    head = entries[-1].hash
    del entries[3]
    verdict = verify_chain(LOT, entries, head_hash=head)
    assert verdict.first_broken_seq == 4
    assert "missing" in (verdict.reason or "")


def test_deleting_the_first_entry_is_found_at_entry_one() -> None:
    entries = chain(4)
    assert broken_at(entries[1:], entries[-1].hash) == 1


def test_reordering_entries_is_found_at_the_first_moved_one() -> None:
    entries = chain(6)
    head = entries[-1].hash
    entries[1], entries[4] = entries[4], entries[1]
    assert broken_at(entries, head) == 2


def test_truncating_the_tail_is_found_through_the_head_hash() -> None:
    entries = chain(6)
    head = entries[-1].hash
    verdict = verify_chain(LOT, entries[:4], head_hash=head)
    assert verdict.first_broken_seq == 5
    assert "removed" in (verdict.reason or "")


def test_without_the_head_hash_a_truncated_chain_looks_whole() -> None:
    """Why the lot keeps its head hash beside the entries: the chain alone cannot show a cut tail."""
    entries = chain(6)
    assert verify_chain(LOT, entries[:4]).ok


def test_a_forger_who_rewrites_every_later_hash_is_still_caught_by_the_head() -> None:
    entries = chain(5)
    head = entries[-1].hash
    forged = entries[:2]
    prev = forged[-1].hash
    for entry in entries[2:]:
        data = dict(entry.data, amount="1.00") if entry.seq == 3 else entry.data
        redone = JournalEntry.after(prev, lot_id=LOT, seq=entry.seq, kind=entry.kind,
                                    recorded_at=entry.recorded_at, data=data)
        forged.append(redone)
        prev = redone.hash
    assert verify_chain(LOT, forged).ok  # consistent in itself …
    assert not verify_chain(LOT, forged, head_hash=head).ok  # … but not with the head the lot kept


def test_a_replaced_hash_is_found_at_that_entry() -> None:
    entries = chain(4)
    head = entries[-1].hash
    entries[1] = attrs.evolve(entries[1], hash="0" * 64)
    assert broken_at(entries, head) == 2


def test_the_hash_covers_amounts_exactly() -> None:
    base = {"prev_hash": GENESIS_HASH, "lot_id": LOT, "seq": 1, "kind": "bid", "recorded_at": T0}
    assert entry_hash(**base, data={"amount": "85000.00"}) != entry_hash(**base, data={"amount": "85000.01"})


tampering = st.sampled_from(["alter", "delete", "swap", "truncate"])


@given(n=st.integers(min_value=1, max_value=15), how=tampering, data=st.data())
def test_verification_names_the_first_broken_entry_whatever_was_done(n: int, how: str, data: st.DataObject) -> None:
    entries = chain(n)
    head = entries[-1].hash
    k = data.draw(st.integers(min_value=1, max_value=n), label="entry")
    if how == "alter":
        entries[k - 1] = attrs.evolve(entries[k - 1], data=dict(entries[k - 1].data, amount="0.01"))
    elif how == "delete":
        del entries[k - 1]
    elif how == "truncate":
        del entries[k - 1:]
    else:
        if n < 2:
            return
        j = data.draw(st.integers(min_value=1, max_value=n).filter(lambda j: j != k), label="other")
        k, j = min(k, j), max(k, j)
        entries[k - 1], entries[j - 1] = entries[j - 1], entries[k - 1]
    assert broken_at(entries, head) == k
