"""Tenant isolation from outside, on every adapter (in memory, SQLite, PostgreSQL).

For every identity use case that reads or changes an organisation's data, someone from another
organisation — its client administrator, or the account manager assigned to it — gets exactly the answer
a nonexistent id gets (the same error type, code, message and context, the id aside), and nothing is
written: not the data, not even an audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.notify.local import LocalFolderMailer, mail_folder
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import identity as idc
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.invitations import InviteUser
from omk_domain.app.signin import SetPassword, SignOutEverywhere
from omk_domain.app.tokens import IssueToken, ListTokens, RevokeToken
from omk_domain.identity.model import Actor, Organization, Role, User
from omk_domain.identity.policy import Permission
from omk_domain.ports import AuditFilter, UnitOfWork
from omk_domain.shared.errors import DomainError
from omk_domain.shared.messages import Command
from tests.contract.builders import T0, inn

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
STAFF = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)
PASSWORD = "Зелёный-чайник-2026"
MISSING = "0" * 32


@attrs.frozen
class Target:
    """Organisation A's things the outsider aims at."""

    org: str
    user: str
    token: str


#: use case → the command aimed at `id` (of organisation A's org, user or token, or a missing one)
CASES: dict[str, tuple[str, Callable[[Target, str], Command]]] = {
    "orgs show": ("org", lambda t, x: idc.ShowOrganization(organization_id=x)),
    "orgs edit": ("org", lambda t, x: idc.EditOrganization(organization_id=x, name="ООО Взлом")),
    "orgs block": ("org", lambda t, x: idc.BlockOrganization(organization_id=x, reason="Взлом")),
    "orgs unblock": ("org", lambda t, x: idc.UnblockOrganization(organization_id=x)),
    "orgs approve": ("org", lambda t, x: idc.ApproveOrganization(organization_id=x)),
    "users create": ("org", lambda t, x: idc.RegisterUser(email="spy@evil.ru", full_name="Шпион", role=Role.VIEWER,
                                                          organization_id=x)),
    "users list": ("org", lambda t, x: idc.ListUsers(organization_id=x)),
    "users show": ("user", lambda t, x: idc.ShowUser(user_id=x)),
    "users block": ("user", lambda t, x: idc.BlockUser(user_id=x)),
    "users unblock": ("user", lambda t, x: idc.UnblockUser(user_id=x)),
    "users set-password": ("user", lambda t, x: SetPassword(user_id=x, password="Чужой-пароль-2026")),
    "users sign-out-everywhere": ("user", lambda t, x: SignOutEverywhere(user_id=x)),
    "users invite": ("org", lambda t, x: InviteUser(organization_id=x, email="spy@evil.ru",
                                                    roles=frozenset({Role.VIEWER}))),
    "roles grant": ("org", lambda t, x: idc.GrantRole(user_id=t.user, organization_id=x,
                                                      roles=frozenset({Role.FINANCE}))),
    "roles revoke": ("org", lambda t, x: idc.RevokeRole(user_id=t.user, organization_id=x,
                                                        roles=frozenset({Role.BIDDER}))),
    "roles list by organisation": ("org", lambda t, x: idc.ListRoles(organization_id=x)),
    "roles list by user": ("user", lambda t, x: idc.ListRoles(user_id=x)),
    "tokens issue": ("org", lambda t, x: IssueToken(organization_id=x, name="Чужой",
                                                    permissions=frozenset({Permission.AUCTION_VIEW}),
                                                    expires_at=T0 + timedelta(days=30))),
    "tokens list": ("org", lambda t, x: ListTokens(organization_id=x)),
    "tokens revoke": ("token", lambda t, x: RevokeToken(token_id=x)),
    "audit list": ("org", lambda t, x: idc.ListAudit(filter=AuditFilter(organization_id=x))),
    "memberships switch": ("org", lambda t, x: idc.SwitchOrganization(organization_id=x)),
}
OUTSIDERS = ["administrator of another organisation", "account manager of another organisation"]


