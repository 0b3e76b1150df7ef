"""A whole auction scripted through `omk`: from a draft to an exported, verified results protocol."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.builders import INNS, pipe, write_csv, write_xlsx
from tests.cli.conftest import T0, Omk

pytestmark = pytest.mark.cli

START = T0 + timedelta(hours=2)  # 12:00 Moscow
END = START + timedelta(hours=2)


def prepare(omk: Omk, tmp_path: Path) -> dict[str, str]:
    """Three organisations, auction A-1 (mixed, soft close 5/5) with three lots, all admitted, published."""
    orgs = [omk.json("orgs", "create", "--name", "ООО «Трубный двор»", "--inn", INNS[0], "--kpp", "773601001"),
            omk.json("orgs", "create", "--name", "АО «Газстройсбыт»", "--inn", INNS[1]),
            omk.json("orgs", "create", "--name", "ИП Смирнов П. А.", "--inn", INNS[2])]
    auction = omk.json("auctions", "create", "--number", "A-1", "--title", "Трубы для газопровода",
                       "--format", "mixed", "--starts", "2026-12-01T12:00", "--ends", "2026-12-01T14:00",
                       "--soft-window", "5", "--soft-extension", "5")
    omk("lots", "import", "A-1", write_csv(tmp_path / "lots.csv", [pipe(1), pipe(2, price="90 000")]))
    omk("lots", "import", "A-1", write_xlsx(tmp_path / "lots.xlsx", [
        [3, "Труба стальная бесшовная 219×8 мм, ст. 20, ГОСТ 8732-78", "труба бесшовная", 219, 8.0, "20",
         "ГОСТ 8732-78", "Чусовой", 25.5, "т", 112000.5, 1000]]))
    omk("admissions", "add", "A-1", INNS[0])
    omk("admissions", "add", "A-1", INNS[1])
    omk("admissions", "add", auction["id"], orgs[2]["id"])
    omk("auctions", "publish", "A-1")
    lots = {str(lot["number"]): lot["lot_id"] for lot in omk.json("lots", "list", "A-1")}
    return {"auction": auction["id"], **lots}


def test_a_scripted_auction_runs_from_draft_to_an_approved_exported_protocol(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    ids = prepare(omk, tmp_path)
    assert omk.json("auctions", "show", "A-1")["auction"]["status"] == "scheduled"

    omk.clock.set(START + timedelta(seconds=30))
    tick = omk.json("scheduler", "--once")
    assert [t["kind"] for t in tick["transitions"]] == ["auction_started"]
    assert tick["transitions"][0]["lateness_seconds"] == 30.0

    offer = omk.json("bids", "offer", ids["2"], "80000", "--org", INNS[2])
    edited = omk.json("bids", "edit-offer", ids["2"], offer["item_id"], "80 500,50", "--org", INNS[2])
    assert edited["amount"] == "80500.50"
    omk("bids", "place", ids["1"], "85 000", "--org", INNS[0])
    omk("bids", "place", ids["1"], "85500", "--org", INNS[1])
    omk("bids", "place", ids["1"], "85600", "--org", INNS[0], code=3)  # below leader + step
    omk("bids", "place", ids["1"], "86000", "--org", INNS[1], code=5)  # the leader cannot outbid itself

    omk.clock.set(END - timedelta(minutes=2))
    late = omk.json("bids", "place", ids["1"], "86000", "--org", INNS[0])
    assert late["extended"] is True
    assert late["closes_at"] == (END + timedelta(minutes=3)).isoformat()

    staff_view = omk.json("bids", "list", "A-1")
    assert sum(len(lot["bids"]) for lot in staff_view) == 3
    own = omk.json("bids", "list", "A-1", "--org", INNS[0])
    assert len(own) == 2

    omk.clock.set(END + timedelta(minutes=10))
    tick = omk.json("scheduler", "--once")
    assert sorted(t["kind"] for t in tick["transitions"]) == ["auction_finished", "lot_closed", "lot_closed",
                                                               "lot_closed"]
    assert tick["max_lateness_seconds"] == 600.0

    results = omk.json("auctions", "results", "A-1")
    by_number = {line["lot_number"]: line for line in results["lines"]}
    assert (by_number[1]["winner_inn"], by_number[1]["amount"], by_number[1]["source"]) == (INNS[0], "86000.00",
                                                                                            "bid")
    assert by_number[1]["uplift_percent"] == "1.18"
    assert (by_number[2]["winner_inn"], by_number[2]["amount"], by_number[2]["source"]) == (INNS[2], "80500.50",
                                                                                            "offer")
    assert by_number[3]["winner_inn"] is None

    declined = omk.json("auctions", "decline", ids["1"], "--reason", "Победитель отказался от договора")
    assert declined["winning_amount"] == "85500.00"
    omk("auctions", "decline", ids["2"], "--reason", "Отказ", "--unsold")
    approved = omk.json("auctions", "approve", "A-1")
    assert approved["auction"]["status"] == "results_approved"

    xlsx = tmp_path / "protocol.xlsx"
    omk("auctions", "export", "A-1", "--format", "xlsx", "--output", xlsx)
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Протокол итогов аукциона № A-1"
    header = next(i for i, r in enumerate(rows) if r[0] == "№ лота")
    lots = {r[0]: r for r in rows[header + 1:]}
    assert lots[1][6] == "АО «Газстройсбыт»" and lots[1][7] == INNS[1]
    assert lots[1][8] == 85500 and sheet.cell(row=header + 2, column=9).number_format == "#,##0.00"
    assert lots[2][4] == "не продан"

    out = tmp_path / "protocol.csv"
    omk("auctions", "export", "A-1", "--format", "csv", "--output", out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert table[0][:2] == ["Аукцион", "№ лота"]
    assert table[1][0] == "A-1" and table[1][9] == "85500,00" and table[1][8] == INNS[1]

    verdict = omk.json("journal", "verify", "A-1")
    assert verdict["ok"] is True and len(verdict["lots"]) == 3


def test_times_without_an_offset_are_moscow_time_and_json_prints_utc(migrated: Omk) -> None:
    naive = migrated.json("auctions", "create", "--number", "T-1", "--title", "Т", "--starts", "2026-12-05T10:00",
                          "--ends", "2026-12-05T12:00")
    explicit = migrated.json("auctions", "create", "--number", "T-2", "--title", "Т",
                             "--starts", "2026-12-05T07:00Z", "--ends", "2026-12-05T12:00+03:00")
    assert naive["starts_at"] == explicit["starts_at"] == "2026-12-05T07:00:00+00:00"
    assert naive["ends_at"] == explicit["ends_at"] == "2026-12-05T09:00:00+00:00"
    human = migrated("auctions", "show", "T-1").stdout
    assert "05.12.2026 10:00 МСК" in human


def test_an_auction_can_be_edited_listed_filtered_and_cancelled(migrated: Omk) -> None:
    omk = migrated
    omk("auctions", "create", "--number", "E-1", "--title", "Черновик", "--starts", "2026-12-05T10:00",
        "--ends", "2026-12-05T12:00", "--soft-window", "5", "--soft-extension", "5", "--soft-cap", "30")
    omk("auctions", "create", "--number", "E-2", "--title", "Трубы бесшовные", "--starts", "2026-12-06T10:00",
        "--ends", "2026-12-06T12:00")
    edited = omk.json("auctions", "edit", "E-1", "--title", "Трубы электросварные", "--soft-extension", "7",
                      "--auto-approve", "--format", "open")
    assert (edited["title"], edited["format"], edited["auto_approve"]) == ("Трубы электросварные", "open", True)
    assert (edited["soft_close_window_min"], edited["soft_close_extension_min"], edited["soft_close_cap_min"]) \
        == (5.0, 7.0, 30.0)
    assert [a["number"] for a in omk.json("auctions", "list", "--search", "бесшов")] == ["E-2"]
    assert [a["number"] for a in omk.json("auctions", "list", "--from", "2026-12-06T00:00")] == ["E-2"]
    assert [a["number"] for a in omk.json("auctions", "list", "--until", "2026-12-06T00:00")] == ["E-1"]
    assert [a["number"] for a in omk.json("auctions", "list", "--limit", "1", "--offset", "1")] == ["E-2"]
    cancelled = omk.json("auctions", "cancel", "E-2", "--reason", "Перенос сроков")
    assert cancelled["status"] == "cancelled"
    assert [a["number"] for a in omk.json("auctions", "list", "--status", "cancelled")] == ["E-2"]
    assert "Трубы электросварные" in omk("auctions", "list").stdout


def test_lots_can_be_edited_before_the_start(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    omk("auctions", "create", "--number", "L-1", "--title", "Т", "--starts", "2026-12-05T10:00",
        "--ends", "2026-12-05T12:00")
    omk("lots", "import", "L-1", write_csv(tmp_path / "l.csv", [pipe(1)]))
    lot = omk.json("lots", "list", "L-1")[0]["lot_id"]
    view = omk.json("lots", "edit", lot, "--title", "Труба 530×10", "--start-price", "86 000", "--step", "1000",
                    "--floor", "70000", "--quantity", "120", "--unit", "т")
    assert (view["title"], view["start_price"], view["bid_step"], view["floor_price"]) == (
        "Труба 530×10", "86000.00", "1000.00", "70000.00")
    assert omk.json("lots", "edit", lot, "--clear-floor")["floor_price"] is None
    omk("lots", "edit", lot, "--floor", "70000", "--clear-floor", code=3)  # one or the other


def test_admissions_are_listed_and_can_be_revoked(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Трубный двор»", "--inn", INNS[0])
    omk("auctions", "create", "--number", "D-1", "--title", "Т", "--starts", "2026-12-05T10:00",
        "--ends", "2026-12-05T12:00")
    added = omk.json("admissions", "add", "D-1", INNS[0])
    assert added["alias"] == "Участник 1"
    assert "ООО «Трубный двор»" in omk("admissions", "list", "D-1").stdout
    omk("admissions", "remove", "D-1", INNS[0])
    assert omk.json("admissions", "list", "D-1")[0]["active"] is False
    omk("admissions", "remove", "D-1", INNS[0], code=6)


def test_users_are_created_for_an_organisation_given_by_inn(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Трубный двор»", "--inn", INNS[0])
    user = omk.json("users", "create", "--email", "Buyer@Example.RU", "--name", "Пётр Иванов", "--role", "bidder",
                    "--org", INNS[0])
    assert (user["email"], user["role"]) == ("buyer@example.ru", "bidder")
    omk("users", "create", "--email", "boss@omk.example", "--name", "Анна", "--role", "organiser")
    omk("users", "create", "--email", "x@omk.example", "--name", "Анна", "--role", "emperor", code=2)
    assert len(omk.json("orgs", "list")) == 1


def test_bids_with_the_same_key_are_placed_once(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    ids = prepare(omk, tmp_path)
    omk.clock.set(START)
    omk("scheduler", "--once")
    first = omk.json("bids", "place", ids["1"], "85000", "--org", INNS[0], "--key", "phone-call-17")
    again = omk.json("bids", "place", ids["1"], "85000", "--org", INNS[0], "--key", "phone-call-17")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["item_id"] == first["item_id"]
    assert len(omk.json("bids", "list", "A-1", "--org", INNS[0])) == 1
    omk("bids", "place", ids["1"], "90000", "--org", INNS[0], "--key", "phone-call-17", code=5)
    assert "повтор" in omk("bids", "place", ids["1"], "85000", "--org", INNS[0], "--key", "phone-call-17").stdout


def test_offers_are_withdrawn_and_bids_annulled(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    ids = prepare(omk, tmp_path)
    omk.clock.set(START)
    omk("scheduler", "--once")
    offer = omk.json("bids", "offer", ids["2"], "85000", "--org", INNS[0])
    assert omk.json("bids", "withdraw", ids["2"], offer["item_id"], "--org", INNS[0])["kind"] == "offer_withdrawal"
    bid = omk.json("bids", "place", ids["1"], "85000", "--org", INNS[1])
    view = omk.json("bids", "annul", ids["1"], bid["item_id"], "--reason", "Ошибочная ставка по телефону")
    assert view["bids"][0]["valid"] is False
    omk("bids", "annul", ids["1"], bid["item_id"], "--reason", "Ещё раз", code=5)


def test_amounts_and_ids_are_parsed_like_a_person_writes_them(migrated: Omk, tmp_path: Path) -> None:
    ids = prepare(migrated, tmp_path)
    migrated.clock.set(START)
    migrated("scheduler", "--once")
    assert migrated.json("bids", "place", ids["1"], "85 000,50", "--org", INNS[0])["amount"] == "85000.50"
    migrated("bids", "place", ids["1"], "восемьдесят", "--org", INNS[1], code=3)
    migrated("bids", "place", ids["1"], "86000.001", "--org", INNS[1], code=3)
    assert Decimal(migrated.json("lots", "list", ids["auction"])[0]["start_price"]) == Decimal("85000")



def test_editing_a_lot_changes_only_what_is_given(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    omk("auctions", "create", "--number", "E-1", "--title", "Трубы", "--starts", "2026-12-05T10:00",
        "--ends", "2026-12-05T12:00")
    omk("lots", "import", "E-1", write_csv(tmp_path / "lots.csv", [pipe(1)]))
    (lot,) = omk.json("lots", "list", "E-1")

    edited = omk.json("lots", "edit", lot["lot_id"], "--quantity", "120", "--warehouse", "Альметьевск")

    assert (Decimal(edited["quantity"]), edited["unit"]) == (Decimal("120"), "t")
    assert edited["product"]["diameter_mm"] == 530.0
    assert edited["product"]["warehouse"] == "Альметьевск"
    assert edited["start_price"] == lot["start_price"]
    omk("lots", "edit", lot["lot_id"], "--diameter", "-5", code=3)
    omk("lots", "edit", lot["lot_id"], "--unit", "шт", "--quantity", "2.5", code=3)
    assert Decimal(omk.json("lots", "list", "E-1")[0]["quantity"]) == Decimal("120")


def test_staff_see_a_lot_through_an_organisations_eyes_with_nothing_sealed(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    for inn in INNS[:3]:
        omk("orgs", "create", "--name", f"ООО {inn}", "--inn", inn)
    omk("auctions", "create", "--number", "V-1", "--title", "Т", "--format", "mixed",
        "--starts", "2026-12-01T12:30", "--ends", "2026-12-01T14:00")
    omk("lots", "import", "V-1", write_csv(tmp_path / "l.csv", [pipe(1)]))
    for inn in INNS[:3]:
        omk("admissions", "add", "V-1", inn)
    omk("auctions", "publish", "V-1")
    migrated.clock.set(T0 + timedelta(hours=3))  # 13:00 Moscow time: trading
    omk("scheduler", "--once")
    lot = omk.json("lots", "list", "V-1")[0]["lot_id"]
    omk("orgs", "create", "--name", "ООО Чужая", "--inn", "7830002293")
    omk("bids", "offer", lot, "80000", "--org", INNS[1])

    seen = omk.json("lots", "view", lot, "--org", INNS[0])

    assert seen["my_alias"] == "Участник 1"
    assert seen["my_offer"] is None and seen["offers_open"] is True
    text = json.dumps(seen, ensure_ascii=False)
    assert "80000" not in text and INNS[1] not in text  # another organisation's sealed offer
    own = omk.json("lots", "view", lot, "--org", INNS[1])
    assert own["my_offer"]["amount"] == "80000.00"
    omk("lots", "view", lot, "--org", "7830002293", code=4)  # not admitted: the lot does not exist for it
