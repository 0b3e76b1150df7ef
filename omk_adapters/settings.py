"""Typed settings, read once from OMK_* environment variables and an optional TOML file.

Precedence: environment over the TOML file (OMK_CONFIG=path, keys without the OMK_ prefix,
lower case) over defaults. With nothing set, everything runs embedded: SQLite in the data
folder and in-process messaging.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import attrs


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


def _url(name: str, value: Any, schemes: tuple[str, ...]) -> str:
    text = str(value).strip()
    scheme = urlparse(text).scheme
    if scheme not in schemes:
        raise SettingsError(f"OMK_{name.upper()}={text!r}: expected a URL starting with "
                            + " or ".join(f"{s}://" for s in schemes))
    return text


DATABASE_SCHEMES = ("sqlite", "postgresql+psycopg", "postgresql")
LOG_FORMATS = ("console", "json")


@attrs.frozen(kw_only=True)
class Settings:
    data_dir: Path
    database_url: str
    amqp_url: str | None = None
    amqp_exchange: str = "omk.events"
    scheduler_interval: float = 1.0
    log_format: str = "console"
    log_level: str = "INFO"

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
        return cls(
            data_dir=data_dir, database_url=database_url,
            amqp_url=_url("amqp_url", amqp, ("amqp", "amqps")) if amqp else None,
            amqp_exchange=str(values.get("amqp_exchange", "omk.events")),
            scheduler_interval=_positive_float("scheduler_interval", values.get("scheduler_interval", 1.0)),
            log_format=log_format, log_level=log_level,
        )
