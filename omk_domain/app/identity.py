"""Identity use cases: organisations (register, approve, block, unblock, edit, show, list), the audit
log, users (create, list, show, block, unblock) and their roles (grant, revoke, list, switch the
organisation acted for). Every change to an organisation or to roles is audited in the same unit
of work; every use case asks the one policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from omk_domain.app.bus import handles
from omk_domain.identity import audit
from omk_domain.identity.account import CannotBlockOneself, UserInOtherOrganizations
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import (
    CLEARABLE,
    EDITABLE,
    Actor,
    Membership,
    Organization,
    OrganizationNotFound,
    Role,
    User,
    UserNotFound,
)
from omk_domain.identity.passwords import PasswordPolicy
from omk_domain.identity.policy import Permission, decide, only_assigned, require
from omk_domain.identity.validators import validate_sap_customer_no
from omk_domain.notifications.messages import normalize_phone
from omk_domain.ports import AuditFilter, OrganizationFilter, PasswordHasher, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound
from omk_domain.shared.messages import Command


class OrganizationExists(Conflict):
    code = "organization_exists"
    message_ru = "Организация с таким ИНН уже зарегистрирована."


class UserExists(Conflict):
    code = "user_exists"
    message_ru = "Пользователь с таким адресом уже есть."


class SapCustomerNoTaken(Conflict):
    code = "sap_customer_no_taken"
    message_ru = "Этот номер клиента SAP уже закреплён за другой организацией."


class ManagerNotStaff(InvalidValue):
    code = "manager_not_staff"
    message_ru = "Ответственным менеджером может быть только сотрудник ОМК."


@attrs.frozen(kw_only=True)
class RegisterOrganization(Command):
    """Register an organisation: active at once, or as an application staff approve later."""

    name: str
    inn: str
    kpp: str | None = None
    ogrn: str | None = None
    ogrnip: str | None = None
    sap_customer_no: str | None = None
    manager_user_id: str | None = None
    as_application: bool = False
    #: where the command came from, for the audit log: "cli", later the client's IP address
    source: str | None = None


@attrs.frozen(kw_only=True)
class ApproveOrganization(Command):
    organization_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class BlockOrganization(Command):
    organization_id: str
    reason: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class UnblockOrganization(Command):
    organization_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class EditOrganization(Command):
    """Change what is given; clear what `clear` names (kpp, ogrn, ogrnip, sap_customer_no,
    manager_user_id); the rest stays as it is."""

    organization_id: str
    name: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    ogrnip: str | None = None
    sap_customer_no: str | None = None
    manager_user_id: str | None = None
    clear: frozenset[str] = frozenset()
    source: str | None = None


@attrs.frozen(kw_only=True)
class ShowOrganization(Command):
    organization_id: str


@attrs.frozen(kw_only=True)
class ListOrganizations(Command):
    filter: OrganizationFilter = attrs.field(factory=OrganizationFilter)


@attrs.frozen(kw_only=True)
class ListAudit(Command):
    filter: AuditFilter = attrs.field(factory=AuditFilter)


@attrs.frozen(kw_only=True)
class RegisterUser(Command):
    email: str
    full_name: str
    role: Role
    organization_id: str | None = None
    #: a mobile number (sign-in codes go there by SMS) and a first password (checked by the policy)
    phone: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    source: str | None = None


class MembershipNotFound(NotFound):
    code = "membership_not_found"
    message_ru = "Пользователь не состоит в этой организации."


class LastAdministrator(Conflict):
    code = "last_administrator"
    message_ru = "Это последний администратор организации: сначала назначьте другого."


class StaffHoldNoClientRoles(InvalidValue):
    code = "staff_hold_no_client_roles"
    message_ru = "Сотрудник ОМК не получает ролей в клиентской организации."


@attrs.frozen(kw_only=True)
class GrantRole(Command):
    """Give a user client roles in an organisation (a membership begins with the first grant)."""

    user_id: str
    organization_id: str
    roles: frozenset[Role]
    source: str | None = None


@attrs.frozen(kw_only=True)
class RevokeRole(Command):
    """Take client roles back; a membership left without roles ends."""

    user_id: str
    organization_id: str
    roles: frozenset[Role]
    source: str | None = None


@attrs.frozen(kw_only=True)
class ListRoles(Command):
    """Memberships of a user, of an organisation's members, or of that user in that organisation."""

    user_id: str | None = None
    organization_id: str | None = None


