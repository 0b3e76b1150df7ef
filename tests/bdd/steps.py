"""BDD step modules, loaded from tests/conftest.py."""