@attrs.define
class World:
    bus: MessageBus
    uow_factory: UowFactory
    target: Target
    outsiders: dict[str, Actor]

    def snapshot(self) -> tuple[Any, ...]:
        """What an outsider must not change: organisation A, its member, memberships, tokens and the audit log."""
        with self.uow_factory() as uow:
            org = uow.organizations.get(self.target.org)
            user = uow.users.get(self.target.user)
            return ((org.name, org.status, org.manager_user_id), (user.email, user.blocked, user.password_hash),
                    sorted((ms.user_id, sorted(r.value for r in ms.roles))
                           for ms in uow.memberships.of_organization(org.id)),
                    [(t.id, t.revoked_at) for t in uow.api_tokens.of_organization(org.id)],
                    len(uow.audit.list(AuditFilter(limit=1000))), uow.users.by_email("spy@evil.ru") is None)


@pytest.fixture()
def world(uow_factory: UowFactory, tmp_path: Path) -> World:
    clock = ManualClock(T0)
    bus = MessageBus(uow_factory, clock, deps={
        "password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock)})
    manager: User = bus.handle(idc.RegisterUser(email="olga@omk.ru", full_name="Ольга", role=Role.ACCOUNT_MANAGER),
                               STAFF)
    a: Organization = bus.handle(idc.RegisterOrganization(name="ООО А", inn=inn(1)), STAFF)
    b: Organization = bus.handle(idc.RegisterOrganization(name="ООО Б", inn=inn(2), manager_user_id=manager.id),
                                 STAFF)
    admin_a = bus.handle(idc.RegisterUser(email="admin@a.ru", full_name="Админ А", role=Role.ADMINISTRATOR,
                                          organization_id=a.id, password=PASSWORD), STAFF)
    member_a = bus.handle(idc.RegisterUser(email="member@a.ru", full_name="Участник А", role=Role.BIDDER,
                                           organization_id=a.id, password=PASSWORD), STAFF)
    admin_b = bus.handle(idc.RegisterUser(email="admin@b.ru", full_name="Админ Б", role=Role.ADMINISTRATOR,
                                          organization_id=b.id, password=PASSWORD), STAFF)
    token = bus.handle(IssueToken(organization_id=a.id, name="ERP", permissions=frozenset({Permission.AUCTION_VIEW}),
                                  expires_at=T0 + timedelta(days=30)),
                       Actor(user_id=admin_a.id, role=Role.ADMINISTRATOR, organization_id=a.id))
    return World(bus=bus, uow_factory=uow_factory,
                 target=Target(org=a.id, user=member_a.id, token=token.api_token.id),
                 outsiders={OUTSIDERS[0]: Actor(user_id=admin_b.id, role=Role.ADMINISTRATOR, organization_id=b.id),
                            OUTSIDERS[1]: Actor(user_id=manager.id, role=Role.ACCOUNT_MANAGER)})


def _answer(world: World, command: Command, actor: Actor, given_id: str) -> tuple[str, Any]:
    """The outcome with the id given replaced by a placeholder: a result, or the error a person would see."""
    try:
        result = world.bus.handle(command, actor)
    except DomainError as error:
        body = error.as_dict()
        context = {k: ("<id>" if v == given_id else v) for k, v in body["context"].items()}
        return "error", (type(error), body["code"], body["message"].replace(given_id, "<id>"), context, error.kind)
    return "result", result


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("case", list(CASES))
def test_an_outsider_gets_the_answer_a_missing_id_gets_and_changes_nothing(world: World, case: str,
                                                                            outsider: str) -> None:
    kind, make = CASES[case]
    actor = world.outsiders[outsider]
    real_id = getattr(world.target, kind)
    before = world.snapshot()

    aimed = _answer(world, make(world.target, real_id), actor, real_id)
    missing = _answer(world, make(world.target, MISSING), actor, MISSING)

    assert aimed == missing, f"{case}: {outsider} told apart an existing {kind} from a missing one"
    if aimed[0] == "result":  # a listing: empty, as for a missing id
        assert aimed[1] == [], f"{case}: {outsider} saw {aimed[1]!r}"
    assert world.snapshot() == before, f"{case}: {outsider} changed something"


@pytest.mark.parametrize("case", ["orgs show", "users list", "users show", "roles list by organisation",
                                  "tokens list", "audit list"])
def test_the_organisations_own_administrator_or_staff_are_answered(world: World, case: str) -> None:
    """The isolation test can fail: the same reads succeed for someone within reach."""
    kind, make = CASES[case]
    real_id = getattr(world.target, kind)
    outcome = _answer(world, make(world.target, real_id), STAFF, real_id)
    assert outcome[0] == "result" and outcome[1] not in ([], None)
