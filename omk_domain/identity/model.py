"""Organisations (with their lifecycle), users and the actor on whose behalf a use case runs."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from omk_domain.identity.validators import (
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_ogrnip,
    validate_sap_customer_no,
)
from omk_domain.shared.errors import Conflict, Forbidden, InvalidValue, NotFound
from omk_domain.shared.ids import new_id
from omk_domain.shared.text import required_text

if TYPE_CHECKING:
    from omk_domain.identity.policy import Permission


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


class OrganizationKind(enum.Enum):
    """Derived from the INN: 10 digits — a legal entity, 12 — a sole proprietor."""

    LEGAL_ENTITY = "legal_entity"
    SOLE_PROPRIETOR = "sole_proprietor"

    @property
    def label_ru(self) -> str:
        return {"legal_entity": "юридическое лицо", "sole_proprietor": "индивидуальный предприниматель"}[self.value]


class OrganizationStatus(enum.Enum):
    """applied → active ⇄ blocked. Only an active organisation trades."""

    APPLIED = "applied"
    ACTIVE = "active"
    BLOCKED = "blocked"

    @property
    def label_ru(self) -> str:
        return {"applied": "заявка", "active": "действует", "blocked": "заблокирована"}[self.value]


class KppNotForSoleProprietor(InvalidValue):
    code = "kpp_not_for_sole_proprietor"
    message_ru = "КПП есть только у юридических лиц, у индивидуального предпринимателя его нет."


class OgrnNotForSoleProprietor(InvalidValue):
    code = "ogrn_not_for_sole_proprietor"
    message_ru = "У индивидуального предпринимателя не ОГРН, а ОГРНИП (15 цифр)."


class OgrnipNotForLegalEntity(InvalidValue):
    code = "ogrnip_not_for_legal_entity"
    message_ru = "У юридического лица не ОГРНИП, а ОГРН (13 цифр)."


class BlockReasonRequired(InvalidValue):
    code = "block_reason_required"
    message_ru = "Укажите причину блокировки (до 1000 символов)."


class OrganizationStateForbids(Conflict):
    code = "organization_state_forbids"
    message_ru = "Действие недоступно в текущем статусе организации."


class OrganizationNotActive(Forbidden):
    code = "organization_not_active"
    message_ru = "Организация не может торговать: она заблокирована или её заявка ещё не одобрена."


REASON_MAX = 1000
#: what `Organization.edit` may change; the INN never changes (another INN is another organisation)
EDITABLE = ("name", "kpp", "ogrn", "ogrnip", "sap_customer_no", "manager_user_id")
#: of those, what may be cleared
CLEARABLE = ("kpp", "ogrn", "ogrnip", "sap_customer_no", "manager_user_id")


@attrs.define(kw_only=True, eq=False)
class Organization:
    """A client organisation (a legal entity or a sole proprietor), identified by its INN.

    Its kind follows from the INN; a legal entity may have a KPP and an OGRN, a sole proprietor
    an OGRNIP. OMK staff approve an application, block an active organisation (with a reason)
    and unblock it; only an active organisation trades.
    """

    id: str
    name: str
    inn: str
    kpp: str | None = None
    ogrn: str | None = None
    ogrnip: str | None = None
    sap_customer_no: str | None = None
    manager_user_id: str | None = None
    status: OrganizationStatus = OrganizationStatus.ACTIVE
    block_reason: str | None = None
    created_at: datetime
    status_changed_at: datetime | None = None
    approved_at: datetime | None = None
    blocked_at: datetime | None = None
    version: int = 0

    @classmethod
    def register(cls, *, name: str, inn: str, kpp: str | None = None, ogrn: str | None = None,
                 ogrnip: str | None = None, sap_customer_no: str | None = None,
                 manager_user_id: str | None = None, as_application: bool = False,
                 now: datetime) -> Organization:
        """A new organisation: active at once when OMK staff register it, applied when it applies."""
        inn = validate_inn(inn)
        org = cls(id=new_id(), name=required_text(name, NameInvalid), inn=inn,
                  status=OrganizationStatus.APPLIED if as_application else OrganizationStatus.ACTIVE,
                  created_at=now, status_changed_at=now, approved_at=None if as_application else now)
        org._set_details(kpp=kpp, ogrn=ogrn, ogrnip=ogrnip, sap_customer_no=sap_customer_no,
                         manager_user_id=manager_user_id)
        return org

    @property
    def kind(self) -> OrganizationKind:
        return OrganizationKind.LEGAL_ENTITY if len(self.inn) == 10 else OrganizationKind.SOLE_PROPRIETOR

    @property
    def can_trade(self) -> bool:
        return self.status is OrganizationStatus.ACTIVE

    # --- lifecycle ------------------------------------------------------------------------
    def approve(self, now: datetime) -> None:
        """An application becomes an active organisation."""
        self._require(OrganizationStatus.APPLIED, "одобрить можно только заявку")
        self.status, self.approved_at, self.status_changed_at = OrganizationStatus.ACTIVE, now, now

    def block(self, now: datetime, reason: str) -> None:
        """An active organisation stops trading until unblocked; the reason is kept."""
        text = (reason or "").strip()
        if not text or len(text) > REASON_MAX:
            raise BlockReasonRequired()
        self._require(OrganizationStatus.ACTIVE, "заблокировать можно только действующую организацию")
        self.status, self.blocked_at, self.block_reason = OrganizationStatus.BLOCKED, now, text
        self.status_changed_at = now

    def unblock(self, now: datetime) -> None:
        """A blocked organisation is active again; the block's reason stays in the audit log."""
        self._require(OrganizationStatus.BLOCKED, "разблокировать можно только заблокированную организацию")
        self.status, self.blocked_at, self.block_reason = OrganizationStatus.ACTIVE, None, None
        self.status_changed_at = now

    def require_can_trade(self) -> None:
        """Raise OrganizationNotActive unless the organisation is active."""
        if not self.can_trade:
            raise OrganizationNotActive(status=self.status.value)

    def _require(self, status: OrganizationStatus, what: str) -> None:
        if self.status is not status:
            raise OrganizationStateForbids(f"Статус «{self.status.label_ru}»: {what}.", status=self.status.value)

    # --- details --------------------------------------------------------------------------
    def edit(self, changes: Mapping[str, str | None]) -> dict[str, tuple[str | None, str | None]]:
        """Change the given details (None clears one); return what really changed, old and new.

        All or nothing: the details are checked together before any of them is kept.
        """
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidValue(f"Нельзя изменить: {', '.join(unknown)}.")
        not_clearable = sorted(k for k, v in changes.items() if v is None and k not in CLEARABLE)
        if not_clearable:
            raise InvalidValue(f"Нельзя очистить: {', '.join(not_clearable)}.")
        before = {k: getattr(self, k) for k in EDITABLE}
        wanted = before | dict(changes)
        trial = attrs.evolve(self)
        trial.name = required_text(wanted["name"], NameInvalid)
        trial._set_details(**{k: wanted[k] for k in CLEARABLE})
        after = {k: getattr(trial, k) for k in EDITABLE}
        for key, value in after.items():
            setattr(self, key, value)
        return {k: (before[k], after[k]) for k in EDITABLE if before[k] != after[k]}

    def _set_details(self, *, kpp: str | None, ogrn: str | None, ogrnip: str | None,
                     sap_customer_no: str | None, manager_user_id: str | None) -> None:
        legal = self.kind is OrganizationKind.LEGAL_ENTITY
        if kpp and not legal:
            raise KppNotForSoleProprietor(inn=self.inn)
        if ogrn and not legal:
            raise OgrnNotForSoleProprietor(inn=self.inn)
        if ogrnip and legal:
            raise OgrnipNotForLegalEntity(inn=self.inn)
        self.kpp = validate_kpp(kpp) if kpp else None
        self.ogrn = validate_ogrn(ogrn) if ogrn else None
        self.ogrnip = validate_ogrnip(ogrnip) if ogrnip else None
        self.sap_customer_no = validate_sap_customer_no(sap_customer_no) if sap_customer_no else None
        self.manager_user_id = (manager_user_id or "").strip() or None


