"""In-memory second factors: the authenticator-app credential and the recovery codes of each user.

Kept in the `MemoryStore` (`totp_credentials`, `recovery_codes`); a memory unit of work holds the one
lock for its whole transaction, so "use this step / this code once" needs no more than a look first.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from omk_domain.identity.otp import RecoveryCodes, TotpCredential

if TYPE_CHECKING:
    from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork

__all__ = ["MemoryRecoveryCodeRepository", "MemoryTotpCredentialRepository"]


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> MemoryStore:
        return self.uow.working


class MemoryTotpCredentialRepository(_Repo):
    def get(self, user_id: str) -> TotpCredential | None:
        found = self.s.totp_credentials.get(user_id)
        return copy.deepcopy(found) if found is not None else None

    def put(self, credential: TotpCredential) -> None:
        self.s.totp_credentials[credential.user_id] = copy.deepcopy(credential)

    def confirm(self, credential: TotpCredential) -> None:
        stored = self.s.totp_credentials.get(credential.user_id)
        if stored is None or stored.secret != credential.secret:
            raise LookupError("no such pending authenticator credential")
        stored.confirmed_at, stored.last_used_step = credential.confirmed_at, credential.last_used_step

    def use_step(self, user_id: str, step: int) -> bool:
        stored = self.s.totp_credentials.get(user_id)
        if stored is None or not stored.active or not stored.fresh(step):
            return False
        stored.last_used_step = step
        return True

    def remove(self, user_id: str) -> bool:
        return self.s.totp_credentials.pop(user_id, None) is not None


class MemoryRecoveryCodeRepository(_Repo):
    def get(self, user_id: str) -> RecoveryCodes | None:
        found = self.s.recovery_codes.get(user_id)
        return copy.deepcopy(found) if found is not None else None

    def replace(self, user_id: str, codes: RecoveryCodes) -> None:
        self.s.recovery_codes[user_id] = copy.deepcopy(codes)

    def use(self, user_id: str, codes: RecoveryCodes, position: int) -> bool:
        stored = self.s.recovery_codes.get(user_id)
        if stored is None or stored.salt != codes.salt or not 0 <= position < len(stored.codes):
            return False
        if stored.codes[position].used_at is not None:
            return False
        stored.codes[position].used_at = codes.codes[position].used_at
        return True

    def remove(self, user_id: str) -> bool:
        return self.s.recovery_codes.pop(user_id, None) is not None
