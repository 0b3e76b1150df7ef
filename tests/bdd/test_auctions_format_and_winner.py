"""Living documentation: «Форма аукциона и определение победителя» (features/auctions/format_and_winner.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/format_and_winner.feature")
