"""Invitations into an organisation: an emailed single-use link whose secret comes from `secrets`; the store
keeps its SHA-256, the invited email and roles, an expiry seven days on, and who accepted it when."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omk_domain.identity.model import Role, _roles
from omk_domain.identity.signin import Unauthenticated, hash_token, new_token
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.ids import new_id

INVITATION_TTL = timedelta(days=7)


class InvitationInvalid(Unauthenticated):
    """Unknown, used, expired, or for another email: one answer, so a probe learns nothing."""

    code = "invitation_invalid"
    message_ru = ("Приглашение недействительно: оно устарело, уже принято или адресовано другому человеку. "
                  "Попросите администратора организации пригласить вас ещё раз.")


@attrs.define(kw_only=True)
class Invitation:
    """One emailed invitation to join an organisation with the given client roles; works once."""

    id: str
    organization_id: str
    email: str
    roles: frozenset[Role] = attrs.field(converter=_roles)
    token_hash: str = attrs.field(repr=False, metadata={"secret": True})
    invited_by: str
    created_at: datetime = attrs.field(converter=ensure_utc)
    expires_at: datetime = attrs.field(converter=ensure_utc)
    accepted_at: datetime | None = None
    accepted_user_id: str | None = None

    @classmethod
    def issue(cls, *, organization_id: str, email: str, roles: frozenset[Role], invited_by: str, now: datetime,
              ttl: timedelta = INVITATION_TTL) -> tuple[Invitation, str]:
        """A new invitation and its secret in clear (to put in the emailed link only)."""
        secret = new_token()
        return cls(id=new_id(), organization_id=organization_id, email=email, roles=roles,
                   token_hash=hash_token(secret), invited_by=invited_by, created_at=now,
                   expires_at=ensure_utc(now) + ttl), secret

    def usable(self, now: datetime) -> bool:
        return self.accepted_at is None and ensure_utc(now) < self.expires_at

    def accept(self, user_id: str, now: datetime) -> None:
        """Spend the invitation; InvitationInvalid when it was used already or has expired."""
        if not self.usable(now):
            raise InvitationInvalid()
        self.accepted_at, self.accepted_user_id = ensure_utc(now), user_id
