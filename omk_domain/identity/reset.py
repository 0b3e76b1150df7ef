"""Password reset by an emailed single-use link: the link carries a secret from `secrets`; the store keeps
its SHA-256, an expiry 30 minutes on, and the moment it was used."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from omk_domain.identity.signin import Unauthenticated, hash_token, new_token
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.ids import new_id

RESET_TTL = timedelta(minutes=30)


class ResetLinkInvalid(Unauthenticated):
    """Unknown, used or expired: one answer, so a probe learns nothing about a link."""

    code = "reset_link_invalid"
    message_ru = "Ссылка для смены пароля недействительна: она устарела или уже использована. Запросите новую."


@attrs.define(kw_only=True)
class PasswordReset:
    """One emailed link to set a new password; works once, for `RESET_TTL`."""

    id: str
    user_id: str
    token_hash: str = attrs.field(repr=False, metadata={"secret": True})
    created_at: datetime = attrs.field(converter=ensure_utc)
    expires_at: datetime = attrs.field(converter=ensure_utc)
    used_at: datetime | None = None

    @classmethod
    def issue(cls, *, user_id: str, now: datetime, ttl: timedelta = RESET_TTL) -> tuple[PasswordReset, str]:
        """A new reset and its secret in clear (to put in the emailed link only)."""
        secret = new_token()
        return cls(id=new_id(), user_id=user_id, token_hash=hash_token(secret), created_at=now,
                   expires_at=ensure_utc(now) + ttl), secret

    def use(self, now: datetime) -> None:
        """Spend the link; ResetLinkInvalid when it was used already or has expired."""
        now = ensure_utc(now)
        if self.used_at is not None or now >= self.expires_at:
            raise ResetLinkInvalid()
        self.used_at = now
