"""Living documentation: «Организации-клиенты» (features/identity/organizations.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("identity/organizations.feature")
