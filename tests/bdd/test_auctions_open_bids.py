"""Living documentation: «Открытые ставки» (features/auctions/open_bids.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/open_bids.feature")
