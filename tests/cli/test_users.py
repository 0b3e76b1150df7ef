"""`omk users`: a user created with a phone and a password, a password set later; nothing secret printed."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def test_a_user_is_created_with_a_phone_and_a_password_and_gets_a_new_password(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    user = omk.json("users", "create", "--email", "p@romashka.ru", "--name", "Пётр Иванов", "--role", "bidder",
                    "--org", "7707083893", "--phone", "8 912 345-67-89", "--password", "Зелёный-чайник-2026")
    assert user["phone"] == "+79123456789"
    assert "password_hash" not in user
    result = omk("users", "set-password", "p@romashka.ru", "--password", "Синий-самовар-2027")
    assert "Синий-самовар-2027" not in result.output
    assert [e["action"] for e in omk.json("audit", "list", "--action", "password")] == ["password.changed",
                                                                                       "password.changed"]


def test_a_password_the_policy_refuses_creates_nothing(migrated: Omk) -> None:
    omk = migrated
    omk("users", "create", "--email", "anna@omk.ru", "--name", "Анна", "--role", "organiser", "--password", "short",
        code=3)
    omk("users", "set-password", "anna@omk.ru", "--password", "Зелёный-чайник-2026", code=4)
