"""The role model and the one policy: every role's permissions, tenant reach, and role use cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import (
    GrantRole,
    LastAdministrator,
    ListAudit,
    ListOrganizations,
    ListRoles,
    RegisterOrganization,
    RegisterUser,
    RevokeRole,
    ShowOrganization,
    SwitchOrganization,
)
from omk_domain.identity.model import CLIENT_ROLES, STAFF_ROLES, Actor, OrganizationNotFound, Role
from omk_domain.identity.policy import ROLE_PERMISSIONS, Permission, Reason, acting_organization, decide
from omk_domain.ports import AuditFilter
from omk_domain.shared.errors import Forbidden

pytestmark = pytest.mark.unit

P = Permission
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STAFF = Actor(user_id="staff", role=Role.ORGANISER)

EXPECTED = {
    Role.ADMINISTRATOR: {"auction.view", "auction.bid", "organizations.view", "users.manage", "roles.manage",
                         "finance.view", "orders.view", "orders.place", "documents.view", "documents.download",
                         "requests.send", "tokens.manage"},
    Role.FINANCE: {"auction.view", "organizations.view", "finance.view", "documents.view", "documents.download"},
    Role.BUYER: {"auction.view", "auction.bid", "orders.view", "orders.place", "documents.view", "requests.send"},
    Role.BIDDER: {"auction.view", "auction.bid"},
    Role.LOGISTICS: {"orders.view", "documents.view", "documents.download"},
    Role.VIEWER: {"auction.view"},
    # what a person does for itself (applying, accepting an invitation, its own account) no role gives
    Role.SYSTEM_ADMIN: {p.value for p in Permission} - {"auction.bid", "orders.place", "requests.send"}
    - {"organizations.apply", "invitations.accept", "account.self"},
    Role.AUCTION_ORGANISER: {"auction.view", "auction.manage", "auction.bid_on_behalf", "auction.annul",
                             "auction.results_approve", "organizations.view", "organizations.manage",
                             "users.manage", "roles.manage", "audit.view", "tokens.manage"},
    Role.ACCOUNT_MANAGER: {"auction.view", "organizations.view", "organizations.manage", "users.manage",
                           "roles.manage", "audit.view", "finance.view", "orders.view", "documents.view",
                           "documents.download", "tokens.manage", "requests.handle"},
    Role.SUPPORT: {"auction.view", "organizations.view", "audit.view", "finance.view", "orders.view",
                   "documents.view", "requests.handle"},
}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_grants_exactly_its_permissions(role: Role) -> None:
    assert {p.value for p in ROLE_PERMISSIONS[role]} == EXPECTED[role]


def test_the_organiser_keeps_its_first_name_and_older_data_reads_as_the_auction_organiser() -> None:
    assert Role.ORGANISER is Role.AUCTION_ORGANISER is Role("organiser")
    assert Actor(user_id="u", role=Role.ORGANISER).roles == {Role.AUCTION_ORGANISER}


def test_an_actor_holds_one_role_or_several() -> None:
    actor = Actor(user_id="u", roles={Role.BUYER, Role.FINANCE}, organization_id="a")
    assert decide(actor, P.FINANCE_VIEW, "a") and decide(actor, P.AUCTION_BID, "a")


def test_a_bidder_of_one_organisation_cannot_bid_for_another() -> None:
    bidder = Actor(user_id="u", role=Role.BIDDER, organization_id="a")
    assert decide(bidder, P.AUCTION_BID, "a")
    assert decide(bidder, P.AUCTION_BID, "b").reason is Reason.OTHER_ORGANIZATION
    with pytest.raises(Forbidden):
        acting_organization(bidder, "b")


def test_a_viewer_cannot_bid() -> None:
    viewer = Actor(user_id="u", role=Role.VIEWER, organization_id="a")
    assert decide(viewer, P.AUCTION_VIEW, "a")
    with pytest.raises(Forbidden):
        acting_organization(viewer)


def test_an_account_manager_reaches_only_the_organisations_assigned_to_it() -> None:
    manager = Actor(user_id="m", role=Role.ACCOUNT_MANAGER)
    assert decide(manager, P.ORGANIZATIONS_VIEW, "a", manager_user_id="m")
    assert decide(manager, P.ORGANIZATIONS_VIEW, "b", manager_user_id="other").reason is Reason.NOT_ASSIGNED
    assert decide(manager, P.ORGANIZATIONS_VIEW, "c", manager_user_id=None).hides_existence


def test_support_views_everything_but_changes_nothing() -> None:
    support = Actor(user_id="s", role=Role.SUPPORT)
    assert all(decide(support, p, "a") for p in (P.ORGANIZATIONS_VIEW, P.AUDIT_VIEW, P.FINANCE_VIEW))
    assert not any(decide(support, p, "a") for p in (P.ORGANIZATIONS_MANAGE, P.ROLES_MANAGE, P.AUCTION_MANAGE,
                                                     P.USERS_MANAGE))


def test_staff_roles_mean_nothing_inside_a_client_organisation() -> None:
    odd = Actor(user_id="u", roles={Role.SYSTEM_ADMIN, Role.VIEWER}, organization_id="a")
    assert not decide(odd, P.ORGANIZATIONS_MANAGE, "a")


@given(roles=st.frozensets(st.sampled_from(sorted(CLIENT_ROLES, key=lambda r: r.value)), min_size=1),
       permission=st.sampled_from(list(Permission)),
       other=st.text(min_size=1, max_size=8).filter(lambda s: s != "org-a"))
def test_no_client_role_in_one_organisation_grants_anything_in_another(
        roles: frozenset[Role], permission: Permission, other: str) -> None:
    actor = Actor(user_id="u", roles=roles, organization_id="org-a")
    assert not decide(actor, permission, other)


def test_staff_and_client_roles_split_every_role() -> None:
    assert set(Role) == STAFF_ROLES | CLIENT_ROLES and not STAFF_ROLES & CLIENT_ROLES


# --- use cases ---------------------------------------------------------------------------------

@pytest.fixture()
def bus() -> MessageBus:
    store = MemoryStore()
    return MessageBus(uow_factory=lambda: MemoryUnitOfWork(store), clock=ManualClock(T0))


def _org(bus: MessageBus, name: str, inn: str, manager: str | None = None) -> str:
    return str(bus.handle(RegisterOrganization(name=name, inn=inn, manager_user_id=manager), STAFF).id)


def _user(bus: MessageBus, email: str, role: Role, org: str | None) -> str:
    return str(bus.handle(RegisterUser(email=email, full_name="Имя", role=role, organization_id=org), STAFF).id)


def test_a_user_is_a_member_of_several_organisations_with_other_roles_and_switches_between_them(
        bus: MessageBus) -> None:
    a, b = _org(bus, "ООО А", "7707083893"), _org(bus, "ООО Б", "7736207543")
    user = _user(bus, "p@a.ru", Role.BIDDER, a)
    bus.handle(GrantRole(user_id=user, organization_id=b, roles=frozenset({Role.FINANCE})), STAFF)
    me = Actor(user_id=user, role=Role.BIDDER, organization_id=a)
    roles = bus.handle(ListRoles(user_id=user), me)
    assert {(m.organization_id, m.roles) for m in roles} == {
        (a, frozenset({Role.BIDDER})), (b, frozenset({Role.FINANCE}))}
    in_b = bus.handle(SwitchOrganization(organization_id=b), me)
    assert (in_b.organization_id, in_b.roles) == (b, {Role.FINANCE})
    with pytest.raises(OrganizationNotFound):
        bus.handle(SwitchOrganization(organization_id=_org(bus, "ООО В", "7830002293")), me)
    with pytest.raises(OrganizationNotFound):
        bus.handle(SwitchOrganization(organization_id="missing"), me)


def test_role_changes_are_audited_and_the_last_administrator_stays(bus: MessageBus) -> None:
    a = _org(bus, "ООО А", "7707083893")
    boss, deputy = _user(bus, "boss@a.ru", Role.ADMINISTRATOR, a), _user(bus, "dep@a.ru", Role.VIEWER, a)
    with pytest.raises(LastAdministrator):
        bus.handle(RevokeRole(user_id=boss, organization_id=a, roles=frozenset({Role.ADMINISTRATOR})), STAFF)
    admin = Actor(user_id=boss, role=Role.ADMINISTRATOR, organization_id=a)
    bus.handle(GrantRole(user_id=deputy, organization_id=a, roles=frozenset({Role.ADMINISTRATOR})), admin)
    bus.handle(RevokeRole(user_id=boss, organization_id=a, roles=frozenset({Role.ADMINISTRATOR})), STAFF)
    assert [m.user_id for m in bus.handle(ListRoles(organization_id=a), STAFF)] == sorted([deputy])
    actions = [e.action for e in bus.handle(ListAudit(filter=AuditFilter(action="role")), STAFF)]
    assert actions == ["role.revoked", "role.granted"]


def test_a_client_administrator_manages_roles_only_in_its_own_organisation(bus: MessageBus) -> None:
    a, b = _org(bus, "ООО А", "7707083893"), _org(bus, "ООО Б", "7736207543")
    boss, stranger = _user(bus, "boss@a.ru", Role.ADMINISTRATOR, a), _user(bus, "s@b.ru", Role.VIEWER, b)
    admin = Actor(user_id=boss, role=Role.ADMINISTRATOR, organization_id=a)
    with pytest.raises(OrganizationNotFound):
        bus.handle(GrantRole(user_id=stranger, organization_id=b, roles=frozenset({Role.BIDDER})), admin)
    viewer = Actor(user_id=stranger, role=Role.VIEWER, organization_id=b)
    with pytest.raises(Forbidden):
        bus.handle(GrantRole(user_id=stranger, organization_id=b, roles=frozenset({Role.BIDDER})), viewer)


def test_an_account_manager_sees_only_its_organisations(bus: MessageBus) -> None:
    manager = _user(bus, "m@omk.ru", Role.ACCOUNT_MANAGER, None)
    mine, other = _org(bus, "ООО А", "7707083893", manager), _org(bus, "ООО Б", "7736207543")
    actor = Actor(user_id=manager, role=Role.ACCOUNT_MANAGER)
    assert [o.id for o in bus.handle(ListOrganizations(), actor)] == [mine]
    assert bus.handle(ShowOrganization(organization_id=mine), actor).id == mine
    with pytest.raises(OrganizationNotFound):
        bus.handle(ShowOrganization(organization_id=other), actor)


def test_a_client_lists_only_its_own_organisation(bus: MessageBus) -> None:
    a, _b = _org(bus, "ООО А", "7707083893"), _org(bus, "ООО Б", "7736207543")
    finance = Actor(user_id="f", role=Role.FINANCE, organization_id=a)
    assert [o.id for o in bus.handle(ListOrganizations(), finance)] == [a]
