"""`omk users list|show|block|unblock|purge-registrations`: pages of users, one user with its memberships,
blocking that ends sessions and is audited, the exit codes of docs/CLI.md; nothing secret printed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omk_adapters.bootstrap import bootstrap
from omk_domain.app.registration import StartRegistration
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli

PASSWORD = "Зелёный-чайник-2026"


def _two_members(omk: Omk) -> None:
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    for email in ("b@romashka.ru", "a@romashka.ru"):
        omk("users", "create", "--email", email, "--name", "Пётр Иванов", "--role", "bidder", "--org", "7707083893",
            "--password", PASSWORD)


def test_users_are_listed_in_pages_and_shown_without_secrets(migrated: Omk) -> None:
    omk = migrated
    _two_members(omk)
    omk("users", "create", "--email", "staff@omk.ru", "--name", "Анна", "--role", "support")
    everyone = omk.json("users", "list")
    assert [u["email"] for u in everyone] == ["a@romashka.ru", "b@romashka.ru", "staff@omk.ru"]
    assert [u["email"] for u in omk.json("users", "list", "--limit", "1", "--offset", "1")] == ["b@romashka.ru"]
    members = omk.json("users", "list", "--org", "7707083893")
    assert sorted(u["email"] for u in members) == ["a@romashka.ru", "b@romashka.ru"]
    assert all(u["memberships"][0]["roles"] == ["bidder"] for u in members)
    shown = omk.json("users", "show", "a@romashka.ru")
    assert shown["email"] == "a@romashka.ru" and shown["password_set"] is True and shown["blocked"] is False
    assert "password_hash" not in shown and "$argon2" not in omk("users", "show", "a@romashka.ru").output
    omk("users", "list", "--limit", "0", code=3)
    omk("users", "show", "nobody@romashka.ru", code=4)
    omk("users", "list", "--org", "500100732259", code=4)


def test_blocking_is_audited_and_unblocking_restores_the_user(migrated: Omk) -> None:
    omk = migrated
    _two_members(omk)
    blocked = omk.json("users", "block", "a@romashka.ru", "--reason", "Уволился")
    assert blocked["blocked"] is True
    assert omk.json("users", "show", "a@romashka.ru")["blocked"] is True
    again = omk.json("users", "block", "a@romashka.ru")  # nothing changes, nothing audited twice
    assert again["blocked"] is True
    entries = omk.json("audit", "list", "--action", "user")
    assert [e["action"] for e in entries] == ["user.blocked"]
    assert entries[0]["detail"]["reason"] == "Уволился"
    assert omk.json("users", "unblock", "a@romashka.ru")["blocked"] is False
    assert [e["action"] for e in omk.json("audit", "list", "--action", "user")] == ["user.unblocked",
                                                                                     "user.blocked"]
    omk("users", "block", "nobody@romashka.ru", code=4)


def test_purge_removes_only_expired_unverified_registrations(migrated: Omk) -> None:
    omk = migrated
    assert omk.json("users", "purge-registrations") == {"removed": 0}
    services = bootstrap(clock=omk.clock)
    try:
        services.bus.handle(StartRegistration(email="new@a.ru", phone="+79123456789", full_name="Анна",
                                              password=PASSWORD), None)
    finally:
        services.close()
    assert omk.json("users", "purge-registrations") == {"removed": 0}  # codes still valid
    omk.clock.advance(timedelta(hours=2))
    assert omk.json("users", "purge-registrations") == {"removed": 0}  # expired, but kept a day
    assert omk.json("users", "purge-registrations", "--kept-hours", "1") == {"removed": 1}
    assert [e["action"] for e in omk.json("audit", "list", "--action", "registration.purged")] == [
        "registration.purged"]
    omk("users", "purge-registrations", "--kept-hours", "-1", code=3)
