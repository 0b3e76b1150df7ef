"""Readable set-up for CLI tests: lot files and a prepared auction."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADER = ("№ лота", "Наименование", "Вид продукции", "Диаметр, мм", "Толщина стенки, мм", "Марка стали",
          "Стандарт", "Склад", "Количество", "Ед. изм.", "Стартовая цена", "Шаг аукциона")
INNS = ("7707083893", "7736207543", "500100732259")


def pipe(number: int, *, price: str = "85 000", step: str = "500", diameter: str = "530", wall: str = "8",
         quantity: str = "100") -> list[str]:
    return [str(number), f"Труба стальная бесшовная {diameter}×{wall} мм, ст. 17Г1С, ГОСТ 8732-78",
            "труба бесшовная", diameter, wall, "17Г1С", "ГОСТ 8732-78", "Выкса", quantity, "т", price, step]


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, header: Sequence[str] = HEADER, delimiter: str = ";",
              encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], *, header: Sequence[str] = HEADER) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path
