"""Set-up shared by the admin cabinet's page and API tests: an organiser, lot files, a finished auction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from omk_domain.app.auctions import CreateAuction, ListLots, PlaceBid, SubmitOffer
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.values import AuctionFormat
from omk_domain.identity.model import Role
from omk_domain.shared.money import Money
from tests.contract.builders import STAFF, T0
from tests.web.conftest import Portal, csrf

ORGANISER = "olga@omk.ru"
ANNA = "anna@uchastnik0.ru"
BORIS = "boris@uchastnik1.ru"

HEADER = "number;title;product_type;diameter_mm;wall_mm;quantity;unit;start_price;bid_step;floor_price"
GOOD_ROWS = ["1;Труба 530x8;труба;530;8;100;т;85000;500;",
             "2;Труба 720x10;труба;720;10;50;т;90000;1000;80000"]


def lot_csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def sign_in_organiser(portal: Portal, client: Any) -> dict[str, str]:
    """The organiser (OMK staff, no organisation) signed in through the real pages; its CSRF header."""
    if ORGANISER not in portal.people:
        portal.add_person(ORGANISER, None, Role.AUCTION_ORGANISER)
    portal.sign_in(client, ORGANISER)
    return csrf(client)


def sign_in_anna(portal: Portal, client: Any) -> dict[str, str]:
    portal.sign_in(client, ANNA)
    return csrf(client)


def draft_auction(portal: Portal, number: str = "D-1") -> str:
    """A draft auction starting in two days, no lots yet."""
    now = portal.clock.now()
    summary = portal.services.bus.handle(CreateAuction(
        number=number, title="Трубы бесшовные", format=AuctionFormat.MIXED,
        starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2)), STAFF)
    return str(summary.id)


def trade_and_finish(portal: Portal) -> dict[str, Any]:
    """Anna bids on lot 1, Boris tops her, Anna offers on lot 2; then every lot closes."""
    bus, market = portal.services.bus, portal.market
    anna, boris = market.bidders
    first = bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), anna)
    second = bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("90000")), boris)
    bus.handle(SubmitOffer(lot_id=market.lot_ids[1], amount=Money.rub("80000")), anna)
    portal.clock.set(market.ends_at + timedelta(minutes=1))
    run_due_transitions(portal.services.uow_factory, portal.clock)
    return {"anna_bid": first.item_id, "boris_bid": second.item_id}


def lots_of(portal: Portal, auction_id: str) -> list[Any]:
    return list(portal.services.bus.handle(ListLots(auction_id=auction_id), STAFF))


__all__ = ["ANNA", "BORIS", "GOOD_ROWS", "ORGANISER", "T0", "draft_auction", "lot_csv", "lots_of",
           "sign_in_anna", "sign_in_organiser", "trade_and_finish"]


def sealed_offers(portal: Portal) -> str:
    """Anna offers 77 123 and Boris 76 543 on lot 2, sealed (only OMK's organisers may see them); the lot's id."""
    bus, market = portal.services.bus, portal.market
    anna, boris = market.bidders
    bus.handle(SubmitOffer(lot_id=market.lot_ids[1], amount=Money.rub("77123")), anna)
    bus.handle(SubmitOffer(lot_id=market.lot_ids[1], amount=Money.rub("76543")), boris)
    return market.lot_ids[1]
