"""Role steps: people («Анна», «Борис») hold client roles in organisations or staff roles at OMK.

A person's actor for an organisation is obtained the way the portal will obtain it: by switching
to that organisation (`SwitchOrganization`), which only works for a member. What a person may do
is asked of the one policy with the organisation named in the step.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from omk_domain.app import identity as idc
from omk_domain.identity.model import ROLE_LABELS_RU, Actor, Role
from omk_domain.identity.policy import Permission, allows
from omk_domain.ports import AuditFilter
from omk_domain.shared.errors import DomainError
from tests.bdd.steps.identity_steps import ORG_NAME
from tests.bdd.steps.world import World

ROLES = {label: role for role, label in ROLE_LABELS_RU.items()}
ROLE = rf"(?P<role>{'|'.join(sorted(ROLES, key=len, reverse=True))})"
PERSON = r"«(?P<person>[^»]+)»"
ORG = rf"(?P<org>{ORG_NAME})"
#: actions as the features name them → the permission they need
ACTIONS = {
    "делать ставки": Permission.AUCTION_BID,
    "видеть аукционы": Permission.AUCTION_VIEW,
    "видеть финансы": Permission.FINANCE_VIEW,
    "оформлять заказы": Permission.ORDERS_PLACE,
    "скачивать документы": Permission.DOCUMENTS_DOWNLOAD,
    "управлять пользователями": Permission.USERS_MANAGE,
}
ACTION = rf"(?P<action>{'|'.join(ACTIONS)})"


def _people(world: World) -> dict[str, str]:
    """Person's name in the scenario → user id."""
    if not hasattr(world, "people"):
        world.people = {}  # type: ignore[attr-defined]
    return world.people  # type: ignore[attr-defined, no-any-return]


def _user(world: World, person: str, role: Role, organization_id: str | None) -> str:
    people = _people(world)
    if person not in people:
        user = world.must("register_user", idc.RegisterUser(
            email=f"user{len(people) + 1}@example.ru", full_name=person, role=role,
            organization_id=organization_id))
        people[person] = user.id
    elif organization_id is not None:
        world.must("grant_role", idc.GrantRole(user_id=people[person], organization_id=organization_id,
                                               roles=frozenset({role})))
    return people[person]


def _acting_for(world: World, person: str, org: str) -> Actor | None:
    """The person's actor in that organisation, or None when it is not a member there."""
    someone = Actor(user_id=_people(world)[person], role=Role.VIEWER)
    try:
        acting: Actor = world.run(idc.SwitchOrganization(organization_id=world.org(org).id), someone)
    except DomainError:
        return None
    return acting


@given(parsers.re(rf"пользователь {PERSON} — {ROLE} в {ORG}"))
def holds_role(world: World, person: str, role: str, org: str) -> None:
    _user(world, person, ROLES[role], world.org(org).id)


@given(parsers.re(rf"пользователю {PERSON} выдана роль {ROLE} в {ORG}"))
def was_granted(world: World, person: str, role: str, org: str) -> None:
    _user(world, person, ROLES[role], world.org(org).id)


@given(parsers.re(rf"менеджер по работе с клиентами {PERSON} закреплён за {ORG}"))
def assigned_manager(world: World, person: str, org: str) -> None:
    manager = _user(world, person, Role.ACCOUNT_MANAGER, None)
    world.must("edit_org", idc.EditOrganization(organization_id=world.org(org).id, manager_user_id=manager))


@when(parsers.re(rf"сотрудник ОМК выдаёт пользователю {PERSON} роль {ROLE} в {ORG}"))
def staff_grants(world: World, person: str, role: str, org: str) -> None:
    world.attempt("grant_role", idc.GrantRole(user_id=_people(world)[person], organization_id=world.org(org).id,
                                              roles=frozenset({ROLES[role]})))


@when(parsers.re(rf"{PERSON} выдаёт пользователю «(?P<other>[^»]+)» роль {ROLE} в {ORG}"))
def member_grants(world: World, person: str, other: str, role: str, org: str) -> None:
    actor = next(a for name in world.orgs if (a := _acting_for(world, person, name)) is not None)
    world.attempt("grant_role", idc.GrantRole(user_id=_people(world)[other], organization_id=world.org(org).id,
                                              roles=frozenset({ROLES[role]})), actor)


@when(parsers.re(rf"сотрудник ОМК снимает с пользователя {PERSON} роль {ROLE} в {ORG}"))
def staff_revokes(world: World, person: str, role: str, org: str) -> None:
    world.attempt("revoke_role", idc.RevokeRole(user_id=_people(world)[person], organization_id=world.org(org).id,
                                                roles=frozenset({ROLES[role]})))


@when(parsers.re(rf"{PERSON} переключается на {ORG}"))
def switches(world: World, person: str, org: str) -> None:
    someone = Actor(user_id=_people(world)[person], role=Role.VIEWER)
    world.attempt("switch_org", idc.SwitchOrganization(organization_id=world.org(org).id), someone)


@then(parsers.re(rf"{PERSON} (?P<verdict>может|не может) {ACTION} за {ORG}"))
def may_or_may_not(world: World, person: str, verdict: str, action: str, org: str) -> None:
    target = world.org(org).id
    # not a member there: try with any membership it has, against this organisation; with none
    # at all, the person cannot act for any organisation
    acting = _acting_for(world, person, org) or next(
        (a for name in world.orgs if (a := _acting_for(world, person, name)) is not None), None)
    allowed = acting is not None and allows(acting, ACTIONS[action], target)
    assert allowed is (verdict == "может"), (person, verdict, action, org)


@then(parsers.re(rf"{PERSON} (?P<verdict>видит|не видит) организацию {ORG}"))
def sees_organization(world: World, person: str, verdict: str, org: str) -> None:
    manager = Actor(user_id=_people(world)[person], role=Role.ACCOUNT_MANAGER)
    outcome = world.attempt("show_org", idc.ShowOrganization(organization_id=world.org(org).id), manager)
    if verdict == "видит":
        assert outcome.ok, outcome.error
    else:  # exactly the answer a missing organisation gets
        missing = world.attempt("show_org", idc.ShowOrganization(organization_id="no-such-organization"), manager)
        assert outcome.error is not None and missing.error is not None
        assert (outcome.error.kind, outcome.error.code) == (missing.error.kind, missing.error.code)


@then(parsers.re(rf"в журнале аудита {ORG} записано: роль (?P<change>выдана|снята) {PERSON} — {ROLE}"))
def audited(world: World, org: str, change: str, person: str, role: str) -> None:
    action = "role.granted" if change == "выдана" else "role.revoked"
    entries = world.run(idc.ListAudit(filter=AuditFilter(action=action, organization_id=world.org(org).id)))
    assert any(e.target_id == _people(world)[person] and ROLES[role].value in e.detail["roles"]
               and e.actor_user_id == world.staff.user_id for e in entries), entries
