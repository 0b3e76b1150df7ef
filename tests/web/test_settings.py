"""Account settings: API tokens shown once and revocable, signing out everywhere."""

from __future__ import annotations

import re

import pytest

from omk_domain.identity.model import Role
from tests.web.conftest import Portal, csrf

pytestmark = pytest.mark.web
ADMIN = "direktor@uchastnik0.ru"


def test_an_administrator_issues_a_token_sees_it_once_uses_it_and_revokes_it(portal: Portal) -> None:
    portal.add_person(ADMIN, portal.market.bidders[0].organization_id, role=Role.ADMINISTRATOR)
    with portal.client() as client:
        portal.sign_in(client, ADMIN)
        page = client.post("/account/tokens", data={"name": "1С:ERP", "permissions": ["auction.view"],
                                                    "days": "30"}, headers=csrf(client))
        assert page.status_code == 200, page.text
        token = re.search(r"<code class=\"secret\" data-copy>(omk_[^<]+)</code>", page.text)
        assert token, page.text
        again = client.get("/account")
        assert token.group(1) not in again.text  # shown once
        token_id = re.search(r'action="/account/tokens/([^/]+)/revoke"', again.text)
        assert token_id
    with portal.client() as system:
        bearer = {"authorization": f"Bearer {token.group(1)}"}
        assert system.get("/api/v1/me", headers=bearer).status_code == 200
        lot = portal.market.lot_ids[0]
        refused = system.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=bearer)
        assert refused.status_code == 403  # a view-only token never bids
    with portal.client() as client:
        portal.sign_in(client, ADMIN)
        client.post(f"/account/tokens/{token_id.group(1)}/revoke", headers=csrf(client))
    with portal.client() as system:
        assert system.get("/api/v1/me", headers=bearer).status_code == 401


@pytest.mark.parametrize(("data", "code"), [
    ({"name": "x", "permissions": ["no.such"], "days": "30"}, "permission_unknown"),
    ({"name": "x", "permissions": ["auction.view"], "days": "0"}, "token_expiry_invalid"),
    ({"name": "x", "permissions": ["auction.view"], "days": "366"}, "token_expiry_invalid"),
    ({"name": "x", "permissions": ["auction.view"], "days": "много"}, "token_lifetime_invalid"),
    ({"name": "x", "permissions": ["auction.manage"], "days": "30"}, None),
])
def test_a_token_request_that_cannot_be_granted_is_explained_and_issues_nothing(
        portal: Portal, data: dict[str, object], code: str | None) -> None:
    portal.add_person(ADMIN, portal.market.bidders[0].organization_id, role=Role.ADMINISTRATOR)
    with portal.client() as client:
        portal.sign_in(client, ADMIN)
        page = client.post("/account/tokens", data=data, headers=csrf(client))
    assert 400 <= page.status_code < 500, page.text
    assert 'role="alert"' in page.text
    if code:
        assert f'data-code="{code}"' in page.text
    assert "data-copy" not in page.text


def test_a_bidder_sees_no_token_section_and_cannot_revoke_another_organisations_token(portal: Portal) -> None:
    other_admin = "direktor@uchastnik1.ru"
    portal.add_person(other_admin, portal.market.bidders[1].organization_id, role=Role.ADMINISTRATOR)
    with portal.client() as client:
        portal.sign_in(client, other_admin)
        page = client.post("/account/tokens", data={"name": "ERP", "permissions": ["auction.view"], "days": "5"},
                           headers=csrf(client))
        token_id = re.search(r'action="/account/tokens/([^/]+)/revoke"', page.text)
        assert token_id
    portal.add_person(ADMIN, portal.market.bidders[0].organization_id, role=Role.ADMINISTRATOR)
    with portal.client() as client:
        portal.sign_in(client, "anna@uchastnik0.ru")
        assert 'id="tokens"' not in client.get("/account").text
    with portal.client() as client:
        portal.sign_in(client, ADMIN)
        foreign = client.post(f"/account/tokens/{token_id.group(1)}/revoke", headers=csrf(client))
        missing = client.post("/account/tokens/no-such-token/revoke", headers=csrf(client))
    assert foreign.status_code == missing.status_code == 404


def test_signing_out_everywhere_ends_every_session_of_the_person(portal: Portal) -> None:
    with portal.client() as laptop, portal.client() as phone:
        portal.sign_in(laptop, "anna@uchastnik0.ru")
        portal.sign_in(phone, "anna@uchastnik0.ru")
        done = phone.post("/account/signout-everywhere", headers=csrf(phone), follow_redirects=False)
        assert done.status_code == 303
        assert laptop.get("/api/v1/me").status_code == 401
        assert phone.get("/api/v1/me").status_code == 401
