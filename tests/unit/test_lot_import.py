"""Lot files: every bad cell is reported with its row and column, and nothing is half-imported."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omk_domain.app.lot_import import LotFileRejected, parse_rows
from omk_domain.shared.money import Money, Unit

pytestmark = pytest.mark.unit

HEADER = ["№ лота", "Наименование", "Вид продукции", "Диаметр, мм", "Толщина стенки, мм", "Марка стали",
          "ГОСТ/ТУ", "Склад", "Количество", "Ед. изм.", "Стартовая цена", "Шаг аукциона", "Скрытый минимум"]
CANON = ["number", "title", "product_type", "diameter_mm", "wall_mm", "steel_grade", "standard", "warehouse",
         "quantity", "unit", "start_price", "bid_step", "floor_price"]


def row(number: object = "1", /, **cells: object) -> list[object]:
    """A good row of the file, with the named cells replaced."""
    good = {"number": number, "title": "Труба 530×8", "product_type": "труба электросварная",
            "diameter_mm": "530", "wall_mm": "8", "steel_grade": "К52", "standard": "ГОСТ 20295-85",
            "warehouse": "Выкса", "quantity": "100", "unit": "т", "start_price": "85 000",
            "bid_step": "500", "floor_price": ""}
    good.update(cells)
    return [good[name] for name in CANON]


def rejected(rows: list[list[object]], header: list[object] | None = None,
             existing: set[int] | None = None) -> list[tuple[int, str, str]]:
    with pytest.raises(LotFileRejected) as caught:
        parse_rows(header or HEADER, rows, existing or set())
    return [(e.row, e.column, e.code) for e in caught.value.errors]


def test_a_good_file_with_russian_headers_becomes_lot_drafts() -> None:
    drafts = parse_rows(HEADER, [row("1"), row("2", unit="шт", quantity="40", floor_price="70 000,50")])
    first, second = drafts
    assert (first.row, first.number, first.title) == (2, 1, "Труба 530×8")
    assert first.start_price == Money.rub("85000") and first.bid_step == Money.rub("500")
    assert first.floor_price is None
    assert first.product.diameter_mm == 530 and first.product.steel_grade == "К52"
    assert (second.quantity.value, second.quantity.unit) == (Decimal("40"), Unit.PIECE)
    assert second.floor_price == Money.rub("70000.50")


def test_english_code_names_work_as_headers_too() -> None:
    (draft,) = parse_rows(CANON, [row("7")])
    assert draft.number == 7


def test_blank_lines_are_skipped_and_rows_keep_their_file_numbers() -> None:
    drafts = parse_rows(HEADER, [row("1"), [""] * len(HEADER), [None] * len(HEADER), row("2")])
    assert [d.row for d in drafts] == [2, 5]


def test_every_bad_cell_is_reported_with_its_row_and_column_and_nothing_is_returned() -> None:
    errors = rejected([
        row("1", start_price="abc"),
        row("2", title="", unit="кг"),
        row("3"),
        row("x", quantity="0", bid_step="-5", floor_price="1.001"),
    ])
    assert errors == [
        (2, "start_price", "amount_not_a_number"),
        (3, "title", "required"),
        (3, "unit", "unit_unknown"),
        (5, "number", "invalid_value"),
        (5, "quantity", "quantity_invalid"),
        (5, "bid_step", "amount_not_positive"),
        (5, "floor_price", "amount_too_precise"),
    ]


def test_the_rejection_lists_the_errors_in_its_machine_readable_body() -> None:
    with pytest.raises(LotFileRejected) as caught:
        parse_rows(HEADER, [row("1", start_price="NaN")])
    body = caught.value.as_dict()
    assert body["code"] == "lot_file_rejected"
    assert body["errors"] == [{"row": 2, "column": "start_price", "reason": body["errors"][0]["reason"],
                               "code": "amount_not_finite"}]
    assert "ни один лот не загружен" in body["message"]


@pytest.mark.parametrize(("cells", "column", "code"), [
    ({"start_price": "0"}, "start_price", "amount_not_positive"),
    ({"start_price": "1000000000000000"}, "start_price", "amount_too_large"),
    ({"start_price": "1e15"}, "start_price", "amount_not_a_number"),
    ({"start_price": "85000.001"}, "start_price", "amount_too_precise"),
    ({"bid_step": "Infinity"}, "bid_step", "amount_not_finite"),
    ({"quantity": "2,5", "unit": "шт"}, "quantity", "quantity_invalid"),
    ({"quantity": "много"}, "quantity", "quantity_invalid"),
    ({"diameter_mm": "-530"}, "diameter_mm", "invalid_value"),
    ({"wall_mm": "nan"}, "wall_mm", "invalid_value"),
    ({"number": "1.5"}, "number", "invalid_value"),
    ({"number": "0"}, "number", "invalid_value"),
    ({"title": "Т" * 301}, "title", "invalid_value"),
    ({"product_type": ""}, "product_type", "required"),
    ({"floor_price": "85000"}, "floor_price", "floor_not_below_start"),
])
def test_a_bad_cell_is_named_by_its_column_and_reason(cells: dict[str, object], column: str, code: str) -> None:
    assert rejected([row("1", **cells)]) == [(2, column, code)]


def test_duplicate_lot_numbers_in_the_file_or_in_the_auction_are_errors() -> None:
    assert rejected([row("1"), row("1")]) == [(3, "number", "duplicate_lot")]
    assert rejected([row("4")], existing={4}) == [(2, "number", "duplicate_lot")]


def test_header_problems_are_reported_on_row_one() -> None:
    header = ["№ лота", "Наименование", "Вид продукции", "Количество", "Количество", "Ед. изм.", "Стартовая цена",
              "Цвет"]
    errors = rejected([["1", "Труба", "труба", "1", "1", "т", "100", "синий"]], header=header)
    assert errors == [(1, "Количество", "duplicate_column"), (1, "Цвет", "unknown_column"),
                      (1, "bid_step", "missing_column")]


@pytest.mark.parametrize("rows", [[], [[""] * len(HEADER)], [[None] * len(HEADER), [" "] * len(HEADER)]])
def test_a_file_without_a_single_lot_is_rejected(rows: list[list[object]]) -> None:
    assert rejected(rows) == [(2, "", "empty_file")]


def test_a_short_row_reports_its_missing_required_cells() -> None:
    assert rejected([["1", "Труба 530×8"]]) == [
        (2, "product_type", "required"), (2, "unit", "required"), (2, "quantity", "required"),
        (2, "start_price", "required"), (2, "bid_step", "required")]


BREAKERS = {"start_price": "abc", "bid_step": "0", "quantity": "-1", "unit": "кг", "title": "",
            "floor_price": "1.001"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.sampled_from(sorted(BREAKERS)), max_size=3), min_size=1, max_size=8))
def test_the_file_is_all_or_nothing_and_exactly_the_broken_cells_are_reported(plan: list[set[str]]) -> None:
    rows = [row(str(n), **{column: BREAKERS[column] for column in broken}) for n, broken in enumerate(plan, 1)]
    expected = {(n + 1, column) for n, broken in enumerate(plan, 1) for column in broken}
    if not expected:
        assert [d.number for d in parse_rows(HEADER, rows)] == list(range(1, len(plan) + 1))
        return
    with pytest.raises(LotFileRejected) as caught:
        parse_rows(HEADER, rows)
    assert {(e.row, e.column) for e in caught.value.errors} == expected
