"""Reading lot files (CSV or XLSX) into a header and rows for `omk_domain.app.lot_import.parse_rows`.

The reader only turns bytes into cells; every rule about the cells lives in `parse_rows`. A file
that cannot be read at all (empty, binary garbage, a broken workbook, a wrong extension) is
refused whole with `LotFileUnreadable`, so nothing is ever half-imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from omk_domain.shared.errors import InvalidValue

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10_000
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container

Header = list[Any]
Rows = list[list[Any]]


class LotFileUnreadable(InvalidValue):
    """The file is not a readable CSV or XLSX lot list; nothing was imported."""

    code = "lot_file_unreadable"
    message_ru = "Файл лотов не удалось прочитать; ни один лот не загружен."


def read_lot_file(path: str | Path) -> tuple[Header, Rows]:
    """The header row and the data rows of a CSV or XLSX file (row i of the list is file row i + 2)."""
    path = Path(path)
    if not path.exists():
        raise LotFileUnreadable(f"Файл не найден: {path}.", path=path)
    if not path.is_file():
        raise LotFileUnreadable(f"Это не файл: {path}.", path=path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LotFileUnreadable(f"Файл больше {MAX_FILE_BYTES // (1024 * 1024)} МБ.", path=path)
        data = path.read_bytes()
    except OSError as exc:
        raise LotFileUnreadable(f"Файл не читается: {exc.strerror or exc}.", path=path) from None
    return read_lot_bytes(data, path.name)


def read_lot_bytes(data: bytes, filename: str) -> tuple[Header, Rows]:
    """Like `read_lot_file`, for bytes already in hand (an upload); the name gives the format."""
    suffix = Path(filename).suffix.lower()
    if not data.strip():
        raise LotFileUnreadable("Файл пуст.", file=filename)
    if data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise LotFileUnreadable("Старый формат Excel (.xls) не поддерживается: сохраните файл как .xlsx "
                                "или CSV.", file=filename)
    if suffix in CSV_SUFFIXES:
        if data.startswith(_ZIP_MAGIC):
            raise LotFileUnreadable("Это книга Excel (XLSX) с расширением CSV: переименуйте файл в .xlsx.",
                                    file=filename)
        header, rows = _split(_read_csv(data))
    elif suffix in XLSX_SUFFIXES:
        if not data.startswith(_ZIP_MAGIC):
            raise LotFileUnreadable("Файл с расширением .xlsx не является книгой Excel "
                                    "(повреждён или в другом формате).", file=filename)
        header, rows = _split(_read_xlsx(data))
    else:
        raise LotFileUnreadable(f"Неподдерживаемый формат «{suffix or 'без расширения'}»: "
                                "нужен файл .csv или .xlsx.", file=filename)
    if len(rows) > MAX_ROWS:
        raise LotFileUnreadable(f"Слишком много строк: {len(rows)}, допускается не более {MAX_ROWS}.",
                                file=filename)
    return header, rows


def _split(table: Rows) -> tuple[Header, Rows]:
    while table and not any(str(c).strip() for c in table[-1]):
        table.pop()  # trailing blank lines are not rows
    if not table:
        raise LotFileUnreadable("В файле нет данных.")
    return table[0], table[1:]


# --- CSV --------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")  # Excel's "Unicode text"
    elif b"\x00" in data or _control_bytes(data) > max(2, len(data) // 200):
        raise LotFileUnreadable("Файл не похож на текстовый CSV (двоичные данные).")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1251")  # what Russian Excel writes by default
            except UnicodeDecodeError:
                raise LotFileUnreadable("Кодировка файла не распознана: сохраните его в UTF-8.") from None
    return text


def _control_bytes(data: bytes) -> int:
    """Bytes no text file has (control characters other than tab and line breaks)."""
    return sum(1 for byte in data if byte < 32 and byte not in (9, 10, 13))


def detect_delimiter(first_line: str) -> str:
    """`;` (Russian Excel), `,` or a tab: whichever splits the header line most; `;` on a tie."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


def _read_csv(data: bytes) -> Rows:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(first))
    try:
        return [list(row) for row in reader]
    except csv.Error as exc:
        raise LotFileUnreadable(f"Строка {reader.line_num}: файл CSV повреждён ({exc}).") from None


# --- XLSX -------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        # a whole number typed in Excel comes back as 12.0; repr is the shortest exact text
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes) -> Rows:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise LotFileUnreadable("Книга XLSX повреждена (не удаётся распаковать).") from None
    except Exception as exc:  # openpyxl raises many kinds for a malformed package
        raise LotFileUnreadable(f"Книга XLSX повреждена или не является книгой Excel ({type(exc).__name__}).") \
            from None
    try:
        if not workbook.worksheets:
            raise LotFileUnreadable("В книге нет ни одного листа.")
        sheet = workbook.worksheets[0]
        table: Rows = []
        for row in sheet.iter_rows(values_only=True):
            table.append([_cell(v) for v in row])
            if len(table) > MAX_ROWS + 1:
                break
        return table
    except LotFileUnreadable:
        raise
    except Exception as exc:
        raise LotFileUnreadable(f"Лист книги XLSX повреждён ({type(exc).__name__}).") from None
    finally:
        workbook.close()
