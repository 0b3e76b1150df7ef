"""`omk auctions`: create, edit, publish, cancel, list, show; results: review, approve, export."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from omk_cli import parsing
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, money, percent, show, table, when
from omk_domain.app.auctions import (
    ApproveResults,
    AuctionDetails,
    AuctionResults,
    AuctionSummary,
    CancelAuction,
    CreateAuction,
    DeclineWinner,
    EditAuction,
    ListAuctions,
    PublishAuction,
    ShowAuction,
    ShowResults,
)
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, SoftClose
from omk_domain.auctions.views import LotAdminView
from omk_domain.ports import AuctionFilter

app = typer.Typer(help="Auctions: terms, lifecycle, results protocol.", no_args_is_help=True)

AuctionRef = Annotated[str, typer.Argument(metavar="AUCTION", help="Auction id or number.")]
SOURCE_RU = {"bid": "ставка", "offer": "предложение"}
LOT_STATUS_RU = {"open": "торги", "closed": "закрыт", "approved": "утверждён"}


class ExportFormat(enum.Enum):
    XLSX = "xlsx"
    CSV = "csv"


# --- rendering ------------------------------------------------------------------------------


def _soft_close(a: AuctionSummary) -> str:
    if not a.soft_close_window_min or not a.soft_close_extension_min:
        return "нет"
    cap = f", не более {a.soft_close_cap_min:g} мин всего" if a.soft_close_cap_min is not None else ""
    return f"ставка в последние {a.soft_close_window_min:g} мин продлевает на {a.soft_close_extension_min:g} мин{cap}"


def render_summary(c: Console, a: AuctionSummary, title: str = "Аукцион") -> None:
    c.print(fields(f"{title} № {a.number}", [
        ("Id", a.id), ("Название", a.title), ("Форма", AuctionFormat(a.format).label_ru),
        ("Статус", AuctionStatus(a.status).label_ru), ("Начало", when(a.starts_at)),
        ("Окончание", when(a.ends_at)), ("Мягкое закрытие", _soft_close(a)),
        ("Автоутверждение итогов", "да" if a.auto_approve else "нет"), ("Описание", a.description),
        ("Причина отмены", a.cancel_reason), ("Лотов", a.lot_count), ("Допущено организаций", a.admitted),
    ]))


def lots_table(title: str, lots: tuple[LotAdminView, ...] | list[LotAdminView]) -> object:
    def row(lot: LotAdminView) -> tuple[object, ...]:
        valid = [b for b in lot.bids if b.valid]
        leader = f"{money(valid[-1].amount)} ({valid[-1].alias})" if valid else "—"
        closes = when(lot.closes_at) + (" (продлён)" if lot.closes_at != lot.closes_at_original else "")
        return (lot.number, lot.lot_id, lot.title, LOT_STATUS_RU.get(lot.status, lot.status), money(lot.start_price),
                money(lot.bid_step), money(lot.floor_price), closes, len(valid),
                sum(o.status == "active" for o in lot.offers), leader)

    return table(title, ["№", "Id", "Наименование", "Статус", "Старт", "Шаг", "Минимум", "Закрытие",
                         "Ставок", "Предл.", "Лидер"], (row(lot) for lot in lots),
                 right=["№", "Старт", "Шаг", "Минимум", "Ставок", "Предл."])


def render_results(c: Console, r: AuctionResults) -> None:
    a = r.auction
    c.print(f"Итоги аукциона № {a.number} «{a.title}» — {AuctionStatus(a.status).label_ru}", markup=False)
    c.print(table(None, ["№", "Лот", "Кол-во", "Статус", "Старт", "Победитель", "ИНН", "Цена", "Способ",
                         "Прирост, %", "Ставок", "Участн.", "Предл."],
                  ((line.lot_number, line.title, line.quantity, LOT_STATUS_RU.get(line.status, line.status),
                    money(line.start_price), line.winner_name or "не продан", line.winner_inn, money(line.amount),
                    SOURCE_RU.get(line.source or ""), percent(line.uplift_percent),
                    line.bids, line.bidders, line.offers) for line in r.lines),
                  right=["№", "Старт", "Цена", "Прирост, %", "Ставок", "Участн.", "Предл."]))


# --- administration -------------------------------------------------------------------------


@app.command("create")
def create(ctx: typer.Context, *,
           number: Annotated[str, typer.Option("--number", help="Auction number, unique, e.g. А-2026-12.")],
           title: Annotated[str, typer.Option("--title")],
           starts: Annotated[str, typer.Option("--starts", help="Start, ISO 8601 (naive = Moscow time).")],
           ends: Annotated[str, typer.Option("--ends", help="End, ISO 8601 (naive = Moscow time).")],
           format: Annotated[AuctionFormat, typer.Option("--format", case_sensitive=False,
                                                         help="open: bids; closed: sealed offers; mixed: both.")]
           = AuctionFormat.MIXED,
           soft_window: Annotated[float, typer.Option("--soft-window", metavar="MIN",
                                                      help="Soft close: a bid in the last MIN minutes extends.")]
           = 0.0,
           soft_extension: Annotated[float, typer.Option("--soft-extension", metavar="MIN",
                                                         help="Soft close: extend to now + MIN minutes.")] = 0.0,
           soft_cap: Annotated[float | None, typer.Option("--soft-cap", metavar="MIN",
                                                          help="Soft close: at most MIN minutes in total.")] = None,
           auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Approve results automatically.")]
           = False,
           description: Annotated[str, typer.Option("--description")] = "",
           json_out: JsonFlag = False) -> None:
    """Create a draft auction."""
    soft = SoftClose(window=parsing.minutes(soft_window), extension=parsing.minutes(soft_extension),
                     cap=parsing.minutes(soft_cap))
    summary = state(ctx).handle(CreateAuction(
        number=number, title=title, format=format, starts_at=parsing.moment(starts),
        ends_at=parsing.moment(ends), soft_close=soft, auto_approve=auto_approve, description=description))
    show(json_out, summary, lambda c: render_summary(c, summary, "Создан черновик аукциона"))


@app.command("edit")
def edit(ctx: typer.Context, *, auction: AuctionRef,
         title: Annotated[str | None, typer.Option("--title")] = None,
         format: Annotated[AuctionFormat | None, typer.Option("--format", case_sensitive=False)] = None,
         starts: Annotated[str | None, typer.Option("--starts")] = None,
         ends: Annotated[str | None, typer.Option("--ends")] = None,
         soft_window: Annotated[float | None, typer.Option("--soft-window", metavar="MIN")] = None,
         soft_extension: Annotated[float | None, typer.Option("--soft-extension", metavar="MIN")] = None,
         soft_cap: Annotated[float | None, typer.Option("--soft-cap", metavar="MIN")] = None,
         clear_soft_cap: Annotated[bool, typer.Option("--clear-soft-cap", help="Remove the extension cap.")]
         = False,
         auto_approve: Annotated[bool | None, typer.Option("--auto-approve/--no-auto-approve")] = None,
         description: Annotated[str | None, typer.Option("--description")] = None,
         json_out: JsonFlag = False) -> None:
    """Change an auction's terms before trading starts (only what is given changes)."""
    st = state(ctx)
    auction_id = parsing.auction_id(st, auction)
    soft = None
    if soft_window is not None or soft_extension is not None or soft_cap is not None or clear_soft_cap:
        now = st.handle(ShowAuction(auction_id=auction_id)).auction
        soft = SoftClose(
            window=parsing.minutes(soft_window if soft_window is not None else now.soft_close_window_min),
            extension=parsing.minutes(soft_extension if soft_extension is not None
                                      else now.soft_close_extension_min),
            cap=None if clear_soft_cap else parsing.minutes(soft_cap if soft_cap is not None
                                                            else now.soft_close_cap_min))
    summary = st.handle(EditAuction(auction_id=auction_id, title=title, format=format,
                                    starts_at=parsing.moment(starts), ends_at=parsing.moment(ends),
                                    soft_close=soft, auto_approve=auto_approve, description=description))
    show(json_out, summary, lambda c: render_summary(c, summary, "Аукцион изменён"))


