"""Organisations: kind from the INN, their details, their lifecycle, the audit of every change, and
that only an active organisation trades."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import usecases  # noqa: F401  (registers every use case)
from omk_domain.app.auctions import PlaceBid, SubmitOffer
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import (
    ApproveOrganization,
    BlockOrganization,
    EditOrganization,
    ListAudit,
    ListOrganizations,
    ManagerNotStaff,
    OrganizationExists,
    RegisterOrganization,
    RegisterUser,
    SapCustomerNoTaken,
    ShowOrganization,
    UnblockOrganization,
)
from omk_domain.identity.audit import AuditActionInvalid, AuditEntry, action_matches
from omk_domain.identity.model import (
    Actor,
    BlockReasonRequired,
    KppNotForSoleProprietor,
    OgrnipNotForLegalEntity,
    OgrnNotForSoleProprietor,
    Organization,
    OrganizationKind,
    OrganizationNotActive,
    OrganizationNotFound,
    OrganizationStateForbids,
    OrganizationStatus,
    Role,
)
from omk_domain.identity.validators import InnInvalid, KppInvalid, OgrnInvalid, OgrnipInvalid
from omk_domain.ports import AuditFilter, OrganizationFilter
from omk_domain.shared.errors import DomainError, Forbidden, InvalidValue
from omk_domain.shared.money import Money
from tests.contract.builders import STAFF, inn, open_market

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEGAL = {"name": "ООО «Ромашка»", "inn": "7707083893"}
SOLE = {"name": "ИП Андреев", "inn": "500100732259"}


def legal(**kw: Any) -> Organization:
    return Organization.register(**LEGAL | kw, now=NOW)


def sole(**kw: Any) -> Organization:
    return Organization.register(**SOLE | kw, now=NOW)


# --- kind and details -------------------------------------------------------------------------

def test_the_kind_follows_from_the_inn() -> None:
    assert legal().kind is OrganizationKind.LEGAL_ENTITY
    assert sole().kind is OrganizationKind.SOLE_PROPRIETOR


def test_a_legal_entity_keeps_its_kpp_ogrn_and_sap_number_in_sap_form() -> None:
    org = legal(kpp="773601001", ogrn=" 1027700132195 ", sap_customer_no="12345", manager_user_id=" m-1 ")
    assert (org.kpp, org.ogrn, org.ogrnip, org.sap_customer_no, org.manager_user_id) == (
        "773601001", "1027700132195", None, "0000012345", "m-1")


def test_a_sole_proprietor_keeps_its_ogrnip() -> None:
    assert sole(ogrnip="304500116000157").ogrnip == "304500116000157"


def test_registration_numbers_are_optional_for_older_records() -> None:
    org = legal()
    assert (org.kpp, org.ogrn, org.sap_customer_no, org.manager_user_id) == (None, None, None, None)


@pytest.mark.parametrize(("make", "error"), [
    (lambda: sole(kpp="773601001"), KppNotForSoleProprietor),
    (lambda: sole(ogrn="1027700132195"), OgrnNotForSoleProprietor),
    (lambda: legal(ogrnip="304500116000157"), OgrnipNotForLegalEntity),
    (lambda: legal(ogrn="1027700132196"), OgrnInvalid),
    (lambda: sole(ogrnip="304500116000158"), OgrnipInvalid),
    (lambda: legal(kpp="77360100"), KppInvalid),
    (lambda: Organization.register(name="ООО", inn="7707083894", now=NOW), InnInvalid),
])
def test_a_number_that_is_wrong_or_wrong_for_the_kind_is_refused_with_its_own_error(
        make: Callable[[], Organization], error: type[InvalidValue]) -> None:
    with pytest.raises(error) as caught:
        make()
    assert caught.value.kind == "invalid"
    assert caught.value.user_message()


def test_editing_changes_only_what_is_given_and_reports_old_and_new() -> None:
    org = legal(kpp="773601001", sap_customer_no="1")
    changed = org.edit({"ogrn": "1027700132195", "sap_customer_no": None, "kpp": "773601001"})
    assert changed == {"ogrn": (None, "1027700132195"), "sap_customer_no": ("0000000001", None)}
    assert (org.kpp, org.ogrn, org.sap_customer_no) == ("773601001", "1027700132195", None)


def test_a_refused_edit_changes_nothing() -> None:
    org = legal(kpp="773601001")
    with pytest.raises(OgrnipNotForLegalEntity):
        org.edit({"name": "ООО «Новое имя»", "ogrnip": "304500116000157"})
    with pytest.raises(InvalidValue):
        org.edit({"inn": "7736207543"})
    with pytest.raises(InvalidValue):
        org.edit({"name": None})
    assert (org.name, org.inn, org.ogrnip) == ("ООО «Ромашка»", "7707083893", None)


# --- lifecycle --------------------------------------------------------------------------------

def test_staff_registration_is_active_at_once_an_application_waits_for_approval() -> None:
    assert (legal().status, legal().approved_at) == (OrganizationStatus.ACTIVE, NOW)
    applied = legal(as_application=True)
    assert (applied.status, applied.approved_at, applied.can_trade) == (OrganizationStatus.APPLIED, None, False)


def test_an_application_is_approved_then_blocked_with_a_reason_then_unblocked() -> None:
    org = legal(as_application=True)
    later = NOW + timedelta(days=1)

    org.approve(later)
    assert (org.status, org.approved_at, org.status_changed_at) == (OrganizationStatus.ACTIVE, later, later)

    org.block(later + timedelta(hours=1), "  Просрочена оплата  ")
    assert (org.status, org.block_reason, org.blocked_at) == (
        OrganizationStatus.BLOCKED, "Просрочена оплата", later + timedelta(hours=1))
    assert not org.can_trade

    org.unblock(later + timedelta(hours=2))
    assert (org.status, org.block_reason, org.blocked_at, org.status_changed_at) == (
        OrganizationStatus.ACTIVE, None, None, later + timedelta(hours=2))
    assert org.can_trade


@pytest.mark.parametrize(("status", "action"), [
    ("active", lambda o: o.approve(NOW)),
    ("blocked", lambda o: o.approve(NOW)),
    ("applied", lambda o: o.block(NOW, "причина")),
    ("blocked", lambda o: o.block(NOW, "причина")),
    ("applied", lambda o: o.unblock(NOW)),
    ("active", lambda o: o.unblock(NOW)),
])
def test_a_transition_from_the_wrong_status_is_refused_and_changes_nothing(
        status: str, action: Callable[[Organization], None]) -> None:
    org = legal(as_application=status == "applied")
    if status == "blocked":
        org.block(NOW, "причина")
    with pytest.raises(OrganizationStateForbids) as caught:
        action(org)
    assert caught.value.kind == "conflict"
    assert org.status.value == status


@pytest.mark.parametrize("reason", ["", "   ", "я" * 1001])
def test_blocking_needs_a_reason(reason: str) -> None:
    org = legal()
    with pytest.raises(BlockReasonRequired):
        org.block(NOW, reason)
    assert org.status is OrganizationStatus.ACTIVE


def test_only_an_active_organisation_may_trade() -> None:
    with pytest.raises(OrganizationNotActive) as caught:
        legal(as_application=True).require_can_trade()
    assert caught.value.kind == "forbidden"
    legal().require_can_trade()


# --- audit entries ----------------------------------------------------------------------------

def test_an_audit_entry_names_who_did_what_to_which_thing_and_from_where() -> None:
    member = Actor(user_id="u-1", role=Role.BIDDER, organization_id="o-1")
    entry = AuditEntry.of(member, "organization.edited", target_type="organization", target_id="o-1",
                          organization_id="o-1", now=NOW, source=" 203.0.113.7 ", detail={"k": "v"})
    assert (entry.actor_user_id, entry.actor_organization_id, entry.source, entry.detail) == (
        "u-1", "o-1", "203.0.113.7", {"k": "v"})


@pytest.mark.parametrize("action", ["organization", "Organization.Approved", "organization.", "org..x", ""])
def test_an_audit_action_is_dotted_lowercase_words(action: str) -> None:
    with pytest.raises(AuditActionInvalid):
        AuditEntry.of(STAFF, action, target_type="t", target_id="i", organization_id=None, now=NOW, source=None)


@pytest.mark.parametrize(("action", "prefix", "matches"), [
    ("organization.approved", None, True), ("organization.approved", "organization", True),
    ("organization.approved", "organization.", True), ("organization.approved", "organization.approved", True),
    ("organizations.approved", "organization", False), ("organization.approved", "organization.app", False),
])
def test_an_action_prefix_matches_whole_dotted_words(action: str, prefix: str | None, matches: bool) -> None:
    assert action_matches(action, prefix) is matches


# --- use cases --------------------------------------------------------------------------------

@pytest.fixture()
def bus() -> MessageBus:
    store = MemoryStore()
    return MessageBus(uow_factory=lambda: MemoryUnitOfWork(store), clock=ManualClock(NOW))


def audit(bus: MessageBus, **flt: Any) -> list[AuditEntry]:
    found: list[AuditEntry] = bus.handle(ListAudit(filter=AuditFilter(**flt)), STAFF)
    return found


def test_every_change_to_an_organisation_is_audited_with_actor_source_and_detail(bus: MessageBus) -> None:
    org = bus.handle(RegisterOrganization(**LEGAL, as_application=True, source="cli"), STAFF)
    bus.handle(ApproveOrganization(organization_id=org.id, source="cli"), STAFF)
    bus.handle(BlockOrganization(organization_id=org.id, reason="Просрочена оплата", source="cli"), STAFF)
    bus.handle(UnblockOrganization(organization_id=org.id, source="203.0.113.7"), STAFF)
    bus.handle(EditOrganization(organization_id=org.id, kpp="773601001", source="cli"), STAFF)

    entries = audit(bus, organization_id=org.id)

    assert [e.action for e in entries] == ["organization.edited", "organization.unblocked", "organization.blocked",
                                           "organization.approved", "organization.registered"]
    assert {(e.actor_user_id, e.target_type, e.target_id, e.organization_id) for e in entries} == {
        ("staff", "organization", org.id, org.id)}
    assert [e.source for e in entries] == ["cli", "203.0.113.7", "cli", "cli", "cli"]
    assert entries[0].detail == {"changes": {"kpp": {"old": None, "new": "773601001"}}}
    assert entries[2].detail == {"from": "active", "to": "blocked", "reason": "Просрочена оплата"}
    assert entries[4].detail == {"name": "ООО «Ромашка»", "inn": "7707083893", "kind": "legal_entity",
                                 "status": "applied"}


def test_a_refused_change_leaves_neither_the_change_nor_an_audit_entry(bus: MessageBus) -> None:
    org = bus.handle(RegisterOrganization(**LEGAL), STAFF)
    with pytest.raises(OrganizationStateForbids):
        bus.handle(ApproveOrganization(organization_id=org.id), STAFF)
    with pytest.raises(OrganizationExists):
        bus.handle(RegisterOrganization(**LEGAL), STAFF)
    with pytest.raises(OgrnipNotForLegalEntity):
        bus.handle(EditOrganization(organization_id=org.id, name="ООО «Другое»", ogrnip="304500116000157"), STAFF)

    assert [e.action for e in audit(bus)] == ["organization.registered"]
    assert bus.handle(ShowOrganization(organization_id=org.id), STAFF).name == "ООО «Ромашка»"


def test_an_edit_that_changes_nothing_is_not_audited(bus: MessageBus) -> None:
    org = bus.handle(RegisterOrganization(**LEGAL, kpp="773601001"), STAFF)
    bus.handle(EditOrganization(organization_id=org.id, kpp="773601001"), STAFF)
    assert len(audit(bus)) == 1


def test_a_detail_cannot_be_set_and_cleared_at_once(bus: MessageBus) -> None:
    org = bus.handle(RegisterOrganization(**LEGAL), STAFF)
    with pytest.raises(InvalidValue):
        bus.handle(EditOrganization(organization_id=org.id, kpp="773601001", clear=frozenset({"kpp"})), STAFF)


def test_a_sap_customer_number_belongs_to_one_organisation(bus: MessageBus) -> None:
    first = bus.handle(RegisterOrganization(**LEGAL, sap_customer_no="12345"), STAFF)
    with pytest.raises(SapCustomerNoTaken):
        bus.handle(RegisterOrganization(**SOLE, sap_customer_no="0000012345"), STAFF)
    other = bus.handle(RegisterOrganization(**SOLE), STAFF)
    with pytest.raises(SapCustomerNoTaken):
        bus.handle(EditOrganization(organization_id=other.id, sap_customer_no="12345"), STAFF)
    bus.handle(EditOrganization(organization_id=first.id, sap_customer_no="12345"), STAFF)  # its own: fine


def test_the_responsible_manager_is_an_existing_omk_employee(bus: MessageBus) -> None:
    org = bus.handle(RegisterOrganization(**LEGAL), STAFF)
    manager = bus.handle(RegisterUser(email="anna@omk.ru", full_name="Анна Петрова", role=Role.ORGANISER), STAFF)
    client = bus.handle(RegisterUser(email="buyer@example.ru", full_name="Пётр Иванов", role=Role.BIDDER,
                                     organization_id=org.id), STAFF)
    with pytest.raises(ManagerNotStaff):
        bus.handle(EditOrganization(organization_id=org.id, manager_user_id=client.id), STAFF)
    with pytest.raises(DomainError) as caught:
        bus.handle(RegisterOrganization(**SOLE, manager_user_id="nobody"), STAFF)
    assert caught.value.kind == "not_found"

    edited = bus.handle(EditOrganization(organization_id=org.id, manager_user_id=manager.id), STAFF)
    assert edited.manager_user_id == manager.id
    mine = bus.handle(ListOrganizations(filter=OrganizationFilter(manager_user_id=manager.id)), STAFF)
    assert [o.id for o in mine] == [org.id]


def test_organisations_are_listed_by_name_filtered_by_status_and_text_in_pages(bus: MessageBus) -> None:
    for name, number in (("ООО «Ромашка»", "7707083893"), ("АО «Лютик»", "7736207543"),
                         ("ИП Андреев", "500100732259")):
        bus.handle(RegisterOrganization(name=name, inn=number, as_application=name.startswith("ИП")), STAFF)

    def names(**flt: Any) -> list[str]:
        return [o.name for o in bus.handle(ListOrganizations(filter=OrganizationFilter(**flt)), STAFF)]

    assert names() == ["АО «Лютик»", "ИП Андреев", "ООО «Ромашка»"]
    assert names(status=OrganizationStatus.APPLIED) == ["ИП Андреев"]
    assert names(text="РОМАШ") == ["ООО «Ромашка»"]
    assert names(text="77362") == ["АО «Лютик»"]
    assert names(limit=1, offset=1) == ["ИП Андреев"]
    with pytest.raises(InvalidValue):
        names(limit=0)


def test_only_omk_staff_manage_organisations_and_read_the_audit_log(bus: MessageBus) -> None:
    org = bus.handle(RegisterOrganization(**LEGAL), STAFF)
    member = Actor(user_id="u", role=Role.BIDDER, organization_id=org.id)
    for command in (RegisterOrganization(**SOLE), ApproveOrganization(organization_id=org.id),
                    BlockOrganization(organization_id=org.id, reason="r"), UnblockOrganization(organization_id=org.id),
                    EditOrganization(organization_id=org.id, kpp="773601001"),
                    ShowOrganization(organization_id=org.id), ListOrganizations(), ListAudit()):
        with pytest.raises(Forbidden):
            bus.handle(command, member)
    assert len(audit(bus)) == 1


def test_a_missing_organisation_is_not_found(bus: MessageBus) -> None:
    with pytest.raises(OrganizationNotFound):
        bus.handle(BlockOrganization(organization_id="missing", reason="r"), STAFF)


# --- trading ----------------------------------------------------------------------------------

@pytest.fixture()
def market() -> Any:
    store = MemoryStore()
    return open_market(lambda: MemoryUnitOfWork(store), bidders=2)


def test_a_blocked_organisation_cannot_bid_or_offer_until_it_is_unblocked(market: Any) -> None:
    first, second = market.bidders
    lot_id = market.lot_ids[0]
    market.bus.handle(BlockOrganization(organization_id=first.organization_id, reason="Проверка"), STAFF)

    for command in (PlaceBid(lot_id=lot_id, amount=Money.rub("85000")),
                    SubmitOffer(lot_id=lot_id, amount=Money.rub("80000"))):
        with pytest.raises(OrganizationNotActive):
            market.bus.handle(command, first)
    with pytest.raises(OrganizationNotActive):  # nor may staff bid on its behalf
        market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000"),
                                   on_behalf_of=first.organization_id), STAFF)
    market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), second)

    market.bus.handle(UnblockOrganization(organization_id=first.organization_id), STAFF)
    accepted = market.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85500")), first)
    assert accepted.kind == "bid"


def test_a_retry_of_a_bid_accepted_before_the_block_gets_its_first_answer(market: Any) -> None:
    first, _ = market.bidders
    bid = PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000"), client_key="k-1")
    accepted = market.bus.handle(bid, first)
    market.bus.handle(BlockOrganization(organization_id=first.organization_id, reason="Проверка"), STAFF)

    again = market.bus.handle(bid, first)

    assert (again.item_id, again.replayed) == (accepted.item_id, True)


def test_a_stranger_that_is_blocked_still_learns_nothing_about_the_lot(market: Any) -> None:
    stranger = market.bus.handle(RegisterOrganization(name="ООО «Чужие»", inn="7830002293"), STAFF)
    market.bus.handle(BlockOrganization(organization_id=stranger.id, reason="Проверка"), STAFF)
    member = Actor(user_id="x", role=Role.BIDDER, organization_id=stranger.id)
    with pytest.raises(DomainError) as caught:
        market.bus.handle(PlaceBid(lot_id=market.lot_ids[0], amount=Money.rub("85000")), member)
    assert caught.value.code == "lot_not_found"



def test_without_a_limit_every_organisation_is_listed(bus: MessageBus) -> None:
    """Commands that map ids to organisations (bids, admissions, the demo) rely on it."""
    for n in range(101):
        bus.handle(RegisterOrganization(name=f"ООО «Участник {n:03d}»", inn=inn(n)), STAFF)
    assert len(bus.handle(ListOrganizations(), STAFF)) == 101
    assert len(bus.handle(ListOrganizations(filter=OrganizationFilter(limit=100)), STAFF)) == 100
