"""Living documentation: «Поиск лотов» (features/auctions/search.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/search.feature")
