"""The one authorisation policy: roles map to named permissions; every use case asks here."""

from __future__ import annotations

import enum

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
    AUDIT_VIEW = "audit.view"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ORGANISER: frozenset(Permission) - {Permission.AUCTION_BID},
    Role.BIDDER: frozenset({Permission.AUCTION_VIEW, Permission.AUCTION_BID}),
    Role.VIEWER: frozenset({Permission.AUCTION_VIEW}),
}


def allows(actor: Actor, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[actor.role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise Forbidden unless the actor's role grants the permission."""
    if not allows(actor, permission):
        raise Forbidden(permission=permission.value)


def acting_organization(actor: Actor, on_behalf_of: str | None = None) -> str:
    """The organisation a bid or offer is for: the member's own, or the one staff act for."""
    if actor.organization_id is not None:
        require(actor, Permission.AUCTION_BID)
        if on_behalf_of not in (None, actor.organization_id):
            raise Forbidden("Нельзя действовать от имени другой организации.")
        return actor.organization_id
    require(actor, Permission.AUCTION_BID_ON_BEHALF)
    if on_behalf_of is None:
        raise Forbidden("Укажите организацию, от имени которой подаётся заявка.")
    return on_behalf_of
