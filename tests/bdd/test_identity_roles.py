"""Living documentation: «Роли и права» (features/identity/roles.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("identity/roles.feature")
