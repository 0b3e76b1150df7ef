"""The auction calendar: a month of days (Moscow time) or a paged list, the iCalendar feed to subscribe
to, and the page that hands out the subscription address.

The feed is read by calendar applications that cannot sign in: it takes a view-only API token in the
query string (`?token=omk_…`). Only the route template is ever logged, so the token is not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from omk_domain.app import browse as B
from omk_domain.auctions.values import AuctionFormat, AuctionStatus
from omk_web import filters as F
from omk_web.auth import CurrentActor, SignInRequired, client_address, current_actor, services_of
from omk_web.ical import feed_calendar
from omk_web.pages.common import attempt, handle, render

MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь")
WEEKDAYS_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
PAGE_SIZE = 25



def _query(**params: Any) -> str:
    """The query string of a link that keeps the current filters (empty values left out)."""
    kept = {k: (v.value if hasattr(v, "value") else v) for k, v in params.items() if v not in (None, "")}
    return urlencode(kept)


class CalendarPages(Controller):
    include_in_schema = False

    @get("/auctions", sync_to_thread=True)
    def calendar(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                 view: Annotated[Literal["month", "list"], QueryParameter()] = "month",
                 year: Annotated[int | None, QueryParameter()] = None,
                 month: Annotated[int | None, QueryParameter()] = None,
                 status: F.Status = None, fmt: F.Format = None, q: F.Text = None,
                 date_from: F.DayFrom = None, date_until: F.DayUntil = None,
                 page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1) -> Template:
        """The auctions the person may see: a month grid (default) or a paged list; filters kept in links."""
        text = (q or "").strip() or None
        filters = {"status": status, "format": fmt, "q": text}
        context: dict[str, Any] = {"view": view, "filters": filters, "statuses": list(AuctionStatus),
                                   "formats": list(AuctionFormat), "weekdays": WEEKDAYS_RU, "months": MONTHS_RU,
                                   "view_link": lambda v: "/auctions?" + _query(view=v, **filters)}
        if view == "month":
            shown, error = attempt(request, B.ShowCalendarMonth(year=year, month=month, status=status, format=fmt,
                                                                text=text), actor)
            context.update(calendar=shown, error=error,
                           link=lambda **extra: "/auctions?" + _query(**filters, **extra))
        else:
            starts = B.moscow_midnight(date_from) if date_from else None
            until = B.moscow_midnight(date_until + timedelta(days=1)) if date_until else None
            found, error = attempt(request, B.ListCalendar(
                starts_from=starts, until=until, current_only=date_from is None and date_until is None,
                status=status, format=fmt, text=text, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE), actor)
            pages = max(1, -(-found.total // PAGE_SIZE)) if found else 1
            context.update(found=found, error=error, page=page, pages=pages, date_from=date_from,
                           date_until=date_until,
                           link=lambda **extra: "/auctions?" + _query(view="list", **filters, **{
                               "from": date_from, "until": date_until}, **extra))
        return render(request, "calendar.html", actor, status_code=_status(context["error"]), **context)

    @get("/auctions/calendar", sync_to_thread=True)
    def subscription(self, request: Request[Any, Any, Any], *, actor: CurrentActor) -> Template:
        """How to subscribe: who may issue the view-only key, and the one-off download."""
        return render(request, "calendar_subscribe.html", actor, issued=None, feed_url=None, error=None,
                      download=_public(request, "/auctions/calendar.ics"))

    @post("/auctions/calendar", sync_to_thread=True)
    def issue(self, request: Request[Any, Any, Any], *, actor: CurrentActor) -> Template:
        """Issue a view-only key for the organisation and show its subscription address once."""
        issued, error = attempt(request, B.IssueCalendarToken(source=client_address(request)), actor)
        feed_url = _public(request, "/auctions/calendar.ics?" + urlencode({"token": issued.token})) if issued else None
        return render(request, "calendar_subscribe.html", actor, status_code=_status(error), issued=issued,
                      feed_url=feed_url, error=error, download=_public(request, "/auctions/calendar.ics"))

    @get("/auctions/calendar.ics", sync_to_thread=True)
    def feed(self, request: Request[Any, Any, Any], *,
             token: Annotated[str | None, QueryParameter(description="API-токен только с правом просмотра")] = None,
             ) -> Response[bytes]:
        """RFC 5545 feed: one event per auction. `?token=` must be a view-only key; else the session."""
        if token is not None:
            actor = handle(request, B.ResolveFeedToken(token=token), None)
        else:
            actor = current_actor(request)
            if actor is None:
                raise SignInRequired("Требуется вход.")
        feed = handle(request, B.ShowCalendarFeed(), actor)
        body = feed_calendar(feed, base_url=_public(request, ""))
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"content-disposition": 'inline; filename="omk-auctions.ics"',
                                 "cache-control": "private, max-age=300"})


def _public(request: Request[Any, Any, Any], path: str) -> str:
    """An absolute address on this portal, as people and calendar applications reach it."""
    base = services_of(request).settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return base + path


def _status(error: Any) -> int:
    if error is None:
        return 200
    from omk_web.problems import status_of

    return status_of(error)
