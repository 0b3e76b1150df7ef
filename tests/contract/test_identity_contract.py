"""The identity persistence contract — organisations and the audit log — on every adapter:
in memory, SQLite and PostgreSQL (see conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from omk_adapters.sql.errors import ConcurrentUpdate
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import Actor, Organization, OrganizationStatus, Role
from omk_domain.ports import AuditFilter, OrganizationFilter, UnitOfWork
from omk_domain.shared.errors import Conflict
from tests.contract.backends import Backend, sql_backend, sqlite_url
from tests.contract.builders import STAFF, T0, inn, state

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
MEMBER = Actor(user_id="u-7", role=Role.BIDDER, organization_id="org-7")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The SQL adapters only, for what the database itself guarantees."""
    url = sqlite_url(tmp_path) if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    made = sql_backend(request.param, url)
    try:
        yield made
    finally:
        made.close()


def added(uow_factory: UowFactory, *orgs: Organization) -> None:
    with uow_factory() as uow:
        for org in orgs:
            uow.organizations.add(org)
        uow.commit()


def reloaded(uow_factory: UowFactory, organization_id: str) -> Organization:
    with uow_factory() as uow:
        return uow.organizations.get(organization_id)


def full_organization() -> Organization:
    return Organization.register(name="ООО «Ромашка»", inn="7707083893", kpp="773601001", ogrn="1027700132195",
                                 sap_customer_no="12345", manager_user_id="manager-1", as_application=True,
                                 now=T0)


def entry(action: str = "organization.approved", *, at: datetime = T0, actor: Actor = STAFF,
          organization_id: str | None = "org-1", **detail: Any) -> AuditEntry:
    return AuditEntry.of(actor, action, target_type="organization", target_id=organization_id or "none",
                         organization_id=organization_id, now=at, source="cli", detail=detail)


def recorded(uow_factory: UowFactory, *entries: AuditEntry) -> None:
    with uow_factory() as uow:
        for e in entries:
            uow.audit.record(e)
        uow.commit()


def audit(uow_factory: UowFactory, **flt: Any) -> list[AuditEntry]:
    with uow_factory() as uow:
        return list(uow.audit.list(AuditFilter(**flt)))


# --- organisations ----------------------------------------------------------------------------

def test_an_organisation_reads_back_with_every_detail(uow_factory: UowFactory) -> None:
    org = full_organization()
    ip = Organization.register(name="ИП Андреев", inn="500100732259", ogrnip="304500116000157", now=T0)
    added(uow_factory, org, ip)

    assert state(reloaded(uow_factory, org.id)) == state(org)
    assert state(reloaded(uow_factory, ip.id)) == state(ip)
    with uow_factory() as uow:
        assert uow.organizations.by_sap_customer_no("0000012345") is not None
        assert uow.organizations.by_sap_customer_no("0000054321") is None
        found = uow.organizations.by_inn("500100732259")
        assert found is not None and found.ogrnip == "304500116000157"


def test_changes_to_a_loaded_organisation_are_kept_on_commit_only(uow_factory: UowFactory) -> None:
    org = full_organization()
    added(uow_factory, org)

    with uow_factory() as uow:
        uow.organizations.get(org.id).approve(T0 + timedelta(hours=1))
    assert reloaded(uow_factory, org.id).status is OrganizationStatus.APPLIED

    with uow_factory() as uow:
        loaded = uow.organizations.get(org.id)
        loaded.approve(T0 + timedelta(hours=1))
        loaded.block(T0 + timedelta(hours=2), "Просрочена оплата")
        loaded.edit({"name": "ООО «Ромашка-2»", "kpp": None, "sap_customer_no": "777"})
        uow.commit()
        committed = state(loaded)

    got = reloaded(uow_factory, org.id)
    assert state(got) == committed
    assert (got.status, got.block_reason, got.kpp, got.sap_customer_no) == (
        OrganizationStatus.BLOCKED, "Просрочена оплата", None, "0000000777")
    assert got.approved_at == T0 + timedelta(hours=1) and got.blocked_at == T0 + timedelta(hours=2)


def test_organisations_are_listed_by_name_with_filters_and_pages(uow_factory: UowFactory) -> None:
    orgs = [Organization.register(name=name, inn=inn(n), as_application=applied, manager_user_id=manager, now=T0)
            for n, (name, applied, manager) in enumerate([
                ("ООО «Ромашка»", False, "m-1"), ("АО «Лютик»", True, None), ("ООО «100% Сталь»", False, "m-1"),
                ("ООО «Трубный_двор»", True, None)])]
    orgs[0].block(T0, "Проверка")
    added(uow_factory, *orgs)

    def names(**flt: Any) -> list[str]:
        with uow_factory() as uow:
            return [o.name for o in uow.organizations.list(OrganizationFilter(**flt))]

    everyone = ["АО «Лютик»", "ООО «100% Сталь»", "ООО «Ромашка»", "ООО «Трубный_двор»"]
    assert names() == everyone
    with uow_factory() as uow:
        assert [o.name for o in uow.organizations.list()] == everyone
    assert names(status=OrganizationStatus.APPLIED) == ["АО «Лютик»", "ООО «Трубный_двор»"]
    assert names(status=OrganizationStatus.BLOCKED) == ["ООО «Ромашка»"]
    assert names(text="ромашка") == ["ООО «Ромашка»"]
    assert names(text="ЛЮТИК") == ["АО «Лютик»"]
    assert names(text=inn(2)[4:]) == ["ООО «100% Сталь»"]
    assert names(text="%") == ["ООО «100% Сталь»"]
    assert names(text="_") == ["ООО «Трубный_двор»"]
    assert names(manager_user_id="m-1") == ["ООО «100% Сталь»", "ООО «Ромашка»"]
    assert names(limit=2, offset=1) == ["ООО «100% Сталь»", "ООО «Ромашка»"]


