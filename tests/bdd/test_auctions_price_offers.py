"""Living documentation: «Ценовые предложения» (features/auctions/price_offers.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/price_offers.feature")
