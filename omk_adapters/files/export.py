"""Writing the results protocol of an auction: XLSX for people, CSV for Russian Excel and scripts.

Money goes out as numbers with two decimals (never text), times in Moscow time.
"""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from omk_adapters.files.moscow import format_moscow, to_moscow
from omk_domain.app.auctions import AuctionResults, ResultLine
from omk_domain.auctions.values import AuctionFormat, AuctionStatus

COLUMNS = (
    "№ лота", "Наименование", "Количество", "Статус лота", "Результат", "Стартовая цена, руб",
    "Победитель", "ИНН победителя", "Цена победителя, руб", "Способ", "Прирост, %",
    "Ставок", "Участников", "Предложений", "Закрытие по плану (МСК)", "Закрытие фактически (МСК)",
)
LOT_STATUS_RU = {"open": "идут торги", "closed": "закрыт, итоги на проверке", "approved": "итоги утверждены"}
SOURCE_RU = {"bid": "открытая ставка", "offer": "ценовое предложение"}
MONEY_FORMAT = "#,##0.00"
TIME_FORMAT = "DD.MM.YYYY HH:MM"
_WIDTHS = (8, 60, 12, 24, 11, 18, 36, 15, 18, 20, 11, 8, 11, 12, 22, 22)


def _cells(line: ResultLine) -> list[Any]:
    """One lot's row: Decimals for money, naive Moscow datetimes for times (Excel has no zones)."""
    return [
        line.lot_number, line.title, line.quantity, LOT_STATUS_RU.get(line.status, line.status),
        "продан" if line.winner_organization_id else "не продан", line.start_price,
        line.winner_name or "", line.winner_inn or "", line.amount,
        SOURCE_RU.get(line.source or "", ""), line.uplift_percent, line.bids, line.bidders, line.offers,
        to_moscow(line.closes_at_original).replace(tzinfo=None),
        to_moscow(line.closed_at).replace(tzinfo=None),
    ]


def title_block(results: AuctionResults) -> list[str]:
    a = results.auction
    sold = sum(1 for line in results.lines if line.winner_organization_id)
    return [
        f"Протокол итогов аукциона № {a.number}",
        a.title,
        f"Форма торгов: {AuctionFormat(a.format).label_ru}",
        f"Начало торгов: {format_moscow(a.starts_at)}; окончание: {format_moscow(a.ends_at)}",
        f"Статус: {AuctionStatus(a.status).label_ru}",
        f"Продано лотов: {sold} из {len(results.lines)}",
    ]


def write_results_xlsx(results: AuctionResults, path: str | Path, *, generated_at: datetime | None = None) -> Path:
    """The protocol as a workbook: a title block, a header row, one row per lot."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Итоги"
    block = title_block(results)
    if generated_at is not None:
        block.append(f"Сформирован: {format_moscow(generated_at)}")
    for index, text in enumerate(block, start=1):
        sheet.cell(row=index, column=1, value=text)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1).font = Font(bold=True)
    header_row = len(block) + 2
    for col, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=header_row, column=col, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, line in enumerate(results.lines, start=1):
        for col, value in enumerate(_cells(line), start=1):
            cell = sheet.cell(row=header_row + offset, column=col, value=value)
            if isinstance(value, Decimal):
                cell.number_format = "0.00" if col == 11 else MONEY_FORMAT
            elif isinstance(value, datetime):
                cell.number_format = TIME_FORMAT
    for col, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    target = Path(path)
    book.save(target)
    return target


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")  # Russian Excel reads a decimal comma
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    return str(value)


def write_results_csv(results: AuctionResults, path: str | Path) -> Path:
    """The protocol as CSV for Russian Excel: UTF-8 with BOM, `;`, decimal commas; one row per lot."""
    target = Path(path)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(("Аукцион", *COLUMNS))
        for line in results.lines:
            writer.writerow([results.auction.number, *(_csv_text(v) for v in _cells(line))])
    return target
