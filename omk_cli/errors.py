"""Exit codes of `omk`, and THE one table that turns an error into an exit code and a message.

Commands never choose exit codes themselves: they raise (or let the use case raise) and the root
group hands the error to `classify` once.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from omk_adapters.settings import SettingsError
from omk_domain.shared.errors import DomainError


class ExitCode(enum.IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2  # Typer/Click: unknown option, missing argument, a value of the wrong type
    INVALID = 3  # DomainError kind "invalid", a rejected or unreadable lot file, a bad time/amount
    NOT_FOUND = 4
    CONFLICT = 5  # the action clashes with the current state (e.g. auction already running)
    FORBIDDEN = 6
    SETTINGS = 7  # bad OMK_* settings
    UNAVAILABLE = 8  # database or broker unreachable, schema missing or out of date


#: DomainError.kind → exit code. The only such mapping in the CLI.
KIND_EXIT: dict[str, ExitCode] = {
    "invalid": ExitCode.INVALID,
    "not_found": ExitCode.NOT_FOUND,
    "conflict": ExitCode.CONFLICT,
    "forbidden": ExitCode.FORBIDDEN,
    "unavailable": ExitCode.UNAVAILABLE,  # e.g. DeliveryFailed: the mail server or SMS gateway is down
}

EXIT_CODES_HELP = """Exit codes / коды завершения:
  0 ok / успешно;
  1 unexpected error / непредвиденная ошибка;
  2 usage error / неверный вызов команды;
  3 invalid input / недопустимые данные (также файл лотов с ошибками);
  4 not found / не найдено;
  5 conflict with the current state / противоречит текущему состоянию;
  6 forbidden / недостаточно прав;
  7 bad settings / неверные настройки OMK_*;
  8 service unavailable / база данных или брокер недоступны, схема БД не создана."""


class ServiceUnavailable(Exception):
    """The database or the broker cannot be used right now (or the schema is missing)."""

    code = "service_unavailable"

    def __init__(self, message: str, *, code: str = "service_unavailable") -> None:
        super().__init__(message)
        self.code = code


@attrs.frozen(kw_only=True)
class Failure:
    """What to tell the person (stderr) and the script (`--json` on stdout), and how to exit."""

    exit_code: ExitCode
    code: str
    message: str
    body: dict[str, Any]


def _is_unavailable(exc: BaseException) -> str | None:
    """A message when `exc` means the database or the broker could not be reached."""
    try:
        import sqlalchemy.exc as sa_exc
    except ImportError:  # pragma: no cover
        sa_exc = None  # type: ignore[assignment]
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        first = str(exc.orig or exc).splitlines()[0] if getattr(exc, "orig", None) else str(exc).splitlines()[0]
        if "no such table" in first or "does not exist" in first:
            return ("Схема базы данных не создана или устарела — выполните `omk db upgrade`. / "
                    f"Database schema missing or outdated — run `omk db upgrade`. ({first})")
        return f"База данных недоступна / database unavailable: {first}"
    try:
        from omk_adapters.messaging.errors import BrokerUnavailable
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, BrokerUnavailable):
        return f"Брокер сообщений недоступен / message broker unavailable: {exc}"
    return None


def classify(exc: BaseException) -> Failure:
    """The one mapping from an error to its exit code and messages."""
    if isinstance(exc, DomainError):
        exit_code = KIND_EXIT.get(exc.kind, ExitCode.INVALID)
        body = exc.as_dict() | {"kind": exc.kind}
        return Failure(exit_code=exit_code, code=exc.code, message=exc.user_message(), body=body)
    if isinstance(exc, SettingsError):
        return Failure(exit_code=ExitCode.SETTINGS, code="settings_invalid",
                       message=f"Неверные настройки / bad settings: {exc}",
                       body={"code": "settings_invalid", "message": str(exc)})
    if isinstance(exc, ServiceUnavailable):
        return Failure(exit_code=ExitCode.UNAVAILABLE, code=exc.code, message=str(exc),
                       body={"code": exc.code, "message": str(exc)})
    unavailable = _is_unavailable(exc)
    if unavailable is not None:
        return Failure(exit_code=ExitCode.UNAVAILABLE, code="service_unavailable", message=unavailable,
                       body={"code": "service_unavailable", "message": unavailable})
    text = f"{type(exc).__name__}: {exc}"
    return Failure(exit_code=ExitCode.UNEXPECTED, code="unexpected_error",
                   message=f"Непредвиденная ошибка / unexpected error: {text}",
                   body={"code": "unexpected_error", "message": text})
