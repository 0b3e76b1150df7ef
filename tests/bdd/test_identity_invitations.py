"""Living documentation: «Приглашения в организацию» (features/identity/invitations.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("identity/invitations.feature")
