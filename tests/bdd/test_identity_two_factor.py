"""Living documentation: «Второй фактор при входе» (features/identity/two_factor.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("identity/two_factor.feature")
