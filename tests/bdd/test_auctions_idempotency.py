"""Living documentation: «Повтор команд» (features/auctions/idempotency.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/idempotency.feature")
