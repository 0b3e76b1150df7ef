"""`omk users reset-password`: the link lands in the local outbox folder, where a newcomer reads it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from omk_adapters.bootstrap import bootstrap
from omk_adapters.notify.local import LocalOutbox
from omk_domain.app.reset import ResetPassword
from omk_domain.identity.reset import ResetLinkInvalid
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def test_the_reset_link_is_read_from_the_outbox_and_works_once(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    omk("users", "create", "--email", "p@romashka.ru", "--name", "Пётр", "--role", "bidder",
        "--org", "7707083893", "--password", "Зелёный-чайник-2026")
    sent = omk.json("users", "reset-password", "p@romashka.ru")
    assert sent["reset_link_sent"] is True and sent["email"] == "p@romashka.ru"
    omk("users", "reset-password", "nobody@romashka.ru", code=4)

    mail = LocalOutbox.in_data_dir(Path(os.environ["OMK_DATA_DIR"])).latest_email("p@romashka.ru")
    assert mail is not None
    found = re.search(r"\?token=(\S+)", mail.text)
    assert found is not None
    secret = found.group(1)
    assert secret not in omk("audit", "list", "--json").stdout

    services = bootstrap(clock=omk.clock)
    try:
        services.bus.handle(ResetPassword(token=secret, new_password="Синий-самовар-2027"), None)
        with pytest.raises(ResetLinkInvalid):
            services.bus.handle(ResetPassword(token=secret, new_password="Синий-самовар-2028"), None)
    finally:
        services.close()
    actions = [e["action"] for e in omk.json("audit", "list", "--action", "password")]
    assert actions[0] == "password.reset" and "password.reset_requested" in actions


def test_a_fourth_link_within_the_hour_is_refused_to_staff_with_the_wait(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    omk("users", "create", "--email", "p@romashka.ru", "--name", "Пётр", "--role", "bidder",
        "--org", "7707083893", "--password", "Зелёный-чайник-2026")
    for _ in range(3):
        assert omk.json("users", "reset-password", "p@romashka.ru")["reset_link_sent"] is True
    refused = omk("users", "reset-password", "p@romashka.ru", code=5)
    assert "три ссылки" in refused.stderr and "через 60 мин" in refused.stderr
    sent = [m for m in LocalOutbox.in_data_dir(Path(os.environ["OMK_DATA_DIR"])).emails("p@romashka.ru")
            if m.subject == "Смена пароля"]
    assert len(sent) == 3