@app.command("publish")
def publish(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """Publish a draft (it then starts by itself at its start time)."""
    st = state(ctx)
    summary = st.handle(PublishAuction(auction_id=parsing.auction_id(st, auction)))
    show(json_out, summary, lambda c: render_summary(c, summary, "Аукцион опубликован"))


@app.command("cancel")
def cancel(ctx: typer.Context, *, auction: AuctionRef,
           reason: Annotated[str, typer.Option("--reason", help="Why (shown to participants).")],
           json_out: JsonFlag = False) -> None:
    """Cancel a draft, scheduled or running auction."""
    st = state(ctx)
    summary = st.handle(CancelAuction(auction_id=parsing.auction_id(st, auction), reason=reason))
    show(json_out, summary, lambda c: render_summary(c, summary, "Аукцион отменён"))


@app.command("list")
def list_(ctx: typer.Context, *,
          status: Annotated[AuctionStatus | None, typer.Option("--status", case_sensitive=False)] = None,
          starts_from: Annotated[str | None, typer.Option("--from", help="Starting at or after (ISO 8601).")]
          = None,
          until: Annotated[str | None, typer.Option("--until", help="Starting before (ISO 8601).")] = None,
          search: Annotated[str | None, typer.Option("--search", help="Text in the number or title.")] = None,
          limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
          offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
          json_out: JsonFlag = False) -> None:
    """List auctions, ordered by start time."""
    found = state(ctx).handle(ListAuctions(filter=AuctionFilter(
        status=status, starts_from=parsing.moment(starts_from), starts_until=parsing.moment(until),
        text=search or None, limit=limit, offset=offset)))
    show(json_out, found, lambda c: c.print(table(
        f"Аукционы: {len(found)}" + (f" (с {offset + 1})" if offset else ""),
        ["Номер", "Название", "Форма", "Статус", "Начало", "Окончание", "Лотов", "Допущено", "Id"],
        ((a.number, a.title, AuctionFormat(a.format).label_ru, AuctionStatus(a.status).label_ru,
          when(a.starts_at), when(a.ends_at), a.lot_count, a.admitted, a.id) for a in found),
        right=["Лотов", "Допущено"])))


@app.command("show")
def show_(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """Show an auction with its lots, bids and offers counts."""
    st = state(ctx)
    details: AuctionDetails = st.handle(ShowAuction(auction_id=parsing.auction_id(st, auction)))

    def human(c: Console) -> None:
        render_summary(c, details.auction)
        c.print(lots_table("Лоты", details.lots))

    show(json_out, details, human)


# --- results --------------------------------------------------------------------------------


@app.command("results")
def results(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """Each lot's winner, amount and uplift over the start price (after trading ends)."""
    st = state(ctx)
    found = st.handle(ShowResults(auction_id=parsing.auction_id(st, auction)))
    show(json_out, found, lambda c: render_results(c, found))


@app.command("approve")
def approve(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """Approve the results: they become the results protocol."""
    st = state(ctx)
    found = st.handle(ApproveResults(auction_id=parsing.auction_id(st, auction)))
    show(json_out, found, lambda c: render_results(c, found))


@app.command("decline")
def decline(ctx: typer.Context, *,
            lot: Annotated[str, typer.Argument(metavar="LOT", help="Lot id.")],
            reason: Annotated[str, typer.Option("--reason", help="Why the winner declined.")],
            unsold: Annotated[bool, typer.Option("--unsold", help="Leave the lot unsold instead of passing it "
                                                                  "to the next-best bid or offer.")] = False,
            json_out: JsonFlag = False) -> None:
    """The winner of a lot declines: pass the lot to the next-best bid/offer (default) or leave it unsold."""
    view = state(ctx).handle(DeclineWinner(lot_id=lot, reason=reason, pass_to_next=not unsold))
    show(json_out, view, lambda c: c.print(fields(f"Лот № {view.number}: отказ победителя учтён", [
        ("Новый победитель", view.winner_organization_id or "нет — лот не продан"),
        ("Цена", money(view.winning_amount)), ("Способ", SOURCE_RU.get(view.winning_source or "")),
        ("Отказались", ", ".join(view.declined))])))


@app.command("export")
def export(ctx: typer.Context, *, auction: AuctionRef,
           output: Annotated[Path, typer.Option("--output", "-o", help="File to write.", dir_okay=False)],
           format: Annotated[ExportFormat | None, typer.Option(
               "--format", case_sensitive=False, help="xlsx or csv (default: from the file name, else xlsx).")]
           = None,
           json_out: JsonFlag = False) -> None:
    """Write the results protocol as XLSX (title block, money as numbers) or CSV (UTF-8 BOM, `;`)."""
    from omk_adapters.files.export import write_results_csv, write_results_xlsx

    st = state(ctx)
    found = st.handle(ShowResults(auction_id=parsing.auction_id(st, auction)))
    kind = format or (ExportFormat.CSV if output.suffix.lower() == ".csv" else ExportFormat.XLSX)
    try:
        if kind is ExportFormat.CSV:
            write_results_csv(found, output)
        else:
            write_results_xlsx(found, output, generated_at=st.services().clock.now())
    except OSError as exc:
        from omk_domain.shared.errors import InvalidValue

        raise InvalidValue(f"Не удалось записать файл {output}: {exc.strerror or exc}.") from None
    data = {"auction_id": found.auction.id, "number": found.auction.number, "format": kind.value,
            "output": str(output.resolve()), "lots": len(found.lines)}
    show(json_out, data, lambda c: c.print(
        f"Протокол итогов аукциона № {found.auction.number} записан: {output} ({kind.value}, "
        f"лотов: {len(found.lines)})", markup=False))
