"""One contract for the Mailer port, run against the local outbox folder and SMTP (a real aiosmtpd server).

Whatever the transport, a message arrives once, with its Cyrillic subject, its body, its
recipient and the configured sender intact, as 7-bit RFC 5322 any mail client opens; a bad
recipient never reaches a transport; a transport that is down is DeliveryFailed, never a raw
socket error. Adapter specifics (SMTP authentication and TLS, the outbox files) follow the suite.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import attrs
import pytest

from omk_adapters.notify.local import LocalFolderMailer, LocalOutbox
from omk_adapters.notify.mime import DeliveredEmail, read_email, wire_address
from omk_adapters.notify.smtp import SmtpMailer
from omk_domain.notifications.messages import DeliveryFailed, EmailInvalid, EmailMessage, RecipientRefused
from omk_domain.ports import Mailer
from tests.contract.smtp_server import REFUSED_DOMAIN, SmtpTestServer, free_port, self_signed

pytestmark = [
    pytest.mark.contract,
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

SENDER = "ОМК Цифровые сервисы <noreply@omk.local>"
SUBJECT = "Код подтверждения входа в личный кабинет «ОМК» — действует 5 минут, никому его не сообщайте"
TEXT = ("Здравствуйте, Иван Петрович!\n\nВаш код: 482913\n\nЕсли вы не входили в кабинет, "
        "сообщите нам: support@omk.ru.\n-- \nАО «Объединённая металлургическая компания»")
HTML = "<p>Здравствуйте, Иван Петрович!</p><p>Ваш код: <b>482913</b></p>"


@attrs.frozen
class Arrived:
    envelope_to: tuple[str, ...]
    raw: bytes
    email: DeliveredEmail


class Harness(Protocol):
    mailer: Mailer

    def arrived(self) -> list[Arrived]: ...
    def unreachable(self) -> Mailer:
        """The same adapter pointed at a transport that is down."""


class LocalHarness:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mailer = LocalFolderMailer(folder, sender=SENDER)

    def arrived(self) -> list[Arrived]:
        found = LocalOutbox(self.folder, self.folder / "sms.jsonl").emails()
        return [Arrived((wire_address(e.to),), e.path.read_bytes(), e) for e in found if e.path is not None]

    def unreachable(self) -> Mailer:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        blocker = self.folder.parent / "not-a-folder"
        blocker.write_text("a file where the outbox folder should be", encoding="utf-8")
        return LocalFolderMailer(blocker / "mail", sender=SENDER)


class SmtpHarness:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server
        self.mailer = SmtpMailer(f"smtp://127.0.0.1:{server.port}", sender=SENDER, timeout=5)

    def arrived(self) -> list[Arrived]:
        return [Arrived(tuple(r.rcpt_tos), r.data, read_email(r.data)) for r in self.server.received]

    def unreachable(self) -> Mailer:
        return SmtpMailer(f"smtp://127.0.0.1:{free_port()}", sender=SENDER, timeout=2)


@pytest.fixture(params=["local-folder", "smtp"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "local-folder":
        yield LocalHarness(tmp_path / "outbox" / "mail")
        return
    with SmtpTestServer() as server:
        yield SmtpHarness(server)


def a_message(**changes: object) -> EmailMessage:
    values: dict[str, object] = {"to": "ivan.petrov@trubny-zavod.ru", "subject": SUBJECT, "text": TEXT}
    return EmailMessage(**(values | changes))  # type: ignore[arg-type]


# --- the contract -------------------------------------------------------------------------------

def test_a_message_arrives_once_with_its_subject_body_recipient_and_sender(harness: Harness) -> None:
    message = a_message(html=HTML, reply_to="manager@omk.ru")

    delivery_id = harness.mailer.send(message)

    (arrived,) = harness.arrived()
    email = arrived.email
    assert arrived.envelope_to == ("ivan.petrov@trubny-zavod.ru",)
    assert email.to == "ivan.petrov@trubny-zavod.ru"
    assert email.subject == SUBJECT
    assert email.text == TEXT
    assert email.html == HTML
    assert email.reply_to == "manager@omk.ru"
    assert email.sender == SENDER
    assert email.id == delivery_id


def test_a_plain_text_message_has_no_html_part(harness: Harness) -> None:
    harness.mailer.send(a_message())

    (arrived,) = harness.arrived()
    assert arrived.email.html is None
    assert arrived.email.reply_to is None
    assert b"multipart" not in arrived.raw


def test_the_message_is_seven_bit_rfc_5322_a_mail_client_opens(harness: Harness) -> None:
    harness.mailer.send(a_message(html=HTML))

    (arrived,) = harness.arrived()
    arrived.raw.decode("ascii")  # no raw 8-bit byte anywhere: headers RFC 2047, bodies quoted-printable
    assert max(len(line) for line in arrived.raw.split(b"\r\n")) <= 998  # RFC 5322 §2.1.1
    assert b"482913" in arrived.raw  # the code is readable even in the raw file
    for header in (b"From:", b"To:", b"Subject:", b"Date:", b"Message-ID:", b"MIME-Version:"):
        assert header in arrived.raw


def test_each_message_gets_its_own_delivery_id_and_they_arrive_in_order(harness: Harness) -> None:
    ids = [harness.mailer.send(a_message(subject=f"Уведомление № {n}")) for n in range(3)]

    assert len(set(ids)) == 3
    assert [a.email.subject for a in harness.arrived()] == ["Уведомление № 0", "Уведомление № 1", "Уведомление № 2"]
    assert [a.email.id for a in harness.arrived()] == ids


def test_an_address_on_a_cyrillic_domain_travels_idna_encoded(harness: Harness) -> None:
    harness.mailer.send(a_message(to="zakupki@пример.рф"))

    (arrived,) = harness.arrived()
    assert arrived.envelope_to == ("zakupki@xn--e1afmkfd.xn--p1ai",)
    assert arrived.email.to == "zakupki@пример.рф"


@pytest.mark.parametrize("bad", ["ivan.petrov", "ivan@omk.ru\r\nBcc: victim@example.com",
                                 "ivan@omk.ru, boss@omk.ru", "Иван <ivan@omk.ru>", ""])
def test_a_bad_recipient_is_refused_with_the_domain_error_and_nothing_is_sent(harness: Harness, bad: str) -> None:
    with pytest.raises(EmailInvalid):
        harness.mailer.send(a_message(to=bad))

    assert harness.arrived() == []


def test_the_transport_being_down_is_delivery_failed_not_a_socket_error(harness: Harness) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        harness.unreachable().send(a_message())

    assert failed.value.kind == "unavailable"
    assert failed.value.reason  # the technical cause, for operators
    assert not isinstance(failed.value, OSError)
    assert harness.arrived() == []


# --- SMTP specifics -----------------------------------------------------------------------------

def test_smtp_a_recipient_the_server_refuses_is_recipient_refused_with_the_reply_code() -> None:
    with SmtpTestServer() as server:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{server.port}", sender=SENDER, timeout=5)

        with pytest.raises(RecipientRefused) as refused:
            mailer.send(a_message(to=f"nobody@{REFUSED_DOMAIN}"))

        assert refused.value.gateway_code == "550"
        assert "User unknown" in refused.value.reason
        assert server.received == []


def test_smtp_signs_in_over_starttls(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    password = "p@ss:w/rd 100%#?"
    with SmtpTestServer(user="omk-mailer", password=password, starttls=cert.server_context()) as server:
        url = f"smtp://omk-mailer:{quote(password, safe='')}@127.0.0.1:{server.port}?starttls=1"
        mailer = SmtpMailer(url, sender=SENDER, timeout=5, ssl_context=cert.client_context())

        mailer.send(a_message())

        (received,) = server.received
        assert read_email(received.data).subject == SUBJECT


def test_smtp_a_wrong_password_is_delivery_failed_with_code_535(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    with SmtpTestServer(user="omk-mailer", password="right", starttls=cert.server_context()) as server:
        mailer = SmtpMailer(f"smtp://omk-mailer:wrong@127.0.0.1:{server.port}?starttls=1", sender=SENDER,
                            timeout=5, ssl_context=cert.client_context())

        with pytest.raises(DeliveryFailed) as failed:
            mailer.send(a_message())

        assert failed.value.gateway_code == "535"
        assert server.received == []


def test_smtps_speaks_tls_from_the_first_byte(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    with SmtpTestServer(user="omk-mailer", password="pw", implicit_tls=cert.server_context()) as server:
        mailer = SmtpMailer(f"smtps://omk-mailer:pw@127.0.0.1:{server.port}", sender=SENDER, timeout=5,
                            ssl_context=cert.client_context())

        mailer.send(a_message())

        assert len(server.received) == 1


def test_smtp_never_falls_back_to_plain_text_when_starttls_was_asked_for() -> None:
    with SmtpTestServer() as server:  # offers no STARTTLS
        mailer = SmtpMailer(f"smtp://omk:hunter2@127.0.0.1:{server.port}?starttls=1", sender=SENDER, timeout=5)

        with pytest.raises(DeliveryFailed, match="STARTTLS") as failed:
            mailer.send(a_message())

        assert "hunter2" not in str(failed.value)
        assert server.received == []


def test_smtp_an_untrusted_certificate_is_delivery_failed(tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    with SmtpTestServer(starttls=cert.server_context()) as server:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{server.port}?starttls=1", sender=SENDER, timeout=5)

        with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):
            mailer.send(a_message())


def test_smtp_a_server_that_never_answers_fails_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the TCP connection, never says hello
        mailer = SmtpMailer(f"smtp://127.0.0.1:{silent.getsockname()[1]}?timeout=0.3", sender=SENDER)
        started = time.monotonic()

        with pytest.raises(DeliveryFailed, match=r"(?i)timed out"):
            mailer.send(a_message())

        assert time.monotonic() - started < 3


@pytest.mark.parametrize(("url", "host", "port", "starttls", "tls"), [
    ("smtp://mail.omk.ru", "mail.omk.ru", 25, False, False),
    ("smtp://u:p@mail.omk.ru:587?starttls=1", "mail.omk.ru", 587, True, False),
    ("smtps://u:p@mail.omk.ru", "mail.omk.ru", 465, False, True),
])
def test_smtp_urls_choose_the_port_and_the_encryption(url: str, host: str, port: int, starttls: bool,
                                                      tls: bool) -> None:
    mailer = SmtpMailer(url, sender=SENDER)
    assert (mailer.host, mailer.port, mailer.starttls, mailer.implicit_tls) == (host, port, starttls, tls)
    assert ":p@" not in repr(mailer)


@pytest.mark.parametrize("url", ["http://u:hunter2@mail.omk.ru", "smtp://u:hunter2@mail.omk.ru:port", "smtp://",
                                 "smtp://u:hunter2П@mail.omk.ru"])
def test_smtp_a_bad_url_is_refused_without_showing_its_password(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP") as refused:
        SmtpMailer(url, sender=SENDER)
    assert "hunter2" not in str(refused.value)


# --- local folder specifics ---------------------------------------------------------------------

def test_local_files_are_named_by_time_then_id_and_readable_by_their_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    mailer = LocalFolderMailer(folder, sender=SENDER)
    ids = [mailer.send(a_message(subject=f"№ {n}")) for n in range(3)]

    names = sorted(p.name for p in folder.iterdir())
    assert [name.split("-", 1)[1] for name in names] == [f"{i}.eml" for i in ids]
    assert all(name[:8].isdigit() and name[8] == "T" for name in names)
    if os.name == "posix":
        assert all(stat.S_IMODE((folder / n).stat().st_mode) == 0o600 for n in names)


def test_local_outbox_finds_the_latest_email_to_an_address_however_it_is_written(tmp_path: Path) -> None:
    mailer = LocalFolderMailer(tmp_path / "mail", sender=SENDER)
    mailer.send(a_message(text="Ваш код: 111111"))
    mailer.send(a_message(to="someone.else@omk.ru", text="Ваш код: 222222"))
    mailer.send(a_message(text="Ваш код: 333333"))
    outbox = LocalOutbox(tmp_path / "mail", tmp_path / "sms.jsonl")

    latest = outbox.latest_email("  ivan.petrov@TRUBNY-ZAVOD.ru ")

    assert latest is not None and latest.text == "Ваш код: 333333"
    assert len(outbox.emails()) == 3
    assert outbox.latest_email("nobody@omk.ru") is None
    assert LocalOutbox(tmp_path / "none", tmp_path / "none.jsonl").emails() == []
