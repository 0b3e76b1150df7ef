"""Drive `omk` in-process against a fresh SQLite file, with the time given by a ManualClock.

The app gets its Services through `create_app(services_factory=...)` — the same seam production
uses — so time-dependent flows move the clock instead of sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omk_adapters.bootstrap import bootstrap
from omk_adapters.memory.clock import ManualClock
from omk_cli.main import create_app
from omk_domain.shared.clock import Clock

#: 1 December 2026, 10:00 Moscow time
T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


class Omk:
    """Runs `omk …` and checks the exit code; `json()` parses the one JSON document on stdout."""

    def __init__(self, clock: ManualClock, database_url: str) -> None:
        self.clock = clock
        self.database_url = database_url
        self.runner = CliRunner()

        def factory(*, clock: Clock | None = None, migrate: bool = False) -> Any:
            return bootstrap(clock=clock or self.clock, migrate=migrate)

        self.app = create_app(factory)

    def __call__(self, *args: Any, code: int = 0, input: str | None = None) -> Any:
        result = self.runner.invoke(self.app, [str(a) for a in args], input=input)
        assert result.exit_code == code, (
            f"omk {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\nexception: {result.exception!r}")
        assert "Traceback" not in result.stdout + result.stderr
        return result

    def json(self, *args: Any, code: int = 0) -> Any:
        result = self(*args, "--json", code=code)
        return json.loads(result.stdout)


@pytest.fixture()
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'omk.sqlite3'}"
    for name in ("OMK_AMQP_URL", "OMK_CONFIG", "OMK_LOG_FORMAT", "OMK_LOG_LEVEL", "OMK_SCHEDULER_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OMK_DATABASE_URL", url)
    return url


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture()
def omk(database_url: str, clock: ManualClock) -> Iterator[Omk]:
    yield Omk(clock, database_url)


@pytest.fixture()
def migrated(omk: Omk) -> Omk:
    omk("db", "upgrade")
    return omk
