"""A one-time code generator for tests, BDD and demos: hands out the codes it was given, in order."""

from __future__ import annotations

from collections.abc import Iterable


class FixedCodeGenerator:
    """Returns the given codes in turn, then starts over; `issued` records what was handed out."""

    def __init__(self, codes: Iterable[str] = ("123456",)) -> None:
        self._codes = list(codes)
        if not self._codes or not all(c.isdigit() for c in self._codes):
            raise ValueError("give at least one code of digits")
        self.issued: list[str] = []

    def new_code(self) -> str:
        code = self._codes[len(self.issued) % len(self._codes)]
        self.issued.append(code)
        return code
