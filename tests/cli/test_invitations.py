"""`omk users invite`: the invitation link lands in the local outbox folder and is accepted once."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from omk_adapters.bootstrap import bootstrap
from omk_adapters.notify.local import LocalOutbox
from omk_domain.app.invitations import AcceptInvitation
from omk_domain.identity.invitation import InvitationInvalid
from omk_domain.identity.model import Role
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def test_an_invitation_is_emailed_and_accepted_once(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    sent = omk.json("users", "invite", "7707083893", "Nina@Romashka.ru", "--role", "buyer", "--role", "viewer")
    assert sent["email"] == "nina@romashka.ru" and sent["roles"] == ["buyer", "viewer"]
    assert "Приглашение отправлено" in omk("users", "invite", "7707083893", "lev@romashka.ru",
                                           "--role", "bidder").stdout
    omk("users", "invite", "7830002293", "x@romashka.ru", "--role", "buyer", code=4)  # no such organisation
    omk("users", "invite", "7707083893", "x@romashka.ru", "--role", "system_admin", code=3)

    mail = LocalOutbox.in_data_dir(Path(os.environ["OMK_DATA_DIR"])).latest_email("nina@romashka.ru")
    assert mail is not None
    found = re.search(r"\?token=(\S+)", mail.text)
    assert found is not None
    secret = found.group(1)
    assert secret not in omk("audit", "list", "--json").stdout

    services = bootstrap(clock=omk.clock)
    try:
        membership = services.bus.handle(AcceptInvitation(token=secret, full_name="Нина",
                                                          password="Зелёный-чайник-2026"), None)
        assert membership.roles == frozenset({Role.BUYER, Role.VIEWER})
        with pytest.raises(InvitationInvalid):
            services.bus.handle(AcceptInvitation(token=secret, full_name="Нина", password="Зелёный-чайник-2026"),
                                None)
    finally:
        services.close()
    actions = [e["action"] for e in omk.json("audit", "list", "--action", "invitation")]
    assert actions[0] == "invitation.accepted" and actions.count("invitation.sent") == 2
