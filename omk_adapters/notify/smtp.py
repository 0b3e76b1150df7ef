"""Mail over SMTP (smtplib): `smtp://user:pass@host:587?starttls=1` or `smtps://user:pass@host:465`.

One connection per message: sign-in codes and notices are few, and a fresh connection never
trips over a server that dropped an idle one. STARTTLS, when asked for, is required — a
server that does not offer it is an error, never a silent fallback to plain text. Every
failure (refused connection, timeout, TLS, authentication, a refused sender or recipient)
becomes DeliveryFailed — RecipientRefused when the server refuses the recipient for good —
with the reply code, and never with the password.

URL options: `starttls=1` (smtp:// only), `timeout=<seconds>` (default 10).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from urllib.parse import parse_qs, unquote, urlsplit

import structlog

from omk_adapters.memory.clock import SystemClock
from omk_adapters.messaging.errors import redact_url, scrub
from omk_adapters.notify.mime import build_mime, mask_email, sender_address, wire_address
from omk_domain.notifications.messages import DeliveryFailed, EmailMessage, RecipientRefused
from omk_domain.shared.clock import Clock
from omk_domain.shared.ids import new_id

__all__ = ["SmtpMailer"]

log = structlog.get_logger("omk.notify.smtp")

TRANSPORT = "smtp"
DEFAULT_TIMEOUT = 10.0
_TRUE = ("1", "true", "yes", "on")


class SmtpMailer:
    """Mailer speaking SMTP to a relay or a mail provider."""

    def __init__(self, url: str, *, sender: str, timeout: float | None = None,
                 ssl_context: ssl.SSLContext | None = None, clock: Clock | None = None) -> None:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            port = parts.port
        except ValueError:  # a port that is not a number
            port, parts = None, parts._replace(netloc="")
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {redact_url(url)!r} (expected smtp://host:port or smtps://host:port)")
        self._url = url
        self.host = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.port = port or (465 if self.implicit_tls else 25)
        self.starttls = not self.implicit_tls and query.get("starttls", "0").lower() in _TRUE
        self.timeout = timeout if timeout is not None else float(query.get("timeout", DEFAULT_TIMEOUT))
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password is not None else None
        if not (self._user or "").isascii() or not (self._password or "").isascii():
            # smtplib encodes AUTH in ASCII; say so now rather than fail on the first message
            raise ValueError(f"SMTP user name and password must be ASCII: {redact_url(url)!r}")
        self.sender = sender
        self._envelope_from = sender_address(sender).addr_spec
        self._ssl_context = ssl_context
        self._clock = clock or SystemClock()
        if self._user and not (self.implicit_tls or self.starttls) and self.host not in ("localhost", "127.0.0.1"):
            log.warning("SMTP credentials would travel unencrypted; use smtps:// or ?starttls=1", server=self.where)

    @property
    def where(self) -> str:
        """The server's URL, password hidden (safe to log)."""
        return redact_url(self._url)

    def __repr__(self) -> str:
        return f"SmtpMailer({self.where!r})"

    def send(self, message: EmailMessage) -> str:
        delivery_id = new_id()
        mime = build_mime(message, sender=self.sender, delivery_id=delivery_id, date=self._clock.now())
        recipient = wire_address(message.to)
        try:
            self._deliver(mime, recipient)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            error = RecipientRefused if 500 <= code < 600 else DeliveryFailed
            raise error(self._reason(f"recipient refused: {code} {_text(reply)}"), transport=TRANSPORT,
                        gateway_code=code or None) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, authentication, …
            raise DeliveryFailed(self._reason(f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"),
                                 transport=TRANSPORT, gateway_code=exc.smtp_code) from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS failed, disconnected
            raise DeliveryFailed(self._reason(f"{type(exc).__name__}: {exc}"), transport=TRANSPORT) from None
        log.info("email sent over SMTP", delivery_id=delivery_id, to=mask_email(message.to), server=self.where)
        return delivery_id

    def _deliver(self, mime: object, recipient: str) -> None:
        context = self._ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS (asked for by ?starttls=1)")
                smtp.starttls(context=context)
                smtp.ehlo()
            if self._user:
                smtp.login(self._user, self._password or "")
            smtp.send_message(mime, from_addr=self._envelope_from, to_addrs=[recipient])  # type: ignore[arg-type]
        finally:
            # the message is accepted once DATA is answered; a failing QUIT must not turn that into an error
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _reason(self, text: str) -> str:
        return scrub(f"SMTP at {self.where}: {text}", self._url)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
