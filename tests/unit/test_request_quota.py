"""The password-reset quotas: a sliding window that says how long until one more request fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_domain.identity.reset import RESETS_PER_ADDRESS, RESETS_PER_EMAIL, RequestQuota

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@given(limit=st.integers(1, 5), window_s=st.integers(60, 7200),
       ages=st.lists(st.integers(0, 10_000), max_size=12))
def test_one_more_fits_exactly_when_fewer_than_limit_fall_in_the_window_and_after_the_wait(
        limit: int, window_s: int, ages: list[int]) -> None:
    quota = RequestQuota(limit=limit, window=timedelta(seconds=window_s))
    recent = [NOW - timedelta(seconds=age) for age in ages]
    inside = sum(1 for age in ages if age < window_s)
    wait = quota.seconds_until_free(recent, NOW)
    assert (wait == 0) == (inside < limit)
    if wait:
        assert quota.seconds_until_free(recent, NOW + timedelta(seconds=wait)) == 0  # the wait is enough
        assert quota.seconds_until_free(recent, NOW + timedelta(seconds=wait - 1)) > 0  # and not too long


def test_the_quotas_of_the_rule() -> None:
    assert (RESETS_PER_EMAIL.limit, RESETS_PER_EMAIL.window) == (3, timedelta(hours=1))
    assert (RESETS_PER_ADDRESS.limit, RESETS_PER_ADDRESS.window) == (10, timedelta(minutes=15))
