"""Browsing for client systems: one auction with its lots, the calendar of a date range, lot search."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter

from omk_domain.app import browse as B
from omk_domain.app.search import LotSearchPage, SearchLots
from omk_domain.search import PAGE_MAX, LotQuery, SizeRange, SortOrder
from omk_web import filters as F
from omk_web.api.common import Limit, Offset, page, run
from omk_web.auth import CurrentActor

Text = Annotated[str | None, QueryParameter(max_length=200)]
Millimetres = Annotated[float | None, QueryParameter(ge=0, le=100_000, description="Миллиметры")]
SearchLimit = Annotated[int, QueryParameter(ge=1, le=PAGE_MAX, description=f"Сколько лотов вернуть (1…{PAGE_MAX})")]


class BrowseApi(Controller):
    path = "/"

    @get("/auctions/{auction_id:str}", operation_id="viewAuction", summary="Аукцион с лотами", tags=["Аукционы"],
         sync_to_thread=True)
    def auction(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                auction_id: FromPath[str]) -> B.AuctionOverview:
        """Terms of the auction and its lots as the caller may see them (`lots` for a client, `admin_lots` for
        the organiser's staff; without the sealed price offers, `view_only`: true, for staff who may only view).
        An auction the caller's organisation is not admitted to: 404, as a missing one."""
        return run(request, B.ViewAuction(auction_id=auction_id), actor)  # type: ignore[no-any-return]

    @get("/calendar", operation_id="listCalendar", summary="Календарь аукционов", tags=["Аукционы"],
         sync_to_thread=True)
    def calendar(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                 starts_from: F.RangeFrom = None, until: F.RangeUntil = None, status: F.Status = None,
                 fmt: F.Format = None,
                 q: F.Text = None, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Auctions running at some moment of [from, until), by start time; `from` must be before `until`."""
        found = run(request, B.ListCalendar(starts_from=starts_from, until=until, status=status, format=fmt,
                                            text=q, limit=limit, offset=offset), actor)
        return page(found.items, found.total, found.limit, found.offset)

    @get("/lots", operation_id="searchLots", summary="Поиск лотов", tags=["Лоты и торги"], sync_to_thread=True)
    def lots(self, request: Request[Any, Any, Any], *, actor: CurrentActor, q: Text = None,
             product_type: Text = None, steel_grade: Text = None, standard: Text = None, warehouse: Text = None,
             auction_id: Text = None, diameter_from: Millimetres = None, diameter_to: Millimetres = None,
             wall_from: Millimetres = None, wall_to: Millimetres = None,
             sort: Annotated[SortOrder, QueryParameter()] = SortOrder.RELEVANCE,
             limit: SearchLimit = 20, offset: Offset = 0) -> LotSearchPage:
        """Lots by free text (Russian word forms; «ё» = «е»; «-слово» excludes, «или» offers alternatives) and
        filters, among those the caller may see; `total` counts all found, `facets` count filter values."""
        query = LotQuery(text=q or "", product_type=product_type, steel_grade=steel_grade, standard=standard,
                         warehouse=warehouse, auction_id=auction_id,
                         diameter=SizeRange(low=diameter_from, high=diameter_to),
                         wall=SizeRange(low=wall_from, high=wall_to), sort=sort, limit=limit, offset=offset)
        return run(request, SearchLots(query=query), actor)  # type: ignore[no-any-return]
