"""THE one table that turns an error into an HTTP answer: RFC 9457 problem details for the API,
a Russian error page for people.

Handlers never choose status codes for failures: they let the use case raise, and the exception
handlers registered by `create_app` call `problem_for` once.
"""

from __future__ import annotations

from typing import Any

import attrs
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from omk_domain.identity.signin import Unauthenticated
from omk_domain.shared.errors import DomainError, TooManyRequests

PROBLEM_JSON = "application/problem+json"
#: where each problem type is explained (a stable URI, also the `type` member)
TYPE_BASE = "https://omk.ru/problems/"

#: DomainError.kind → HTTP status. The only such mapping in the web app.
KIND_STATUS: dict[str, int] = {
    "invalid": HTTP_422_UNPROCESSABLE_ENTITY,
    "not_found": HTTP_404_NOT_FOUND,
    "conflict": HTTP_409_CONFLICT,
    "forbidden": HTTP_403_FORBIDDEN,
    "unavailable": HTTP_503_SERVICE_UNAVAILABLE,
}

TITLES_RU: dict[int, str] = {
    HTTP_400_BAD_REQUEST: "Некорректный запрос",
    HTTP_401_UNAUTHORIZED: "Требуется вход",
    HTTP_403_FORBIDDEN: "Действие запрещено",
    HTTP_404_NOT_FOUND: "Не найдено",
    405: "Метод не поддерживается",
    HTTP_409_CONFLICT: "Действие противоречит текущему состоянию",
    413: "Слишком большой запрос",
    415: "Неподдерживаемый формат запроса",
    HTTP_422_UNPROCESSABLE_ENTITY: "Недопустимые данные",
    HTTP_429_TOO_MANY_REQUESTS: "Слишком много попыток",
    HTTP_500_INTERNAL_SERVER_ERROR: "Внутренняя ошибка",
    HTTP_503_SERVICE_UNAVAILABLE: "Сервис временно недоступен",
}

#: the machine-readable code of framework-level refusals (no DomainError behind them)
HTTP_CODES: dict[int, str] = {
    HTTP_400_BAD_REQUEST: "request_invalid",
    HTTP_401_UNAUTHORIZED: "unauthenticated",
    HTTP_403_FORBIDDEN: "forbidden",
    HTTP_404_NOT_FOUND: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    HTTP_429_TOO_MANY_REQUESTS: "too_many_requests",
    HTTP_500_INTERNAL_SERVER_ERROR: "internal_error",
    HTTP_503_SERVICE_UNAVAILABLE: "service_unavailable",
}


@attrs.frozen(kw_only=True)
class Problem:
    """RFC 9457 problem details plus `code`, the stable machine-readable name of what went wrong."""

    status: int
    code: str
    title: str
    detail: str
    errors: tuple[dict[str, Any], ...] = ()
    context: dict[str, str] = attrs.field(factory=dict)
    headers: dict[str, str] = attrs.field(factory=dict)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": TYPE_BASE + self.code.replace("_", "-"), "title": self.title,
                                "status": self.status, "detail": self.detail, "code": self.code}
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = list(self.errors)
        if self.context:
            body["context"] = self.context
        return body


def status_of(error: DomainError) -> int:
    if isinstance(error, TooManyRequests):
        return HTTP_429_TOO_MANY_REQUESTS
    if isinstance(error, Unauthenticated):
        return HTTP_401_UNAUTHORIZED
    return KIND_STATUS.get(error.kind, HTTP_400_BAD_REQUEST)


def problem_for(exc: Exception) -> Problem:
    """The problem document of any exception; unknown ones are a 500 that tells nothing inside."""
    if isinstance(exc, DomainError):
        status = status_of(exc)
        headers = {}
        seconds = getattr(exc, "seconds_left", None)
        if isinstance(seconds, int):
            headers["Retry-After"] = str(max(1, seconds))
        if status == HTTP_401_UNAUTHORIZED:
            headers["WWW-Authenticate"] = 'Bearer realm="omk"'
        return Problem(status=status, code=exc.code, title=TITLES_RU.get(status, "Ошибка"),
                       detail=exc.user_message(), context={k: str(v) for k, v in exc.context.items()},
                       errors=tuple(exc.as_dict().get("errors", ())), headers=headers)
    if isinstance(exc, ValidationException):
        return Problem(status=HTTP_400_BAD_REQUEST, code="request_invalid", title=TITLES_RU[HTTP_400_BAD_REQUEST],
                       detail="Запрос не соответствует описанию API: " + _validation_summary(exc),
                       errors=_validation_errors(exc))
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status >= HTTP_500_INTERNAL_SERVER_ERROR:
            return _internal(status)
        detail = _framework_detail(exc)
        headers = {"WWW-Authenticate": 'Bearer realm="omk"'} if status == HTTP_401_UNAUTHORIZED else {}
        return Problem(status=status, code=HTTP_CODES.get(status, "http_error"),
                       title=TITLES_RU.get(status, "Ошибка"), detail=detail, headers=headers)
    return _internal(HTTP_500_INTERNAL_SERVER_ERROR)


def _internal(status: int) -> Problem:
    return Problem(status=status, code=HTTP_CODES.get(status, "internal_error"),
                   title=TITLES_RU.get(status, "Ошибка"),
                   detail="Что-то пошло не так на нашей стороне. Мы уже знаем об этом; повторите попытку позже.")


def _framework_detail(exc: HTTPException) -> str:
    if isinstance(exc, NotFoundException):
        return "Такой страницы или объекта нет."
    if isinstance(exc, NotAuthorizedException):
        return "Войдите в систему или передайте действующий API-токен."
    if isinstance(exc, PermissionDeniedException):
        if "CSRF" in str(exc.detail):
            return "Форма устарела или открыта с другого сайта: обновите страницу и повторите."
        return "Недостаточно прав для этого действия."
    if exc.status_code == 405:
        return "Этот метод не поддерживается по данному адресу."
    return str(exc.detail) if exc.detail else TITLES_RU.get(exc.status_code, "Ошибка")


def _validation_errors(exc: ValidationException) -> tuple[dict[str, str], ...]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    out = []
    for item in extra:
        if isinstance(item, dict):
            out.append({"key": str(item.get("key", "")), "source": str(item.get("source", "")),
                        "message": str(item.get("message", ""))})
    return tuple(out)


def _validation_summary(exc: ValidationException) -> str:
    errors = _validation_errors(exc)
    if not errors:
        return str(exc.detail)
    return "; ".join(f"{e['key'] or 'тело запроса'}: {e['message']}" for e in errors)


def problem_response(request: Request[Any, Any, Any], problem: Problem) -> Response[Any]:
    return Response(content=problem.body(instance=request.url.path), status_code=problem.status,
                    media_type=PROBLEM_JSON, headers=problem.headers)


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A person's browser (not the API, not a client system) gets pages rather than JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/schema", "/health", "/ready", "/live/")):
        return False
    accept = request.headers.get("accept", "")
    return MediaType.HTML.value in accept or not accept or "*/*" in accept
