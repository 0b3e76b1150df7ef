"""Typed settings, read once from OMK_* environment variables and an optional TOML file.

Precedence: environment over the TOML file (OMK_CONFIG=path, keys without the OMK_ prefix,
lower case) over defaults. With nothing set, everything runs embedded: SQLite in the data
folder, in-process messaging, mail and SMS written to <data_dir>/outbox/.

Secrets (passwords in URLs, the SMS.ru api_id) never appear in the settings' repr.
"""

from __future__ import annotations

import email.policy
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import attrs

from omk_adapters.messaging.errors import redact_url
from omk_domain.notifications.messages import normalize_email
from omk_domain.shared.errors import DomainError


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and what is expected."""


def _positive_float(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"OMK_{name.upper()}={value!r}: expected a number of seconds") from None
    if not number > 0 or number == float("inf"):
        raise SettingsError(f"OMK_{name.upper()}={value!r}: expected a positive number")
    return number


def _int_in(name: str, value: Any, low: int, high: int, unit: str = "") -> int:
    text = str(value).strip()
    try:
        number = int(text)
    except ValueError:
        raise SettingsError(f"OMK_{name.upper()}={value!r}: expected a whole number{unit}") from None
    if not low <= number <= high:
        raise SettingsError(f"OMK_{name.upper()}={value!r}: expected a whole number{unit} from {low} to {high}")
    return number


def _url(name: str, value: Any, schemes: tuple[str, ...]) -> str:
    text = str(value).strip()
    scheme = urlparse(text).scheme
    if scheme not in schemes:
        raise SettingsError(f"OMK_{name.upper()}={text!r}: expected a URL starting with "
                            + " or ".join(f"{s}://" for s in schemes))
    return text


def _flag(name: str, value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"OMK_{name.upper()}={value!r}: expected 1 or 0 (true/false)")


def _mail_from(value: Any) -> str:
    text = str(value).strip()
    try:
        header = email.policy.default.header_factory("From", text)
        (address,) = header.addresses  # type: ignore[attr-defined]
        normalize_email(address.addr_spec)
        if header.defects:
            raise ValueError(text)
    except (DomainError, ValueError, IndexError, TypeError):
        raise SettingsError(f"OMK_MAIL_FROM={text!r}: expected an address, optionally with a name: "
                            "'ОМК Цифровые сервисы <noreply@omk.ru>'") from None
    return text


def _redacted(url: str | None) -> str:
    return repr(redact_url(url)) if url else "None"


def _hidden(secret: str | None) -> str:
    return "'***'" if secret else "None"


DATABASE_SCHEMES = ("sqlite", "postgresql+psycopg", "postgresql")
LOG_FORMATS = ("console", "json")
SMS_GATEWAYS = ("local", "smsru")
DEFAULT_MAIL_FROM = "ОМК Цифровые сервисы <noreply@omk.local>"


@attrs.frozen(kw_only=True)
class Settings:
    data_dir: Path
    database_url: str
    amqp_url: str | None = attrs.field(default=None, repr=_redacted)
    amqp_exchange: str = "omk.events"
    scheduler_interval: float = 1.0
    log_format: str = "console"
    log_level: str = "INFO"
    #: smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465; None: the local outbox folder
    smtp_url: str | None = attrs.field(default=None, repr=_redacted)
    mail_from: str = DEFAULT_MAIL_FROM
    sms_gateway: str = "local"
    smsru_api_id: str | None = attrs.field(default=None, repr=_hidden)
    smsru_url: str = "https://sms.ru"
    smsru_sender: str | None = None
    smsru_test: bool = False
    #: Argon2id password hashing; a change makes stored hashes re-hash at their next sign-in
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    #: a session ends after this many minutes without use, and this many hours after sign-in at the latest
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    #: the portal's address as people reach it: emailed links point here
    public_url: str = "http://127.0.0.1:8000"
    #: run the auction scheduler inside `omk serve` (default: on with SQLite, off with PostgreSQL where
    #: `omk scheduler` runs as its own process)
    web_scheduler: bool = True
    #: signs the web forms' CSRF tokens; set it (same value in every worker) in production
    web_secret: str | None = attrs.field(default=None, repr=_hidden)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings; raise SettingsError with a clear message."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        config = env.get("OMK_CONFIG")
        if config:
            path = Path(config)
            try:
                values.update({k.lower(): v for k, v in tomllib.loads(path.read_text("utf-8")).items()})
            except FileNotFoundError:
                raise SettingsError(f"OMK_CONFIG={config!r}: file not found") from None
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"OMK_CONFIG={config!r}: not valid TOML ({exc})") from None
        known = {f.name for f in attrs.fields(cls)}
        for key, value in env.items():
            if key.startswith("OMK_") and key[4:].lower() in known:
                values[key[4:].lower()] = value
        unknown = set(values) - known
        if unknown:
            raise SettingsError(f"unknown settings in OMK_CONFIG: {', '.join(sorted(unknown))}")
        data_dir = Path(values.get("data_dir") or Path.cwd() / ".omk-data").expanduser()
        database_url = values.get("database_url") or f"sqlite:///{data_dir / 'omk.sqlite3'}"
        database_url = _url("database_url", database_url, DATABASE_SCHEMES)
        if database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        amqp = values.get("amqp_url") or None
        log_format = str(values.get("log_format", "console")).lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError(f"OMK_LOG_FORMAT={log_format!r}: expected one of {', '.join(LOG_FORMATS)}")
        log_level = str(values.get("log_level", "INFO")).upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingsError(f"OMK_LOG_LEVEL={log_level!r}: expected DEBUG, INFO, WARNING or ERROR")
        smtp = values.get("smtp_url") or None
        if smtp:
            smtp = _url("smtp_url", smtp, ("smtp", "smtps"))
            try:
                host = urlparse(smtp).hostname
                urlparse(smtp).port  # noqa: B018  (raises on a bad port)
            except ValueError:
                host = None
            if not host:
                raise SettingsError(f"OMK_SMTP_URL={redact_url(smtp)!r}: expected smtp://[user:password@]host[:port]")
            if not unquote(urlparse(smtp).netloc).isascii():
                raise SettingsError(f"OMK_SMTP_URL={redact_url(smtp)!r}: the user name and password must be ASCII "
                                    "(percent-encode special characters)")
        sms_gateway = str(values.get("sms_gateway") or "local").strip().lower()
        if sms_gateway not in SMS_GATEWAYS:
            raise SettingsError(f"OMK_SMS_GATEWAY={sms_gateway!r}: expected one of {', '.join(SMS_GATEWAYS)}")
        api_id = str(values.get("smsru_api_id") or "").strip() or None
        if sms_gateway == "smsru" and not api_id:
            raise SettingsError("OMK_SMSRU_API_ID is required when OMK_SMS_GATEWAY=smsru "
                                "(the api_id from the SMS.ru cabinet)")
        argon2_time_cost = _int_in("argon2_time_cost", values.get("argon2_time_cost", 3), 1, 100, " of passes")
        argon2_parallelism = _int_in("argon2_parallelism", values.get("argon2_parallelism", 4), 1, 64,
                                     " of lanes")
        argon2_memory_kib = _int_in("argon2_memory_kib", values.get("argon2_memory_kib", 65536), 8, 4 * 1024 * 1024,
                                    " of KiB")
        if argon2_memory_kib < 8 * argon2_parallelism:
            raise SettingsError(f"OMK_ARGON2_MEMORY_KIB={argon2_memory_kib}: Argon2 needs at least 8 KiB per lane, "
                                f"{8 * argon2_parallelism} for OMK_ARGON2_PARALLELISM={argon2_parallelism}")
        session_idle = _int_in("session_idle_minutes", values.get("session_idle_minutes", 30), 1, 24 * 60,
                               " of minutes")
        session_absolute = _int_in("session_absolute_hours", values.get("session_absolute_hours", 12), 1, 24 * 30,
                                   " of hours")
        return cls(
            data_dir=data_dir, database_url=database_url,
            amqp_url=_url("amqp_url", amqp, ("amqp", "amqps")) if amqp else None,
            amqp_exchange=str(values.get("amqp_exchange", "omk.events")),
            scheduler_interval=_positive_float("scheduler_interval", values.get("scheduler_interval", 1.0)),
            log_format=log_format, log_level=log_level,
            smtp_url=smtp, mail_from=_mail_from(values.get("mail_from") or DEFAULT_MAIL_FROM),
            sms_gateway=sms_gateway, smsru_api_id=api_id,
            smsru_url=_url("smsru_url", values.get("smsru_url") or "https://sms.ru", ("https", "http")).rstrip("/"),
            smsru_sender=str(values.get("smsru_sender") or "").strip() or None,
            smsru_test=_flag("smsru_test", values.get("smsru_test", False)),
            argon2_time_cost=argon2_time_cost, argon2_memory_kib=argon2_memory_kib,
            argon2_parallelism=argon2_parallelism,
            session_idle_minutes=session_idle, session_absolute_hours=session_absolute,
            public_url=_url("public_url", values.get("public_url") or "http://127.0.0.1:8000",
                            ("https", "http")).rstrip("/"),
            web_scheduler=_flag("web_scheduler", values.get("web_scheduler",
                                                            not database_url.startswith("postgresql"))),
            web_secret=str(values.get("web_secret") or "").strip() or None,
        )
