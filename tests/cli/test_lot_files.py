"""Lot import: all or nothing, every bad row reported, and unreadable files refused with a reason."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from omk_adapters.files.lots import LotFileUnreadable, detect_delimiter, read_lot_bytes
from tests.cli.builders import HEADER, pipe, write_csv, write_xlsx
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


@pytest.fixture()
def draft(migrated: Omk) -> Omk:
    migrated("auctions", "create", "--number", "A-1", "--title", "Трубы", "--starts", "2026-12-05T10:00",
             "--ends", "2026-12-05T12:00")
    return migrated


def rejected(omk: Omk, path: Path) -> dict:
    result = omk("lots", "import", "A-1", path, "--json", code=3)
    assert omk.json("lots", "list", "A-1") == []  # nothing was imported
    return {"doc": json.loads(result.stdout), "stderr": result.stderr}


def test_a_file_with_bad_rows_lists_every_bad_row_and_imports_nothing(draft: Omk, tmp_path: Path) -> None:
    bad_quantity = pipe(2, quantity="сто")
    no_title = pipe(3)
    no_title[1] = ""
    negative = pipe(5, price="-85000", step="0")
    path = write_csv(tmp_path / "lots.csv", [pipe(1), bad_quantity, no_title, pipe(4), negative, pipe(1)])
    outcome = rejected(draft, path)
    errors = outcome["doc"]["error"]["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {
        (3, "quantity"), (4, "title"), (6, "start_price"), (6, "bid_step"), (7, "number")}
    assert outcome["doc"]["exit_code"] == 3 and outcome["doc"]["error"]["code"] == "lot_file_rejected"
    for row in ("3", "4", "6", "7"):
        assert f"│ {row:>6} │" in outcome["stderr"]
    assert "ни один лот не загружен" in outcome["stderr"]


def test_unknown_and_missing_columns_are_reported_on_the_header_row(draft: Omk, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lots.csv", [["1", "Труба"]], header=("№ лота", "Наименование", "Цвет"))
    errors = rejected(draft, path)["doc"]["error"]["errors"]
    assert all(e["row"] == 1 for e in errors)
    assert {e["code"] for e in errors} == {"unknown_column", "missing_column"}


def test_a_header_without_lots_is_rejected(draft: Omk, tmp_path: Path) -> None:
    errors = rejected(draft, write_csv(tmp_path / "lots.csv", []))["doc"]["error"]["errors"]
    assert errors[0]["code"] == "empty_file"


def test_a_lot_number_already_in_the_auction_is_a_clash_and_nothing_is_added(draft: Omk, tmp_path: Path) -> None:
    draft("lots", "import", "A-1", write_csv(tmp_path / "first.csv", [pipe(1)]))
    draft("lots", "import", "A-1", write_csv(tmp_path / "second.csv", [pipe(2), pipe(1)]), code=3)
    assert [lot["number"] for lot in draft.json("lots", "list", "A-1")] == [1]


def test_comma_separated_cp1251_files_from_old_excel_are_read(draft: Omk, tmp_path: Path) -> None:
    rows = [[cell.replace("×", "x") for cell in row] for row in (pipe(1, price="85 000,50"), pipe(2))]
    path = write_csv(tmp_path / "lots.csv", rows, delimiter=",", encoding="cp1251")
    assert draft.json("lots", "import", "A-1", path)["imported"] == 2
    lots = draft.json("lots", "list", "A-1")
    assert lots[0]["start_price"] == "85000.50"
    assert lots[0]["title"].startswith("Труба стальная бесшовная 530x8")


def test_utf8_without_bom_and_semicolons_are_read(draft: Omk, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lots.csv", [pipe(1)], encoding="utf-8")
    assert draft.json("lots", "import", "A-1", path)["imported"] == 1


def test_xlsx_numbers_and_row_numbers_match_what_excel_shows(draft: Omk, tmp_path: Path) -> None:
    good = [1, "Труба 530×8", "труба", 530, 8.0, "17Г1С", "ГОСТ 8732-78", "Выкса", 100, "т", 85000.5, 500]
    blank = [None] * len(HEADER)
    bad = [2, "Труба 219×8", "труба", 219, 8, "20", "ГОСТ 8732-78", "Чусовой", 10, "кг", 90000, 500]
    errors = rejected(draft, write_xlsx(tmp_path / "lots.xlsx", [good, blank, bad]))["doc"]["error"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(4, "unit")]
    bad[9] = "т"
    assert draft.json("lots", "import", "A-1", write_xlsx(tmp_path / "ok.xlsx", [good, blank, bad]))["imported"] == 2
    assert draft.json("lots", "list", "A-1")[0]["start_price"] == "85000.50"


def _xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _zip_without_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "не книга Excel")
    return buffer.getvalue()


MALFORMED = {
    "empty.csv": (b"", "пуст"),
    "blank.csv": (b"\r\n \r\n", "пуст"),
    "garbage.csv": (bytes(range(256)) * 8, "двоичные"),
    "noise.csv": (bytes((i * 7919) % 256 or 1 for i in range(4000)), "двоичные"),
    "garbage.xlsx": (bytes(range(256)) * 8, "не является книгой Excel"),
    "text.xlsx": ("№ лота;Наименование\n1;Труба\n".encode(), "не является книгой Excel"),
    "broken.xlsx": (b"PK\x03\x04" + bytes(range(256)) * 4, "повреждена"),
    "archive.xlsx": (_zip_without_a_workbook(), "повреждена"),
    "book.csv": (_xlsx_bytes(), "переименуйте файл в .xlsx"),
    "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    "lots.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "Неподдерживаемый формат"),
    "lots": (b"number;title\n", "Неподдерживаемый формат"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_an_unreadable_file_is_refused_with_its_reason_and_changes_nothing(draft: Omk, tmp_path: Path,
                                                                            name: str) -> None:
    content, reason = MALFORMED[name]
    path = tmp_path / name
    path.write_bytes(content)
    outcome = rejected(draft, path)
    assert outcome["doc"]["error"]["code"] == "lot_file_unreadable"
    assert reason in outcome["doc"]["error"]["message"]
    assert reason in outcome["stderr"].replace("\n", "")


def test_a_missing_file_is_invalid_input(draft: Omk, tmp_path: Path) -> None:
    result = draft("lots", "import", "A-1", tmp_path / "nope.csv", code=3)
    assert "Файл не найден" in result.stderr


def test_an_unknown_auction_is_reported_before_the_file_is_read(draft: Omk, tmp_path: Path) -> None:
    draft("lots", "import", "Z-9", tmp_path / "nope.csv", code=4)


@pytest.mark.parametrize(("line", "expected"), [
    ("№ лота;Наименование;Количество", ";"), ("number,title,quantity", ","), ("number\ttitle", "\t"),
    ("number", ";"), ("a,b;c", ";"),
])
def test_the_delimiter_is_whichever_splits_the_header(line: str, expected: str) -> None:
    assert detect_delimiter(line) == expected


def test_excel_unicode_text_in_utf16_is_read() -> None:
    header, rows = read_lot_bytes("№ лота\tНаименование\r\n1\tТруба\r\n".encode("utf-16"), "lots.csv")
    assert header == ["№ лота", "Наименование"] and rows == [["1", "Труба"]]


def test_trailing_blank_lines_are_not_rows() -> None:
    _, rows = read_lot_bytes(b"a;b\n1;2\n;\n\n", "lots.csv")
    assert rows == [["1", "2"]]


def test_a_file_of_blank_cells_has_no_data() -> None:
    with pytest.raises(LotFileUnreadable):
        read_lot_bytes(b";;\n;;\n", "lots.csv")
