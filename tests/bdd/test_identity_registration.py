"""Living documentation: «Регистрация пользователя» (features/identity/registration.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("identity/registration.feature")
