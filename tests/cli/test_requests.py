"""`omk requests list|show`: support reads the service requests of every organisation, with exit codes."""

from __future__ import annotations

import pytest

from omk_adapters.bootstrap import bootstrap
from omk_domain.app.identity import RegisterUser
from omk_domain.app.requests import SendRequest
from omk_domain.identity.model import Actor, Role
from tests.cli.conftest import Omk
from tests.contract.builders import STAFF

pytestmark = pytest.mark.cli


def _send(omk: Omk, org_id: str, subject: str, service: str) -> str:
    services = bootstrap(clock=omk.clock)
    try:
        user = services.bus.handle(RegisterUser(email=f"{service}@romashka.ru", full_name="Анна Петрова",
                                                role=Role.BUYER, organization_id=org_id), STAFF)
        sent = services.bus.handle(SendRequest(service=service, subject=subject,
                                               text="Прошу ответить на вопрос по заказу 4500012345."),
                                   Actor(user_id=user.id, role=Role.BUYER, organization_id=org_id))
        return str(sent.request.id)
    finally:
        services.close()


def test_support_lists_filters_and_shows_requests(migrated: Omk) -> None:
    omk = migrated
    org = omk.json("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    finance = _send(omk, org["id"], "Акт сверки за ноябрь", "finance")
    quality = _send(omk, org["id"], "Сертификат на плавку 77-123", "quality")

    listed = omk.json("requests", "list")
    only_quality = omk.json("requests", "list", "--service", "quality")
    shown = omk.json("requests", "show", finance)
    human = omk("requests", "list", "--status", "new").stdout

    assert listed["total"] == 2 and {r["id"] for r in listed["items"]} == {finance, quality}
    assert [r["id"] for r in only_quality["items"]] == [quality]
    assert shown["subject"] == "Акт сверки за ноябрь" and shown["status"] == "new"
    assert shown["organization_name"] == "ООО «Ромашка»" and shown["author_email"] == "finance@romashka.ru"
    assert "Акт сверки за ноябрь" in human


def test_bad_requests_get_the_usual_exit_codes(migrated: Omk) -> None:
    omk = migrated
    omk("requests", "show", "no-such-request", code=4)
    omk("requests", "list", "--service", "marketing", code=3)
    omk("requests", "list", "--status", "lost", code=3)
    omk("requests", "list", "--limit", "0", code=3)
