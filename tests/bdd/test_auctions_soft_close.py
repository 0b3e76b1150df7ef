"""Living documentation: «Мягкое закрытие» (features/auctions/soft_close.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/soft_close.feature")
