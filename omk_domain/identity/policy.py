"""The one authorisation policy: roles map to named permissions; every use case asks here.

Client roles act only within the organisation the actor currently acts for; staff roles act for
every organisation, except the account manager, who acts only for the organisations assigned to
it (their responsible manager). The policy reads nothing: what it needs comes as arguments.
"""

from __future__ import annotations

import enum

import attrs

from omk_domain.identity.model import Actor, Role
from omk_domain.shared.errors import Forbidden


class Permission(enum.Enum):
    AUCTION_VIEW = "auction.view"
    AUCTION_BID = "auction.bid"
    AUCTION_MANAGE = "auction.manage"
    AUCTION_BID_ON_BEHALF = "auction.bid_on_behalf"
    BID_ANNUL = "auction.annul"
    RESULTS_APPROVE = "auction.results_approve"
    ORGANIZATIONS_VIEW = "organizations.view"
    ORGANIZATIONS_MANAGE = "organizations.manage"
    USERS_MANAGE = "users.manage"
    ROLES_MANAGE = "roles.manage"
    AUDIT_VIEW = "audit.view"
    FINANCE_VIEW = "finance.view"
    ORDERS_VIEW = "orders.view"
    ORDERS_PLACE = "orders.place"
    DOCUMENTS_VIEW = "documents.view"
    DOCUMENTS_DOWNLOAD = "documents.download"
    REQUESTS_SEND = "requests.send"
    #: OMK support: see, take, answer and close the service requests of clients
    REQUESTS_HANDLE = "requests.handle"
    TOKENS_MANAGE = "tokens.manage"
    #: what every signed-in person does for itself, with or without an organisation
    ORGANIZATIONS_APPLY = "organizations.apply"
    INVITATIONS_ACCEPT = "invitations.accept"
    ACCOUNT_SELF = "account.self"


P = Permission
_VIEW_ALL = frozenset({P.AUCTION_VIEW, P.ORGANIZATIONS_VIEW, P.AUDIT_VIEW, P.FINANCE_VIEW, P.ORDERS_VIEW,
                       P.DOCUMENTS_VIEW})
#: what only a client does for itself: staff act on its behalf through other permissions
CLIENT_ONLY = frozenset({P.AUCTION_BID, P.ORDERS_PLACE, P.REQUESTS_SEND})
#: what a person does for itself (no role gives it, no API token carries it): apply for an organisation,
#: accept an invitation addressed to it, manage its own account (password, second factors, sign-out).
#: It is all a person signed in without an organisation may do.
SELF_SERVICE = frozenset({P.ORGANIZATIONS_APPLY, P.INVITATIONS_ACCEPT, P.ACCOUNT_SELF})

#: THE mapping of roles to permissions.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # client roles: within the organisation of the membership
    Role.ADMINISTRATOR: frozenset({
        P.AUCTION_VIEW, P.AUCTION_BID, P.ORGANIZATIONS_VIEW, P.USERS_MANAGE, P.ROLES_MANAGE, P.FINANCE_VIEW,
        P.ORDERS_VIEW, P.ORDERS_PLACE, P.DOCUMENTS_VIEW, P.DOCUMENTS_DOWNLOAD, P.REQUESTS_SEND, P.TOKENS_MANAGE}),
    Role.FINANCE: frozenset({P.AUCTION_VIEW, P.ORGANIZATIONS_VIEW, P.FINANCE_VIEW, P.DOCUMENTS_VIEW,
                             P.DOCUMENTS_DOWNLOAD}),
    Role.BUYER: frozenset({P.AUCTION_VIEW, P.AUCTION_BID, P.ORDERS_VIEW, P.ORDERS_PLACE, P.DOCUMENTS_VIEW,
                           P.REQUESTS_SEND}),
    Role.BIDDER: frozenset({P.AUCTION_VIEW, P.AUCTION_BID}),
    Role.LOGISTICS: frozenset({P.ORDERS_VIEW, P.DOCUMENTS_VIEW, P.DOCUMENTS_DOWNLOAD}),
    Role.VIEWER: frozenset({P.AUCTION_VIEW}),
    # OMK staff roles
    Role.SYSTEM_ADMIN: frozenset(Permission) - CLIENT_ONLY - SELF_SERVICE,
    Role.AUCTION_ORGANISER: frozenset({
        P.AUCTION_VIEW, P.AUCTION_MANAGE, P.AUCTION_BID_ON_BEHALF, P.BID_ANNUL, P.RESULTS_APPROVE,
        P.ORGANIZATIONS_VIEW, P.ORGANIZATIONS_MANAGE, P.USERS_MANAGE, P.ROLES_MANAGE, P.AUDIT_VIEW,
        P.TOKENS_MANAGE}),
    Role.ACCOUNT_MANAGER: _VIEW_ALL | {P.ORGANIZATIONS_MANAGE, P.USERS_MANAGE, P.ROLES_MANAGE,
                                      P.DOCUMENTS_DOWNLOAD, P.TOKENS_MANAGE, P.REQUESTS_HANDLE},
    Role.SUPPORT: _VIEW_ALL | {P.REQUESTS_HANDLE},
}


