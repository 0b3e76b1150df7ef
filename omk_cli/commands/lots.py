"""`omk lots`: import lots from CSV/XLSX (all or nothing), list and edit them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from omk_cli import parsing
from omk_cli.commands.auctions import AuctionRef, lots_table
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, money, show, table, when
from omk_domain.app.auctions import AddLots, EditLot, ListLots, ViewLot
from omk_domain.app.lot_import import parse_rows
from omk_domain.app.search import ReindexLots, SearchLots
from omk_domain.auctions.values import AuctionStatus, LotStatus
from omk_domain.search import LotQuery, SizeRange, SortOrder

app = typer.Typer(help="Lots of an auction.", no_args_is_help=True)


@app.command("import")
def import_(ctx: typer.Context, *, auction: AuctionRef,
            file: Annotated[Path, typer.Argument(metavar="FILE", help="A .csv (`;` or `,`, UTF-8 or cp1251) "
                                                                     "or .xlsx (first sheet) lot list.")],
            json_out: JsonFlag = False) -> None:
    """Add every lot of the file, or none: a file with errors lists every bad row and changes nothing."""
    from omk_adapters.files.lots import read_lot_file

    st = state(ctx)
    auction_id = parsing.auction_id(st, auction)
    header, rows = read_lot_file(file)
    drafts = parse_rows(header, rows)
    added = st.handle(AddLots(auction_id=auction_id, drafts=tuple(drafts)))
    data = {"auction_id": auction_id, "file": str(file), "imported": len(added), "lots": added}

    def human(c: Console) -> None:
        c.print(lots_table(f"Загружено лотов: {len(added)} из файла {file.name}", added))

    show(json_out, data, human)


@app.command("list")
def list_(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """List the lots of an auction with their bids, offers and leaders."""
    st = state(ctx)
    found = st.handle(ListLots(auction_id=parsing.auction_id(st, auction)))
    show(json_out, found, lambda c: c.print(lots_table(f"Лотов: {len(found)}", found)))


@app.command("edit")
def edit(ctx: typer.Context, *,
         lot: Annotated[str, typer.Argument(metavar="LOT", help="Lot id.")],
         title: Annotated[str | None, typer.Option("--title")] = None,
         start_price: Annotated[str | None, typer.Option("--start-price", help="Per unit, roubles.")] = None,
         step: Annotated[str | None, typer.Option("--step", help="Bid step, roubles.")] = None,
         floor: Annotated[str | None, typer.Option("--floor", help="Hidden minimum for price offers.")] = None,
         clear_floor: Annotated[bool, typer.Option("--clear-floor", help="Remove the hidden minimum.")] = False,
         quantity: Annotated[str | None, typer.Option("--quantity")] = None,
         unit: Annotated[str | None, typer.Option("--unit", help="т, м or шт (t, m, pcs).")] = None,
         product_type: Annotated[str | None, typer.Option("--product-type")] = None,
         diameter: Annotated[float | None, typer.Option("--diameter", help="Outer diameter, mm.")] = None,
         wall: Annotated[float | None, typer.Option("--wall", help="Wall thickness, mm.")] = None,
         steel_grade: Annotated[str | None, typer.Option("--steel-grade")] = None,
         standard: Annotated[str | None, typer.Option("--standard", help="ГОСТ / ТУ.")] = None,
         warehouse: Annotated[str | None, typer.Option("--warehouse")] = None,
         json_out: JsonFlag = False) -> None:
    """Change a lot before its auction starts (only what is given changes)."""
    view = state(ctx).handle(EditLot(
        lot_id=lot, title=title, start_price=parsing.optional_amount(start_price),
        bid_step=parsing.optional_amount(step), floor_price=parsing.optional_amount(floor),
        clear_floor=clear_floor, quantity=quantity, unit=unit, product_type=product_type,
        diameter_mm=diameter, wall_mm=wall, steel_grade=steel_grade, standard=standard,
        warehouse=warehouse))
    show(json_out, view, lambda c: c.print(fields(f"Лот № {view.number} изменён", [
        ("Id", view.lot_id), ("Наименование", view.title), ("Стартовая цена", money(view.start_price)),
        ("Шаг", money(view.bid_step)), ("Скрытый минимум", money(view.floor_price))])))


@app.command("view")
def view(ctx: typer.Context, *,
         lot: Annotated[str, typer.Argument(metavar="LOT", help="Lot id.")],
         org: Annotated[str, typer.Option("--org", help="The organisation (INN or id) whose eyes to use.")],
         json_out: JsonFlag = False) -> None:
    """Show a lot exactly as one admitted organisation sees it: aliases, its own offer, nothing sealed."""
    st = state(ctx)
    seen = st.handle(ViewLot(lot_id=lot, on_behalf_of=parsing.organization_id(st, org)))

    def human(c: Console) -> None:
        c.print(fields(f"Лот № {seen.number} глазами «{seen.my_alias}»", [
            ("Наименование", seen.title), ("Количество", seen.quantity),
            ("Стартовая цена", money(seen.start_price)), ("Шаг", money(seen.bid_step)),
            ("Закрытие", when(seen.closes_at)), ("Исходное закрытие", when(seen.closes_at_original)),
            ("Лидирует", f"{money(seen.leading_amount)} ({seen.leading_alias})" if seen.leading_alias else "—"),
            ("Минимальная ставка", money(seen.next_minimum_bid)),
            ("Ценовые предложения", "принимаются" if seen.offers_open else "не принимаются"),
            ("Своё предложение", f"{money(seen.my_offer.amount)} ({seen.my_offer.status})" if seen.my_offer
             else "—")]))
        c.print(table("Открытые ставки", ["Участник", "Сумма", "Время"],
                      [("Вы" if b.mine else b.alias, money(b.amount), when(b.placed_at)) for b in seen.bids]))

    show(json_out, seen, human)


@app.command("search")
def search(ctx: typer.Context, *,
           text: Annotated[str, typer.Argument(metavar="[TEXT]", help="Words to find: «труба бесшовная», "
                                               "«-слово» excludes, «or» separates alternatives.")] = "",
           product_type: Annotated[str | None, typer.Option("--product-type")] = None,
           diameter_from: Annotated[float | None, typer.Option("--diameter-from", help="mm, inclusive.")] = None,
           diameter_to: Annotated[float | None, typer.Option("--diameter-to", help="mm, inclusive.")] = None,
           wall_from: Annotated[float | None, typer.Option("--wall-from", help="mm, inclusive.")] = None,
           wall_to: Annotated[float | None, typer.Option("--wall-to", help="mm, inclusive.")] = None,
           steel_grade: Annotated[str | None, typer.Option("--steel-grade")] = None,
           standard: Annotated[str | None, typer.Option("--standard")] = None,
           warehouse: Annotated[str | None, typer.Option("--warehouse")] = None,
           auction: Annotated[str | None, typer.Option("--auction", help="Auction id or number.")] = None,
           lot_status: Annotated[LotStatus | None, typer.Option("--lot-status")] = None,
           auction_status: Annotated[AuctionStatus | None, typer.Option("--auction-status")] = None,
           sort: Annotated[SortOrder, typer.Option("--sort")] = SortOrder.RELEVANCE,
           limit: Annotated[int, typer.Option("--limit", help="Lots per page (1-100).")] = 20,
           offset: Annotated[int, typer.Option("--offset")] = 0,
           json_out: JsonFlag = False) -> None:
    """Find lots of every auction by words and filters (Russian word forms and «ё» match)."""
    st = state(ctx)
    query = LotQuery(text=text, product_type=product_type, diameter=SizeRange(low=diameter_from, high=diameter_to),
                     wall=SizeRange(low=wall_from, high=wall_to), steel_grade=steel_grade, standard=standard,
                     warehouse=warehouse, auction_id=parsing.auction_id(st, auction) if auction else None,
                     lot_status=lot_status, auction_status=auction_status, sort=sort, limit=limit, offset=offset)
    page = st.handle(SearchLots(query=query))

    def human(c: Console) -> None:
        shown = f"{offset + 1}–{offset + len(page.items)}" if page.items else "0"
        c.print(table(f"Найдено лотов: {page.total} (показаны {shown})",
                      ["Аукцион", "№", "Наименование", "Диаметр×стенка", "Марка", "Склад", "Стартовая цена",
                       "Статус"],
                      [(h.auction_number, h.lot_number, h.title,
                        f"{h.product.diameter_mm or '—'}×{h.product.wall_mm or '—'}", h.product.steel_grade,
                        h.product.warehouse, money(h.start_price), h.lot_status) for h in page.items]))

    show(json_out, page, human)


@app.command("reindex")
def reindex(ctx: typer.Context, *, json_out: JsonFlag = False) -> None:
    """Rebuild the lot search index from every lot (safe to repeat; events keep it current after)."""
    report = state(ctx).handle(ReindexLots())
    show(json_out, report, lambda c: c.print(
        f"Поисковый индекс перестроен: лотов {report.indexed}, аукционов {report.auctions}."))
