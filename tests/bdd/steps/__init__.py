"""BDD step modules, loaded from tests/conftest.py as the plugin `tests.bdd.steps`.

Step text is the Russian of `features/`; the code behind it is English and drives the real
use cases through the message bus on in-memory adapters and a manual clock.
"""

pytest_plugins = [
    "tests.bdd.steps.world",
    "tests.bdd.steps.setup_steps",
    "tests.bdd.steps.trading_steps",
    "tests.bdd.steps.organiser_steps",
    "tests.bdd.steps.visibility_steps",
    "tests.bdd.steps.journal_steps",
    "tests.bdd.steps.search_steps",
    "tests.bdd.steps.identity_steps",
    "tests.bdd.steps.roles_steps",
    "tests.bdd.steps.signin_steps",
    "tests.bdd.steps.account_steps",
    "tests.bdd.steps.two_factor_steps",
    "tests.bdd.steps.requests_steps",
]
