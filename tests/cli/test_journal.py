"""`omk journal verify`: a clean chain passes; an altered entry is named and the exit code is 5."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.builders import INNS
from tests.cli.conftest import Omk
from tests.cli.test_flow import START, prepare

pytestmark = pytest.mark.cli


def test_a_tampered_journal_entry_is_named_and_fails_the_check(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    ids = prepare(omk, tmp_path)
    omk.clock.set(START + timedelta(minutes=1))
    omk("scheduler", "--once")
    omk("bids", "place", ids["1"], "85000", "--org", INNS[0])
    omk("bids", "place", ids["1"], "85500", "--org", INNS[1])
    omk("bids", "place", ids["1"], "86000", "--org", INNS[0])
    assert omk.json("journal", "verify", "A-1")["ok"] is True

    engine = sa.create_engine(omk.database_url)
    with engine.begin() as connection:
        changed = connection.execute(sa.text(
            "UPDATE journal SET data = replace(data, '85500', '95500') WHERE lot_id = :lot AND seq = 2"),
            {"lot": ids["1"]}).rowcount
    engine.dispose()
    assert changed == 1

    result = omk("journal", "verify", "A-1", "--json", code=5)
    import json

    doc = json.loads(result.stdout)
    broken = [lot for lot in doc["lots"] if not lot["ok"]]
    assert doc["ok"] is False
    assert [(lot["lot_id"], lot["first_broken_seq"]) for lot in broken] == [(ids["1"], 2)]
    assert f"Журнал лота {ids['1']} нарушен с записи № 2" in result.stderr.replace("\n", "")
    human = omk("journal", "verify", "A-1", code=5)
    assert "НАРУШЕН" in human.stdout
