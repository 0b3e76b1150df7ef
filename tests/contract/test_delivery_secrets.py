"""Secrets never leak: the SMTP password and the SMS.ru api_id appear in no log line, no error message,
no repr — whether the message goes through, is refused, or the service is down."""

from __future__ import annotations

import logging
from base64 import b64encode
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import structlog
from structlog.testing import capture_logs

from omk_adapters.notify import make_mailer, make_sms_sender
from omk_adapters.notify.smsru import SmsRuSender
from omk_adapters.notify.smtp import SmtpMailer
from omk_adapters.settings import Settings
from omk_domain.notifications.messages import DeliveryFailed, EmailMessage, SmsMessage
from tests.contract.fake_smsru import FakeSmsRu
from tests.contract.smtp_server import SmtpTestServer, free_port, self_signed

pytestmark = [
    pytest.mark.contract,
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning"),
]

SMTP_PASSWORD = "Sup3r-Secret:pass/word?&"
API_ID = "5EC2E7A1-0000-4E7D-82EE-CF82B52B1A8B"
SENDER = "ОМК Цифровые сервисы <noreply@omk.local>"


def forms_of(secret: str) -> list[str]:
    """The secret as it could show up: plain, percent-encoded, inside AUTH PLAIN's base64."""
    return [secret, quote(secret, safe=""), b64encode(f"\0omk\0{secret}".encode()).decode()]


class Leaks:
    """Collects everything a person or a log collector could see, and checks it for secrets."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.seen: list[str] = []

    def attempt(self, action: Callable[[], object]) -> None:
        try:
            action()
        except DeliveryFailed as exc:
            self.seen += [str(exc), repr(exc), exc.user_message(), repr(exc.as_dict()), exc.reason]

    def assert_nothing_shows(self, secret: str, structlog_entries: list[dict[str, object]]) -> None:
        self.seen += [repr(entry) for entry in structlog_entries]
        # every stdlib record but the test SMTP server's own ("mail.log"), which logs the AUTH exchange
        self.seen += [f"{r.getMessage()} {r.exc_text or ''}" for r in self.caplog.records
                      if not r.name.startswith("mail.log")]
        for text in self.seen:
            for form in forms_of(secret):
                assert form not in text, f"secret shown in: {text[:300]}"


@pytest.fixture()
def leaks(caplog: pytest.LogCaptureFixture) -> Iterator[Leaks]:
    caplog.set_level(logging.DEBUG)
    yield Leaks(caplog)


def an_email(to: str = "ivan.petrov@omk.ru") -> EmailMessage:
    return EmailMessage(to=to, subject="Код подтверждения", text="Ваш код: 482913")


def test_the_smtp_password_never_shows(leaks: Leaks, tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    secret = quote(SMTP_PASSWORD, safe="")
    with capture_logs() as entries, SmtpTestServer(user="omk", password=SMTP_PASSWORD,
                                                   starttls=cert.server_context()) as server:
        good = SmtpMailer(f"smtp://omk:{secret}@127.0.0.1:{server.port}?starttls=1", sender=SENDER, timeout=5,
                          ssl_context=cert.client_context())
        leaks.attempt(lambda: good.send(an_email()))
        leaks.attempt(lambda: good.send(an_email("nobody@refused.test")))
        wrong = SmtpMailer(f"smtp://omk:{quote('x' + SMTP_PASSWORD, safe='')}@127.0.0.1:{server.port}?starttls=1",
                           sender=SENDER, timeout=5, ssl_context=cert.client_context())
        leaks.attempt(lambda: wrong.send(an_email()))
        untrusted = SmtpMailer(f"smtp://omk:{secret}@127.0.0.1:{server.port}?starttls=1", sender=SENDER, timeout=5)
        leaks.attempt(lambda: untrusted.send(an_email()))
        down = SmtpMailer(f"smtp://omk:{secret}@127.0.0.1:{free_port()}", sender=SENDER, timeout=2)
        leaks.attempt(lambda: down.send(an_email()))
        leaks.seen += [repr(good), good.where]
        assert len(server.received) == 1  # the good one went through, so every path was taken

    assert {"email sent over SMTP"} <= {e["event"] for e in entries}
    leaks.assert_nothing_shows(SMTP_PASSWORD, entries)


def test_the_smsru_api_id_never_shows(leaks: Leaks) -> None:
    fake = FakeSmsRu(API_ID).start()
    try:
        with capture_logs() as entries:
            sender = SmsRuSender(API_ID, base_url=fake.url, timeout=5)
            sms = SmsMessage(to="+79123456789", text="Код: 482913")
            leaks.attempt(lambda: sender.send(sms))
            fake.unroutable.add("79990000000")
            leaks.attempt(lambda: sender.send(SmsMessage(to="+79990000000", text="Код: 482913")))
            fake.outage = 220
            leaks.attempt(lambda: sender.send(sms))
            fake.outage, fake.api_id = None, "ANOTHER-KEY"  # now ours is the wrong one
            leaks.attempt(lambda: sender.send(sms))
            leaks.attempt(lambda: SmsRuSender(API_ID, base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
                          .send(sms))
            leaks.seen.append(repr(sender))
    finally:
        fake.stop()

    assert len(fake.delivered) == 1
    assert {r["api_id"] for r in fake.requests} == {API_ID}  # it was sent to the gateway, and only there
    assert {"sms sent through SMS.ru", "SMS.ru refused the message"} <= {e["event"] for e in entries}
    leaks.assert_nothing_shows(API_ID, entries)


def test_settings_and_the_adapters_they_make_never_show_secrets(tmp_path: Path) -> None:
    settings = Settings.load({"OMK_DATA_DIR": str(tmp_path),
                              "OMK_SMTP_URL": f"smtps://omk:{quote(SMTP_PASSWORD, safe='')}@mail.omk.ru",
                              "OMK_SMS_GATEWAY": "smsru", "OMK_SMSRU_API_ID": API_ID,
                              "OMK_AMQP_URL": "amqp://omk:amqp-secret@127.0.0.1:5672/%2F"})
    shown = [repr(settings), str(settings), repr(make_mailer(settings)), repr(make_sms_sender(settings))]

    for text in shown:
        for secret in (*forms_of(SMTP_PASSWORD), API_ID, "amqp-secret"):
            assert secret not in text


def test_a_rendered_log_line_of_a_failure_shows_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the real renderer, as the CLI writes logs (JSON lines on stderr), exception included."""
    structlog.configure(processors=[structlog.processors.format_exc_info,
                                    structlog.processors.JSONRenderer(ensure_ascii=False)],
                        logger_factory=structlog.PrintLoggerFactory(), cache_logger_on_first_use=False)
    try:
        log = structlog.get_logger("test")
        fake = FakeSmsRu("ANOTHER-KEY").start()
        try:
            SmsRuSender(API_ID, base_url=fake.url, timeout=5).send(SmsMessage(to="+79123456789", text="Код"))
        except DeliveryFailed:
            log.exception("sending the sign-in code failed")
        finally:
            fake.stop()
        try:
            SmtpMailer(f"smtp://omk:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{free_port()}", sender=SENDER,
                       timeout=2).send(an_email())
        except DeliveryFailed:
            log.exception("sending the email failed")
    finally:
        structlog.reset_defaults()

    output = capsys.readouterr()
    assert "sending the sign-in code failed" in output.out and "200" in output.out
    for secret in (API_ID, *forms_of(SMTP_PASSWORD)):
        assert secret not in output.out + output.err
