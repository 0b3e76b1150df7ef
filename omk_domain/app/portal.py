"""Use cases behind the portal's frame: who is signed in, and switching the session's organisation."""

from __future__ import annotations

import attrs

from omk_domain.app.bus import handles
from omk_domain.identity.model import Actor, OrganizationNotFound, Role
from omk_domain.identity.policy import allows, permissions_of
from omk_domain.identity.signin import SessionInvalid, hash_token
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.messages import Command


@attrs.frozen(kw_only=True)
class WhoAmI(Command):
    """The signed-in person as the portal's frame shows them."""


@attrs.frozen(kw_only=True)
class SwitchSessionOrganization(Command):
    """From now on the session acts for another organisation the user is a member of."""

    token: str = attrs.field(repr=False)
    organization_id: str


@attrs.frozen(kw_only=True)
class OrganizationChoice:
    organization_id: str
    name: str
    roles: tuple[str, ...]  # Russian labels
    current: bool


@attrs.frozen(kw_only=True)
class Identity:
    user_id: str
    email: str
    full_name: str
    organization_id: str | None
    organization_name: str | None
    roles: tuple[str, ...]  # Russian labels of the roles held now
    is_staff: bool
    permissions: frozenset[str]
    organizations: tuple[OrganizationChoice, ...]


def _labels(roles: frozenset[Role]) -> tuple[str, ...]:
    return tuple(r.label_ru for r in Role if r in roles)


@handles(WhoAmI)
def who_am_i(cmd: WhoAmI, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Identity:
    """Name, current organisation, roles and the organisations to switch to (only the user's own)."""
    held = frozenset(p.value for p in permissions_of(actor.roles) if allows(actor, p, actor.organization_id))
    with uow:
        if actor.user_id.startswith("token:"):  # a client system: no person, no other organisations
            org = uow.organizations.get(actor.organization_id) if actor.organization_id else None
            return Identity(user_id=actor.user_id, email="", full_name="API-токен",
                            organization_id=actor.organization_id,
                            organization_name=org.name if org else None, roles=_labels(actor.roles),
                            is_staff=actor.is_staff, permissions=held, organizations=())
        user = uow.users.get(actor.user_id)
        choices = []
        for membership in uow.memberships.of_user(user.id):
            if not membership.roles:
                continue
            org = uow.organizations.get(membership.organization_id)
            choices.append(OrganizationChoice(organization_id=org.id, name=org.name, roles=_labels(membership.roles),
                                              current=org.id == actor.organization_id))
        current = next((c for c in choices if c.current), None)
    return Identity(user_id=user.id, email=user.email, full_name=user.full_name,
                    organization_id=actor.organization_id, organization_name=current.name if current else None,
                    roles=_labels(actor.roles), is_staff=actor.is_staff, permissions=held,
                    organizations=tuple(sorted(choices, key=lambda c: c.name)))


@handles(SwitchSessionOrganization)
def switch_session_organization(cmd: SwitchSessionOrganization, *, actor: Actor, uow: UnitOfWork,
                                clock: Clock) -> Actor:
    """Not a member (or a stranger's organisation): the answer a missing organisation gets."""
    with uow:
        session = uow.sessions.by_token_hash(hash_token(cmd.token or ""))
        if session is None or session.user_id != actor.user_id or not session.is_active(clock.now()):
            raise SessionInvalid()
        membership = uow.memberships.find(actor.user_id, cmd.organization_id)
        if membership is None or not membership.roles:
            raise OrganizationNotFound(organization_id=cmd.organization_id)
        session.organization_id = membership.organization_id
        uow.sessions.save(session)
        uow.commit()
    return Actor(user_id=actor.user_id, roles=membership.roles, organization_id=membership.organization_id)