@pytest.mark.parametrize("twin", [
    pytest.param({"inn": "7707083893"}, id="inn"),
    pytest.param({"inn": "7736207543", "sap_customer_no": "12345"}, id="sap-customer-no"),
])
def test_a_taken_inn_or_sap_number_is_refused_by_the_database_itself(sql_store: Backend,
                                                                      twin: dict[str, str]) -> None:
    """The use cases check first; the unique keys still hold against a concurrent registration.
    (In memory the use cases run one at a time, so their check is enough.)"""
    added(sql_store.uow_factory, full_organization())
    with pytest.raises(Conflict), sql_store.uow_factory() as uow:
        uow.organizations.add(Organization.register(name="ООО «Двойник»", now=T0, **twin))
        uow.commit()


@pytest.mark.postgres
def test_a_concurrent_change_to_the_same_organisation_is_detected_not_lost(postgres_url: str) -> None:
    """Only PostgreSQL lets two writers overlap: in memory and on SQLite every unit of work holds
    the write lock from its start."""
    backend = sql_backend("postgres", postgres_url)
    try:
        _two_writers_of_one_organisation(backend)
    finally:
        backend.close()


def _two_writers_of_one_organisation(backend: Backend) -> None:
    org = Organization.register(name="ООО «Ромашка»", inn="7707083893", now=T0)
    added(backend.uow_factory, org)
    other = backend.another_process()

    with backend.uow_factory() as first:
        mine = first.organizations.get(org.id)
        with other() as second:
            theirs = second.organizations.get(org.id)
            theirs.block(T0, "Проверка")
            second.commit()
        mine.edit({"name": "ООО «Ромашка-2»"})
        with pytest.raises(ConcurrentUpdate):
            first.commit()

    got = reloaded(backend.uow_factory, org.id)
    assert (got.name, got.status) == ("ООО «Ромашка»", OrganizationStatus.BLOCKED)


# --- the audit log ----------------------------------------------------------------------------

def test_an_audit_entry_reads_back_exactly(uow_factory: UowFactory) -> None:
    at = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=3)))
    e = AuditEntry.of(MEMBER, "organization.edited", target_type="organization", target_id="org-7",
                      organization_id="org-7", now=at, source="203.0.113.7",
                      detail={"changes": {"name": {"old": "ООО «Старое»", "new": "ООО «Новое»"}}, "n": 1,
                              "ok": True, "none": None})
    recorded(uow_factory, e)

    (got,) = audit(uow_factory)
    assert got == e
    assert got.at == datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC) and got.at.utcoffset() is not None


def test_nothing_is_audited_without_commit_or_after_rollback(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.audit.record(entry())
    with uow_factory() as uow:
        uow.audit.record(entry())
        uow.rollback()
        uow.commit()
    assert audit(uow_factory) == []


def test_the_entry_is_kept_in_the_same_commit_as_the_change_it_records(uow_factory: UowFactory) -> None:
    org = Organization.register(name="ООО «Ромашка»", inn="7707083893", now=T0)
    with uow_factory() as uow:
        uow.organizations.add(org)
        uow.audit.record(entry("organization.registered", organization_id=org.id))
        uow.commit()
    with uow_factory() as uow:
        uow.organizations.get(org.id).block(T0, "Проверка")
        uow.audit.record(entry("organization.blocked", organization_id=org.id))
        # no commit: neither the block nor its entry

    assert reloaded(uow_factory, org.id).status is OrganizationStatus.ACTIVE
    assert [e.action for e in audit(uow_factory)] == ["organization.registered"]


def test_entries_come_newest_first_and_those_of_one_moment_last_recorded_first(uow_factory: UowFactory) -> None:
    recorded(uow_factory, entry("organization.registered", at=T0), entry("organization.approved", at=T0),
             entry("organization.blocked", at=T0 + timedelta(seconds=1)))
    recorded(uow_factory, entry("organization.unblocked", at=T0))

    assert [e.action for e in audit(uow_factory)] == [
        "organization.blocked", "organization.unblocked", "organization.approved", "organization.registered"]


def test_the_audit_log_is_filtered_by_action_prefix_actor_organisation_and_time(uow_factory: UowFactory) -> None:
    recorded(uow_factory,
             entry("organization.registered", at=T0, organization_id="org-1"),
             entry("organization.blocked", at=T0 + timedelta(hours=1), organization_id="org-1"),
             entry("organizations.misnamed", at=T0 + timedelta(hours=2), organization_id="org-2"),
             entry("user.signed_in", at=T0 + timedelta(hours=3), actor=MEMBER, organization_id="org-7"),
             entry("user.signedxin", at=T0 + timedelta(hours=4), actor=MEMBER, organization_id="org-7"))

    def actions(**flt: Any) -> list[str]:
        return [e.action for e in audit(uow_factory, **flt)]

    assert actions(action="organization") == ["organization.blocked", "organization.registered"]
    assert actions(action="organization.") == ["organization.blocked", "organization.registered"]
    assert actions(action="organization.blocked") == ["organization.blocked"]
    assert actions(action="organization.block") == []
    assert actions(action="user.signed_in") == ["user.signed_in"]  # «_» is not a wildcard
    assert actions(actor_user_id="u-7") == ["user.signedxin", "user.signed_in"]
    assert actions(organization_id="org-1") == ["organization.blocked", "organization.registered"]
    assert actions(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == [
        "organizations.misnamed", "organization.blocked"]
    assert actions(limit=2, offset=1) == ["user.signed_in", "organizations.misnamed"]
    assert actions(action="organization", actor_user_id="u-7") == []
