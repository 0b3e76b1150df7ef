"""Living documentation: «Аннулирование ставок» (features/auctions/annulment.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/annulment.feature")
