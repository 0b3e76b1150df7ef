"""Organisations, users and the actor on whose behalf a use case runs (minimal, for auctions)."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from omk_domain.identity.validators import validate_inn, validate_kpp
from omk_domain.shared.errors import InvalidValue, NotFound
from omk_domain.shared.ids import new_id
from omk_domain.shared.text import required_text


class OrganizationNotFound(NotFound):
    code = "organization_not_found"
    message_ru = "Организация не найдена."


class UserNotFound(NotFound):
    code = "user_not_found"
    message_ru = "Пользователь не найден."


class NameInvalid(InvalidValue):
    code = "name_invalid"
    message_ru = "Название обязательно и не длиннее 300 символов."


class EmailInvalid(InvalidValue):
    code = "email_invalid"
    message_ru = "Адрес электронной почты указан неверно."


@attrs.define(kw_only=True, eq=False)
class Organization:
    """A client organisation (a legal entity or a sole proprietor), identified by its INN."""

    id: str
    name: str
    inn: str
    kpp: str | None = None
    created_at: datetime

    @classmethod
    def register(cls, *, name: str, inn: str, kpp: str | None, now: datetime) -> Organization:
        inn = validate_inn(inn)
        if kpp and len(inn) == 12:
            raise InvalidValue("КПП есть только у юридических лиц.")
        return cls(id=new_id(), name=required_text(name, NameInvalid), inn=inn,
                   kpp=validate_kpp(kpp) if kpp else None, created_at=now)


class Role(enum.Enum):
    """Roles known so far: OMK staff who run auctions, and client bidders."""

    ORGANISER = "organiser"
    BIDDER = "bidder"
    VIEWER = "viewer"


@attrs.define(kw_only=True, eq=False)
class User:
    id: str
    email: str
    full_name: str
    role: Role
    organization_id: str | None = None
    created_at: datetime

    @classmethod
    def create(cls, *, email: str, full_name: str, role: Role, organization_id: str | None,
               now: datetime) -> User:
        address = (email or "").strip().lower()
        local, _, domain = address.partition("@")
        if not local or "." not in domain or " " in address or len(address) > 254:
            raise EmailInvalid(value=email)
        if role is Role.ORGANISER and organization_id is not None:
            raise InvalidValue("Организатор — сотрудник ОМК и не состоит в клиентской организации.")
        if role is not Role.ORGANISER and organization_id is None:
            raise InvalidValue("Пользователь клиента должен принадлежать организации.")
        return cls(id=new_id(), email=address, full_name=required_text(full_name, NameInvalid), role=role,
                   organization_id=organization_id, created_at=now)


@attrs.frozen(kw_only=True)
class Actor:
    """Who is acting: a user, its role, and the organisation it acts for (None for OMK staff)."""

    user_id: str
    role: Role
    organization_id: str | None = None

    @classmethod
    def system(cls) -> Actor:
        """The scheduler and other automatic processes."""
        return cls(user_id="system", role=Role.ORGANISER)
