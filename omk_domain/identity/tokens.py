"""API tokens for client systems: scoped to one organisation and a set of permissions, expiring, revocable.

A token exists in clear only in the answer to whoever issued it; the store keeps its SHA-256 and a short
public prefix (to tell tokens apart in a listing). A token acts for its organisation with at most its
permissions, and never with more than its issuer's roles there.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from omk_domain.identity.policy import Permission
from omk_domain.identity.signin import Unauthenticated, hash_token
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.errors import Forbidden, InvalidValue, NotFound
from omk_domain.shared.ids import new_id
from omk_domain.shared.text import required_text

TOKEN_SCHEME = "omk_"
#: characters of the token kept in clear to identify it: the scheme and 8 more
PREFIX_LEN = len(TOKEN_SCHEME) + 8
NAME_MAX = 100


class TokenInvalid(Unauthenticated):
    """Unknown, revoked or expired: one answer, so a probe learns nothing about a token."""

    code = "token_invalid"
    message_ru = "Ключ API недействителен: неизвестен, отозван или истёк."


class TokenNotFound(NotFound):
    code = "token_not_found"
    message_ru = "Ключ API не найден."


class TokenNameInvalid(InvalidValue):
    code = "token_name_invalid"
    message_ru = "Название ключа обязательно и не длиннее 100 символов."


class TokenPermissionsRequired(InvalidValue):
    code = "token_permissions_required"
    message_ru = "Укажите хотя бы одно разрешение ключа."


class TokenExpiryInvalid(InvalidValue):
    code = "token_expiry_invalid"
    message_ru = "Срок действия ключа должен быть в будущем и не дальше года."


#: the longest a token may live: a forgotten integration stops by itself within a year
MAX_TOKEN_LIFETIME = timedelta(days=365)


class PermissionsNotGrantable(Forbidden):
    code = "token_permissions_not_grantable"
    message_ru = "Ключу нельзя дать разрешения, которых нет у выдающего."


def new_api_token() -> str:
    """A fresh token: the scheme and 256 bits from `secrets`."""
    return TOKEN_SCHEME + secrets.token_urlsafe(32)


def permission_set(value: Iterable[Permission]) -> frozenset[Permission]:
    return frozenset(value)


@attrs.define(kw_only=True)
class ApiToken:
    """A client system's credential for one organisation; only the hash of its secret is kept."""

    id: str
    organization_id: str
    name: str
    permissions: frozenset[Permission] = attrs.field(converter=permission_set)
    prefix: str
    token_hash: str = attrs.field(repr=False, metadata={"secret": True})
    #: the user who issued it, and the organisation it acted for then (None: OMK staff)
    issued_by: str
    issuer_organization_id: str | None
    created_at: datetime = attrs.field(converter=ensure_utc)
    expires_at: datetime = attrs.field(converter=ensure_utc)
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, *, organization_id: str, name: str, permissions: Iterable[Permission],
              grantable: frozenset[Permission], issued_by: str, issuer_organization_id: str | None,
              expires_at: datetime, now: datetime) -> tuple[ApiToken, str]:
        """A new token and its secret in clear (to show once). The permissions must be among `grantable`."""
        wanted = frozenset(permissions)
        if not wanted:
            raise TokenPermissionsRequired()
        beyond = sorted(p.value for p in wanted - grantable)
        if beyond:
            raise PermissionsNotGrantable(permissions=beyond)
        if not ensure_utc(now) < ensure_utc(expires_at) <= ensure_utc(now) + MAX_TOKEN_LIFETIME:
            raise TokenExpiryInvalid()
        secret = new_api_token()
        token = cls(id=new_id(), organization_id=organization_id,
                    name=required_text(name, TokenNameInvalid, max_len=NAME_MAX), permissions=wanted,
                    prefix=secret[:PREFIX_LEN], token_hash=hash_token(secret), issued_by=issued_by,
                    issuer_organization_id=issuer_organization_id, created_at=now, expires_at=expires_at)
        return token, secret

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and ensure_utc(now) < self.expires_at

    def revoke(self, now: datetime) -> bool:
        """Revoke; False when it had been revoked already."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = ensure_utc(now)
        return True
