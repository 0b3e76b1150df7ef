"""Living documentation: «Обращения в службы ОМК» (features/requests/requests.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("requests/requests.feature")
