"""One-time codes for SMS and email: decimal digits from the `secrets` module."""

from __future__ import annotations

import secrets

__all__ = ["SecretsCodeGenerator"]


class SecretsCodeGenerator:
    """`digits` decimal digits, uniformly drawn by `secrets.randbelow` (leading zeros kept)."""

    def __init__(self, digits: int = 6) -> None:
        if not 4 <= digits <= 10:
            raise ValueError("a one-time code has 4 to 10 digits")
        self.digits = digits

    def new_code(self) -> str:
        return f"{secrets.randbelow(10 ** self.digits):0{self.digits}d}"
