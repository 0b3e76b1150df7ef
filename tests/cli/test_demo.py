"""`omk demo`: every auction state reached through the use cases; idempotent; --reset starts over."""

from __future__ import annotations

from pathlib import Path

import pytest

from omk_adapters.demo import DEMO_PASSWORD, ORGS, inn10, inn12
from omk_domain.identity.model import Role
from omk_domain.identity.validators import inn_is_valid
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli

EVERY_STATE = {"draft", "scheduled", "running", "finished", "results_approved", "cancelled"}


def test_the_demo_seeds_every_state_migrates_itself_and_runs_twice(omk: Omk, tmp_path: Path) -> None:
    first = omk.json("demo")  # no `db upgrade` before: the demo migrates
    assert first["created"] is True
    assert {a["status"] for a in first["auctions"]} == EVERY_STATE
    assert len(first["organizations"]) == 7
    assert {u["role"] for u in first["users"]} == {r.value for r in Role}
    assert first["demo_password"] == DEMO_PASSWORD
    assert "password_hash" not in first["users"][0]
    assert all(inn_is_valid(o["inn"]) for o in first["organizations"])
    statuses = sorted(o["status"] for o in omk.json("orgs", "list"))
    assert statuses == ["active"] * 5 + ["applied", "blocked"]

    second = omk.json("demo")
    assert second["created"] is False
    assert [(a["id"], a["status"]) for a in second["auctions"]] == [(a["id"], a["status"]) for a in first["auctions"]]
    assert "ничего не изменено" in omk("demo").stdout

    lots = omk.json("lots", "list", "DEMO-03")
    assert any(lot["bids"] for lot in lots) and any(lot["offers"] for lot in lots)
    finished = omk.json("auctions", "results", "DEMO-04")
    assert finished["auction"]["status"] == "finished"
    extended = [line for line in finished["lines"] if line["closed_at"] != line["closes_at_original"]]
    assert extended, "soft close extended a lot of DEMO-04"
    assert {line["source"] for line in finished["lines"]} == {"bid", "offer", None}
    for number in ("DEMO-03", "DEMO-04", "DEMO-05", "DEMO-06"):
        assert omk.json("journal", "verify", number)["ok"] is True
    omk("auctions", "export", "DEMO-05", "--output", tmp_path / "itogi.xlsx")
    assert omk.json("lots", "import", "DEMO-01", first["sample_file"])["imported"] == 3


def test_reset_starts_over_but_refuses_to_wipe_data_that_is_not_the_demo(omk: Omk) -> None:
    first = omk.json("demo")
    again = omk.json("demo", "--reset")
    assert again["created"] is True and again["reset"] is True
    assert {a["id"] for a in again["auctions"]}.isdisjoint({a["id"] for a in first["auctions"]})
    assert len(again["auctions"]) == 7

    omk("orgs", "create", "--name", "ООО «Настоящий клиент»", "--inn", "7707083893")
    refused = omk("demo", "--reset", code=5)
    assert "--force" in refused.stderr
    assert len(omk.json("orgs", "list")) == 8
    assert omk.json("demo", "--reset", "--force")["created"] is True
    assert len(omk.json("orgs", "list")) == 7


def test_the_demo_prints_what_to_try_next(omk: Omk) -> None:
    out = omk("demo").stdout
    assert "omk auctions results DEMO-04" in out and "omk bids place" in out


def test_generated_inns_have_valid_checksums() -> None:
    assert inn_is_valid(inn10("770708389")) and inn10("770708389") == "7707083893"
    assert inn12("5001007322") == "500100732259"
    assert all(inn_is_valid(org.inn) for org in ORGS)
