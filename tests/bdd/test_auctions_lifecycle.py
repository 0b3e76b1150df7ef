"""Living documentation: «Жизненный цикл аукциона» (features/auctions/lifecycle.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/lifecycle.feature")
