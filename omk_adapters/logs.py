"""structlog for every entrypoint: always on stderr (stdout is the CLI's results), JSON lines when
OMK_LOG_FORMAT=json."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import structlog

from omk_adapters.settings import Settings


def _stderr_logger(*_: Any) -> structlog.PrintLogger:
    # sys.stderr is looked up at each use, so a replaced stream (a test runner's) is never kept
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(settings: Settings) -> Callable[[], None]:
    """Configure structlog for this command; return what puts the previous configuration back."""
    was_configured = structlog.is_configured()
    previous = structlog.get_config()
    renderer: Any = (structlog.processors.JSONRenderer(ensure_ascii=False) if settings.log_format == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, settings.log_level)),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )

    def restore() -> None:
        if was_configured:
            structlog.configure(**previous)
        else:
            structlog.reset_defaults()

    return restore
