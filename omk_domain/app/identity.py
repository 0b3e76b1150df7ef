"""Minimal identity use cases: register organisations and users (the identity issue completes them)."""

from __future__ import annotations

import attrs

from omk_domain.app.bus import handles
from omk_domain.identity.model import Actor, Organization, Role, User
from omk_domain.identity.policy import Permission, require
from omk_domain.ports import UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Conflict
from omk_domain.shared.messages import Command


class OrganizationExists(Conflict):
    code = "organization_exists"
    message_ru = "Организация с таким ИНН уже зарегистрирована."


class UserExists(Conflict):
    code = "user_exists"
    message_ru = "Пользователь с таким адресом уже есть."


@attrs.frozen(kw_only=True)
class RegisterOrganization(Command):
    name: str
    inn: str
    kpp: str | None = None


@attrs.frozen(kw_only=True)
class RegisterUser(Command):
    email: str
    full_name: str
    role: Role
    organization_id: str | None = None


@attrs.frozen(kw_only=True)
class ListOrganizations(Command):
    pass


@handles(RegisterOrganization)
def register_organization(cmd: RegisterOrganization, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Organization:
    require(actor, Permission.ORGANIZATIONS_MANAGE)
    org = Organization.register(name=cmd.name, inn=cmd.inn, kpp=cmd.kpp, now=clock.now())
    with uow:
        if uow.organizations.by_inn(org.inn) is not None:
            raise OrganizationExists(inn=org.inn)
        uow.organizations.add(org)
        uow.commit()
    return org


@handles(RegisterUser)
def register_user(cmd: RegisterUser, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> User:
    require(actor, Permission.ORGANIZATIONS_MANAGE)
    user = User.create(email=cmd.email, full_name=cmd.full_name, role=cmd.role,
                       organization_id=cmd.organization_id, now=clock.now())
    with uow:
        if cmd.organization_id is not None:
            uow.organizations.get(cmd.organization_id)
        if uow.users.by_email(user.email) is not None:
            raise UserExists(email=user.email)
        uow.users.add(user)
        uow.commit()
    return user


@handles(ListOrganizations)
def list_organizations(cmd: ListOrganizations, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[Organization]:
    require(actor, Permission.ORGANIZATIONS_MANAGE)
    with uow:
        return list(uow.organizations.list())
