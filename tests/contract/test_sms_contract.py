"""One contract for the SmsSender port: the local outbox file, SMS.ru (a faithful local fake), and the
real SMS.ru when OMK_SMSRU_API_ID is set (then in its documented dry-run mode, test=1: nothing is sent).

Whatever the gateway, a message is accepted with a delivery id, arrives once with its text intact
to the number in E.164, and a gateway that is down or refuses the credentials is DeliveryFailed.
SMS.ru's protocol details and the outbox file's concurrency follow the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

import attrs
import pytest

from omk_adapters.notify.local import LocalFolderSmsSender, LocalOutbox
from omk_adapters.notify.smsru import SmsRuSender
from omk_domain.notifications.messages import DeliveryFailed, RecipientRefused, SmsMessage
from omk_domain.ports import SmsSender
from tests.contract.fake_smsru import FakeSmsRu
from tests.contract.smtp_server import free_port

pytestmark = pytest.mark.contract

API_ID = "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B"
REAL_API_ID = os.environ.get("OMK_SMSRU_API_ID", "")
REAL_URL = os.environ.get("OMK_SMSRU_URL", "https://sms.ru")
#: the number the real-gateway run addresses; with test=1 SMS.ru checks it but sends nothing
PHONE = os.environ.get("OMK_SMSRU_TEST_PHONE", "+79123456789")
TEXT = "Код входа в личный кабинет ОМК: 482913. Никому не сообщайте его — даже сотрудникам «ОМК»."


@attrs.frozen
class Arrived:
    to: str
    text: str


class Harness(Protocol):
    sender: SmsSender

    def arrived(self) -> list[Arrived] | None:
        """What reached the phones; None where the gateway cannot be observed."""
    def unreachable(self) -> SmsSender: ...
    def with_wrong_credentials(self) -> SmsSender: ...


class LocalHarness:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sender = LocalFolderSmsSender(path)

    def arrived(self) -> list[Arrived]:
        return [Arrived(s.to, s.text) for s in LocalOutbox(self.path.parent / "mail", self.path).sms()]

    def unreachable(self) -> SmsSender:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        blocker = self.path.parent / "not-a-folder"
        blocker.write_text("a file where the outbox folder should be", encoding="utf-8")
        return LocalFolderSmsSender(blocker / "sms.jsonl")

    def with_wrong_credentials(self) -> SmsSender:
        pytest.skip("the local outbox file has no credentials")


class FakeSmsRuHarness:
    def __init__(self, fake: FakeSmsRu) -> None:
        self.fake = fake
        self.sender = SmsRuSender(API_ID, base_url=fake.url, timeout=5)

    def arrived(self) -> list[Arrived]:
        assert self.fake.problems == [], "the adapter broke the documented protocol"
        return [Arrived("+" + d.to, d.text) for d in self.fake.delivered]

    def unreachable(self) -> SmsSender:
        return SmsRuSender(API_ID, base_url=f"http://127.0.0.1:{free_port()}", timeout=2)

    def with_wrong_credentials(self) -> SmsSender:
        return SmsRuSender("00000000-0000-0000-0000-000000000000", base_url=self.fake.url, timeout=5)


class RealSmsRuHarness:
    """The real gateway in its documented dry-run mode (test=1): checked, not sent, not paid."""

    def __init__(self) -> None:
        self.sender = SmsRuSender(REAL_API_ID, base_url=REAL_URL, test=True, timeout=15)

    def arrived(self) -> list[Arrived] | None:
        return None  # with test=1 the real SMS.ru sends nothing that could be observed

    def unreachable(self) -> SmsSender:
        return SmsRuSender(REAL_API_ID, base_url=f"http://127.0.0.1:{free_port()}", test=True, timeout=2)

    def with_wrong_credentials(self) -> SmsSender:
        return SmsRuSender("00000000-0000-0000-0000-000000000000", base_url=REAL_URL, test=True, timeout=15)


@pytest.fixture()
def fake_smsru() -> Iterator[FakeSmsRu]:
    fake = FakeSmsRu(API_ID).start()
    yield fake
    fake.stop()


@pytest.fixture(params=["local-folder", "smsru-fake", "smsru-real"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "local-folder":
        yield LocalHarness(tmp_path / "outbox" / "sms.jsonl")
    elif request.param == "smsru-fake":
        yield FakeSmsRuHarness(request.getfixturevalue("fake_smsru"))
    else:
        # never forced by OMK_REQUIRE_SERVICES: the real gateway cannot be run here, only configured
        if not REAL_API_ID:
            pytest.skip("set OMK_SMSRU_API_ID to run against the real SMS.ru")
        yield RealSmsRuHarness()


def observed(harness: Harness) -> list[Arrived]:
    arrived = harness.arrived()
    if arrived is None:
        pytest.skip("with test=1 the real SMS.ru sends nothing that could be observed")
    return arrived


def an_sms(**changes: object) -> SmsMessage:
    values: dict[str, object] = {"to": PHONE, "text": TEXT}
    return SmsMessage(**(values | changes))  # type: ignore[arg-type]


# --- the contract -------------------------------------------------------------------------------

def test_a_message_is_accepted_with_a_delivery_id(harness: Harness) -> None:
    delivery_id = harness.sender.send(an_sms())

    assert isinstance(delivery_id, str) and delivery_id


def test_the_text_arrives_once_intact_to_the_number_in_e164(harness: Harness) -> None:
    harness.sender.send(an_sms(to="8 (912) 345-67-89"))

    assert observed(harness) == [Arrived("+79123456789", TEXT)]


def test_each_message_gets_its_own_delivery_id_and_they_arrive_in_order(harness: Harness) -> None:
    ids = [harness.sender.send(an_sms(text=f"Код: {n}00000")) for n in range(1, 4)]

    assert len(set(ids)) == 3
    assert [a.text for a in observed(harness)] == ["Код: 100000", "Код: 200000", "Код: 300000"]


def test_the_gateway_being_down_is_delivery_failed_not_a_socket_error(harness: Harness) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        harness.unreachable().send(an_sms())

    assert failed.value.kind == "unavailable"
    assert not isinstance(failed.value, OSError)


def test_wrong_credentials_are_delivery_failed(harness: Harness) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        harness.with_wrong_credentials().send(an_sms())

    assert failed.value.kind == "unavailable"
    assert failed.value.gateway_code == "200"  # SMS.ru: «Неправильный api_id»
    assert harness.arrived() in ([], None)


# --- SMS.ru: the documented protocol, against the fake ------------------------------------------

def test_smsru_posts_the_documented_form(fake_smsru: FakeSmsRu) -> None:
    SmsRuSender(API_ID, base_url=fake_smsru.url, sender="OMK").send(an_sms(to="+7 912 345-67-89"))

    assert fake_smsru.problems == []
    assert fake_smsru.requests == [{"api_id": API_ID, "to": "79123456789", "msg": TEXT, "json": "1", "from": "OMK"}]


def test_smsru_returns_the_gateways_sms_id(fake_smsru: FakeSmsRu) -> None:
    sms_id = SmsRuSender(API_ID, base_url=fake_smsru.url).send(an_sms())

    assert sms_id == fake_smsru.delivered[0].sms_id


def test_smsru_test_mode_is_a_dry_run_that_sends_and_charges_nothing(fake_smsru: FakeSmsRu) -> None:
    balance = fake_smsru.balance

    sms_id = SmsRuSender(API_ID, base_url=fake_smsru.url, test=True).send(an_sms())

    assert sms_id
    assert fake_smsru.requests[0]["test"] == "1"
    assert fake_smsru.delivered == []
    assert fake_smsru.balance == balance


def test_smsru_a_number_without_a_route_is_recipient_refused_with_its_code(fake_smsru: FakeSmsRu) -> None:
    fake_smsru.unroutable.add("79990000000")

    with pytest.raises(RecipientRefused) as refused:
        SmsRuSender(API_ID, base_url=fake_smsru.url).send(an_sms(to="+79990000000"))

    assert refused.value.gateway_code == "207"
    assert "нет маршрута" in refused.value.reason
    assert fake_smsru.delivered == []


def test_smsru_a_number_the_gateway_finds_wrong_is_recipient_refused(fake_smsru: FakeSmsRu) -> None:
    with pytest.raises(RecipientRefused) as refused:
        SmsRuSender(API_ID, base_url=fake_smsru.url).send(an_sms(to="+4930123456"))  # valid E.164, too short for it

    assert refused.value.gateway_code == "202"


@pytest.mark.parametrize(("set_up", "code"), [
    ({"outage": 220}, "220"),  # Сервис временно недоступен
    ({"outage": 500}, "500"),  # Ошибка на сервере
    ({"balance": 0.0}, "201"),  # Не хватает средств на лицевом счету
])
def test_smsru_a_request_wide_refusal_is_delivery_failed_with_its_code(fake_smsru: FakeSmsRu,
                                                                        set_up: dict[str, Any], code: str) -> None:
    for name, value in set_up.items():
        setattr(fake_smsru, name, value)

    with pytest.raises(DeliveryFailed) as failed:
        SmsRuSender(API_ID, base_url=fake_smsru.url).send(an_sms())

    assert failed.value.gateway_code == code
    assert failed.value.kind == "unavailable"


def test_the_fake_smsru_refuses_what_the_real_one_refuses(fake_smsru: FakeSmsRu) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{fake_smsru.url}/sms/send?api_id={API_ID}&to=79123456789&msg=x&json=1",
                                timeout=5) as response:
        assert json.loads(response.read())["status_code"] == 210  # GET where POST is required
    form = b"api_id=" + API_ID.encode() + b"&to=79123456789&msg=%CF%F0%E8&json=1"  # cp1251, not UTF-8
    request = urllib.request.Request(f"{fake_smsru.url}/sms/send", data=form, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["status_code"] == 212
    assert fake_smsru.delivered == []


class _Misbehaving(BaseHTTPRequestHandler):
    status, body = 200, b""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.mark.parametrize(("status", "body", "says"), [
    (502, b"<html>Bad Gateway</html>", "HTTP 502"),
    (200, b"<html>maintenance</html>", "not a JSON answer"),
    (200, b'{"status": "OK", "status_code": 100, "sms": {}}', "no result for the number"),
    (200, b'{"status": "OK", "sms": {"79123456789": {"status": "OK", "status_code": 100}}}', "no sms_id"),
], ids=["http-error", "not-json", "no-result", "no-sms-id"])
def test_smsru_an_answer_outside_the_protocol_is_delivery_failed(status: int, body: bytes, says: str) -> None:
    handler = type("Handler", (_Misbehaving,), {"status": status, "body": body})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with pytest.raises(DeliveryFailed) as failed:
            SmsRuSender(API_ID, base_url=f"http://127.0.0.1:{server.server_address[1]}", timeout=5).send(an_sms())
    finally:
        server.shutdown()
        server.server_close()

    assert says in failed.value.reason


def test_smsru_a_gateway_that_never_answers_fails_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        sender = SmsRuSender(API_ID, base_url=f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        started = time.monotonic()

        with pytest.raises(DeliveryFailed, match=r"(?i)timed out"):
            sender.send(an_sms())

        assert time.monotonic() - started < 3


# --- the local outbox file ----------------------------------------------------------------------

_WRITER = """
import sys
from pathlib import Path
from omk_adapters.notify.local import LocalFolderSmsSender
from omk_domain.notifications.messages import SmsMessage
sender = LocalFolderSmsSender(Path(sys.argv[1]))
for n in range(int(sys.argv[3])):
    sender.send(SmsMessage(to="+79123456789", text=f"{sys.argv[2]}-{n} " + "Ж" * 300))
