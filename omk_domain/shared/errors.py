"""Domain errors: each names a broken fact, carries a stable code and a Russian message."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A rule of the domain was broken; nothing was changed."""

    code: ClassVar[str] = "domain_error"
    message_ru: ClassVar[str] = "Операция не может быть выполнена."
    #: how a frontend classifies it: "invalid", "not_found", "conflict", "forbidden", "unavailable"
    kind: ClassVar[str] = "invalid"

    def __init__(self, detail: str | None = None, **context: Any) -> None:
        self.detail = detail
        self.context = context
        super().__init__(self.user_message())

    def user_message(self) -> str:
        """The Russian text shown to a person, with the detail when there is one."""
        return f"{self.message_ru} {self.detail}" if self.detail else self.message_ru

    def as_dict(self) -> dict[str, Any]:
        """A machine-readable body for APIs and `--json` output."""
        return {
            "code": self.code,
            "message": self.user_message(),
            "context": {k: str(v) for k, v in self.context.items()},
        }


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it does."""

    code = "not_found"
    message_ru = "Не найдено."
    kind = "not_found"


class Forbidden(DomainError):
    """The actor is known but lacks the permission for this action."""

    code = "forbidden"
    message_ru = "Недостаточно прав для этого действия."
    kind = "forbidden"


class TooManyRequests(Forbidden):
    """Refused for now, not for good: too many attempts or requests; `seconds_left` says when to retry
    (the web answers 429 with Retry-After)."""

    code = "too_many_requests"
    message_ru = "Слишком много попыток."

    def __init__(self, *, seconds_left: int) -> None:
        super().__init__(f"Повторите через {seconds_left} с.", seconds_left=seconds_left)
        self.seconds_left = seconds_left


class InvalidValue(DomainError):
    """A value given by a person or a file is malformed."""

    code = "invalid_value"
    message_ru = "Недопустимое значение."


class Conflict(DomainError):
    """The action clashes with the current state of things."""

    code = "conflict"
    message_ru = "Действие противоречит текущему состоянию."
    kind = "conflict"
