"""The portal in-process (Litestar TestClient) on a fresh SQLite file, time from a ManualClock.

`Portal` holds a running market (one auction, lots, two admitted organisations with a person
each) and signs people in through the real two-step pages, reading the code from the local
outbox the way a newcomer would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from litestar.testing import TestClient

from omk_adapters.bootstrap import Services, bootstrap
from omk_adapters.memory.clock import ManualClock
from omk_adapters.notify.local import LocalOutbox
from omk_adapters.settings import Settings
from omk_domain.app.identity import GrantRole, RegisterUser
from omk_domain.app.tokens import IssueToken
from omk_domain.identity.model import Role
from omk_domain.identity.policy import Permission
from omk_web.app import create_app
from tests.contract.builders import STAFF, T0, Market, open_market


@pytest.fixture(autouse=True)
def _test_client_is_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestar's TestClient names its peer «testclient», not an address: for the web tests it is this
    machine (the dev outbox page serves only this machine; production code knows no such name)."""
    from omk_web.pages import devoutbox

    monkeypatch.setattr(devoutbox, "LOOPBACK_NAMES", devoutbox.LOOPBACK_NAMES | {"testclient"})

PASSWORD = "Зелёный-чайник-2026"
CODE = re.compile(r"\b(\d{6})\b")


@attrs.define
class Portal:
    services: Services
    market: Market
    clock: ManualClock
    data_dir: Path
    #: email → user id, organisation id
    people: dict[str, tuple[str, str | None]] = attrs.field(factory=dict)

    def client(self) -> TestClient[Any]:
        return TestClient(create_app(self.services, scheduler=False))

    def add_person(self, email: str, organization_id: str | None, role: Role = Role.BIDDER) -> str:
        user = self.services.bus.handle(RegisterUser(
            email=email, full_name=f"Участник {email.split('@', maxsplit=1)[0]}", role=role,
            organization_id=organization_id, password=PASSWORD), STAFF)
        if organization_id is not None and role is not Role.BIDDER:
            self.services.bus.handle(GrantRole(user_id=user.id, organization_id=organization_id,
                                               roles=frozenset({Role.BIDDER})), STAFF)
        self.people[email] = (user.id, organization_id)
        return str(user.id)

    def last_code(self, email: str) -> str:
        outbox = LocalOutbox.in_data_dir(self.data_dir)
        mail = outbox.latest_email(email)
        assert mail is not None, f"no email to {email}"
        found = CODE.search(mail.text)
        assert found, mail.text
        return found.group(1)

    def sign_in(self, client: TestClient[Any], email: str, password: str = PASSWORD) -> Any:
        """The two pages a person goes through: email and password, then the emailed code."""
        self.clock.advance(timedelta(seconds=2))  # the outbox orders letters by their time
        client.get("/signin")
        page = client.post("/signin", data={"email": email, "password": password, "next": "/"},
                           headers=csrf(client))
        assert page.status_code == 200, page.text
        challenge = re.search(r'name="challenge_id" value="([^"]+)"', page.text)
        assert challenge, page.text
        done = client.post("/signin/code", data={"challenge_id": challenge.group(1), "code": self.last_code(email),
                                                 "next": "/"}, headers=csrf(client), follow_redirects=False)
        assert done.status_code == 303, done.text
        return done

    def token(self, email: str, permissions: frozenset[Permission] | None = None) -> str:
        _, org_id = self.people[email]
        assert org_id is not None
        issued = self.services.bus.handle(IssueToken(
            organization_id=org_id, name="ERP", permissions=permissions or frozenset({Permission.AUCTION_VIEW,
                                                                                    Permission.AUCTION_BID}),
            expires_at=self.clock.now() + timedelta(days=30)), STAFF)
        return str(issued.token)


def csrf(client: TestClient[Any]) -> dict[str, str]:
    """The double-submit header a page's script (or form field) sends back."""
    token = client.cookies.get("omk_csrf")
    if token is None:
        client.get("/health")
        client.get("/signin")
        token = client.cookies.get("omk_csrf")
    assert token, "no CSRF cookie was set"
    return {"x-csrf-token": token}


@pytest.fixture()
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    for name in ("OMK_AMQP_URL", "OMK_CONFIG", "OMK_SMTP_URL", "OMK_SMS_GATEWAY", "OMK_WEB_SECRET"):
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    settings = Settings.load({"OMK_DATA_DIR": str(data_dir),
                              "OMK_DATABASE_URL": f"sqlite:///{tmp_path / 'omk.sqlite3'}",
                              "OMK_ARGON2_TIME_COST": "1", "OMK_ARGON2_MEMORY_KIB": "256",
                              "OMK_ARGON2_PARALLELISM": "1"})
    clock = ManualClock(T0 - timedelta(days=1))
    services = bootstrap(settings, clock=clock, migrate=True)
    market = open_market(services.uow_factory, lots=2)
    clock.set(market.clock.now())
    portal = Portal(services=services, market=market, clock=clock, data_dir=data_dir)
    portal.add_person("anna@uchastnik0.ru", market.bidders[0].organization_id)
    portal.add_person("boris@uchastnik1.ru", market.bidders[1].organization_id)
    try:
        yield portal
    finally:
        services.close()
