"""A local stand-in for SMS.ru's `/sms/send`, strict about the request as SMS.ru documents it.

It checks what the real gateway checks (POST only, form-encoded UTF-8, the api_id, a text, the
numbers) and answers in the documented JSON shape — a top-level ERROR with its code for a
request-wide refusal (200 wrong api_id, 203 no text, 210 GET instead of POST, 212 not UTF-8,
220 service unavailable), per-number results otherwise (202 wrong number, 207 no route). It is
stricter than the real gateway in one way: a parameter SMS.ru does not document is a test
failure (HTTP 400), so a typo in the adapter cannot go unnoticed. `test=1` is answered like a
real send but nothing is delivered and nothing is charged.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

DOCUMENTED = {"api_id", "login", "password", "to", "msg", "json", "from", "ip", "time", "ttl", "daytime",
              "translit", "test", "partner_id"}
PRICE = 1.5


@attrs.frozen
class Delivered:
    """A message the fake accepted for a number (`test` ones are recorded, not delivered)."""

    to: str
    text: str
    sender: str | None
    sms_id: str
    test: bool


@attrs.define
class FakeSmsRu:
    api_id: str
    balance: float = 100.0
    #: numbers the gateway has no route to (answered with a per-number 207)
    unroutable: set[str] = attrs.field(factory=set)
    #: when set, every request is refused with this top-level code (e.g. 220, 500)
    outage: int | None = None
    accepted: list[Delivered] = attrs.field(factory=list)
    requests: list[dict[str, str]] = attrs.field(factory=list)
    problems: list[str] = attrs.field(factory=list)
    _server: ThreadingHTTPServer | None = None
    _ids: Any = attrs.field(factory=lambda: itertools.count(10000000))
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    @property
    def delivered(self) -> list[Delivered]:
        return [d for d in self.accepted if not d.test]

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeSmsRu:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                query = dict(parse_qsl(urlsplit(self.path).query))
                fake.problems.append(f"GET {urlsplit(self.path).path}")
                self._answer(query, _error(210, "Используется GET, где необходимо использовать POST"))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if urlsplit(self.path).path != "/sms/send":
                    self._answer({"json": "1"}, _error(211, "Метод не найден"))
                    return
                content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
                if content_type != "application/x-www-form-urlencoded":
                    self._fail(f"content type {content_type!r}")
                    return
                try:
                    pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True,
                                      encoding="utf-8", errors="strict")
                except (UnicodeDecodeError, ValueError):
                    self._answer({"json": "1"}, _error(212, "Текст сообщения необходимо передать в кодировке UTF-8"))
                    return
                form = dict(pairs)
                names = [name for name, _ in pairs]
                unknown = set(names) - DOCUMENTED
                if unknown or len(names) != len(set(names)):
                    self._fail(f"undocumented or repeated parameters: {sorted(names)}")
                    return
                with fake._lock:
                    fake.requests.append(form)
                    self._answer(form, fake._send(form))

            def _fail(self, problem: str) -> None:
                fake.problems.append(problem)
                self._reply(400, "text/plain; charset=utf-8", problem.encode("utf-8"))

            def _answer(self, form: dict[str, str], answer: dict[str, Any]) -> None:
                if form.get("json") == "1":
                    self._reply(200, "application/json; charset=utf-8",
                                json.dumps(answer, ensure_ascii=False).encode("utf-8"))
                    return
                lines = [str(answer["status_code"])]  # the plain-text form of the same answer
                lines += [r.get("sms_id") or str(r["status_code"]) for r in answer.get("sms", {}).values()]
                if "balance" in answer:
                    lines.append(f"balance={answer['balance']}")
                self._reply(200, "text/plain; charset=utf-8", "\n".join(lines).encode("utf-8"))

            def _reply(self, status: int, content_type: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _send(self, form: dict[str, str]) -> dict[str, Any]:
        if self.outage is not None:
            return _error(self.outage, "Сервис временно недоступен, попробуйте чуть позже")
        if form.get("api_id") != self.api_id:
            return _error(200, "Неправильный api_id")
        text = form.get("msg", "")
        if not text.strip():
            return _error(203, "Нет текста сообщения")
        numbers = [n.strip() for n in form.get("to", "").split(",") if n.strip()]
        if not numbers:
            return _error(202, "Неправильно указан номер телефона получателя, либо на него нет маршрута")
        test = form.get("test") == "1"
        results: dict[str, Any] = {}
        for number in numbers:
            if not number.isdigit() or not 11 <= len(number) <= 15:
                results[number] = {"status": "ERROR", "status_code": 202, "status_text":
                                   "Неправильно указан номер телефона получателя, либо на него нет маршрута"}
            elif number in self.unroutable:
                results[number] = {"status": "ERROR", "status_code": 207,
                                   "status_text": "На этот номер нет маршрута для доставки сообщений"}
            elif not test and self.balance < PRICE:
                return _error(201, "Не хватает средств на лицевом счету")
            else:
                sms_id = f"{next(self._ids) // 10000:06d}-{next(self._ids)}"
                self.accepted.append(Delivered(to=number, text=text, sender=form.get("from"), sms_id=sms_id,
                                               test=test))
                if not test:
                    self.balance = round(self.balance - PRICE, 2)
                results[number] = {"status": "OK", "status_code": 100, "sms_id": sms_id}
        return {"status": "OK", "status_code": 100, "sms": results, "balance": self.balance}


def _error(code: int, text: str) -> dict[str, Any]:
    return {"status": "ERROR", "status_code": code, "status_text": text}
