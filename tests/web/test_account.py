"""The frame's account features: who am I, switching organisations, the demo's first page and outbox."""

from __future__ import annotations

import pytest

from omk_domain.app.identity import GrantRole, RegisterOrganization
from omk_domain.identity.model import Role
from tests.contract.builders import STAFF, inn
from tests.web.conftest import Portal, csrf

pytestmark = pytest.mark.web
ANNA = "anna@uchastnik0.ru"


def test_a_member_of_two_organisations_switches_and_the_session_remembers(portal: Portal) -> None:
    anna_id, _ = portal.people[ANNA]
    second = portal.market.bidders[1].organization_id
    portal.services.bus.handle(GrantRole(user_id=anna_id, organization_id=second,
                                         roles=frozenset({Role.VIEWER})), STAFF)
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        before = client.get("/api/v1/me").json()
        assert before["organization_name"] == "ООО Участник 0"
        assert {o["name"] for o in before["organizations"]} == {"ООО Участник 0", "ООО Участник 1"}
        switched = client.post("/organization", data={"organization_id": second, "next": "/"},
                               headers=csrf(client), follow_redirects=False)
        assert switched.status_code == 303
        after = client.get("/api/v1/me").json()
        page = client.get("/")
    assert after["organization_name"] == "ООО Участник 1"
    assert after["roles"] == ["Наблюдатель"] or "auction.bid" not in after["permissions"]
    assert "ООО Участник 1" in page.text


def test_switching_to_an_organisation_one_is_not_a_member_of_is_not_found_and_changes_nothing(
        portal: Portal) -> None:
    stranger = portal.services.bus.handle(RegisterOrganization(name="ООО Чужие", inn=inn(77)), STAFF)
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        refused = client.post("/organization", data={"organization_id": stranger.id},
                              headers={**csrf(client), "accept": "application/json"})
        missing = client.post("/organization", data={"organization_id": "no-such-org"},
                              headers={**csrf(client), "accept": "application/json"})
        after = client.get("/api/v1/me").json()
    assert refused.status_code == missing.status_code == 404
    assert refused.json()["detail"] == missing.json()["detail"]
    assert after["organization_name"] == "ООО Участник 0"


def test_the_first_page_signed_out_offers_sign_in(portal: Portal) -> None:
    with portal.client() as client:
        page = client.get("/")
    assert page.status_code == 200
    assert 'href="/signin"' in page.text
    assert "Демонстрационный режим" not in page.text  # no demo data here


def test_the_dashboard_lists_the_running_auction_of_the_organisation(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/")
    assert "Идут торги" in page.text
    assert "A-1" in page.text


def test_the_local_outbox_page_shows_the_sign_in_code_on_the_embedded_set_up(portal: Portal) -> None:
    with portal.client() as client:
        client.get("/signin")
        client.post("/signin", data={"email": ANNA, "password": "Зелёный-чайник-2026"}, headers=csrf(client))
        page = client.get("/dev/outbox")
    assert page.status_code == 200
    assert portal.last_code(ANNA) in page.text


def test_the_local_outbox_page_does_not_exist_when_mail_goes_out_by_smtp(portal: Portal) -> None:
    import attrs

    from omk_web.app import create_app

    portal.services.settings = attrs.evolve(portal.services.settings, smtp_url="smtp://127.0.0.1:2525")
    from litestar.testing import TestClient

    with TestClient(create_app(portal.services, scheduler=False)) as client:
        assert client.get("/dev/outbox").status_code == 404
