"""Who may watch a lot live, at connect time (WatchLot) and for as long as it watches (RecheckWatch):
an active organisation still admitted to the auction, through a session or API token that still holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.auctions import RevokeAdmission
from omk_domain.app.identity import BlockOrganization, RegisterUser
from omk_domain.app.lot_page import AuctionWatch, RecheckWatch, WatchAuctionBids, WatchLot
from omk_domain.app.signin import SignOut
from omk_domain.app.tokens import IssuedToken, IssueToken, RevokeToken
from omk_domain.auctions.errors import OrganisationNotAdmitted
from omk_domain.identity.model import OrganizationNotActive, Role
from omk_domain.identity.policy import Permission
from omk_domain.identity.signin import SessionInvalid, UserSession
from omk_domain.identity.tokens import TokenInvalid
from omk_domain.shared.errors import Forbidden
from tests.contract.backends import memory_backend
from tests.contract.builders import STAFF, Market, open_market

pytestmark = pytest.mark.unit


@pytest.fixture()
def market() -> Market:
    return open_market(memory_backend().uow_factory, lots=1)


def session_for(market: Market, organization_id: str | None, *, email: str = "anna@uchastnik0.ru",
                role: Role = Role.BIDDER) -> tuple[str, UserSession]:
    user = market.bus.handle(RegisterUser(email=email, full_name="Анна", role=role,
                                          organization_id=organization_id), STAFF)
    session, token = UserSession.start(user_id=user.id, organization_id=organization_id, now=market.clock.now(),
                                       source=None)
    with market.uow_factory() as uow:
        uow.sessions.add(session)
        uow.commit()
    return token, session


def issue_token(market: Market, organization_id: str) -> IssuedToken:
    issued: IssuedToken = market.bus.handle(IssueToken(organization_id=organization_id, name="ERP",
                                                       permissions=frozenset({Permission.AUCTION_VIEW}),
                                                       expires_at=market.clock.now() + timedelta(days=30)), STAFF)
    return issued


def org_of(market: Market, n: int) -> str:
    org = market.bidders[n].organization_id
    assert org is not None
    return org


def recheck(market: Market, **kwargs: str) -> None:
    market.bus.handle(RecheckWatch(lot_id=kwargs.pop("lot_id", market.lot_ids[0]), **kwargs), None)


def test_an_admitted_organisation_watches_and_stays_authorised_without_its_session_being_touched(
        market: Market) -> None:
    token, session = session_for(market, market.bidders[0].organization_id)
    view = market.bus.handle(WatchLot(lot_id=market.lot_ids[0]), market.bidders[0])
    market.clock.advance(timedelta(minutes=5))
    recheck(market, session_token=token)
    with market.uow_factory() as uow:
        stored = uow.sessions.by_token_hash(session.token_hash)
    assert view.my_alias == "Участник 1"
    assert stored is not None and stored.last_seen_at == session.last_seen_at  # watching is no activity


def test_a_signed_out_or_idle_session_no_longer_watches(market: Market) -> None:
    signed_out, _ = session_for(market, market.bidders[0].organization_id)
    idle, _ = session_for(market, market.bidders[1].organization_id, email="boris@uchastnik1.ru")
    market.bus.handle(SignOut(token=signed_out), None)
    with pytest.raises(SessionInvalid):
        recheck(market, session_token=signed_out)
    recheck(market, session_token=idle)
    market.clock.advance(timedelta(days=2))  # past the idle timeout: re-checks kept nothing alive
    with pytest.raises(SessionInvalid):
        recheck(market, session_token=idle)


def test_a_revoked_admission_ends_watching_and_refuses_a_new_connection(market: Market) -> None:
    org = org_of(market, 0)
    token, _ = session_for(market, org)
    market.bus.handle(RevokeAdmission(auction_id=market.auction_id, organization_id=org), STAFF)
    with pytest.raises(OrganisationNotAdmitted):
        recheck(market, session_token=token)
    with pytest.raises(OrganisationNotAdmitted):
        market.bus.handle(WatchLot(lot_id=market.lot_ids[0]), market.bidders[0])
    recheck(market, session_token=session_for(market, market.bidders[1].organization_id,
                                              email="boris@uchastnik1.ru")[0])


def test_a_blocked_organisations_people_and_tokens_no_longer_watch(market: Market) -> None:
    org = org_of(market, 0)
    token, _ = session_for(market, org)
    api = issue_token(market, org)
    recheck(market, api_token=api.token)
    market.bus.handle(BlockOrganization(organization_id=org, reason="Проверка"), STAFF)
    with pytest.raises(OrganizationNotActive):
        recheck(market, session_token=token)
    with pytest.raises(TokenInvalid):
        recheck(market, api_token=api.token)


def test_a_revoked_token_no_longer_watches(market: Market) -> None:
    org = org_of(market, 0)
    api = issue_token(market, org)
    market.bus.handle(RevokeToken(token_id=api.api_token.id), STAFF)
    with pytest.raises(TokenInvalid):
        recheck(market, api_token=api.token)


def test_only_staff_watch_an_auctions_bids_and_only_the_organiser_hears_of_offers(market: Market) -> None:
    staff_token, _ = session_for(market, None, email="olga@omk.ru", role=Role.ORGANISER)
    client_token, _ = session_for(market, market.bidders[0].organization_id)
    watch = market.bus.handle(WatchAuctionBids(auction_id=market.auction_id), STAFF)
    assert watch == AuctionWatch(auction_id=market.auction_id, with_offers=True)
    market.bus.handle(RecheckWatch(auction_id=market.auction_id, session_token=staff_token), None)
    with pytest.raises(Forbidden):
        market.bus.handle(WatchAuctionBids(auction_id=market.auction_id), market.bidders[0])
    with pytest.raises(Forbidden):
        market.bus.handle(RecheckWatch(auction_id=market.auction_id, session_token=client_token), None)