class Role(enum.Enum):
    """Client roles (held in an organisation through a Membership) and OMK staff roles (no organisation).

    `ORGANISER` is the auction organiser under its first name; "organiser" read from older data
    means the same role.
    """

    # client roles, per organisation
    ADMINISTRATOR = "administrator"
    FINANCE = "finance"
    BUYER = "buyer"
    BIDDER = "bidder"
    LOGISTICS = "logistics"
    VIEWER = "viewer"
    # OMK staff roles
    SYSTEM_ADMIN = "system_admin"
    AUCTION_ORGANISER = "auction_organiser"
    ACCOUNT_MANAGER = "account_manager"
    SUPPORT = "support"
    ORGANISER = "auction_organiser"  # noqa: PIE796 - the alias of AUCTION_ORGANISER, on purpose

    @classmethod
    def _missing_(cls, value: object) -> Role | None:
        return cls.AUCTION_ORGANISER if value == "organiser" else None

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES

    @property
    def label_ru(self) -> str:
        return ROLE_LABELS_RU[self]


STAFF_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.AUCTION_ORGANISER, Role.ACCOUNT_MANAGER, Role.SUPPORT})
CLIENT_ROLES = frozenset(Role) - STAFF_ROLES
ROLE_LABELS_RU = {
    Role.ADMINISTRATOR: "администратор", Role.FINANCE: "финансист", Role.BUYER: "закупщик",
    Role.BIDDER: "участник торгов", Role.LOGISTICS: "логист", Role.VIEWER: "наблюдатель",
    Role.SYSTEM_ADMIN: "системный администратор", Role.AUCTION_ORGANISER: "организатор торгов",
    Role.ACCOUNT_MANAGER: "менеджер по работе с клиентами", Role.SUPPORT: "поддержка",
}


