"""Validation of free text that people type: names and titles."""

from __future__ import annotations

from omk_domain.shared.errors import DomainError

NAME_MAX = 300


def required_text(value: str | None, error: type[DomainError], *, max_len: int = NAME_MAX) -> str:
    """The stripped text, or `error` when it is empty or longer than `max_len` characters."""
    text = (value or "").strip()
    if not text or len(text) > max_len:
        raise error(f"Название обязательно и не длиннее {max_len} символов.")
    return text
