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