class RoleNotForClients(InvalidValue):
    code = "role_not_for_clients"
    message_ru = "Роль сотрудника ОМК нельзя выдать в клиентской организации."


class RolesRequired(InvalidValue):
    code = "roles_required"
    message_ru = "Укажите хотя бы одну роль."


def _roles(value: object) -> frozenset[Role]:
    if isinstance(value, Role):
        return frozenset({value})
    return frozenset(Role(v) for v in value)  # type: ignore[attr-defined]


def _default_staff_roles(user: User) -> frozenset[Role]:
    return frozenset({user.role}) if user.role.is_staff else frozenset()


@attrs.define(kw_only=True, eq=False)
class User:
    """A person. `role` is the role it was created with; OMK staff hold `staff_roles`, client
    users hold client roles per organisation through memberships."""

    id: str
    email: str
    full_name: str
    role: Role
    organization_id: str | None = None
    created_at: datetime
    staff_roles: frozenset[Role] = attrs.field(
        converter=_roles, default=attrs.Factory(_default_staff_roles, takes_self=True))
    #: the Argon2id hash of the password (None: no password yet, so no sign-in)
    password_hash: str | None = attrs.field(default=None, repr=False, metadata={"secret": True})
    #: a mobile number in E.164: sign-in codes go there by SMS, else by email
    phone: str | None = None
    #: a blocked user cannot sign in
    blocked: bool = False

    @property
    def is_staff(self) -> bool:
        """By the role it was created with: a self-registered person has no organisation yet, yet is a client."""
        return self.role.is_staff

    @classmethod
    def create(cls, *, email: str, full_name: str, role: Role, organization_id: str | None,
               now: datetime) -> User:
        address = normalize_email(email)
        if role.is_staff and organization_id is not None:
            raise InvalidValue("Сотрудник ОМК не состоит в клиентской организации.")
        if not role.is_staff and organization_id is None:
            raise InvalidValue("Пользователь клиента должен принадлежать организации.")
        return cls(id=new_id(), email=address, full_name=required_text(full_name, NameInvalid), role=role,
                   organization_id=organization_id, created_at=now)

    @classmethod
    def self_registered(cls, *, email: str, full_name: str, now: datetime) -> User:
        """A person who registered on their own: a client (viewer) of no organisation yet, until an
        approved application or an accepted invitation gives it a membership."""
        return cls(id=new_id(), email=normalize_email(email), full_name=required_text(full_name, NameInvalid),
                   role=Role.VIEWER, organization_id=None, created_at=now)


