"""API tokens for client systems: issue (shown once), list, revoke, and resolve a token to the actor it
stands for. Issuing and revoking are audited in the same unit of work; a token's secret never appears in an
error, an audit entry, a listing or a log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from omk_domain.app.bus import handles
from omk_domain.app.identity import _organization_for
from omk_domain.identity import audit
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import CLIENT_ROLES, Actor, OrganizationStatus
from omk_domain.identity.policy import Permission, decide, grantable, only_assigned, require
from omk_domain.identity.signin import hash_token
from omk_domain.identity.tokens import ApiToken, TokenInvalid, TokenNotFound, permission_set
from omk_domain.ports import OrganizationFilter, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Forbidden
from omk_domain.shared.messages import Command


@attrs.frozen(kw_only=True)
class IssueToken(Command):
    """A token for a client system of the organisation, with at most the permissions the issuer may give."""

    organization_id: str
    name: str
    permissions: frozenset[Permission] = attrs.field(converter=permission_set)
    expires_at: datetime
    source: str | None = None


@attrs.frozen(kw_only=True)
class ListTokens(Command):
    """Tokens of one organisation, or of every organisation the actor may manage tokens of."""

    organization_id: str | None = None


@attrs.frozen(kw_only=True)
class RevokeToken(Command):
    token_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class ResolveToken(Command):
    """The actor a token stands for: its organisation, limited to its permissions."""

    token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class IssuedToken:
    """The secret is shown here once; the store keeps only its SHA-256."""

    token: str = attrs.field(repr=False)
    api_token: ApiToken


@handles(IssueToken)
def issue_token(cmd: IssueToken, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> IssuedToken:
    """An organisation's administrator for its organisation, or OMK staff with tokens.manage there."""
    now = clock.now()
    with uow:
        org = _organization_for(uow, actor, Permission.TOKENS_MANAGE, cmd.organization_id)
        token, secret = ApiToken.issue(organization_id=org.id, name=cmd.name, permissions=cmd.permissions,
                                       grantable=grantable(actor), issued_by=actor.user_id,
                                       issuer_organization_id=actor.organization_id, expires_at=cmd.expires_at,
                                       now=now)
        uow.api_tokens.add(token)
        _audit(uow, actor, audit.TOKEN_ISSUED, token, now=now, source=cmd.source)
        uow.commit()
    return IssuedToken(token=secret, api_token=token)


@handles(ListTokens)
def list_tokens(cmd: ListTokens, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> Sequence[ApiToken]:
    """Newest first. A client sees its organisation's; an account manager those of its organisations."""
    with uow:
        if cmd.organization_id is not None:
            org = _organization_for(uow, actor, Permission.TOKENS_MANAGE, cmd.organization_id)
            return uow.api_tokens.of_organization(org.id)
        require(actor, Permission.TOKENS_MANAGE)
        if actor.organization_id is not None:
            return uow.api_tokens.of_organization(actor.organization_id)
        if only_assigned(actor, Permission.TOKENS_MANAGE):
            mine = uow.organizations.list(OrganizationFilter(manager_user_id=actor.user_id))
            found = [t for org in mine for t in uow.api_tokens.of_organization(org.id)]
            return sorted(found, key=lambda t: (t.created_at, t.id), reverse=True)
        return uow.api_tokens.list()


@handles(RevokeToken)
def revoke_token(cmd: RevokeToken, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> ApiToken:
    """Revoke at once; a token revoked already stays as it was (nothing audited twice).

    A token of an organisation outside the actor's reach gets the answer a missing one gets."""
    now = clock.now()
    with uow:
        require(actor, Permission.TOKENS_MANAGE)
        token = uow.api_tokens.get(cmd.token_id)
        if token is None:
            raise TokenNotFound(token_id=cmd.token_id)
        org = uow.organizations.get(token.organization_id)
        decision = decide(actor, Permission.TOKENS_MANAGE, org.id, manager_user_id=org.manager_user_id)
        if decision.hides_existence:
            raise TokenNotFound(token_id=cmd.token_id)
        if not decision:
            raise Forbidden(permission=Permission.TOKENS_MANAGE.value)
        if token.revoke(now):
            uow.api_tokens.save(token)
            _audit(uow, actor, audit.TOKEN_REVOKED, token, now=now, source=cmd.source)
            uow.commit()
    return token


@handles(ResolveToken, public=True)
def resolve_token(cmd: ResolveToken, *, actor: Actor | None, uow: UnitOfWork, clock: Clock) -> Actor:
    """The token's actor: its organisation, the issuer's roles there now (any client role when OMK staff
    issued it), limited to the token's permissions. Unknown, revoked, expired, an organisation that is
    not active (blocked), or an issuer who lost the organisation or was blocked: one answer, TokenInvalid."""
    now = clock.now()
    with uow.reading():
        holder = uow.api_tokens.holder(hash_token(cmd.token or ""))  # one query for all of the below
    if holder is None or not holder.token.is_active(now):
        raise TokenInvalid()
    token = holder.token
    if holder.organization_status is not OrganizationStatus.ACTIVE:
        raise TokenInvalid()  # a blocked organisation's systems are cut off with it (until unblocked)
    if holder.issuer_blocked:
        raise TokenInvalid()
    if token.issuer_organization_id is None:
        roles = frozenset(CLIENT_ROLES)  # cut down to the token's permissions, checked when issued
    else:
        if holder.issuer_blocked is None or not holder.issuer_roles:  # the issuer or its membership is gone
            raise TokenInvalid()
        roles = holder.issuer_roles
    return Actor(user_id=f"token:{token.id}", roles=roles, organization_id=token.organization_id,
                 limit=token.permissions)


def _audit(uow: UnitOfWork, actor: Actor, action: str, token: ApiToken, *, now: datetime,
           source: str | None) -> None:
    uow.audit.record(AuditEntry.of(actor, action, target_type="api_token", target_id=token.id,
                                   organization_id=token.organization_id, now=now, source=source,
                                   detail={"name": token.name, "prefix": token.prefix,
                                           "permissions": sorted(p.value for p in token.permissions),
                                           "expires_at": token.expires_at.isoformat()}))
