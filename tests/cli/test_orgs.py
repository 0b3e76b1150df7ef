"""`omk orgs` and `omk audit`: organisations through their lifecycle from a script, and the audit
log that records it — on a fresh SQLite database, with the time given by a ManualClock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.builders import INNS, pipe, write_csv
from tests.cli.conftest import T0, Omk

pytestmark = pytest.mark.cli

ROMASHKA = ("--name", "ООО «Ромашка»", "--inn", "7707083893")
ANDREEV = ("--name", "ИП Андреев", "--inn", "500100732259")


def test_an_application_is_approved_blocked_and_unblocked_and_every_step_is_audited(migrated: Omk) -> None:
    omk = migrated
    omk("users", "create", "--email", "anna@omk.ru", "--name", "Анна Петрова", "--role", "organiser")
    org = omk.json("orgs", "create", *ROMASHKA, "--kpp", "773601001", "--ogrn", "1027700132195", "--sap", "12345",
                   "--manager", "anna@omk.ru", "--application")
    assert (org["status"], org["kind"], org["sap_customer_no"], org["ogrn"], org["approved_at"]) == (
        "applied", "legal_entity", "0000012345", "1027700132195", None)
    assert org["manager_user_id"]

    omk.clock.advance(timedelta(minutes=1))
    assert omk.json("orgs", "approve", "7707083893")["status"] == "active"
    omk.clock.advance(timedelta(minutes=1))
    blocked = omk.json("orgs", "block", org["id"], "--reason", "Просрочена оплата")
    assert (blocked["status"], blocked["block_reason"]) == ("blocked", "Просрочена оплата")
    omk.clock.advance(timedelta(minutes=1))
    assert omk.json("orgs", "unblock", "7707083893")["status"] == "active"

    entries = omk.json("audit", "list")
    assert [e["action"] for e in entries] == ["organization.unblocked", "organization.blocked",
                                              "organization.approved", "organization.registered"]
    assert {(e["actor_user_id"], e["source"], e["organization_id"], e["target_type"]) for e in entries} == {
        ("cli", "cli", org["id"], "organization")}
    assert entries[1]["detail"] == {"from": "active", "to": "blocked", "reason": "Просрочена оплата"}
    assert entries[3]["at"] == T0.isoformat()


def test_the_audit_log_is_filtered_by_action_organisation_actor_and_time(migrated: Omk) -> None:
    omk = migrated
    first = omk.json("orgs", "create", *ROMASHKA)
    omk.clock.advance(timedelta(hours=1))
    omk.json("orgs", "create", *ANDREEV)
    omk("orgs", "block", "500100732259", "--reason", "Проверка")

    def actions(*args: str) -> list[str]:
        return [e["action"] for e in omk.json("audit", "list", *args)]

    assert actions("--action", "organization.blocked") == ["organization.blocked"]
    assert actions("--action", "organization") == ["organization.blocked", "organization.registered",
                                                   "organization.registered"]
    assert actions("--org", "7707083893") == ["organization.registered"]
    assert actions("--org", first["id"]) == ["organization.registered"]
    assert actions("--actor", "cli", "--limit", "1") == ["organization.blocked"]
    assert actions("--actor", "someone-else") == []
    assert actions("--until", "2026-12-01T10:30") == ["organization.registered"]  # Moscow time: T0 is 10:00
    assert actions("--since", "2026-12-01T07:30Z", "--offset", "1") == ["organization.registered"]
    human = omk("audit", "list", "--org", "500100732259").stdout
    assert "organization.blocked" in human and "Проверка" in human


def test_organisations_are_listed_by_status_and_text_and_shown_one_by_one(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", *ROMASHKA)
    omk("orgs", "create", *ANDREEV, "--ogrnip", "304500116000157", "--application")

    assert [o["name"] for o in omk.json("orgs", "list")] == ["ИП Андреев", "ООО «Ромашка»"]
    assert [o["name"] for o in omk.json("orgs", "list", "--status", "applied")] == ["ИП Андреев"]
    assert [o["inn"] for o in omk.json("orgs", "list", "--search", "ромаш")] == ["7707083893"]
    assert [o["inn"] for o in omk.json("orgs", "list", "--search", "500100")] == ["500100732259"]
    shown = omk.json("orgs", "show", "500100732259")
    assert (shown["kind"], shown["ogrnip"], shown["status"]) == ("sole_proprietor", "304500116000157", "applied")
    human = omk("orgs", "show", "500100732259").stdout
    assert "индивидуальный предприниматель" in human and "заявка" in human


def test_edit_changes_only_what_is_given_and_clears_what_is_named(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", *ROMASHKA, "--kpp", "773601001", "--sap", "12345")

    edited = omk.json("orgs", "edit", "7707083893", "--name", "ООО «Ромашка-Юг»", "--ogrn", "1027700132195",
                      "--clear", "sap")

    assert (edited["name"], edited["kpp"], edited["ogrn"], edited["sap_customer_no"]) == (
        "ООО «Ромашка-Юг»", "773601001", "1027700132195", None)
    (entry,) = omk.json("audit", "list", "--action", "organization.edited")
    assert entry["detail"]["changes"] == {
        "name": {"old": "ООО «Ромашка»", "new": "ООО «Ромашка-Юг»"},
        "ogrn": {"old": None, "new": "1027700132195"},
        "sap_customer_no": {"old": "0000012345", "new": None}}


@pytest.mark.parametrize(("args", "code", "error"), [
    (("orgs", "create", *ROMASHKA, "--ogrn", "1027700132196"), 3, "ogrn_invalid"),
    (("orgs", "create", *ANDREEV, "--ogrnip", "304500116000158"), 3, "ogrnip_invalid"),
    (("orgs", "create", *ANDREEV, "--ogrn", "1027700132195"), 3, "ogrn_not_for_sole_proprietor"),
    (("orgs", "create", *ANDREEV, "--kpp", "773601001"), 3, "kpp_not_for_sole_proprietor"),
    (("orgs", "create", *ANDREEV, "--sap", "12345678901"), 3, "sap_customer_no_invalid"),
    (("orgs", "create", *ANDREEV, "--manager", "nobody@omk.ru"), 4, "user_not_found"),
    (("orgs", "create", *ROMASHKA), 5, "organization_exists"),
    (("orgs", "approve", "7707083893"), 5, "organization_state_forbids"),
    (("orgs", "unblock", "7707083893"), 5, "organization_state_forbids"),
    (("orgs", "block", "7707083893", "--reason", "  "), 3, "block_reason_required"),
    (("orgs", "block", "7736207543", "--reason", "Проверка"), 4, "organization_not_found"),
    (("orgs", "edit", "7707083893", "--kpp", "773601001", "--clear", "kpp"), 3, "invalid_value"),
    (("audit", "list", "--since", "2026-12-02T00:00", "--until", "2026-12-01T00:00"), 3, "invalid_value"),
])
def test_a_refusal_has_its_exit_code_and_error_code_and_is_not_audited(
        migrated: Omk, args: tuple[str, ...], code: int, error: str) -> None:
    migrated("orgs", "create", *ROMASHKA)

    result = migrated.json(*args, code=code)

    assert (result["ok"], result["exit_code"], result["error"]["code"]) == (False, code, error)
    assert len(migrated.json("audit", "list")) == 1


def test_block_without_a_reason_is_a_usage_error(migrated: Omk) -> None:
    migrated("orgs", "create", *ROMASHKA)
    migrated("orgs", "block", "7707083893", code=2)


def test_only_omk_staff_can_be_the_responsible_manager(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", *ROMASHKA)
    omk("users", "create", "--email", "buyer@romashka.ru", "--name", "Пётр Иванов", "--role", "bidder",
        "--org", "7707083893")
    omk("users", "create", "--email", "anna@omk.ru", "--name", "Анна Петрова", "--role", "organiser")

    refused = omk.json("orgs", "edit", "7707083893", "--manager", "buyer@romashka.ru", code=3)
    assert refused["error"]["code"] == "manager_not_staff"
    assert omk.json("orgs", "edit", "7707083893", "--manager", "anna@omk.ru")["manager_user_id"]
    assert omk.json("orgs", "edit", "7707083893", "--clear", "manager")["manager_user_id"] is None


def test_a_blocked_organisation_cannot_bid_even_by_phone(migrated: Omk, tmp_path: Path) -> None:
    omk = migrated
    for n, inn in enumerate(INNS[:2]):
        omk("orgs", "create", "--name", f"ООО «Участник {n}»", "--inn", inn)
    omk("auctions", "create", "--number", "A-1", "--title", "Трубы", "--format", "open",
        "--starts", "2026-12-01T12:00", "--ends", "2026-12-01T14:00")
    omk("lots", "import", "A-1", write_csv(tmp_path / "lots.csv", [pipe(1)]))
    for inn in INNS[:2]:
        omk("admissions", "add", "A-1", inn)
    omk("auctions", "publish", "A-1")
    (lot,) = omk.json("lots", "list", "A-1")
    omk("orgs", "block", INNS[0], "--reason", "Просрочена оплата")
    omk.clock.set(T0 + timedelta(hours=2, minutes=1))
    omk("scheduler", "--once")

    refused = omk.json("bids", "place", lot["lot_id"], "85000", "--org", INNS[0], code=6)
    assert refused["error"]["code"] == "organization_not_active"
    omk("bids", "place", lot["lot_id"], "85000", "--org", INNS[1])
    omk("orgs", "unblock", INNS[0])
    omk("bids", "place", lot["lot_id"], "85500", "--org", INNS[0])


def test_the_first_release_commands_still_work_as_they_did(migrated: Omk) -> None:
    created = migrated.json("orgs", "create", "--name", "ООО Ромашка", "--inn", "7707083893", "--kpp", "773601001")
    assert (created["name"], created["inn"], created["kpp"], created["status"]) == (
        "ООО Ромашка", "7707083893", "773601001", "active")
    listed = migrated.json("orgs", "list")
    assert [(o["id"], o["inn"]) for o in listed] == [(created["id"], "7707083893")]
    assert "Организации: 1" in migrated("orgs", "list").stdout
