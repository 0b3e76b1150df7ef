"""SQL second factors: the authenticator-app credential (`totp_credentials`) and the recovery codes
(`recovery_codes`, one row per code) of each user.

"Once" is kept by the database itself: a time step or a recovery code is marked used by a conditional
UPDATE, so of two sign-ins racing with the same code exactly one changes the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from omk_adapters.sql import tables as t
from omk_domain.identity.otp import RecoveryCode, RecoveryCodes, TotpCredential

if TYPE_CHECKING:
    from omk_adapters.sql.uow import SqlAlchemyUnitOfWork

__all__ = ["SqlAlchemyRecoveryCodeRepository", "SqlAlchemyTotpCredentialRepository"]


class _Repo:
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self.uow = uow

    def _rows(self, statement: Any) -> list[Mapping[str, Any]]:
        return list(self.uow.execute(statement).mappings())


def _credential_from(r: Mapping[str, Any]) -> TotpCredential:
    return TotpCredential(user_id=r["user_id"], secret=r["secret"], created_at=r["created_at"],
                          confirmed_at=r["confirmed_at"], last_used_step=r["last_used_step"])


class SqlAlchemyTotpCredentialRepository(_Repo):
    def get(self, user_id: str) -> TotpCredential | None:
        rows = self._rows(sa.select(t.totp_credentials).where(t.totp_credentials.c.user_id == user_id))
        return _credential_from(rows[0]) if rows else None

    def put(self, credential: TotpCredential) -> None:
        self.uow.flush()  # the user row first (foreign key)
        c = t.totp_credentials.c
        self.uow.execute(sa.delete(t.totp_credentials).where(c.user_id == credential.user_id))
        self.uow.execute(sa.insert(t.totp_credentials).values(
            user_id=credential.user_id, secret=credential.secret, created_at=credential.created_at,
            confirmed_at=credential.confirmed_at, last_used_step=credential.last_used_step))

    def confirm(self, credential: TotpCredential) -> None:
        c = t.totp_credentials.c
        done = self.uow.execute(
            sa.update(t.totp_credentials)
            .where(c.user_id == credential.user_id, c.secret == credential.secret, c.confirmed_at.is_(None))
            .values(confirmed_at=credential.confirmed_at, last_used_step=credential.last_used_step))
        if done.rowcount != 1:
            raise LookupError("no such pending authenticator credential")

    def use_step(self, user_id: str, step: int) -> bool:
        c = t.totp_credentials.c
        done = self.uow.execute(
            sa.update(t.totp_credentials)
            .where(c.user_id == user_id, c.confirmed_at.is_not(None),
                   sa.or_(c.last_used_step.is_(None), c.last_used_step < step))
            .values(last_used_step=step))
        return done.rowcount == 1

    def remove(self, user_id: str) -> bool:
        done = self.uow.execute(sa.delete(t.totp_credentials).where(t.totp_credentials.c.user_id == user_id))
        return done.rowcount > 0


class SqlAlchemyRecoveryCodeRepository(_Repo):
    def get(self, user_id: str) -> RecoveryCodes | None:
        c = t.recovery_codes.c
        rows = self._rows(sa.select(t.recovery_codes).where(c.user_id == user_id).order_by(c.position))
        if not rows:
            return None
        return RecoveryCodes(generated_at=rows[0]["generated_at"], salt=rows[0]["salt"],
                             codes=[RecoveryCode(code_hash=r["code_hash"], used_at=r["used_at"]) for r in rows])

    def replace(self, user_id: str, codes: RecoveryCodes) -> None:
        self.uow.flush()  # the user row first (foreign key)
        self.uow.execute(sa.delete(t.recovery_codes).where(t.recovery_codes.c.user_id == user_id))
        self.uow.execute(sa.insert(t.recovery_codes), [
            {"user_id": user_id, "position": position, "generated_at": codes.generated_at, "salt": codes.salt,
             "code_hash": code.code_hash, "used_at": code.used_at}
            for position, code in enumerate(codes.codes)])

    def use(self, user_id: str, codes: RecoveryCodes, position: int) -> bool:
        if not 0 <= position < len(codes.codes):
            return False
        c = t.recovery_codes.c
        done = self.uow.execute(
            sa.update(t.recovery_codes)
            .where(c.user_id == user_id, c.position == position, c.salt == codes.salt, c.used_at.is_(None))
            .values(used_at=codes.codes[position].used_at))
        return done.rowcount == 1

    def remove(self, user_id: str) -> bool:
        done = self.uow.execute(sa.delete(t.recovery_codes).where(t.recovery_codes.c.user_id == user_id))
        return done.rowcount > 0
