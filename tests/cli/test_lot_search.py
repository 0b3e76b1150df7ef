"""`omk lots search` and `omk lots reindex`: the same search use case, on the embedded SQLite index."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from omk_adapters.sql.engine import make_engine
from tests.cli.builders import pipe, write_csv
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


@pytest.fixture()
def imported(migrated: Omk, tmp_path: Path) -> Omk:
    migrated("auctions", "create", "--number", "A-1", "--title", "Трубы", "--starts", "2026-12-05T10:00",
             "--ends", "2026-12-05T12:00")
    rows = [pipe(1, diameter="530"), pipe(2, diameter="720"), pipe(3, diameter="1020")]
    rows[2][1], rows[2][2] = "Отвод крутоизогнутый тёплый 1020", "отвод"
    migrated("lots", "import", "A-1", write_csv(tmp_path / "lots.csv", rows))
    return migrated


def test_imported_lots_are_found_at_once_by_other_word_forms_and_filters(imported: Omk) -> None:
    found = imported.json("lots", "search", "трубы бесшовные", "--diameter-from", "600", "--auction", "A-1")

    assert found["total"] == 1
    assert [(h["lot_number"], h["product"]["diameter_mm"]) for h in found["items"]] == [(2, 720.0)]
    assert imported.json("lots", "search", "теплый")["total"] == 1
    assert [f["value"] for f in imported.json("lots", "search")["facets"]["product_type"]] == [
        "труба бесшовная", "отвод"]


def test_reindex_rebuilds_a_lost_index_and_reports_what_it_holds(imported: Omk) -> None:
    engine = make_engine(imported.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM lot_search"))
        conn.execute(sa.text("DELETE FROM lot_search_terms"))
    engine.dispose()
    assert imported.json("lots", "search", "труба")["total"] == 0

    first = imported.json("lots", "reindex")
    again = imported.json("lots", "reindex")

    assert first == again == {"indexed": 3, "auctions": 1}
    assert imported.json("lots", "search", "труба")["total"] == 2


def test_a_range_upside_down_is_invalid_input_explained_in_russian(imported: Omk) -> None:
    result = imported("lots", "search", "--diameter-from", "900", "--diameter-to", "500", code=3)

    assert "Нижняя граница (900 мм) больше верхней (500 мм)" in result.stderr
