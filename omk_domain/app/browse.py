"""Browsing auctions as a client: the calendar (a month in Moscow time, a date range, the feed to
subscribe to) and one auction with its lots.

Every query here goes through the same scoping as `BrowseAuctions` (a client sees only published
auctions it is admitted to, in the query itself) or through `lot_view_for`, so nothing here can
show an organisation more than the lot page shows it.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import UTC, date, datetime, time, timedelta, timezone

import attrs

from omk_domain.app.auctions import (
    AuctionPage,
    AuctionSummary,
    BrowseAuctions,
    _scoped,
    browse_auctions,
    lot_staff_view,
    staff_reader,
    summaries,
)
from omk_domain.app.bus import handles
from omk_domain.app.tokens import IssuedToken, IssueToken, ResolveToken, issue_token, resolve_token
from omk_domain.auctions import errors
from omk_domain.auctions.model import Auction
from omk_domain.auctions.values import AuctionFormat, AuctionStatus
from omk_domain.auctions.views import LotAdminView, LotView, lot_view_for
from omk_domain.identity.model import Actor
from omk_domain.identity.policy import Permission, require
from omk_domain.identity.tokens import TokenInvalid
from omk_domain.ports import AuctionFilter, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Forbidden, InvalidValue
from omk_domain.shared.messages import Command

#: Moscow has kept UTC+3 all year since 2014: the calendar's days are Moscow days
MOSCOW = timezone(timedelta(hours=3), "MSK")
#: the only permissions a calendar subscription token may carry: a leaked feed address can never bid
FEED_PERMISSIONS = frozenset({Permission.AUCTION_VIEW})
#: how far back the feed reaches (auctions that ended earlier drop out of subscribed calendars)
FEED_PAST = timedelta(days=92)
#: a calendar token lives a year; the person issues a new one after that
FEED_TOKEN_LIFETIME = timedelta(days=365)
FEED_TOKEN_NAME = "Подписка на календарь аукционов"
_PAGE = 500
YEAR_MIN, YEAR_MAX = 2000, 2100


class CalendarMonthInvalid(InvalidValue):
    code = "calendar_month_invalid"
    message_ru = f"Месяц календаря задан неверно: месяц от 1 до 12, год от {YEAR_MIN} до {YEAR_MAX}."


class CalendarRangeInvalid(InvalidValue):
    code = "calendar_range_invalid"
    message_ru = "Начало периода должно быть раньше его конца."


class CalendarMomentNaive(InvalidValue):
    code = "calendar_moment_naive"
    message_ru = "Укажите часовой пояс у границ периода, например 2026-12-01T00:00:00+03:00."


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarMomentNaive()
    return moment.astimezone(UTC)


class FeedTokenTooPowerful(Forbidden):
    """A token that can do more than view auctions must never sit in a calendar's address."""

    code = "feed_token_not_read_only"
    message_ru = ("Для подписки на календарь годится только ключ с единственным правом «просмотр аукционов»: "
                  "ключ, которым можно делать ставки, нельзя вставлять в адрес календаря. "
                  "Выпустите ключ для календаря на странице подписки.")


class FeedTokenNeedsOrganization(InvalidValue):
    code = "feed_token_needs_organization"
    message_ru = ("Ключ для подписки выдаётся организации: выберите организацию, от имени которой "
                  "смотрите аукционы. Сотрудники ОМК могут скачать календарь разово, войдя в систему.")


# --- commands -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ShowCalendarMonth(Command):
    """A month (Moscow time) as weeks of days, each day with the auctions running on it.
    No year/month: the current month."""

    year: int | None = None
    month: int | None = None
    status: AuctionStatus | None = None
    format: AuctionFormat | None = None
    text: str | None = None


@attrs.frozen(kw_only=True)
class ListCalendar(Command):
    """A page of the auctions running at some moment of [starts_from, until) (either end open)."""

    starts_from: datetime | None = None
    until: datetime | None = None
    status: AuctionStatus | None = None
    format: AuctionFormat | None = None
    text: str | None = None
    #: with no `starts_from`: only auctions not over yet (running or to come)
    current_only: bool = False
    limit: int = 50
    offset: int = 0


@attrs.frozen(kw_only=True)
class ResolveFeedToken(Command):
    """The actor of a calendar subscription token: accepted only when it can do nothing but view auctions."""

    token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class ShowCalendarFeed(Command):
    """Auctions for a subscribed calendar: those that ended at most FEED_PAST ago and all later ones."""