class Reason(enum.Enum):
    GRANTED = "granted"
    NO_PERMISSION = "no_permission"
    #: a client role asked about another organisation than the one the actor acts for
    OTHER_ORGANIZATION = "other_organization"
    #: an account manager asked about an organisation not assigned to it
    NOT_ASSIGNED = "not_assigned"
    #: a person signed in without an organisation asked for more than its own account
    NO_ORGANIZATION = "no_organization"


@attrs.frozen(kw_only=True)
class Decision:
    """The policy's answer; `hides_existence` when the thing must look missing to the actor."""

    allowed: bool
    permission: Permission
    reason: Reason

    @property
    def hides_existence(self) -> bool:
        return self.reason in (Reason.OTHER_ORGANIZATION, Reason.NOT_ASSIGNED)

    def __bool__(self) -> bool:
        return self.allowed


#: every permission some client role gives: what staff may put in an organisation's API token
CLIENT_PERMISSIONS: frozenset[Permission] = frozenset().union(
    *(perms for role, perms in ROLE_PERMISSIONS.items() if not role.is_staff))


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    return frozenset().union(*(ROLE_PERMISSIONS[r] for r in roles))


def _limited(actor: Actor, held: frozenset[Permission]) -> frozenset[Permission]:
    """What the roles give, cut down to the actor's limit (an API token's permissions) when it has one."""
    return held if actor.limit is None else held & actor.limit


def grantable(actor: Actor) -> frozenset[Permission]:
    """The permissions `actor` may put in an API token: a client its own (within its limit), staff any
    permission a client role gives."""
    if actor.organization_id is not None:
        return _limited(actor, permissions_of(actor.roles - frozenset(r for r in actor.roles if r.is_staff)))
    if not actor.has_organization:
        return frozenset()
    return _limited(actor, CLIENT_PERMISSIONS)


def decide(actor: Actor, permission: Permission, organization_id: str | None = None, *,
           manager_user_id: str | None = None) -> Decision:
    """May `actor` do `permission` (on the data of `organization_id`, when it concerns one)?

    `manager_user_id` is that organisation's responsible manager, for an account manager's reach.
    """
    def answer(reason: Reason) -> Decision:
        return Decision(allowed=reason is Reason.GRANTED, permission=permission, reason=reason)

    if permission in SELF_SERVICE:  # a person on itself (asked without an organisation); a token is no person
        if actor.limit is not None:
            return answer(Reason.NO_PERMISSION)
        if organization_id is not None and organization_id != actor.organization_id:
            return answer(Reason.OTHER_ORGANIZATION if actor.has_organization else Reason.NO_ORGANIZATION)
        return answer(Reason.GRANTED)
    if not actor.has_organization:
        return answer(Reason.NO_ORGANIZATION)
    if actor.organization_id is not None:  # a client, acting for its current organisation
        held = _limited(actor, permissions_of(actor.roles - frozenset(r for r in actor.roles if r.is_staff)))
        if permission not in held:
            return answer(Reason.NO_PERMISSION)
        if organization_id is not None and organization_id != actor.organization_id:
            return answer(Reason.OTHER_ORGANIZATION)
        return answer(Reason.GRANTED)
    if actor.limit is not None and permission not in actor.limit:
        return answer(Reason.NO_PERMISSION)
    staff = frozenset(r for r in actor.roles if r.is_staff)
    unlimited = permissions_of(staff - {Role.ACCOUNT_MANAGER})
    if permission in unlimited:
        return answer(Reason.GRANTED)
    if Role.ACCOUNT_MANAGER in staff and permission in ROLE_PERMISSIONS[Role.ACCOUNT_MANAGER]:
        if organization_id is None or manager_user_id == actor.user_id:
            return answer(Reason.GRANTED)
        return answer(Reason.NOT_ASSIGNED)
    return answer(Reason.NO_PERMISSION)


def allows(actor: Actor, permission: Permission, organization_id: str | None = None, *,
           manager_user_id: str | None = None) -> bool:
    return decide(actor, permission, organization_id, manager_user_id=manager_user_id).allowed


def require(actor: Actor, permission: Permission, organization_id: str | None = None, *,
            manager_user_id: str | None = None) -> None:
    """Raise Forbidden unless the policy allows the actor the permission (there)."""
    if not decide(actor, permission, organization_id, manager_user_id=manager_user_id):
        raise Forbidden(permission=permission.value)


def only_assigned(actor: Actor, permission: Permission) -> bool:
    """True when the actor holds `permission` only as an account manager: it sees only the
    organisations assigned to it, so a listing must be narrowed to them."""
    if actor.organization_id is not None:
        return False
    staff = frozenset(r for r in actor.roles if r.is_staff)
    return permission not in permissions_of(staff - {Role.ACCOUNT_MANAGER}) and Role.ACCOUNT_MANAGER in staff


def acting_organization(actor: Actor, on_behalf_of: str | None = None) -> str:
    """The organisation a bid or offer is for: the member's own, or the one staff act for."""
    if actor.organization_id is not None:
        require(actor, Permission.AUCTION_BID, actor.organization_id)
        if on_behalf_of not in (None, actor.organization_id):
            raise Forbidden("Нельзя действовать от имени другой организации.")
        return actor.organization_id
    require(actor, Permission.AUCTION_BID_ON_BEHALF)
    if on_behalf_of is None:
        raise Forbidden("Укажите организацию, от имени которой подаётся заявка.")
    return on_behalf_of
