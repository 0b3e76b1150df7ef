"""The auction calendar and the auction overview, on every adapter: days in Moscow time, ranges,
the feed's read-only tokens, and "not admitted → not found"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_domain.app.auctions import (
    AddLots,
    AdmitOrganization,
    BrowseAuctions,
    CreateAuction,
    EditAuction,
    PublishAuction,
)
from omk_domain.app.browse import (
    FEED_PERMISSIONS,
    CalendarMomentNaive,
    CalendarMonthInvalid,
    CalendarRangeInvalid,
    FeedTokenTooPowerful,
    ListCalendar,
    ResolveFeedToken,
    ShowCalendarFeed,
    ShowCalendarMonth,
    ViewAuction,
)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.tokens import IssueToken
from omk_domain.auctions.errors import AuctionNotFound
from omk_domain.auctions.values import AuctionFormat, ProductSpec
from omk_domain.identity.policy import Permission
from omk_domain.identity.tokens import TokenInvalid
from omk_domain.ports import AuctionFilter, UnitOfWork
from omk_domain.shared.money import Money, Quantity, Unit
from tests.contract.builders import STAFF, T0, bidder, inn

pytestmark = pytest.mark.contract
# T0 is 2026-12-01 09:00 UTC = 12:00 in Moscow


def _setup(uow_factory: Callable[[], UnitOfWork]) -> tuple[MessageBus, ManualClock, list[str], dict[str, str]]:
    """Org 0 admitted to «long» (3 days, mixed, published) and «draft»; org 1 to nothing; «open» published."""
    clock = ManualClock(T0 - timedelta(days=3))
    bus = MessageBus(uow_factory=uow_factory, clock=clock)
    orgs = [bus.handle(RegisterOrganization(name=f"ООО Участник {i}", inn=inn(i)), STAFF).id for i in range(2)]
    ids = {}
    plans = [("long", AuctionFormat.MIXED, T0, T0 + timedelta(days=2, hours=2)),
             ("open", AuctionFormat.OPEN, T0 + timedelta(days=10), T0 + timedelta(days=10, hours=3)),
             ("draft", AuctionFormat.CLOSED, T0 + timedelta(days=1), T0 + timedelta(days=1, hours=3))]
    for name, fmt, start, end in plans:
        summary = bus.handle(CreateAuction(number=f"A-{name}", title=f"Трубы {name}", format=fmt,
                                           starts_at=start, ends_at=end), STAFF)
        ids[name] = summary.id
        bus.handle(_lots(summary.id), STAFF)
        if name != "open":
            bus.handle(AdmitOrganization(auction_id=summary.id, organization_id=orgs[0]), STAFF)
        if name != "draft":
            bus.handle(PublishAuction(auction_id=summary.id), STAFF)
    return bus, clock, orgs, ids


def _lots(auction_id: str) -> AddLots:
    return AddLots(auction_id=auction_id, drafts=(LotDraft(
        row=2, number=1, title="Труба 530x8", product=ProductSpec(product_type="труба", diameter_mm=530.0, wall_mm=8.0),
        quantity=Quantity.parse("10", Unit.TONNE), start_price=Money.rub("85000"), bid_step=Money.rub("500"),
        floor_price=None),))


def test_auctions_are_filtered_by_format(uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, _, _, ids = _setup(uow_factory)
    page = bus.handle(BrowseAuctions(filter=AuctionFilter(format=AuctionFormat.OPEN)), STAFF)
    assert [a.id for a in page.items] == [ids["open"]]
    assert page.total == 1


def test_a_multi_day_auction_is_on_every_moscow_day_it_runs(uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, _, orgs, ids = _setup(uow_factory)
    month = bus.handle(ShowCalendarMonth(year=2026, month=12), bidder(orgs[0]))
    days = {d.day: [e.auction.id for e in d.entries] for week in month.weeks for d in week}
    assert days[date(2026, 11, 30)] == []
    assert days[date(2026, 12, 1)] == [ids["long"]]
    assert days[date(2026, 12, 2)] == [ids["long"]]
    assert days[date(2026, 12, 3)] == [ids["long"]]  # ends at 14:00 Moscow on the 3rd
    assert days[date(2026, 12, 4)] == []
    assert days[date(2026, 12, 11)] == []  # «open»: org 0 is not admitted
    assert [a.id for a in month.auctions] == [ids["long"]]  # the draft it is admitted to stays hidden
    first = next(d for week in month.weeks for d in week if d.day == date(2026, 12, 1))
    assert first.entries[0].starts and not first.entries[0].ends
    assert all(len(week) == 7 and week[0].day.weekday() == 0 for week in month.weeks)
    assert (month.previous, month.next) == (date(2026, 11, 1), date(2027, 1, 1))


def test_staff_see_drafts_in_the_month_and_today_is_marked(uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, _, _, ids = _setup(uow_factory)
    month = bus.handle(ShowCalendarMonth(), STAFF)  # the clock's month: 2026-11-28
    assert (month.year, month.month) == (2026, 11)
    assert [d.day for week in month.weeks for d in week if d.today] == [date(2026, 11, 28)]
    december = bus.handle(ShowCalendarMonth(year=2026, month=12, format=AuctionFormat.CLOSED), STAFF)
    assert [a.id for a in december.auctions] == [ids["draft"]]


@pytest.mark.parametrize(("year", "month"), [(2026, 13), (2026, 0), (1999, 5), (2101, 1)])
def test_a_month_out_of_range_is_refused(uow_factory: Callable[[], UnitOfWork], year: int, month: int) -> None:
    bus, _, _, _ = _setup(uow_factory)
    with pytest.raises(CalendarMonthInvalid):
        bus.handle(ShowCalendarMonth(year=year, month=month), STAFF)


def test_a_range_finds_overlapping_auctions_and_a_backwards_range_is_refused(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, _, _, ids = _setup(uow_factory)
    page = bus.handle(ListCalendar(starts_from=T0 + timedelta(days=2), until=T0 + timedelta(days=11)), STAFF)
    assert [a.id for a in page.items] == [ids["long"], ids["open"]]
    with pytest.raises(CalendarRangeInvalid):
        bus.handle(ListCalendar(starts_from=T0 + timedelta(days=2), until=T0 + timedelta(days=1)), STAFF)
    with pytest.raises(CalendarMomentNaive):
        bus.handle(ListCalendar(starts_from=datetime(2026, 12, 1), until=T0), STAFF)


def test_a_client_sees_the_lots_of_an_auction_it_is_admitted_to_and_nothing_else(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, _, orgs, ids = _setup(uow_factory)
    overview = bus.handle(ViewAuction(auction_id=ids["long"]), bidder(orgs[0]))
    assert [lot.number for lot in overview.lots] == [1]
    assert overview.admin_lots == ()
    assert overview.lots[0].i_lead is False
    for org, auction in ((orgs[1], ids["long"]), (orgs[0], ids["open"]), (orgs[0], ids["draft"]),
                         (orgs[0], "no-such-id")):
        with pytest.raises(AuctionNotFound):
            bus.handle(ViewAuction(auction_id=auction), bidder(org))
    staff = bus.handle(ViewAuction(auction_id=ids["draft"]), STAFF)
    assert [lot.number for lot in staff.admin_lots] == [1]


def test_only_a_view_only_token_opens_the_feed(uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, clock, orgs, _ = _setup(uow_factory)

    def token(permissions: frozenset[Permission]) -> str:
        issued = bus.handle(IssueToken(organization_id=orgs[0], name="t", permissions=permissions,
                                       expires_at=clock.now() + timedelta(days=1)), STAFF)
        return str(issued.token)

    actor = bus.handle(ResolveFeedToken(token=token(FEED_PERMISSIONS)), None)
    assert actor.organization_id == orgs[0]
    with pytest.raises(FeedTokenTooPowerful):
        bus.handle(ResolveFeedToken(token=token(frozenset({Permission.AUCTION_VIEW, Permission.AUCTION_BID}))), None)
    with pytest.raises(TokenInvalid):
        bus.handle(ResolveFeedToken(token="omk_nonsense"), None)


def test_the_feed_holds_what_the_client_may_see_and_its_sequence_grows_when_times_change(
        uow_factory: Callable[[], UnitOfWork]) -> None:
    bus, _, orgs, ids = _setup(uow_factory)
    assert bus.handle(ShowCalendarFeed(), bidder(orgs[1])).entries == ()
    before = {e.auction.id: e.sequence for e in bus.handle(ShowCalendarFeed(), bidder(orgs[0])).entries}
    assert set(before) == {ids["long"]}
    bus.handle(EditAuction(auction_id=ids["long"], ends_at=T0 + timedelta(days=3)), STAFF)
    after = {e.auction.id: e.sequence for e in bus.handle(ShowCalendarFeed(), bidder(orgs[0])).entries}
    assert after[ids["long"]] > before[ids["long"]]
