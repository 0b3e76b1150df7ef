"""The same CLI on PostgreSQL: migrate, seed the demo, run a tick, verify a journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from omk_adapters.memory.clock import ManualClock
from tests.cli.conftest import T0, Omk

pytestmark = [pytest.mark.cli, pytest.mark.postgres, pytest.mark.integration]


def test_the_cli_drives_postgresql_too(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OMK_AMQP_URL", "OMK_CONFIG", "OMK_LOG_FORMAT", "OMK_LOG_LEVEL", "OMK_SCHEDULER_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OMK_DATABASE_URL", postgres_url)
    omk = Omk(ManualClock(T0), postgres_url)
    omk("auctions", "list", code=8)  # no schema yet
    assert omk.json("db", "upgrade")["changed"] is True
    demo = omk.json("demo")
    assert len(demo["auctions"]) == 7
    assert omk.json("demo")["created"] is False
    assert omk.json("journal", "verify", "DEMO-04")["ok"] is True
    assert [a["number"] for a in omk.json("auctions", "list", "--search", "газопровод")] == ["DEMO-04"]
    assert [a["number"] for a in omk.json("auctions", "list", "--status", "running")] == ["DEMO-03"]
    omk.json("scheduler", "--once")
