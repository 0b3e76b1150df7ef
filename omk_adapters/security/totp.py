"""Authenticator-app codes (TOTP, RFC 6238) with pyotp, and the enrolment QR code drawn by segno.

Time always comes from the caller (the injected Clock's `now()`), never from the system clock.
"""

from __future__ import annotations

import hmac
import io
from datetime import datetime, timedelta

import pyotp
import segno

from omk_domain.shared.clock import ensure_utc

__all__ = ["DEFAULT_ISSUER", "PyOtpTotpService"]

DEFAULT_ISSUER = "ОМК Цифровые сервисы"


class PyOtpTotpService:
    """Six-digit codes every 30 seconds over SHA-1 — what every authenticator app understands."""

    def __init__(self, *, issuer: str = DEFAULT_ISSUER, digits: int = 6, interval: int = 30) -> None:
        self.issuer = issuer
        self.digits = digits
        self.interval = interval

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=self.digits, interval=self.interval, issuer=self.issuer)

    def new_secret(self) -> str:
        return pyotp.random_base32()  # 32 base32 characters = 160 bits, from `secrets`

    def provisioning_uri(self, secret: str, *, account_name: str) -> str:
        return self._totp(secret).provisioning_uri(name=account_name, issuer_name=self.issuer)

    def matched_step(self, secret: str, code: str, *, at: datetime, valid_window: int = 1) -> int | None:
        if valid_window < 0:
            raise ValueError("valid_window must not be negative")
        typed = "".join(code.split())
        if len(typed) != self.digits or not typed.isdigit():
            return None
        totp, at = self._totp(secret), ensure_utc(at)
        found: int | None = None
        for offset in range(-valid_window, valid_window + 1):  # all compared: the time does not tell which
            moment = at + timedelta(seconds=offset * self.interval)
            if hmac.compare_digest(totp.at(moment), typed):
                found = totp.timecode(moment)
        return found

    def verify(self, secret: str, code: str, *, at: datetime, valid_window: int = 1) -> bool:
        return self.matched_step(secret, code, at=at, valid_window=valid_window) is not None

    def qr_svg(self, uri: str) -> bytes:
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(buffer, kind="svg", scale=4, border=4, xmldecl=True)
        return buffer.getvalue()

    def qr_png(self, uri: str) -> bytes:
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(buffer, kind="png", scale=6, border=4)
        return buffer.getvalue()
