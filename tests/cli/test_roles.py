"""`omk roles`: grant, revoke and list client roles from a script; exit codes from the one table."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def test_roles_are_granted_listed_and_revoked_and_the_last_administrator_stays(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    omk("users", "create", "--email", "p@romashka.ru", "--name", "Пётр", "--role", "administrator",
        "--org", "7707083893")
    granted = omk.json("roles", "grant", "p@romashka.ru", "7707083893", "finance", "buyer")
    assert granted["roles"] == ["administrator", "buyer", "finance"]
    listed = omk.json("roles", "list", "--org", "7707083893")
    assert [m["roles"] for m in listed] == [["administrator", "buyer", "finance"]]
    assert omk.json("roles", "revoke", "p@romashka.ru", "7707083893", "buyer")["roles"] == ["administrator",
                                                                                          "finance"]
    omk("roles", "revoke", "p@romashka.ru", "7707083893", "administrator", code=5)
    omk("roles", "grant", "p@romashka.ru", "7707083893", "emperor", code=2)
    omk("roles", "grant", "p@romashka.ru", "7707083893", "system_admin", code=3)
    omk("roles", "grant", "p@romashka.ru", "7830002293", "viewer", code=4)
    actions = [e["action"] for e in omk.json("audit", "list", "--action", "role")]
    assert actions == ["role.revoked", "role.granted"]
