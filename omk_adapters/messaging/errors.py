"""Errors of the messaging adapters, and a helper that keeps passwords out of logs."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit


class BrokerUnavailable(RuntimeError):
    """The broker could not be reached or did not confirm; unconfirmed messages were not sent.

    `confirmed` holds the ids the broker did confirm before the failure, in order, so the relay
    can mark them published and resend only the rest.
    """

    def __init__(self, message: str, *, confirmed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.confirmed: tuple[str, ...] = tuple(confirmed)


def redact_url(url: str) -> str:
    """The URL with its password replaced by `***` (safe to log)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<unparsable URL>"


def scrub(text: str, url: str) -> str:
    """`text` with the URL's password (if any) replaced, for error messages built from driver errors."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        from urllib.parse import unquote

        for secret in {password, unquote(password)}:
            text = text.replace(secret, "***")
    return text
