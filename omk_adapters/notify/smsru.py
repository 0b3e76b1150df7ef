"""SMS through the SMS.ru HTTP API (https://sms.ru/api/send), with the standard library only.

The protocol as SMS.ru documents it — the page "Отправить СМС сообщение HTTP запросом"
(https://sms.ru/api/send, the same page is served at https://tele2.sms.ru/api/send) for the
request and the JSON answer, and the status-code table of the same documentation (as its PDF
edition lists it) for the codes:

* `POST https://sms.ru/sms/send`, form-encoded UTF-8 (a GET where POST is required is code 210,
  a text not in UTF-8 is code 212).
* Parameters: `api_id` (the account's key), `to` (the number, digits in international form
  such as 79255070602, or up to 100 of them comma-separated), `msg` (the text, UTF-8),
  `json=1` (answer in JSON), optional `from` (a sender name approved by SMS.ru; the account's
  default sender otherwise) and `test=1` (simulates sending: nothing is sent, nothing is paid).
* Answer with `json=1`: `{"status": "OK"|"ERROR", "status_code": <int>, "status_text": …,
  "sms": {"<number>": {"status": "OK"|"ERROR", "status_code": <int>, "sms_id": "000000-10000000"
  | "status_text": …}}, "balance": 4122.56}`. A top-level ERROR (e.g. 200 "Неправильный api_id")
  means nothing was sent; with a top-level OK each number carries its own result (e.g. 207
  "На этот номер нет маршрута для доставки сообщений").
* Codes relied on: 100 accepted; 200 wrong api_id; 201 not enough money; 202 wrong number;
  203 no text; 204 operator not enabled for the sender; 205 text too long; 206/230–233 daily and
  duplicate limits; 207 no route to the number; 209 number in your stop-list; 210 GET instead of
  POST; 212 not UTF-8; 214 number abroad while "Russian numbers only" is on; 215 number in the
  SMS.ru stop-list; 216 forbidden word; 220 service temporarily unavailable; 500 server error.

Gateway refusals become DeliveryFailed (RecipientRefused for codes that are about the number)
carrying the gateway's code and its text. The api_id travels in the POST body only, and is
never logged nor put in an error message.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

import structlog

from omk_adapters.notify.mime import mask_phone
from omk_domain.notifications.messages import DeliveryFailed, RecipientRefused, SmsMessage

__all__ = ["STATUS_TEXTS", "SmsRuSender"]

log = structlog.get_logger("omk.notify.smsru")

TRANSPORT = "sms.ru"
DEFAULT_URL = "https://sms.ru"
DEFAULT_TIMEOUT = 10.0
MAX_ANSWER = 1 << 20

#: the documented texts, used when an answer carries a code without its `status_text`
STATUS_TEXTS: dict[int, str] = {
    100: "Сообщение принято к отправке",
    200: "Неправильный api_id",
    201: "Не хватает средств на лицевом счету",
    202: "Неправильно указан номер телефона получателя, либо на него нет маршрута",
    203: "Нет текста сообщения",
    204: "Вы не подключили данного оператора для этого отправителя",
    205: "Сообщение слишком длинное (превышает 8 СМС)",
    206: "Будет превышен или уже превышен дневной лимит на отправку сообщений",
    207: "На этот номер нет маршрута для доставки сообщений",
    208: "Параметр time указан неправильно",
    209: "Вы добавили этот номер (или один из номеров) в стоп-лист",
    210: "Используется GET, где необходимо использовать POST",
    212: "Текст сообщения необходимо передать в кодировке UTF-8",
    214: "Номер находится зарубежом (включена настройка «Отправлять только на номера РФ»)",
    215: "Номер находится в стоп-листе SMS.RU",
    216: "В тексте сообщения содержится запрещённое слово",
    220: "Сервис временно недоступен, попробуйте чуть позже",
    230: "Превышен общий лимит количества сообщений на этот номер в день",
    231: "Превышен лимит одинаковых сообщений на этот номер в минуту",
    232: "Превышен лимит одинаковых сообщений на этот номер в день",
    233: "Превышен лимит отправки повторных сообщений с кодом на этот номер за короткий промежуток времени",
    500: "Ошибка на сервере, повторите запрос",
}
#: codes about the number itself: sending again will not help, the person must give another number
RECIPIENT_CODES = frozenset({202, 207, 209, 214, 215})
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SmsRuSender:
    """SmsSender through SMS.ru; `test=True` makes every send a documented dry run (test=1)."""

    def __init__(self, api_id: str, *, base_url: str = DEFAULT_URL, sender: str | None = None,
                 test: bool = False, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not api_id or not api_id.strip():
            raise ValueError("SMS.ru needs an api_id")
        self._api_id = api_id.strip()
        self.base_url = base_url.rstrip("/")
        self.endpoint = f"{self.base_url}/sms/send"
        self.sender = sender or None
        self.test = test
        self.timeout = timeout
        host = urlsplit(self.base_url).hostname or ""
        # a gateway on this machine (the tests' fake) is reached directly, whatever proxy the environment sets
        handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"SmsRuSender({self.base_url!r}, api_id='***', test={self.test})"

    def send(self, message: SmsMessage) -> str:
        number = message.to.removeprefix("+")
        form = {"api_id": self._api_id, "to": number, "msg": message.text, "json": "1"}
        if self.sender:
            form["from"] = self.sender
        if self.test:
            form["test"] = "1"
        answer = self._post(form)
        if answer.get("status") != "OK":
            raise self._refused(answer, "request refused")
        results = answer.get("sms")
        result = results.get(number, results.get(message.to)) if isinstance(results, dict) else None
        if not isinstance(result, dict):
            raise DeliveryFailed(self._clean(f"SMS.ru: no result for the number in the answer {answer!r}"),
                                 transport=TRANSPORT)
        if result.get("status") != "OK":
            raise self._refused(result, "number refused")
        sms_id = result.get("sms_id")
        if not isinstance(sms_id, str) or not sms_id:
            raise DeliveryFailed(self._clean(f"SMS.ru: no sms_id in the answer {answer!r}"), transport=TRANSPORT)
        log.info("sms sent through SMS.ru", sms_id=sms_id, to=mask_phone(message.to), test=self.test,
                 balance=answer.get("balance"))
        return sms_id

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.endpoint, data=urlencode(form).encode("ascii"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                     "Accept": "application/json", "User-Agent": "omk-digital-services"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryFailed(self._clean(f"SMS.ru at {self.base_url} answered HTTP {exc.code} {exc.reason}"),
                                 transport=TRANSPORT) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryFailed(self._clean(f"SMS.ru at {self.base_url} unreachable: {reason}"),
                                 transport=TRANSPORT) from None
        try:
            answer = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            answer = None
        if not isinstance(answer, dict):
            raise DeliveryFailed(self._clean(f"SMS.ru at {self.base_url}: not a JSON answer: {body[:200]!r}"),
                                 transport=TRANSPORT)
        return answer

    def _refused(self, part: dict[str, Any], what: str) -> DeliveryFailed:
        code = part.get("status_code")
        number = code if isinstance(code, int) else int(str(code)) if str(code).isdigit() else None
        text = part.get("status_text") or STATUS_TEXTS.get(number or 0, "неизвестная ошибка")
        error = RecipientRefused if number in RECIPIENT_CODES else DeliveryFailed
        log.warning("SMS.ru refused the message", code=code, reason=text, test=self.test)
        return error(self._clean(f"SMS.ru: {what}: {code} {text}"), transport=TRANSPORT, gateway_code=code)

    def _clean(self, text: str) -> str:
        return text.replace(self._api_id, "***")
