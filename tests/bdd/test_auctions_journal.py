"""Living documentation: «Журнал торгов» (features/auctions/journal.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/journal.feature")
