"""The membership repository contract on every adapter: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omk_domain.identity.model import Membership, Organization, Role, User
from omk_domain.ports import UnitOfWork
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]


def _setup(uow_factory: UowFactory) -> tuple[str, str, str]:
    a = Organization.register(name="ООО А", inn="7707083893", now=T0)
    b = Organization.register(name="ООО Б", inn="7736207543", now=T0)
    user = User.create(email="p@a.ru", full_name="Пётр", role=Role.BIDDER, organization_id=a.id, now=T0)
    with uow_factory() as uow:
        uow.organizations.add(a)
        uow.organizations.add(b)
        uow.users.add(user)
        for org, roles in ((a, {Role.BIDDER}), (b, {Role.FINANCE, Role.VIEWER})):
            ms = Membership.start(user_id=user.id, organization_id=org.id, now=T0)
            ms.grant(frozenset(roles))
            uow.memberships.add(ms)
        uow.commit()
    return user.id, a.id, b.id


def test_memberships_are_kept_with_their_roles_and_found_by_user_and_by_organisation(uow_factory: UowFactory) -> None:
    user, a, b = _setup(uow_factory)
    with uow_factory() as uow:
        mine = uow.memberships.of_user(user)
        assert [(m.organization_id, m.roles) for m in mine] == sorted(
            [(a, frozenset({Role.BIDDER})), (b, frozenset({Role.FINANCE, Role.VIEWER}))])
        assert [m.user_id for m in uow.memberships.of_organization(b)] == [user]
        assert uow.memberships.of_user("somebody-else") == []
        assert uow.memberships.find(user, "missing") is None


def test_a_changed_membership_is_kept_and_a_removed_one_is_gone(uow_factory: UowFactory) -> None:
    user, a, b = _setup(uow_factory)
    with uow_factory() as uow:
        found = uow.memberships.find(user, a)
        assert found is not None
        found.grant(frozenset({Role.ADMINISTRATOR}))
        gone = uow.memberships.find(user, b)
        assert gone is not None
        uow.memberships.remove(gone)
        uow.commit()
    with uow_factory() as uow:
        again = uow.memberships.find(user, a)
        assert again is not None and again.roles == {Role.BIDDER, Role.ADMINISTRATOR}
        assert uow.memberships.find(user, b) is None


def test_nothing_is_kept_without_commit(uow_factory: UowFactory) -> None:
    user, a, _ = _setup(uow_factory)
    with uow_factory() as uow:
        found = uow.memberships.find(user, a)
        assert found is not None
        found.grant(frozenset({Role.LOGISTICS}))
    with uow_factory() as uow:
        again = uow.memberships.find(user, a)
        assert again is not None and again.roles == {Role.BIDDER}
