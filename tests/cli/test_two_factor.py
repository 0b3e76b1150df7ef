"""`omk users two-factor USER --status|--reset`: staff see a user's second factors and reset a lost
authenticator app (audited); the user then signs in with a code by email again."""

from __future__ import annotations

import pyotp
import pytest

from omk_adapters.bootstrap import bootstrap
from omk_domain.app.two_factor import ConfirmTwoFactorEnrolment, StartTwoFactorEnrolment
from omk_domain.identity.model import Actor, Role
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def test_staff_see_and_reset_a_users_authenticator_app(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    created = omk.json("users", "create", "--email", "p@romashka.ru", "--name", "Пётр", "--role", "bidder",
                       "--org", "7707083893", "--password", "Зелёный-чайник-2026")
    before = omk.json("users", "two-factor", "p@romashka.ru")
    assert (before["app_enabled"], before["recovery_codes_left"]) == (False, 0)

    services = bootstrap(clock=omk.clock)
    try:
        with services.uow_factory() as uow:
            (membership,) = uow.memberships.of_user(created["id"])
        me = Actor(user_id=created["id"], role=Role.BIDDER, organization_id=membership.organization_id)
        secret = services.bus.handle(StartTwoFactorEnrolment(), me).secret
        services.bus.handle(ConfirmTwoFactorEnrolment(code=pyotp.TOTP(secret).at(omk.clock.now())), me)
    finally:
        services.close()

    status = omk.json("users", "two-factor", "p@romashka.ru", "--status")
    assert (status["app_enabled"], status["recovery_codes_left"]) == (True, 10)
    assert "Резервных кодов осталось" in omk("users", "two-factor", "p@romashka.ru").stdout
    reset = omk.json("users", "two-factor", "p@romashka.ru", "--reset")
    assert (reset["reset"], reset["app_enabled"], reset["recovery_codes_left"]) == (True, False, 0)
    assert omk.json("users", "two-factor", "p@romashka.ru", "--reset")["reset"] is False
    assert secret not in omk("audit", "list", "--json").stdout
    assert [e["action"] for e in omk.json("audit", "list", "--action", "two_factor.reset")] == [
        "two_factor.reset", "two_factor.reset"]

    omk("users", "two-factor", "p@romashka.ru", "--status", "--reset", code=2)
    omk("users", "two-factor", "nobody@romashka.ru", code=4)
