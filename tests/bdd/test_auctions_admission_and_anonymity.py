"""Living documentation: «Допуск к торгам и анонимность участников».

features/auctions/admission_and_anonymity.feature
"""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.bdd

scenarios("auctions/admission_and_anonymity.feature")