@attrs.frozen(kw_only=True)
class IssueCalendarToken(Command):
    """A view-only token for the acting organisation's calendar subscription (needs tokens.manage)."""

    source: str | None = None


@attrs.frozen(kw_only=True)
class ViewAuction(Command):
    """One auction with its lots: a client sees each lot as `lot_view_for` shows it; the organiser's
    staff see the lots in full. An auction a client is not admitted to does not exist for it."""

    auction_id: str


# --- results --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class CalendarEntry:
    """An auction on one day: whether it starts or ends that day (else it runs through it)."""

    auction: AuctionSummary
    starts: bool
    ends: bool


@attrs.frozen(kw_only=True)
class CalendarDay:
    day: date
    in_month: bool
    today: bool
    entries: tuple[CalendarEntry, ...]


@attrs.frozen(kw_only=True)
class CalendarMonth:
    year: int
    month: int
    today: date
    #: Monday to Sunday, from the week of the 1st to the week of the last day
    weeks: tuple[tuple[CalendarDay, ...], ...]
    #: every auction shown in the grid, by start
    auctions: tuple[AuctionSummary, ...]
    previous: date
    next: date


@attrs.frozen(kw_only=True)
class FeedEntry:
    auction: AuctionSummary
    #: grows with every stored change of the auction (times, status): RFC 5545 SEQUENCE
    sequence: int


@attrs.frozen(kw_only=True)
class CalendarFeed:
    generated_at: datetime
    entries: tuple[FeedEntry, ...]


@attrs.frozen(kw_only=True)
class AuctionOverview:
    """An auction's terms and its lots as the actor may see them, with the server time for "time left"."""

    auction: AuctionSummary
    now: datetime
    #: a client's view of each lot (empty for staff)
    lots: tuple[LotView, ...]
    #: the organiser's view of each lot (empty for a client)
    admin_lots: tuple[LotAdminView, ...]
    #: staff who may only view: `admin_lots` come without the sealed price offers
    view_only: bool = False


# --- helpers --------------------------------------------------------------------------------


def moscow_day(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()


def moscow_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), MOSCOW).astimezone(UTC)


def last_day(auction: AuctionSummary) -> date:
    """The last Moscow day an auction runs on (one ending at midnight does not run on the next day)."""
    return moscow_day(auction.ends_at - timedelta(microseconds=1))


def month_grid(year: int, month: int) -> list[list[date]]:
    """Monday-first weeks covering the month."""
    return [list(week) for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)]


