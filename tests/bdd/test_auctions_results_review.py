"""Living documentation: «Рассмотрение итогов» (features/auctions/results_review.feature)."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/results_review.feature")