def normalize_email(email: str) -> str:
    """The address in lower case; EmailInvalid when it is not one."""
    address = (email or "").strip().lower()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address or len(address) > 254:
        raise EmailInvalid(value=email)
    return address


@attrs.define(kw_only=True, eq=False)
class Membership:
    """A user's place in a client organisation: the client roles it holds there.

    A user may be a member of several organisations, with other roles in each.
    """

    id: str
    user_id: str
    organization_id: str
    roles: frozenset[Role] = attrs.field(converter=_roles)
    created_at: datetime
    version: int = 0

    @classmethod
    def start(cls, *, user_id: str, organization_id: str, now: datetime) -> Membership:
        """A membership with no roles yet (the first grant gives them)."""
        return cls(id=new_id(), user_id=user_id, organization_id=organization_id, roles=frozenset(),
                   created_at=now)

    def grant(self, roles: frozenset[Role]) -> frozenset[Role]:
        """Add client roles; return those the member did not hold yet."""
        _require_client_roles(roles)
        added = roles - self.roles
        self.roles = self.roles | added
        return added

    def revoke(self, roles: frozenset[Role]) -> frozenset[Role]:
        """Remove roles; return those the member really held."""
        _require_client_roles(roles)
        removed = roles & self.roles
        self.roles = self.roles - removed
        return removed


def _require_client_roles(roles: frozenset[Role]) -> None:
    if not roles:
        raise RolesRequired()
    staff = sorted(r.value for r in roles if r.is_staff)
    if staff:
        raise RoleNotForClients(roles=staff)


@attrs.frozen(kw_only=True, init=False)
class Actor:
    """Who is acting: a user, the organisation it acts for now (None for OMK staff) and the roles it
    holds there (the client roles of that membership, or its staff roles).

    Accepts one `role=` or several `roles=`. A person signed in without any organisation yet is made
    by `without_organization()`: no organisation, no roles (the policy lets it act only on itself).
    """

    user_id: str
    roles: frozenset[Role]
    organization_id: str | None = None
    #: at most these permissions (an API token's), whatever the roles give; None: what the roles give
    limit: frozenset[Permission] | None = None

    def __init__(self, *, user_id: str, role: Role | None = None, roles: Iterable[Role] = (),
                 organization_id: str | None = None, limit: Iterable[Permission] | None = None) -> None:
        held = frozenset(roles) | ({role} if role is not None else frozenset())
        if not held:
            raise RolesRequired()
        self.__attrs_init__(user_id=user_id, roles=held, organization_id=organization_id,
                            limit=None if limit is None else frozenset(limit))

    @classmethod
    def without_organization(cls, user_id: str) -> Actor:
        """A registered person with no membership (yet, or any more): no organisation and no roles."""
        actor = cls.__new__(cls)
        actor.__attrs_init__(user_id=user_id, roles=frozenset(), organization_id=None, limit=None)
        return actor

    @property
    def role(self) -> Role:
        """The first of the roles held (in the order roles are declared): for displays and old callers."""
        if not self.roles:
            raise RolesRequired()
        return next(r for r in Role if r in self.roles)

    @property
    def is_staff(self) -> bool:
        return self.organization_id is None and bool(self.roles)

    @property
    def has_organization(self) -> bool:
        """False for a person signed in without a membership: it may only act on its own account."""
        return self.organization_id is not None or bool(self.roles)

    @classmethod
    def system(cls) -> Actor:
        """The scheduler and other automatic processes."""
        return cls(user_id="system", role=Role.AUCTION_ORGANISER)
