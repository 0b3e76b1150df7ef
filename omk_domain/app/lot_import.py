"""Turning rows of a lot file into lots: every bad cell reported, nothing half-imported."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from omk_domain.auctions.values import ProductSpec
from omk_domain.shared.errors import DomainError, InvalidValue
from omk_domain.shared.money import Money, Quantity, Unit

#: canonical column → accepted header spellings (English code names and Russian labels)
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "№ лота", "номер лота", "номер", "лот"),
    "title": ("title", "наименование", "название"),
    "product_type": ("product_type", "вид продукции", "продукция"),
    "diameter_mm": ("diameter_mm", "диаметр, мм", "диаметр"),
    "wall_mm": ("wall_mm", "толщина стенки, мм", "толщина стенки", "стенка"),
    "steel_grade": ("steel_grade", "марка стали"),
    "standard": ("standard", "стандарт", "гост/ту", "нтд"),
    "warehouse": ("warehouse", "склад"),
    "quantity": ("quantity", "количество"),
    "unit": ("unit", "ед. изм.", "единица", "ед"),
    "start_price": ("start_price", "стартовая цена", "стартовая цена за единицу, руб"),
    "bid_step": ("bid_step", "шаг", "шаг аукциона", "шаг аукциона, руб"),
    "floor_price": ("floor_price", "скрытый минимум", "минимальная цена"),
}
REQUIRED = ("number", "title", "product_type", "quantity", "unit", "start_price", "bid_step")
_HEADER_INDEX = {spelling: canon for canon, names in COLUMNS.items() for spelling in names}


@attrs.frozen(kw_only=True)
class RowError:
    """One bad cell: the file row (1 = header), the column and the reason in Russian."""

    row: int
    column: str
    reason: str
    code: str


class LotFileRejected(InvalidValue):
    """The file has errors; no lot was imported. `errors` lists every bad cell."""

    code = "lot_file_rejected"
    message_ru = "Файл лотов содержит ошибки; ни один лот не загружен."

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = tuple(errors)
        super().__init__(f"Ошибок: {len(self.errors)}.")

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [attrs.asdict(e) for e in self.errors]
        return body


@attrs.frozen(kw_only=True)
class LotDraft:
    """A validated row, ready to become a Lot."""

    row: int
    number: int
    title: str
    product: ProductSpec
    quantity: Quantity
    start_price: Money
    bid_step: Money
    floor_price: Money | None


def map_header(header: Sequence[Any]) -> tuple[list[str | None], list[RowError]]:
    """Canonical names for the header cells; unknown and missing required columns are errors."""
    mapped: list[str | None] = []
    problems: list[RowError] = []
    for cell in header:
        name = str(cell or "").strip().lower()
        canon = _HEADER_INDEX.get(name)
        if name and canon is None:
            problems.append(RowError(row=1, column=str(cell), reason="неизвестная колонка",
                                     code="unknown_column"))
        if canon is not None and canon in mapped:
            problems.append(RowError(row=1, column=str(cell), reason="колонка повторяется",
                                     code="duplicate_column"))
        mapped.append(canon)
    for required in REQUIRED:
        if required not in mapped:
            problems.append(RowError(row=1, column=required, reason="нет обязательной колонки",
                                     code="missing_column"))
    return mapped, problems


def _number(text: str, *, integer: bool = False) -> Any:
    value = text.replace(",", ".").replace("\u00a0", "").replace(" ", "")
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        raise InvalidValue("ожидается " + ("целое число" if integer else "число")) from None
    if not math.isfinite(number) or number <= 0:
        raise InvalidValue("должно быть больше нуля")
    return number


def parse_rows(header: Sequence[Any], rows: Sequence[Sequence[Any]],
               existing_numbers: set[int] = frozenset()) -> list[LotDraft]:  # type: ignore[assignment]
    """Validate every row; return drafts, or raise LotFileRejected listing every bad cell."""
    columns, problems = map_header(header)
    if problems:
        raise LotFileRejected(problems)
    drafts: list[LotDraft] = []
    seen = set(existing_numbers)
    if not rows:
        raise LotFileRejected([RowError(row=2, column="", reason="в файле нет ни одного лота",
                                        code="empty_file")])
    for index, raw in enumerate(rows, start=2):
        cells: dict[str, str] = {}
        for name, value in zip(columns, raw, strict=False):
            if name is not None:
                cells[name] = "" if value is None else str(value).strip()
        if not any(cells.values()):
            continue  # blank line
        row_errors: list[RowError] = []

        def field(name: str, parse: Any, *, optional: bool = False, _cells: Mapping[str, str] = cells,
                  _errs: list[RowError] = row_errors, _row: int = index) -> Any:
            text = _cells.get(name, "")
            if not text:
                if not optional:
                    _errs.append(RowError(row=_row, column=name, reason="пустое значение",
                                          code="required"))
                return None
            try:
                return parse(text)
            except DomainError as exc:
                _errs.append(RowError(row=_row, column=name, reason=exc.user_message(), code=exc.code))
                return None

        number = field("number", lambda t: _number(t, integer=True))
        title = field("title", lambda t: t if len(t) <= 300 else _too_long())
        product_type = field("product_type", lambda t: t[:200])
        diameter = field("diameter_mm", _number, optional=True)
        wall = field("wall_mm", _number, optional=True)
        unit = field("unit", Unit.parse)
        quantity = field("quantity", lambda t, u=unit: Quantity.parse(t, u or Unit.TONNE))
        start = field("start_price", Money.parse_positive)
        step = field("bid_step", Money.parse_positive)
        floor = field("floor_price", Money.parse_positive, optional=True)
        if start is not None and floor is not None and floor >= start:
            row_errors.append(RowError(row=index, column="floor_price",
                                       reason="скрытый минимум должен быть ниже стартовой цены",
                                       code="floor_not_below_start"))
        if number is not None:
            if number in seen:
                row_errors.append(RowError(row=index, column="number",
                                           reason=f"лот № {number} уже есть", code="duplicate_lot"))
            seen.add(number)
        if row_errors:
            problems.extend(row_errors)
            continue
        drafts.append(LotDraft(
            row=index, number=number, title=title,
            product=ProductSpec(product_type=product_type, diameter_mm=diameter, wall_mm=wall,
                                steel_grade=cells.get("steel_grade", ""),
                                standard=cells.get("standard", ""),
                                warehouse=cells.get("warehouse", "")),
            quantity=quantity, start_price=start, bid_step=step, floor_price=floor))
    if problems:
        raise LotFileRejected(problems)
    if not drafts:  # only blank lines
        raise LotFileRejected([RowError(row=2, column="", reason="в файле нет ни одного лота",
                                        code="empty_file")])
    return drafts


def _too_long() -> str:
    raise InvalidValue("не длиннее 300 символов")
