"""Soft-close arithmetic: a bid in the last W minutes moves the close to now + E, within the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_domain.auctions.errors import AuctionInvalid
from omk_domain.auctions.rules import soft_close_extension
from omk_domain.auctions.values import SoftClose

pytestmark = pytest.mark.unit

CLOSE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 11:00 Moscow
FIVE = timedelta(minutes=5)


def at(minutes_before_close: float) -> datetime:
    return CLOSE - timedelta(minutes=minutes_before_close)


def extended(policy: SoftClose, accepted_at: datetime, closes_at: datetime = CLOSE,
             original: datetime = CLOSE) -> datetime | None:
    return soft_close_extension(policy, accepted_at=accepted_at, closes_at=closes_at, closes_at_original=original)


@pytest.mark.parametrize(("before_close", "new_close"), [
    (10, None),                      # 10:50 — outside the window
    (5 + 1 / 60, None),              # 10:54:59 — one second outside
    (5, None),                       # 10:55 — inside, but now + 5 min is 11:00: nothing to extend
    (2, CLOSE + timedelta(minutes=3)),  # 10:58 → 11:03
    (1, CLOSE + timedelta(minutes=4)),  # 10:59 → 11:04
    (1 / 60, CLOSE + timedelta(minutes=4, seconds=59)),  # 10:59:59 → 11:04:59
])
def test_a_bid_in_the_last_five_minutes_moves_the_close_to_five_minutes_after_it(
        before_close: float, new_close: datetime | None) -> None:
    assert extended(SoftClose(window=FIVE, extension=FIVE), at(before_close)) == new_close


def test_the_window_includes_its_first_moment() -> None:
    """W = 2 min, E = 3 min: a bid exactly two minutes before the close is inside the window."""
    policy = SoftClose(window=timedelta(minutes=2), extension=timedelta(minutes=3))
    assert extended(policy, at(2)) == CLOSE + timedelta(minutes=1)
    assert extended(policy, at(2) - timedelta(seconds=1)) is None


def test_a_bid_in_the_extended_time_extends_again_from_the_bid() -> None:
    policy = SoftClose(window=FIVE, extension=FIVE)
    first = extended(policy, at(2))
    assert first == CLOSE + timedelta(minutes=3)
    assert extended(policy, CLOSE + timedelta(minutes=2), closes_at=first) == CLOSE + timedelta(minutes=7)


def test_the_cap_limits_the_total_extension_over_the_original_close() -> None:
    policy = SoftClose(window=FIVE, extension=FIVE, cap=timedelta(minutes=4))
    first = extended(policy, at(2))
    assert first == CLOSE + timedelta(minutes=3)
    second = extended(policy, CLOSE + timedelta(minutes=2), closes_at=first)
    assert second == CLOSE + timedelta(minutes=4)
    assert extended(policy, CLOSE + timedelta(minutes=3, seconds=30), closes_at=second) is None


@pytest.mark.parametrize("policy", [
    SoftClose(),
    SoftClose(window=timedelta(0), extension=FIVE),
    SoftClose(window=FIVE, extension=timedelta(0)),
    SoftClose(window=FIVE, extension=FIVE, cap=timedelta(0)),
])
def test_zero_disables_soft_close(policy: SoftClose) -> None:
    assert extended(policy, at(1)) is None


def test_negative_soft_close_terms_are_refused() -> None:
    with pytest.raises(AuctionInvalid):
        SoftClose(window=-FIVE, extension=FIVE)
    with pytest.raises(AuctionInvalid):
        SoftClose(window=FIVE, extension=FIVE, cap=-FIVE)


minutes = st.integers(min_value=0, max_value=30).map(lambda m: timedelta(minutes=m))
seconds_before = st.integers(min_value=0, max_value=40 * 60).map(lambda s: timedelta(seconds=s))


@given(window=minutes, extension=minutes, cap=st.none() | minutes, already=minutes, before=seconds_before)
def test_an_extension_only_ever_moves_the_close_later_within_the_window_and_the_cap(
        window: timedelta, extension: timedelta, cap: timedelta | None, already: timedelta,
        before: timedelta) -> None:
    policy = SoftClose(window=window, extension=extension, cap=cap)
    closes_at = CLOSE + already if cap is None else CLOSE + min(already, cap)
    accepted_at = closes_at - before - timedelta(seconds=1)  # a bid is only ever accepted before the close
    new_close = extended(policy, accepted_at, closes_at=closes_at)
    if new_close is None:
        return
    assert policy.enabled
    assert closes_at - accepted_at <= window
    assert closes_at < new_close <= accepted_at + extension
    if cap is not None:
        assert new_close <= CLOSE + cap
    else:
        assert new_close == accepted_at + extension


@given(window=minutes, extension=minutes, before=seconds_before)
def test_a_bid_well_inside_the_window_is_always_followed_by_at_least_the_extension(
        window: timedelta, extension: timedelta, before: timedelta) -> None:
    policy = SoftClose(window=window, extension=extension)
    accepted_at = CLOSE - before - timedelta(seconds=1)
    if policy.enabled and CLOSE - accepted_at <= window and extension > CLOSE - accepted_at:
        assert extended(policy, accepted_at) == accepted_at + extension
    else:
        assert extended(policy, accepted_at) is None
