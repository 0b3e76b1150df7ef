"""The embedded default: mail and SMS written to a local outbox folder, and a reader for them.

Email: one RFC 5322 `.eml` file per message in `<data_dir>/outbox/mail/`, named
`<UTC time>-<delivery id>.eml` so that names sort by time; written to a temporary name and
renamed, so a reader never sees half a message. SMS: one JSON line per message appended to
`<data_dir>/outbox/sms.jsonl` in a single O_APPEND write under an exclusive lock (where the
platform has `fcntl`), so threads and processes never interleave their lines.

A newcomer reads codes with a mail client, `cat`, or `LocalOutbox`; so do the tests.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import structlog

from omk_adapters.memory.clock import SystemClock
from omk_adapters.notify.mime import DeliveredEmail, build_mime, mask_email, mask_phone, read_email, to_bytes
from omk_domain.notifications.messages import (
    DeliveryFailed,
    EmailMessage,
    SmsMessage,
    normalize_email,
    normalize_phone,
)
from omk_domain.shared.clock import Clock
from omk_domain.shared.ids import new_id

try:  # POSIX; elsewhere the single O_APPEND write is what keeps lines whole
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["DeliveredEmail", "DeliveredSms", "LocalFolderMailer", "LocalFolderSmsSender", "LocalOutbox",
           "mail_folder", "sms_file"]

log = structlog.get_logger("omk.notify.local")

TRANSPORT = "local-folder"
_FILE_MODE = 0o600  # the outbox holds sign-in codes: readable by its owner only


def mail_folder(data_dir: Path) -> Path:
    return data_dir / "outbox" / "mail"


def sms_file(data_dir: Path) -> Path:
    return data_dir / "outbox" / "sms.jsonl"


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%S.%f}Z"


def _failed(what: str, path: Path, exc: OSError) -> DeliveryFailed:
    return DeliveryFailed(f"cannot {what} {path}: {exc.strerror or exc}", transport=TRANSPORT)


class LocalFolderMailer:
    """Mailer writing each message as an .eml file a mail client opens."""

    def __init__(self, folder: Path, *, sender: str, clock: Clock | None = None) -> None:
        self.folder = Path(folder)
        self.sender = sender
        self._clock = clock or SystemClock()

    def send(self, message: EmailMessage) -> str:
        delivery_id = new_id()
        now = self._clock.now()
        data = to_bytes(build_mime(message, sender=self.sender, delivery_id=delivery_id, date=now))
        path = self.folder / f"{_stamp(now)}-{delivery_id}.eml"
        temporary = self.folder / f".{path.name}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), _FILE_MODE)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise _failed("write the email to", self.folder, exc) from exc
        log.info("email written to the local outbox", delivery_id=delivery_id, to=mask_email(message.to),
                 path=str(path))
        return delivery_id


class LocalFolderSmsSender:
    """SmsSender appending one JSON line per message to a file."""

    def __init__(self, path: Path, *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()

    def send(self, message: SmsMessage) -> str:
        delivery_id = new_id()
        record = {"id": delivery_id, "at": self._clock.now().isoformat(), "to": message.to, "text": message.text}
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0),
                         _FILE_MODE)
            try:
                with _exclusive(fd):
                    written = os.write(fd, line)
                if written != len(line):
                    raise OSError(f"short write ({written} of {len(line)} bytes)")
            finally:
                os.close(fd)
        except OSError as exc:
            raise _failed("append the SMS to", self.path, exc) from exc
        log.info("sms written to the local outbox", delivery_id=delivery_id, to=mask_phone(message.to))
        return delivery_id


@contextlib.contextmanager
def _exclusive(fd: int) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


# --- reading the outbox -------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class DeliveredSms:
    id: str
    at: datetime
    to: str
    text: str


class LocalOutbox:
    """Reads what LocalFolderMailer and LocalFolderSmsSender wrote, oldest first."""

    def __init__(self, mail: Path, sms: Path) -> None:
        self.mail = Path(mail)
        self.sms_path = Path(sms)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> LocalOutbox:
        """The outbox the embedded defaults write to (`<data_dir>/outbox/`)."""
        return cls(mail_folder(data_dir), sms_file(data_dir))

    def emails(self, to: str | None = None) -> list[DeliveredEmail]:
        """Every email (to one address, when given: any spelling of it)."""
        wanted = normalize_email(to).lower() if to is not None else None
        found = []
        for path in sorted(self.mail.glob("*.eml")) if self.mail.is_dir() else []:
            try:
                email_ = read_email(path.read_bytes(), path=path)
            except FileNotFoundError:  # removed meanwhile
                continue
            if wanted is None or email_.to.lower() == wanted:
                found.append(email_)
        return found

    def latest_email(self, to: str) -> DeliveredEmail | None:
        found = self.emails(to)
        return found[-1] if found else None

    def sms(self, to: str | None = None) -> list[DeliveredSms]:
        """Every SMS (to one number, when given: any spelling of it, e.g. "8 912 345-67-89")."""
        wanted = normalize_phone(to) if to is not None else None
        try:
            lines = self.sms_path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                data = json.loads(line.decode("utf-8"))
                item = DeliveredSms(id=data["id"], at=datetime.fromisoformat(data["at"]), to=data["to"],
                                    text=data["text"])
            except (UnicodeDecodeError, ValueError, KeyError, TypeError):
                continue  # a line being written right now, or not ours
            if wanted is None or item.to == wanted:
                found.append(item)
        return found

    def latest_sms(self, to: str) -> DeliveredSms | None:
        found = self.sms(to)
        return found[-1] if found else None

