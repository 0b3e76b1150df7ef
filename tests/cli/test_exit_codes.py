"""Each class of error has its exit code, a message on stderr, and with --json an error document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omk_cli.errors import KIND_EXIT, ExitCode
from omk_cli.main import app as production_app
from omk_cli.main import create_app
from tests.cli.builders import INNS, pipe, write_csv
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def make_auction(omk: Omk, number: str = "A-1") -> None:
    omk("auctions", "create", "--number", number, "--title", "Трубы", "--starts", "2026-12-05T10:00",
        "--ends", "2026-12-05T12:00")


def test_the_one_table_maps_every_kind_of_domain_error() -> None:
    assert KIND_EXIT == {"invalid": ExitCode.INVALID, "not_found": ExitCode.NOT_FOUND,
                         "conflict": ExitCode.CONFLICT, "forbidden": ExitCode.FORBIDDEN,
                         "unavailable": ExitCode.UNAVAILABLE}  # e.g. the mail server or SMS gateway is down


def test_invalid_input_exits_3(migrated: Omk) -> None:
    result = migrated("orgs", "create", "--name", "ООО Ромашка", "--inn", "7707083894", code=3)
    assert "[inn_invalid]" in result.stderr and "ИНН указан неверно" in result.stderr
    migrated("auctions", "create", "--number", "A-1", "--title", "Т", "--starts", "завтра", "--ends",
             "2026-12-05T12:00", code=3)
    migrated("auctions", "create", "--number", "A-1", "--title", "Т", "--starts", "2026-12-05T12:00",
             "--ends", "2026-12-05T10:00", code=3)


def test_not_found_exits_4_and_names_what_was_looked_for(migrated: Omk) -> None:
    result = migrated("auctions", "show", "A-404", code=4)
    assert "Аукцион не найден" in result.stderr and "A-404" in result.stderr
    migrated("admissions", "list", "A-404", code=4)
    make_auction(migrated)
    migrated("admissions", "add", "A-1", INNS[0], code=4)  # no such organisation
    migrated("lots", "edit", "no-such-lot", "--title", "x", code=4)


def test_a_conflict_with_the_current_state_exits_5(migrated: Omk, tmp_path: Path) -> None:
    make_auction(migrated)
    migrated("auctions", "create", "--number", "A-1", "--title", "Т", "--starts", "2026-12-05T10:00",
             "--ends", "2026-12-05T12:00", code=3)  # the number is taken: invalid input
    migrated("auctions", "publish", "A-1", code=3)  # no lots yet: invalid
    migrated("lots", "import", "A-1", write_csv(tmp_path / "lots.csv", [pipe(1)]))
    migrated("auctions", "publish", "A-1")
    result = migrated("auctions", "publish", "A-1", code=5)  # already published
    assert "[auction_state_forbids]" in result.stderr
    migrated("auctions", "results", "A-1", code=5)  # not finished
    migrated("orgs", "create", "--name", "ООО Ромашка", "--inn", INNS[0])
    migrated("orgs", "create", "--name", "ООО Ромашка", "--inn", INNS[0], code=5)


def test_a_forbidden_action_exits_6(migrated: Omk) -> None:
    make_auction(migrated)
    migrated("orgs", "create", "--name", "ООО Ромашка", "--inn", INNS[0])
    result = migrated("admissions", "remove", "A-1", INNS[0], code=6)
    assert "не допущена" in result.stderr


def test_usage_errors_are_typers_exit_2(migrated: Omk) -> None:
    migrated("auctions", "create", "--number", "A-1", code=2)
    migrated("auctions", "list", "--status", "sleeping", code=2)
    migrated("auctions", "fly", code=2)


def test_bad_settings_exit_7(omk: Omk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMK_SCHEDULER_INTERVAL", "-1")
    result = omk("orgs", "list", code=7)
    assert "OMK_SCHEDULER_INTERVAL" in result.stderr


def test_a_missing_schema_exits_8_and_says_to_run_db_upgrade(database_url: str) -> None:
    result = CliRunner().invoke(production_app, ["auctions", "list", "--json"])
    assert result.exit_code == 8
    assert "omk db upgrade" in result.stderr
    assert json.loads(result.stdout) == {"ok": False, "exit_code": 8, "error": {
        "code": "schema_missing", "message": json.loads(result.stdout)["error"]["message"]}}


def test_an_unreachable_database_exits_8(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMK_DATABASE_URL", "postgresql://omk@127.0.0.1:1/omk")
    result = CliRunner().invoke(production_app, ["orgs", "list"])
    assert result.exit_code == 8, result.output
    assert "База данных недоступна" in result.stderr


def test_an_unexpected_error_exits_1_without_a_traceback(database_url: str) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError("disk on fire")

    result = CliRunner().invoke(create_app(broken), ["orgs", "list"])
    assert result.exit_code == 1
    assert "disk on fire" in result.stderr and "Traceback" not in result.output


def test_json_errors_are_one_document_with_code_and_context(migrated: Omk) -> None:
    doc = migrated.json("auctions", "show", "A-404", code=4)
    assert doc == {"ok": False, "exit_code": 4, "error": {
        "code": "auction_not_found", "message": "Аукцион не найден.", "context": {"auction_id": "A-404"},
        "kind": "not_found"}}


def test_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(production_app, ["--help"])
    assert result.exit_code == 0
    for line in ("0 ok", "2 usage error", "3 invalid input", "4 not found", "5 conflict", "6 forbidden",
                 "7 bad settings", "8 service unavailable"):
        assert line in result.stdout


def test_db_current_tells_the_revision_before_and_after_upgrade(omk: Omk) -> None:
    before = omk.json("db", "current")
    assert before["current"] is None and before["up_to_date"] is False
    assert omk.json("db", "upgrade")["changed"] is True
    assert omk.json("db", "upgrade")["changed"] is False
    after = omk.json("db", "current")
    assert after["up_to_date"] is True and after["current"] == after["head"]


def test_every_listing_prints_parseable_json(migrated: Omk, tmp_path: Path) -> None:
    make_auction(migrated)
    migrated("orgs", "create", "--name", "ООО Ромашка", "--inn", INNS[0])
    migrated("admissions", "add", "A-1", INNS[0])
    for args in (("orgs", "list"), ("auctions", "list"), ("auctions", "show", "A-1"), ("lots", "list", "A-1"),
                 ("admissions", "list", "A-1"), ("bids", "list", "A-1"), ("journal", "verify", "A-1"),
                 ("db", "current"), ("scheduler", "--once"), ("worker", "--once")):
        assert migrated.json(*args) is not None, args