def _shift(year: int, month: int, by: int) -> date:
    index = year * 12 + (month - 1) + by
    return date(index // 12, index % 12 + 1, 1)


def _every(actor: Actor, uow: UnitOfWork, clock: Clock, flt: AuctionFilter) -> list[AuctionSummary]:
    """Every auction of the filter the actor may see, page after page."""
    found: list[AuctionSummary] = []
    offset = 0
    while True:
        page: AuctionPage = browse_auctions(BrowseAuctions(filter=attrs.evolve(flt, limit=_PAGE, offset=offset)),
                                            actor=actor, uow=uow, clock=clock)
        found.extend(page.items)
        offset += _PAGE
        if offset >= page.total or not page.items:
            return found


# --- use cases ------------------------------------------------------------------------------


@handles(ShowCalendarMonth)
def show_calendar_month(cmd: ShowCalendarMonth, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> CalendarMonth:
    today = moscow_day(clock.now())
    year = today.year if cmd.year is None else cmd.year
    month = today.month if cmd.month is None else cmd.month
    if not (1 <= month <= 12 and YEAR_MIN <= year <= YEAR_MAX):
        raise CalendarMonthInvalid(year=str(year), month=str(month))
    grid = month_grid(year, month)
    first, last = grid[0][0], grid[-1][-1]
    auctions = _every(actor, uow, clock, AuctionFilter(
        status=cmd.status, format=cmd.format, text=cmd.text or None,
        ends_from=moscow_midnight(first) + timedelta(microseconds=1),
        starts_until=moscow_midnight(last + timedelta(days=1))))
    spans = [(a, moscow_day(a.starts_at), last_day(a)) for a in auctions]
    weeks = tuple(
        tuple(CalendarDay(day=d, in_month=d.month == month, today=d == today,
                          entries=tuple(CalendarEntry(auction=a, starts=d == start, ends=d == end)
                                        for a, start, end in spans if start <= d <= end))
              for d in week)
        for week in grid)
    return CalendarMonth(year=year, month=month, today=today, weeks=weeks, auctions=tuple(auctions),
                         previous=_shift(year, month, -1), next=_shift(year, month, 1))


@handles(ListCalendar)
def list_calendar(cmd: ListCalendar, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionPage:
    starts_from, until = _aware(cmd.starts_from), _aware(cmd.until)
    if starts_from is not None and until is not None and starts_from >= until:
        raise CalendarRangeInvalid()
    ends_from = starts_from if starts_from is not None or not cmd.current_only else clock.now()
    flt = AuctionFilter(status=cmd.status, format=cmd.format, text=cmd.text or None,
                        ends_from=ends_from, starts_until=until, limit=cmd.limit, offset=cmd.offset)
    page: AuctionPage = browse_auctions(BrowseAuctions(filter=flt), actor=actor, uow=uow, clock=clock)
    return page


@handles(ResolveFeedToken, public=True)
def resolve_feed_token(cmd: ResolveFeedToken, *, actor: Actor | None, uow: UnitOfWork, clock: Clock) -> Actor:
    """TokenInvalid like any API token; a valid token that can do more than view auctions is refused."""
    if not cmd.token:
        raise TokenInvalid()
    resolved: Actor = resolve_token(ResolveToken(token=cmd.token), actor=None, uow=uow, clock=clock)
    if resolved.limit != FEED_PERMISSIONS:
        raise FeedTokenTooPowerful()
    return resolved


@handles(ShowCalendarFeed)
def show_calendar_feed(cmd: ShowCalendarFeed, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> CalendarFeed:
    now = clock.now()
    flt = _scoped(actor, AuctionFilter(ends_from=now - FEED_PAST, limit=_PAGE))
    entries: list[FeedEntry] = []
    with uow.reading():
        offset = 0
        while True:
            page = uow.auctions.list(attrs.evolve(flt, offset=offset))
            entries.extend(FeedEntry(auction=summary, sequence=a.version)
                           for a, summary in zip(page, summaries(uow, page), strict=True))
            offset += _PAGE
            if len(page) < _PAGE:
                break
    return CalendarFeed(generated_at=now, entries=tuple(entries))


@handles(IssueCalendarToken)
def issue_calendar_token(cmd: IssueCalendarToken, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> IssuedToken:
    if actor.organization_id is None:
        raise FeedTokenNeedsOrganization()
    issued: IssuedToken = issue_token(IssueToken(
        organization_id=actor.organization_id, name=FEED_TOKEN_NAME, permissions=FEED_PERMISSIONS,
        expires_at=clock.now() + FEED_TOKEN_LIFETIME, source=cmd.source), actor=actor, uow=uow, clock=clock)
    return issued


def _visible(actor: Actor, auction: Auction) -> bool:
    return (auction.status is not AuctionStatus.DRAFT and actor.organization_id is not None
            and auction.is_admitted(actor.organization_id))


@handles(ViewAuction)
def view_auction(cmd: ViewAuction, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> AuctionOverview:
    require(actor, Permission.AUCTION_VIEW)
    with uow.reading():
        auction = uow.auctions.get(cmd.auction_id)
        lots = uow.lots.for_auction(auction.id)
        summary = AuctionSummary.of(auction, len(lots))
        if actor.organization_id is not None:
            if not _visible(actor, auction):
                raise errors.AuctionNotFound(auction_id=cmd.auction_id)
            return AuctionOverview(auction=summary, now=clock.now(), admin_lots=(),
                                   lots=tuple(lot_view_for(auction, lot, actor.organization_id) for lot in lots))
        in_full = staff_reader(actor)  # sealed offers: the organiser's staff only; view-only staff go without
        return AuctionOverview(auction=summary, now=clock.now(), lots=(), view_only=not in_full,
                               admin_lots=tuple(lot_staff_view(auction, lot, with_offers=in_full) for lot in lots))


__all__ = [
    "FEED_PERMISSIONS",
    "MOSCOW",
    "AuctionOverview",
    "CalendarDay",
    "CalendarEntry",
    "CalendarFeed",
    "CalendarMonth",
    "CalendarMonthInvalid",
    "CalendarRangeInvalid",
    "FeedEntry",
    "FeedTokenNeedsOrganization",
    "FeedTokenTooPowerful",
    "IssueCalendarToken",
    "ListCalendar",
    "ResolveFeedToken",
    "ShowCalendarFeed",
    "ShowCalendarMonth",
    "ViewAuction",
    "last_day",
    "month_grid",
    "moscow_day",
    "moscow_midnight",
]
