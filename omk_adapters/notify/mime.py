"""One way to turn an EmailMessage into RFC 5322 bytes, shared by every mail adapter.

Headers are ASCII on the wire (a Cyrillic subject or sender name is RFC 2047-encoded, a
Cyrillic domain is IDNA-encoded), bodies are UTF-8 in quoted-printable, so any mail client
opens the message and the digits of a code stay readable in the raw file.
"""

from __future__ import annotations

import contextlib
import email.policy
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.message import MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, parsedate_to_datetime
from pathlib import Path

import attrs

from omk_domain.notifications.messages import EmailMessage

#: RFC 5322 line endings, 7-bit bodies; the headers set raw below are written exactly as made
WIRE_POLICY = email.policy.SMTP.clone(cte_type="7bit", refold_source="none")


def wire_address(address: str) -> str:
    """The address with its domain in IDNA (ASCII) form, as SMTP and headers need it."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def readable_address(address: str) -> str:
    """The inverse of `wire_address`: an IDNA ("xn--") domain back in Unicode, in lower case."""
    local, _, domain = address.rpartition("@")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("ascii").decode("idna")
    return f"{local}@{domain.lower()}"


def sender_address(sender: str) -> Address:
    """The one address of a From value such as 'ОМК Цифровые сервисы <noreply@omk.ru>'."""
    header = email.policy.default.header_factory("From", sender)
    (address,) = header.addresses  # type: ignore[attr-defined]
    addr_spec = wire_address(address.addr_spec)
    local, _, domain = addr_spec.rpartition("@")
    return Address(display_name=address.display_name, username=local, domain=domain)


def build_mime(message: EmailMessage, *, sender: str, delivery_id: str, date: datetime) -> MimeMessage:
    """The MIME message: text/plain (plus text/html as an alternative when given), UTF-8."""
    source = sender_address(sender)
    mime = MimeMessage(policy=email.policy.default)
    # Subject and From are encoded here, not by the email package: its folder (CPython before
    # gh-144156) drops the space between two RFC 2047 encoded words of a long Cyrillic subject,
    # and its address parser puts spaces into a display name split over several encoded words.
    mime.set_raw("From", f"{formataddr((source.display_name, ''), charset='utf-8').removesuffix(' <>')}"
                         f"\n <{source.addr_spec}>" if source.display_name else source.addr_spec)
    mime["To"] = wire_address(message.to)
    if message.reply_to:
        mime["Reply-To"] = wire_address(message.reply_to)
    mime.set_raw("Subject", Header(message.subject, "utf-8", header_name="Subject").encode(linesep="\n")
                 if not message.subject.isascii() else message.subject)
    mime["Date"] = format_datetime(date)
    mime["Message-ID"] = f"<{delivery_id}@{source.domain}>"
    mime.set_content(message.text, charset="utf-8", cte="quoted-printable")
    if message.html:
        mime.add_alternative(message.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return mime


def to_bytes(mime: MimeMessage) -> bytes:
    return mime.as_bytes(policy=WIRE_POLICY)


@attrs.frozen(kw_only=True)
class DeliveredEmail:
    """An email as a recipient reads it back: headers decoded, bodies as the sender gave them."""

    id: str  # the delivery id the Mailer returned (the local part of the Message-ID)
    at: datetime
    to: str
    sender: str
    subject: str
    text: str
    html: str | None
    reply_to: str | None
    path: Path | None = None


def read_email(data: bytes, *, path: Path | None = None) -> DeliveredEmail:
    """Parse RFC 5322 bytes made by `build_mime` (a file in the outbox, a message an SMTP server got)."""
    mime = BytesParser(policy=email.policy.default).parsebytes(data)
    plain, html = mime.get_body(("plain",)), mime.get_body(("html",))
    reply_to = mime["Reply-To"]
    return DeliveredEmail(
        id=str(mime["Message-ID"]).strip().strip("<>").partition("@")[0],
        at=parsedate_to_datetime(str(mime["Date"])), to=readable_address(mime["To"].addresses[0].addr_spec),
        sender=str(mime["From"]), subject=str(mime["Subject"]),
        text=_body(plain) or "", html=_body(html) if html is not plain else None,
        reply_to=readable_address(reply_to.addresses[0].addr_spec) if reply_to is not None else None, path=path,
    )


def _body(part: MIMEPart | None) -> str | None:
    if part is None:
        return None
    content: str = part.get_content()
    return content.replace("\r\n", "\n").removesuffix("\n")


def mask_email(address: str) -> str:
    """Enough of an address to tell messages apart in logs, not enough to harvest it."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    return f"{phone[:4]}***{phone[-2:]}" if len(phone) > 6 else "***"
