"""The organisation's view of a lot never leaks other organisations' offers or identities."""

from __future__ import annotations

import copy
from datetime import timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omk_domain.auctions import errors
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, LotStatus
from omk_domain.auctions.views import LotView, lot_view_for
from omk_domain.shared.errors import DomainError
from omk_domain.shared.ids import new_id
from tests.unit.auction_builders import CLOSES, OPENS, pipe_lot, rub, running_auction

pytestmark = pytest.mark.unit

X = new_id()  # the organisation whose view we watch
OTHERS = (new_id(), new_id(), new_id())


def market() -> tuple[Auction, Lot]:
    auction = running_auction(X, *OTHERS)
    return auction, pipe_lot(auction, floor=60000)


# --- examples ---------------------------------------------------------------------------------

def test_bids_are_shown_under_aliases_newest_first_with_own_bids_marked() -> None:
    auction, lot = market()
    lot.place_bid(auction, organization_id=X, user_id="u", amount=rub(85000), now=OPENS + timedelta(minutes=5))
    lot.place_bid(auction, organization_id=OTHERS[1], user_id="v", amount=rub(85500),
                  now=OPENS + timedelta(minutes=6))
    view = lot_view_for(auction, lot, X)
    assert [(b.alias, b.amount, b.mine, b.leading) for b in view.bids] == [
        ("Участник 3", rub(85500).amount, False, True),
        ("Участник 1", rub(85000).amount, True, False),
    ]
    assert (view.my_alias, view.leading_alias, view.i_lead) == ("Участник 1", "Участник 3", False)
    assert view.next_minimum_bid == rub(86000).amount


def test_an_organisation_sees_its_own_offer_and_never_the_floor() -> None:
    auction, lot = market()
    lot.submit_offer(auction, organization_id=X, user_id="u", amount=rub(70000), now=OPENS + timedelta(minutes=1))
    view = lot_view_for(auction, lot, X)
    assert view.my_offer is not None and view.my_offer.amount == rub(70000).amount
    assert rub(60000).amount not in {view.start_price, view.bid_step, view.next_minimum_bid, view.my_offer.amount,
                                     *(line.amount for line in view.bids)}


def test_an_organisation_that_was_never_admitted_cannot_see_the_lot() -> None:
    auction, lot = market()
    with pytest.raises(errors.LotNotFound):
        lot_view_for(auction, lot, new_id())


def test_nobody_sees_a_draft_auction_s_lot() -> None:
    auction = Auction.create(number="A-9", title="Трубы", format=AuctionFormat.MIXED, starts_at=OPENS,
                             ends_at=CLOSES, now=OPENS - timedelta(days=1))
    auction.admit(X, OPENS - timedelta(days=1))
    with pytest.raises(errors.LotNotFound):
        lot_view_for(auction, pipe_lot(auction), X)


def test_the_result_is_shown_only_once_approved_and_only_as_won_or_lost() -> None:
    auction, lot = market()
    lot.submit_offer(auction, organization_id=OTHERS[0], user_id="v", amount=rub(80000),
                     now=OPENS + timedelta(minutes=1))
    lot.close(CLOSES)
    assert lot_view_for(auction, lot, X).my_result is None
    lot.approve(CLOSES, "staff")
    assert lot_view_for(auction, lot, X).my_result == "lost"
    assert lot_view_for(auction, lot, OTHERS[0]).my_result == "won"


# --- non-interference -------------------------------------------------------------------------

# An action: (who, what, amount in roubles, minutes after the start). `who` 0 is X, 1..3 the others.
actions = st.tuples(
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["bid", "offer", "edit", "withdraw", "annul"]),
    st.integers(min_value=-1, max_value=12).map(lambda k: 79000 + 500 * k),
    st.integers(min_value=0, max_value=3),
)


def apply(auction: Auction, lot: Lot, history: list[tuple[int, str, int, int]], *,
          keep_others_offers: bool, bump: int = 0) -> None:
    """Replay a history on the lot; others' offer actions kept, dropped, or with amounts moved by `bump`."""
    now = OPENS
    for who, what, drawn, gap in history:
        amount = drawn
        now += timedelta(minutes=gap)
        org = X if who == 0 else OTHERS[who - 1]
        if org != X and what in ("offer", "edit", "withdraw"):
            if not keep_others_offers:
                continue
            amount += bump
        try:
            if what == "bid":
                leader = lot.leader
                lot.place_bid(auction, organization_id=org, user_id="u",
                              amount=(leader.amount + lot.bid_step if leader else lot.start_price)
                              if amount > 84000 else rub(amount), now=now)
            elif what == "offer":
                lot.submit_offer(auction, organization_id=org, user_id="u", amount=rub(amount), now=now)
            elif what in ("edit", "withdraw"):
                offer = lot.active_offer_of(org)
                if offer is None:
                    continue
                if what == "edit":
                    lot.edit_offer(auction, offer_id=offer.id, organization_id=org, user_id="u",
                                   amount=rub(amount), now=now)
                else:
                    lot.withdraw_offer(auction, offer_id=offer.id, organization_id=org, user_id="u", now=now)
            elif lot.bids:
                lot.annul_bid(auction, bid_id=lot.bids[amount % len(lot.bids)].id, reason="проверка",
                              user_id="staff", now=now)
        except DomainError:
            pass


def comparable(view: LotView) -> LotView:
    """The view with X's own offer id set aside: ids are random per run, not information."""
    if view.my_offer is None:
        return view
    return attrs.evolve(view, my_offer=attrs.evolve(view.my_offer, offer_id="own"))


def traces_of_others(lot: Lot) -> list[str]:
    return [*OTHERS, *(o.id for o in lot.offers if o.organization_id != X),
            *(b.id for b in lot.bids)]


@settings(max_examples=80, deadline=None)
@given(history=st.lists(actions, max_size=25), bump=st.integers(min_value=-3000, max_value=3000),
       close=st.booleans())
def test_two_lots_that_differ_only_in_other_organisations_offers_look_the_same_to_x(
        history: list[tuple[int, str, int, int]], bump: int, close: bool) -> None:
    auction, base = market()
    variants = []
    for keep, moved in ((True, 0), (True, bump), (False, 0)):
        lot = copy.deepcopy(base)
        apply(auction, lot, history, keep_others_offers=keep, bump=moved)
        if close:
            lot.close(max(CLOSES, lot.closes_at))
        variants.append(lot)
    views = [lot_view_for(auction, lot, X) for lot in variants]
    assert comparable(views[0]) == comparable(views[1]) == comparable(views[2])
    for lot, view in zip(variants, views, strict=True):
        shown = repr(view)
        assert not [trace for trace in traces_of_others(lot) if trace in shown]
        if view.my_offer is not None:
            assert lot.offer(view.my_offer.offer_id).organization_id == X
        assert view.lot_status in (LotStatus.OPEN.value, LotStatus.CLOSED.value)
