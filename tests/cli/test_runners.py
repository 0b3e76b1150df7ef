"""`omk scheduler` and `omk worker`: ticks with lateness, JSON logs, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.conftest import Omk
from tests.cli.test_flow import START, prepare

pytestmark = pytest.mark.cli


def test_a_tick_reports_each_transition_with_its_lateness(migrated: Omk, tmp_path: Path) -> None:
    prepare(migrated, tmp_path)
    assert migrated.json("scheduler", "--once")["transitions"] == []
    migrated.clock.set(START + timedelta(seconds=2.5))
    tick = migrated.json("scheduler", "--once")
    assert tick["count"] == 1 and tick["max_lateness_seconds"] == 2.5
    transition = tick["transitions"][0]
    assert transition["kind"] == "auction_started"
    assert transition["due_at"] == START.isoformat()
    assert migrated.json("scheduler", "--once")["count"] == 0  # exactly once
    assert "Переходов: 0" in migrated("scheduler", "--once").stdout


def test_transitions_are_logged_as_json_lines_when_asked(migrated: Omk, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    prepare(migrated, tmp_path)
    migrated.clock.set(START + timedelta(seconds=4))
    monkeypatch.setenv("OMK_LOG_FORMAT", "json")
    result = migrated("scheduler", "--once", "--json")
    json.loads(result.stdout)  # stdout stays one document: logs go to stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    transitions = [line for line in lines if line.get("event") == "transition"]
    assert transitions and transitions[0]["lateness_s"] == 4.0 and transitions[0]["kind"] == "auction_started"


def test_the_scheduler_loop_stops_cleanly_on_sigterm(migrated: Omk) -> None:
    default = signal.getsignal(signal.SIGTERM)

    def terminate_once_handled() -> None:
        for _ in range(500):
            if signal.getsignal(signal.SIGTERM) is not default:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            threading.Event().wait(0.01)

    killer = threading.Thread(target=terminate_once_handled)
    killer.start()
    doc = migrated.json("scheduler", "--interval", "0.05")
    killer.join()
    assert doc["ticks"] >= 1
    assert signal.getsignal(signal.SIGTERM) is default  # handlers restored


def test_one_worker_round_relays_and_reports(migrated: Omk, tmp_path: Path) -> None:
    prepare(migrated, tmp_path)
    report = migrated.json("worker", "--once")
    assert report["rounds"] == 1 and report["failed"] == 0
    assert "Обработчик остановлен" in migrated("worker", "--once").stdout
