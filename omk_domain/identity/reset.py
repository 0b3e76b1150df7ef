"""Password reset by an emailed single-use link: the link carries a secret from `secrets`; the store keeps
its SHA-256, an expiry 30 minutes on, and the moment it was used."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from omk_domain.identity.signin import Unauthenticated, hash_token, new_token
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.errors import Conflict, TooManyRequests
from omk_domain.shared.ids import new_id

RESET_TTL = timedelta(minutes=30)


@attrs.frozen(kw_only=True)
class RequestQuota:
    """At most `limit` requests within any `window` (sliding) for one key."""

    limit: int
    window: timedelta

    def seconds_until_free(self, recent: Sequence[datetime], now: datetime) -> int:
        """0 when one more request fits; otherwise the seconds until the oldest in the window leaves it."""
        now = ensure_utc(now)
        inside = sorted(ensure_utc(at) for at in recent if ensure_utc(at) > now - self.window)
        if len(inside) < self.limit:
            return 0
        frees_at = inside[len(inside) - self.limit] + self.window
        return max(1, int((frees_at - now).total_seconds() + 0.999))


#: Rule «Ссылок для смены пароля — не больше трёх в час на адрес почты и десяти запросов за 15 минут
#: с одного адреса»: a mailbox is not flooded (more links are silently not sent — the answer stays
#: the same), and one address cannot probe or spam many mailboxes (it is told to wait).
RESETS_PER_EMAIL = RequestQuota(limit=3, window=timedelta(hours=1))
RESETS_PER_ADDRESS = RequestQuota(limit=10, window=timedelta(minutes=15))


class ResetLinksExhausted(Conflict):
    """Told to OMK staff only (a visitor gets the usual answer and no letter)."""

    code = "reset_links_exhausted"
    message_ru = "На этот адрес уже отправлены три ссылки для смены пароля за последний час."

    def __init__(self, *, seconds_left: int) -> None:
        super().__init__(f"Следующую можно отправить через {-(-seconds_left // 60)} мин.", seconds_left=seconds_left)
        self.seconds_left = seconds_left


class TooManyResetRequests(TooManyRequests):
    code = "too_many_reset_requests"
    message_ru = "Слишком много запросов смены пароля с этого адреса."


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
