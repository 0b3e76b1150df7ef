"""What an organisation may do on a lot page, and the plain-Russian reason when it may not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omk_domain.auctions import errors
from omk_domain.auctions.actions import (
    AUCTION_CANCELLED,
    CLOSED,
    NO_ACTIVE_OFFER,
    NO_BID_PERMISSION,
    NOT_ADMITTED,
    NOT_STARTED,
    allowed_actions,
)
from omk_domain.auctions.board import board_changes, lot_board, public_version
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, SoftClose
from omk_domain.auctions.views import lot_view_for
from omk_domain.shared.ids import new_id
from tests.unit.auction_builders import CLOSES, OPENS, pipe_lot, rub, running_auction

pytestmark = pytest.mark.unit

X, Y = new_id(), new_id()
DURING = OPENS + timedelta(minutes=10)


def market(fmt: AuctionFormat = AuctionFormat.MIXED, soft_close: SoftClose | None = None) -> tuple[Auction, Lot]:
    auction = running_auction(X, Y, fmt=fmt, soft_close=soft_close)
    return auction, pipe_lot(auction, floor=60000)


def actions(auction: Auction, lot: Lot, now=DURING, org: str = X, may_trade: bool = True):  # type: ignore[no-untyped-def]
    return allowed_actions(lot_view_for(auction, lot, org), now, may_trade=may_trade)


def test_on_a_fresh_mixed_lot_a_bid_and_an_offer_are_allowed_and_offer_changes_are_not() -> None:
    auction, lot = market()
    a = actions(auction, lot)
    assert a.place_bid.allowed and a.submit_offer.allowed
    assert a.place_bid.reason_ru is None
    for refused in (a.edit_offer, a.withdraw_offer, a.replace_by_bid):
        assert not refused.allowed
        assert refused.reason_ru == NO_ACTIVE_OFFER


def test_with_an_active_offer_it_can_be_edited_withdrawn_or_replaced_by_a_bid_but_not_made_twice() -> None:
    auction, lot = market()
    lot.submit_offer(auction, organization_id=X, user_id="u", amount=rub(80000), now=DURING)
    a = actions(auction, lot)
    assert a.edit_offer.allowed and a.withdraw_offer.allowed and a.replace_by_bid.allowed
    assert not a.submit_offer.allowed
    assert a.submit_offer.reason_ru == errors.ActiveOfferExists.message_ru


def test_before_the_start_nothing_is_allowed_and_the_reason_says_trading_has_not_started() -> None:
    auction, lot = market()
    a = actions(auction, lot, now=OPENS - timedelta(minutes=1))
    assert not a.place_bid.allowed and a.place_bid.reason_ru == NOT_STARTED
    assert a.submit_offer.reason_ru == NOT_STARTED


def test_at_the_close_time_and_after_the_lot_closed_the_reason_is_that_trading_is_over() -> None:
    auction, lot = market()
    assert actions(auction, lot, now=CLOSES).place_bid.reason_ru == CLOSED
    lot.close(CLOSES)
    a = actions(auction, lot, now=CLOSES)
    assert a.place_bid.reason_ru == CLOSED and a.submit_offer.reason_ru == CLOSED


def test_a_cancelled_auction_refuses_everything_saying_it_was_cancelled() -> None:
    auction, lot = market()
    auction.cancel(DURING, "Пересмотр условий")
    assert actions(auction, lot).place_bid.reason_ru == AUCTION_CANCELLED


def test_a_revoked_admission_refuses_everything_saying_the_organisation_is_not_admitted() -> None:
    auction, lot = market()
    auction.revoke_admission(X, DURING)
    a = actions(auction, lot)
    assert a.place_bid.reason_ru == NOT_ADMITTED and a.submit_offer.reason_ru == NOT_ADMITTED


def test_a_person_whose_role_may_not_bid_is_told_so() -> None:
    auction, lot = market()
    a = actions(auction, lot, may_trade=False)
    assert not a.place_bid.allowed and a.place_bid.reason_ru == NO_BID_PERMISSION


def test_the_leader_may_not_bid_again_and_the_reason_says_its_bid_already_leads() -> None:
    auction, lot = market()
    lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=DURING)
    assert actions(auction, lot).place_bid.reason_ru == errors.LeaderCannotOutbidItself.message_ru
    assert actions(auction, lot, org=Y).place_bid.allowed


def test_once_an_open_bid_exists_no_new_offer_is_allowed_but_an_existing_one_can_still_change() -> None:
    auction, lot = market()
    lot.submit_offer(auction, organization_id=Y, user_id="v", amount=rub(80000), now=DURING)
    lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=DURING)
    assert actions(auction, lot).submit_offer.reason_ru == errors.OffersClosedByOpenBid.message_ru
    theirs = actions(auction, lot, org=Y)
    assert theirs.edit_offer.allowed and theirs.withdraw_offer.allowed and theirs.replace_by_bid.allowed


def test_the_open_format_refuses_offers_and_the_closed_format_refuses_bids_and_replacing_by_a_bid() -> None:
    auction, lot = market(AuctionFormat.OPEN)
    assert actions(auction, lot).submit_offer.reason_ru == errors.OffersNotAllowed.message_ru
    auction, lot = market(AuctionFormat.CLOSED)
    lot.submit_offer(auction, organization_id=X, user_id="u", amount=rub(80000), now=DURING)
    a = actions(auction, lot)
    assert a.place_bid.reason_ru == errors.OpenBidsNotAllowed.message_ru
    assert a.replace_by_bid.reason_ru == errors.OpenBidsNotAllowed.message_ru
    assert a.edit_offer.allowed


def test_every_refusal_the_page_predicts_is_what_the_aggregate_then_raises() -> None:
    auction, lot = market(AuctionFormat.OPEN)
    lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=DURING)
    a = actions(auction, lot)
    with pytest.raises(errors.LeaderCannotOutbidItself) as bid:
        lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(90000), now=DURING)
    with pytest.raises(errors.OffersNotAllowed) as offer:
        lot.submit_offer(auction, organization_id=Y, user_id="v", amount=rub(80000), now=DURING)
    assert a.place_bid.reason_ru == bid.value.message_ru
    assert actions(auction, lot, org=Y).submit_offer.reason_ru == offer.value.message_ru


# --- the public board the live channel sends ---------------------------------------------------

def test_the_public_version_counts_bids_annulments_and_the_close_but_not_offers() -> None:
    auction, lot = market()
    lot.submit_offer(auction, organization_id=Y, user_id="v", amount=rub(80000), now=DURING)
    lot.edit_offer(auction, offer_id=lot.offers[0].id, organization_id=Y, user_id="v", amount=rub(81000), now=DURING)
    assert public_version(lot) == 0
    bid = lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=DURING)
    lot.annul_bid(auction, bid_id=bid.id, reason="Ошибка", user_id="s", now=DURING)
    lot.close(CLOSES)
    assert public_version(lot) == 3


def test_the_board_carries_aliases_and_amounts_of_open_bids_and_nothing_about_offers_or_organisations() -> None:
    auction, lot = market()
    lot.submit_offer(auction, organization_id=Y, user_id="v", amount=rub(79123), now=DURING)
    lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=DURING)
    text = repr(lot_board(auction, lot))
    assert "79123" not in text and X not in text and Y not in text and "60000" not in text
    assert "Участник 1" in text and "85000" in text


def test_board_changes_name_a_new_bid_an_extension_an_annulment_and_the_close() -> None:
    auction, lot = market(soft_close=SoftClose(window=timedelta(minutes=5), extension=timedelta(minutes=5)))
    start = lot_board(auction, lot)
    bid = lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=CLOSES - timedelta(minutes=1))
    after_bid = lot_board(auction, lot)
    assert [c.kind for c in board_changes(start, after_bid)] == ["bid", "extended"]
    lot.annul_bid(auction, bid_id=bid.id, reason="Ошибка", user_id="s", now=CLOSES)
    after_annul = lot_board(auction, lot)
    changes = board_changes(after_bid, after_annul)
    assert [c.kind for c in changes] == ["annulled"] and changes[0].bid is not None
    lot.close(lot.closes_at)
    assert [c.kind for c in board_changes(after_annul, lot_board(auction, lot))] == ["closed"]
