"""What every API controller shares: running a use case for the actor, pages, idempotency keys."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.params import HeaderParameter

from omk_domain.identity.model import Actor
from omk_domain.shared.messages import Command
from omk_web.auth import services_of
from omk_web.paging import Limit, Offset

IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False, min_length=1, max_length=200,
    description="Ключ повтора: повторный запрос с тем же ключом возвращает первый результат и не создаёт "
                "вторую ставку или второе предложение. Тот же ключ с другим телом — ошибка 409.")]

PROBLEM_RESPONSES_NOTE = "Ошибки — application/problem+json (RFC 9457) с полем `code`."


def run(request: Request[Any, Any, Any], command: Command, actor: Actor | None) -> Any:
    """The one way an API handler acts: the use case decides everything, errors become problems."""
    return services_of(request).bus.handle(command, actor)


def page(items: Any, total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": list(items), "total": total, "limit": limit, "offset": offset}


def bad_request(key: str, message: str) -> ValidationException:
    return ValidationException(detail=message, extra=[{"key": key, "source": "body", "message": message}])


__all__ = ["IdempotencyKey", "Limit", "Offset", "bad_request", "page", "run"]