"""


def test_local_lines_stay_whole_with_several_threads_and_processes_appending(tmp_path: Path) -> None:
    path = tmp_path / "outbox" / "sms.jsonl"
    sender = LocalFolderSmsSender(path)
    processes = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), f"p{p}", "40"]) for p in range(2)]

    def write(thread: int) -> None:
        for n in range(40):
            sender.send(an_sms(text=f"t{thread}-{n} " + "Ж" * 300))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(process.wait(timeout=60) == 0 for process in processes)

    lines = path.read_bytes().splitlines()
    texts = [json.loads(line)["text"].split()[0] for line in lines]  # every line is whole JSON
    assert len(texts) == 6 * 40
    assert sorted(texts) == sorted([f"t{t}-{n}" for t in range(4) for n in range(40)]
                                   + [f"p{p}-{n}" for p in range(2) for n in range(40)])


def test_local_outbox_finds_the_latest_sms_to_a_number_however_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    sender = LocalFolderSmsSender(path)
    sender.send(an_sms(text="Код: 111111"))
    sender.send(an_sms(to="+79990000000", text="Код: 222222"))
    sender.send(an_sms(text="Код: 333333"))
    with path.open("ab") as file:
        file.write(b'{"id": "half a li')  # a line still being written is not an SMS yet
    outbox = LocalOutbox(tmp_path / "mail", path)

    latest = outbox.latest_sms("8 912 345 67 89")

    assert latest is not None and latest.text == "Код: 333333"
    assert [s.text for s in outbox.sms("+7 (912) 345-67-89")] == ["Код: 111111", "Код: 333333"]
    assert len(outbox.sms()) == 3
    assert outbox.latest_sms("+79000000000") is None
