"""A client's auction page (terms and its lots) and the lot list with full-text search and filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from omk_domain.app import browse as B
from omk_domain.app.search import SearchLots
from omk_domain.auctions.values import AuctionFormat
from omk_domain.search import FACETS, PAGE_MAX, LotQuery, SizeRange, SortOrder
from omk_domain.shared.errors import DomainError, InvalidValue
from omk_web.auth import CurrentActor
from omk_web.ical import FORMAT_RULES_RU, soft_close_ru
from omk_web.pages.common import attempt, handle, render

LOTS_PAGE = 20
SORTS_RU = {
    SortOrder.RELEVANCE: "по соответствию запросу",
    SortOrder.NUMBER: "по номеру аукциона и лота",
    SortOrder.DIAMETER: "по диаметру, от меньшего",
    SortOrder.DIAMETER_DESC: "по диаметру, от большего",
    SortOrder.START_PRICE: "по стартовой цене, от меньшей",
    SortOrder.START_PRICE_DESC: "по стартовой цене, от большей",
}
FACETS_RU = {"product_type": "Вид продукции", "steel_grade": "Марка стали", "standard": "Стандарт (ГОСТ, ТУ)",
             "warehouse": "Склад"}
Text = Annotated[str | None, QueryParameter(max_length=200)]


def time_left(now: datetime, closes_at: datetime) -> str:
    """«2 д 03 ч», «1 ч 05 мин», «4 мин 10 с», or «закрыт» once the close has passed (server time)."""
    left = closes_at - now
    if left <= timedelta(0):
        return "закрыт"
    seconds = int(left.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} д {hours:02d} ч"
    if hours:
        return f"{hours} ч {minutes:02d} мин"
    return f"{minutes} мин {seconds:02d} с"


class InvalidSize(InvalidValue):
    code = "search_size_invalid"
    message_ru = "Размер в фильтре — число миллиметров, например 530 или 8,5."


def _millimetres(value: str | None) -> float | None:
    text = (value or "").strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidSize(value=value or "") from None


class BrowsePages(Controller):
    include_in_schema = False

    @get("/auctions/{auction_id:str}", sync_to_thread=True)
    def auction(self, request: Request[Any, Any, Any], *, actor: CurrentActor, auction_id: FromPath[str]) -> Template:
        """Terms, schedule and lots of one auction; an auction the organisation is not admitted to: not found."""
        overview = handle(request, B.ViewAuction(auction_id=auction_id), actor)
        return render(request, "auctions_view.html", actor, overview=overview, a=overview.auction,
                      format_rules=FORMAT_RULES_RU[AuctionFormat(overview.auction.format)],
                      soft_close=soft_close_ru(overview.auction), left=lambda t: time_left(overview.now, t))

    @get("/lots", sync_to_thread=True)
    def lots(self, request: Request[Any, Any, Any], *, actor: CurrentActor, q: Text = None,
             product_type: Text = None, steel_grade: Text = None, standard: Text = None, warehouse: Text = None,
             diameter_from: Text = None, diameter_to: Text = None, wall_from: Text = None, wall_to: Text = None,
             sort: Annotated[SortOrder, QueryParameter()] = SortOrder.RELEVANCE,
             page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1) -> Template:
        """Lots found by free text (Russian word forms, «е» = «ё») and filters, among those the person may see."""
        form = {"q": q or "", "product_type": product_type or "", "steel_grade": steel_grade or "",
                "standard": standard or "", "warehouse": warehouse or "", "diameter_from": diameter_from or "",
                "diameter_to": diameter_to or "", "wall_from": wall_from or "", "wall_to": wall_to or "",
                "sort": sort.value}
        found, error = None, None
        try:
            query = LotQuery(text=q or "", product_type=product_type or None, steel_grade=steel_grade or None,
                             standard=standard or None, warehouse=warehouse or None,
                             diameter=SizeRange(low=_millimetres(diameter_from), high=_millimetres(diameter_to)),
                             wall=SizeRange(low=_millimetres(wall_from), high=_millimetres(wall_to)),
                             sort=sort, limit=LOTS_PAGE, offset=(page - 1) * LOTS_PAGE)
        except DomainError as refused:
            error = refused
        else:
            found, error = attempt(request, SearchLots(query=query), actor)
        pages = max(1, -(-found.total // LOTS_PAGE)) if found else 1
        kept = {k: v for k, v in form.items() if v and not (k == "sort" and v == SortOrder.RELEVANCE.value)}
        status = 200
        if error is not None:
            from omk_web.problems import status_of

            status = status_of(error)
        return render(request, "lots_list.html", actor, status_code=status, found=found, error=error, form=form,
                      page=page, pages=pages, sorts=SORTS_RU, facet_names=FACETS_RU, facets=FACETS,
                      page_max=PAGE_MAX, link=lambda **extra: "/lots?" + urlencode({**kept, **extra}))
