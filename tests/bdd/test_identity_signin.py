"""Living documentation: «Вход с паролем и одноразовым кодом» (features/identity/signin.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("identity/signin.feature")