@attrs.frozen(kw_only=True)
class SwitchOrganization(Command):
    """Act for another organisation the acting user is a member of."""

    organization_id: str


# --- organisations ----------------------------------------------------------------------------

@handles(RegisterOrganization)
def register_organization(cmd: RegisterOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    require(actor, Permission.ORGANIZATIONS_MANAGE)
    now = clock.now()
    org = Organization.register(name=cmd.name, inn=cmd.inn, kpp=cmd.kpp, ogrn=cmd.ogrn, ogrnip=cmd.ogrnip,
                                sap_customer_no=cmd.sap_customer_no, manager_user_id=cmd.manager_user_id,
                                as_application=cmd.as_application, now=now)
    with uow:
        if uow.organizations.by_inn(org.inn) is not None:
            raise OrganizationExists(inn=org.inn)
        _require_sap_customer_no_free(uow, org.sap_customer_no, org.id)
        _require_staff_manager(uow, org.manager_user_id)
        uow.organizations.add(org)
        _audit(uow, actor, audit.ORGANIZATION_REGISTERED, org, now=now, source=cmd.source, detail={
            "name": org.name, "inn": org.inn, "kind": org.kind.value, "status": org.status.value,
            **{k: getattr(org, k) for k in CLEARABLE if getattr(org, k) is not None}})
        uow.commit()
    return org


@handles(ApproveOrganization)
def approve_organization(cmd: ApproveOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    """An application made by a registered person makes that person the organisation's administrator."""
    def approve(org: Organization, now: datetime) -> None:
        org.approve(now)
        application = uow.organization_applications.of_organization(org.id)
        if application is not None:
            _join(uow, actor, org.id, uow.users.get(application.applicant_user_id), frozenset({Role.ADMINISTRATOR}),
                  now=now, source=cmd.source)

    return _change_status(cmd.organization_id, actor, uow, clock, action=audit.ORGANIZATION_APPROVED,
                          source=cmd.source, change=approve)


def _join(uow: UnitOfWork, actor: Actor, organization_id: str, user: User, roles: frozenset[Role], *,
          now: datetime, source: str | None) -> Membership:
    """Give a client user roles in an organisation without asking the policy again (an approved application,
    an accepted invitation): the GrantRole path — a membership, an audit entry per change. A person of no
    organisation yet makes this one its own."""
    if user.is_staff:
        raise StaffHoldNoClientRoles(user_id=user.id)
    if user.organization_id is None:
        user.organization_id = organization_id
    membership = uow.memberships.find(user.id, organization_id)
    if membership is None:
        membership = Membership.start(user_id=user.id, organization_id=organization_id, now=now)
        uow.memberships.add(membership)
    added = membership.grant(roles)
    if added:
        _audit_roles(uow, actor, audit.ROLE_GRANTED, membership, added, now=now, source=source)
    return membership


@handles(BlockOrganization)
def block_organization(cmd: BlockOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    return _change_status(cmd.organization_id, actor, uow, clock, action=audit.ORGANIZATION_BLOCKED,
                          source=cmd.source, change=lambda org, now: org.block(now, cmd.reason))


@handles(UnblockOrganization)
def unblock_organization(cmd: UnblockOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    return _change_status(cmd.organization_id, actor, uow, clock, action=audit.ORGANIZATION_UNBLOCKED,
                          source=cmd.source, change=lambda org, now: org.unblock(now))


@handles(EditOrganization)
def edit_organization(cmd: EditOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    """Nothing that really changes: nothing is written, not even an audit entry."""
    require(actor, Permission.ORGANIZATIONS_MANAGE)
    changes: dict[str, str | None] = {k: getattr(cmd, k) for k in EDITABLE if getattr(cmd, k) is not None}
    both = sorted(set(changes) & cmd.clear)
    if both:
        raise InvalidValue(f"Нельзя одновременно задать и очистить: {', '.join(both)}.")
    changes |= dict.fromkeys(cmd.clear)
    sap_customer_no = changes.get("sap_customer_no")
    if sap_customer_no:  # in SAP's form before it is compared with the other organisations'
        changes["sap_customer_no"] = validate_sap_customer_no(sap_customer_no)
    with uow:
        org = _organization_for(uow, actor, Permission.ORGANIZATIONS_MANAGE, cmd.organization_id)
        # checked before the organisation changes: a query may write pending changes first
        _require_sap_customer_no_free(uow, changes.get("sap_customer_no"), org.id)
        _require_staff_manager(uow, changes.get("manager_user_id"))
        changed = org.edit(changes)
        if changed:
            now = clock.now()
            _audit(uow, actor, audit.ORGANIZATION_EDITED, org, now=now, source=cmd.source,
                   detail={"changes": {k: {"old": old, "new": new} for k, (old, new) in changed.items()}})
            uow.commit()
        return org


@handles(ShowOrganization)
def show_organization(cmd: ShowOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    with uow:
        return _organization_for(uow, actor, Permission.ORGANIZATIONS_VIEW, cmd.organization_id)


@handles(ListOrganizations)
def list_organizations(cmd: ListOrganizations, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[Organization]:
    """Staff see every organisation, an account manager those assigned to it, a client its own."""
    require(actor, Permission.ORGANIZATIONS_VIEW)
    _require_page(cmd.filter.limit, cmd.filter.offset)
    flt = cmd.filter
    if actor.organization_id is not None:
        flt = attrs.evolve(flt, organization_id=actor.organization_id)
    elif only_assigned(actor, Permission.ORGANIZATIONS_VIEW):
        if flt.manager_user_id not in (None, actor.user_id):
            return []
        flt = attrs.evolve(flt, manager_user_id=actor.user_id)
    with uow:
        return list(uow.organizations.list(flt))


# --- audit ------------------------------------------------------------------------------------

@handles(ListAudit)
def list_audit(cmd: ListAudit, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[AuditEntry]:
    """Entries newest first, filtered by action prefix, actor, organisation and time."""
    require(actor, Permission.AUDIT_VIEW)
    flt = cmd.filter
    if only_assigned(actor, Permission.AUDIT_VIEW):
        if flt.organization_id is None:
            raise Forbidden("Укажите организацию: менеджеру доступен журнал только закреплённых организаций.")
        with uow:
            _organization_for(uow, actor, Permission.AUDIT_VIEW, flt.organization_id)
    _require_page(flt.limit, flt.offset)
    if flt.since is not None and flt.until is not None and flt.since >= flt.until:
        raise InvalidValue("Начало периода должно быть раньше его конца.")
    with uow:
        return list(uow.audit.list(flt))


# --- helpers ----------------------------------------------------------------------------------

def _change_status(organization_id: str, actor: Actor, uow: UnitOfWork, clock: Clock, *, action: str,
                   source: str | None, change: Callable[[Organization, datetime], None]) -> Organization:
    with uow:
        org = _organization_for(uow, actor, Permission.ORGANIZATIONS_MANAGE, organization_id)
        before = org.status
        now = clock.now()
        change(org, now)
        detail: dict[str, Any] = {"from": before.value, "to": org.status.value}
        if org.block_reason:
            detail["reason"] = org.block_reason
        _audit(uow, actor, action, org, now=now, source=source, detail=detail)
        uow.commit()
        return org


def _organization_for(uow: UnitOfWork, actor: Actor, permission: Permission, organization_id: str) -> Organization:
    """The organisation, if the policy lets the actor do `permission` there.

    Forbidden when the actor may not do it anywhere; OrganizationNotFound — the same answer a
    missing id gets — when the organisation is outside the actor's reach.
    """
    require(actor, permission)
    org = uow.organizations.get(organization_id)
    decision = decide(actor, permission, org.id, manager_user_id=org.manager_user_id)
    if decision.hides_existence:
        raise OrganizationNotFound(organization_id=organization_id)
    if not decision:
        raise Forbidden(permission=permission.value)
    return org


def _audit(uow: UnitOfWork, actor: Actor, action: str, org: Organization, *, now: datetime, source: str | None,
           detail: dict[str, Any]) -> None:
    uow.audit.record(AuditEntry.of(actor, action, target_type="organization", target_id=org.id,
                                   organization_id=org.id, now=now, source=source, detail=detail))


def _require_sap_customer_no_free(uow: UnitOfWork, number: str | None, organization_id: str) -> None:
    if number is None:
        return
    holder = uow.organizations.by_sap_customer_no(number)
    if holder is not None and holder.id != organization_id:
        raise SapCustomerNoTaken(sap_customer_no=number)


def _require_staff_manager(uow: UnitOfWork, user_id: str | None) -> None:
    """The responsible manager is an existing OMK employee (staff belong to no client organisation)."""
    if not user_id:
        return
    if not uow.users.get(user_id.strip()).is_staff:
        raise ManagerNotStaff(user_id=user_id)


PAGE_MAX = 1000


def _require_page(limit: int | None, offset: int) -> None:
    """A page of at most PAGE_MAX; no limit (None) only where the port allows it."""
    if (limit is not None and not 1 <= limit <= PAGE_MAX) or offset < 0:
        raise InvalidValue(f"Размер страницы — от 1 до {PAGE_MAX}, смещение — не меньше 0.")


# --- users ------------------------------------------------------------------------------------

@handles(RegisterUser)
def register_user(cmd: RegisterUser, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                  password_hasher: PasswordHasher | None = None) -> User:
    """A staff user holds its role as a staff role; a client user becomes a member of its
    organisation with its role there. A password given is checked by the policy before anything is kept."""
    require(actor, Permission.USERS_MANAGE)
    now = clock.now()
    user = User.create(email=cmd.email, full_name=cmd.full_name, role=cmd.role,
                       organization_id=cmd.organization_id, now=now)
    if user.is_staff and only_assigned(actor, Permission.USERS_MANAGE):
        raise Forbidden(permission=Permission.USERS_MANAGE.value)
    if cmd.phone:
        user.phone = normalize_phone(cmd.phone)
    if cmd.password is not None:
        if password_hasher is None:
            raise RuntimeError("RegisterUser with a password needs the password_hasher dependency")
        PasswordPolicy().check(cmd.password, email=user.email, full_name=user.full_name)
        user.password_hash = password_hasher.hash(cmd.password)
    with uow:
        if cmd.organization_id is not None:
            _organization_for(uow, actor, Permission.USERS_MANAGE, cmd.organization_id)
        if uow.users.by_email(user.email) is not None:
            raise UserExists(email=user.email)
        uow.users.add(user)
        if cmd.organization_id is not None:
            membership = Membership.start(user_id=user.id, organization_id=cmd.organization_id, now=now)
            membership.grant(frozenset({cmd.role}))
            uow.memberships.add(membership)
        if user.password_hash is not None:
            uow.audit.record(AuditEntry.of(actor, audit.PASSWORD_CHANGED, target_type="user", target_id=user.id,
                                           organization_id=user.organization_id, now=now, source=cmd.source,
                                           detail={"by": "staff", "at_creation": True}))
        uow.commit()
    return user


# --- roles ------------------------------------------------------------------------------------

@handles(GrantRole)
def grant_role(cmd: GrantRole, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Membership:
    """Roles already held are not granted twice: nothing new — nothing written, nothing audited."""
    with uow:
        org = _organization_for(uow, actor, Permission.ROLES_MANAGE, cmd.organization_id)
        user = uow.users.get(cmd.user_id)
        if user.is_staff:
            raise StaffHoldNoClientRoles(user_id=user.id)
        now = clock.now()
        membership = uow.memberships.find(user.id, org.id)
        if membership is None:
            membership = Membership.start(user_id=user.id, organization_id=org.id, now=now)
            uow.memberships.add(membership)
        added = membership.grant(frozenset(cmd.roles))
        if added:
            _audit_roles(uow, actor, audit.ROLE_GRANTED, membership, added, now=now, source=cmd.source)
            uow.commit()
        return membership


@handles(RevokeRole)
def revoke_role(cmd: RevokeRole, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Membership:
    """The last administrator of an organisation keeps that role; a membership left empty ends."""
    with uow:
        org = _organization_for(uow, actor, Permission.ROLES_MANAGE, cmd.organization_id)
        membership = uow.memberships.find(cmd.user_id, org.id)
        if membership is None:
            raise MembershipNotFound(user_id=cmd.user_id, organization_id=org.id)
        wanted = frozenset(cmd.roles)
        if Role.ADMINISTRATOR in wanted & membership.roles and not any(
                Role.ADMINISTRATOR in other.roles for other in uow.memberships.of_organization(org.id)
                if other.user_id != membership.user_id):
            raise LastAdministrator(organization_id=org.id)
        removed = membership.revoke(wanted)
        if removed:
            if not membership.roles:
                uow.memberships.remove(membership)
            _audit_roles(uow, actor, audit.ROLE_REVOKED, membership, removed, now=clock.now(), source=cmd.source)
            uow.commit()
        return membership


@handles(ListRoles)
def list_roles(cmd: ListRoles, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[Membership]:
    """A user always sees its own memberships; otherwise only those in organisations the actor
    may view (an organisation outside its reach answers as a missing one)."""
    if cmd.user_id is None and cmd.organization_id is None:
        raise InvalidValue("Укажите пользователя или организацию.")
    with uow:
        if cmd.organization_id is not None:
            if cmd.user_id != actor.user_id:
                _organization_for(uow, actor, Permission.ORGANIZATIONS_VIEW, cmd.organization_id)
            found = list(uow.memberships.of_organization(cmd.organization_id))
            return [ms for ms in found if cmd.user_id in (None, ms.user_id)]
        assert cmd.user_id is not None
        mine = list(uow.memberships.of_user(cmd.user_id))
        if cmd.user_id == actor.user_id:
            return mine
        require(actor, Permission.ORGANIZATIONS_VIEW)
        return [ms for ms in mine if decide(actor, Permission.ORGANIZATIONS_VIEW, ms.organization_id,
                                            manager_user_id=uow.organizations.get(ms.organization_id)
                                            .manager_user_id)]


@handles(SwitchOrganization)
def switch_organization(cmd: SwitchOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Actor:
    """The actor for another organisation of the same user; not a member — the answer a missing
    organisation gets."""
    with uow:
        membership = uow.memberships.find(actor.user_id, cmd.organization_id)
    if membership is None or not membership.roles:
        raise OrganizationNotFound(organization_id=cmd.organization_id)
    return Actor(user_id=actor.user_id, roles=membership.roles, organization_id=membership.organization_id)


def _audit_roles(uow: UnitOfWork, actor: Actor, action: str, membership: Membership, roles: frozenset[Role], *,
                 now: datetime, source: str | None) -> None:
    uow.audit.record(AuditEntry.of(actor, action, target_type="user", target_id=membership.user_id,
                                   organization_id=membership.organization_id, now=now, source=source,
                                   detail={"roles": sorted(r.value for r in roles),
                                           "now": sorted(r.value for r in membership.roles)}))



# --- users: list, show, block, unblock ---------------------------------------------------------

@attrs.frozen(kw_only=True)
class ListUsers(Command):
    """The members of one organisation (a client: its own when none is named), by user id; or — OMK staff
    who see every organisation — every user, by email. A page of `limit` from `offset`."""

    organization_id: str | None = None
    limit: int = 100
    offset: int = 0


@attrs.frozen(kw_only=True)
class ShowUser(Command):
    user_id: str


@attrs.frozen(kw_only=True)
class BlockUser(Command):
    """Refuse the user sign-in: every session ends at once and its API tokens stop working."""

    user_id: str
    reason: str | None = None
    source: str | None = None


@attrs.frozen(kw_only=True)
class UnblockUser(Command):
    user_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class UserView:
    """A user as the actor may see it: only its memberships in organisations within the actor's reach."""

    user: User
    memberships: tuple[Membership, ...]


@handles(ListUsers)
def list_users(cmd: ListUsers, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[UserView]:
    """An organisation outside the actor's reach answers as a missing one; an account manager names one of
    its organisations."""
    require(actor, Permission.USERS_MANAGE)
    _require_page(cmd.limit, cmd.offset)
    organization_id = cmd.organization_id or actor.organization_id
    with uow:
        if organization_id is not None:
            org = _organization_for(uow, actor, Permission.USERS_MANAGE, organization_id)
            page = list(uow.memberships.of_organization(org.id))[cmd.offset: cmd.offset + cmd.limit]
            return [UserView(user=uow.users.get(ms.user_id), memberships=(ms,)) for ms in page]
        if only_assigned(actor, Permission.USERS_MANAGE):
            raise Forbidden("Укажите организацию: менеджеру доступны пользователи только закреплённых организаций.")
        return [UserView(user=user, memberships=tuple(uow.memberships.of_user(user.id)))
                for user in uow.users.list(limit=cmd.limit, offset=cmd.offset)]


@handles(ShowUser)
def show_user(cmd: ShowUser, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> UserView:
    with uow:
        user, memberships = _user_for(uow, actor, Permission.USERS_MANAGE, cmd.user_id)
        return UserView(user=user, memberships=tuple(memberships))


@handles(BlockUser)
def block_user(cmd: BlockUser, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> User:
    """Blocked already: nothing changes, nothing is audited. A client administrator blocks only users who
    belong to its organisation alone; nobody blocks themself."""
    with uow:
        user, _ = _user_for(uow, actor, Permission.USERS_MANAGE, cmd.user_id, everywhere=True)
        if user.id == actor.user_id:
            raise CannotBlockOneself(user_id=user.id)
        if user.blocked:
            return user
        now = clock.now()
        user.blocked = True
        ended = 0
        for session in uow.sessions.of_user(user.id):
            if session.revoke(now):
                uow.sessions.save(session)
                ended += 1
        detail: dict[str, Any] = {"sessions_ended": ended}
        if cmd.reason and cmd.reason.strip():
            detail["reason"] = cmd.reason.strip()[:500]
        _audit_user(uow, actor, audit.USER_BLOCKED, user, now=now, source=cmd.source, detail=detail)
        uow.commit()
        return user


@handles(UnblockUser)
def unblock_user(cmd: UnblockUser, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> User:
    """Not blocked: nothing changes, nothing is audited. Ended sessions stay ended."""
    with uow:
        user, _ = _user_for(uow, actor, Permission.USERS_MANAGE, cmd.user_id, everywhere=True)
        if not user.blocked:
            return user
        user.blocked = False
        _audit_user(uow, actor, audit.USER_UNBLOCKED, user, now=clock.now(), source=cmd.source, detail={})
        uow.commit()
        return user


def _user_for(uow: UnitOfWork, actor: Actor, permission: Permission, user_id: str, *,
              everywhere: bool = False) -> tuple[User, list[Membership]]:
    """The user and those of its memberships the actor may see, if the policy lets the actor do `permission`
    over the user in one of its organisations (`everywhere`: in every one).

    Forbidden when the actor may not do it anywhere (asked before the user is looked up, so an unknown id
    gets the same answer); UserNotFound — the answer a missing id gets — when the user is outside the
    actor's reach: another organisation's, another OMK employee for a client, a person of no organisation
    yet for a client or an account manager.
    """
    require(actor, permission)
    user = uow.users.get(user_id)
    if user.is_staff:
        if actor.organization_id is not None:
            raise UserNotFound(user_id=user_id)
        if only_assigned(actor, permission):
            raise Forbidden(permission=permission.value)
        return user, []
    memberships = list(uow.memberships.of_user(user.id))
    organization_ids = {ms.organization_id for ms in memberships} | (
        {user.organization_id} if user.organization_id else set())
    if not organization_ids:
        if actor.organization_id is not None or only_assigned(actor, permission):
            raise UserNotFound(user_id=user_id)
        return user, []
    allowed: dict[str, bool] = {}
    for organization_id in sorted(organization_ids):
        org = uow.organizations.get(organization_id)
        allowed[org.id] = bool(decide(actor, permission, org.id, manager_user_id=org.manager_user_id))
    if not any(allowed.values()):
        raise UserNotFound(user_id=user_id)
    if everywhere and not all(allowed.values()):
        raise UserInOtherOrganizations(user_id=user_id)
    return user, [ms for ms in memberships if allowed[ms.organization_id]]


def _audit_user(uow: UnitOfWork, actor: Actor, action: str, user: User, *, now: datetime, source: str | None,
                detail: dict[str, Any]) -> None:
    uow.audit.record(AuditEntry.of(actor, action, target_type="user", target_id=user.id,
                                   organization_id=actor.organization_id or user.organization_id, now=now,
                                   source=source, detail=detail))
