"""Argon2id password hashing over argon2-cffi, with parameters from settings and transparent re-hash."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from omk_adapters.settings import Settings
from omk_domain.identity.passwords import normalize_password

__all__ = ["Argon2idPasswordHasher"]


class Argon2idPasswordHasher:
    """Hashes as `$argon2id$v=19$m=…,t=…,p=…$salt$hash`; a hash made with other parameters needs a re-hash."""

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> None:
        self.time_cost = time_cost
        self.memory_kib = memory_kib
        self.parallelism = parallelism
        self._hasher = argon2.PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                                             parallelism=parallelism, type=argon2.Type.ID)

    @classmethod
    def from_settings(cls, settings: Settings) -> Argon2idPasswordHasher:
        return cls(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib,
                   parallelism=settings.argon2_parallelism)

    def __repr__(self) -> str:
        return (f"Argon2idPasswordHasher(time_cost={self.time_cost}, memory_kib={self.memory_kib}, "
                f"parallelism={self.parallelism})")

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalize_password(password))

    def verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, normalize_password(password))
        except (VerificationError, InvalidHashError):  # a mismatch, a corrupt hash, or not an Argon2 hash
            return False

    def needs_rehash(self, hashed: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(hashed)
        except (InvalidHashError, ValueError):
            return True
