"""Service requests: what a request must hold, and how its status moves (only forward)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omk_domain.requests import (
    ContactPhoneInvalid,
    RequestStatus,
    RequestStatusChangeNotAllowed,
    RequestSubjectInvalid,
    RequestTextInvalid,
    Service,
    ServiceRequest,
    ServiceUnknown,
)
from omk_domain.requests.errors import AnswerTextInvalid

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEXT = "Прошу сверить взаиморасчёты за ноябрь."


def send(**overrides: object) -> ServiceRequest:
    values: dict[str, object] = {"organization_id": "org-1", "user_id": "user-1", "author_name": "Анна",
                                 "author_email": "anna@a.ru", "service": "finance", "subject": "Акт сверки",
                                 "text": TEXT, "contact_phone": None, "now": T0}
    values.update(overrides)
    return ServiceRequest.send(**values)  # type: ignore[arg-type]


def test_a_new_request_is_new_addressed_to_its_service_and_trimmed() -> None:
    request = send(subject="  Акт сверки  ", text=f"\r\n{TEXT}\r\nСпасибо.\r\n", contact_phone="8 (912) 345-67-89")

    assert (request.status, request.service, request.subject) == (RequestStatus.NEW, Service.FINANCE, "Акт сверки")
    assert request.text == f"{TEXT}\nСпасибо."
    assert request.contact_phone == "+79123456789"
    assert request.created_at == request.updated_at == T0


@pytest.mark.parametrize(("field", "value", "error"), [
    ("service", "", ServiceUnknown),
    ("service", "marketing", ServiceUnknown),
    ("subject", "Ак", RequestSubjectInvalid),
    ("subject", "А" * 201, RequestSubjectInvalid),
    ("subject", "Акт\nсверки", RequestSubjectInvalid),
    ("subject", None, RequestSubjectInvalid),
    ("text", "Коротко", RequestTextInvalid),
    ("text", "Т" * 5001, RequestTextInvalid),
    ("text", "Текст с \x00 нулём внутри", RequestTextInvalid),
    ("contact_phone", "12345", ContactPhoneInvalid),
])
def test_a_request_without_a_known_service_a_subject_or_a_text_is_refused_in_russian(
        field: str, value: object, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        send(**{field: value})

    assert any("а" <= ch <= "я" for ch in str(caught.value).lower())


@pytest.mark.parametrize(("subject", "text"), [("Акт", "Т" * 10), ("А" * 200, "Т" * 5000)])
def test_the_boundaries_of_subject_and_text_are_accepted(subject: str, text: str) -> None:
    assert send(subject=subject, text=text).subject == subject


def test_a_request_goes_new_in_progress_answered_closed() -> None:
    request = send()
    request.take(by="support", now=T0 + timedelta(minutes=5))
    request.reply("  Акт направлен.  ", by="support", now=T0 + timedelta(minutes=9))
    request.close(by="support", now=T0 + timedelta(minutes=10))

    assert request.status is RequestStatus.CLOSED
    assert (request.answer, request.answered_at, request.updated_at) == (
        "Акт направлен.", T0 + timedelta(minutes=9), T0 + timedelta(minutes=10))


def test_a_new_request_can_be_closed_without_an_answer() -> None:
    request = send()
    request.close(by="support", now=T0)
    assert request.status is RequestStatus.CLOSED


@pytest.mark.parametrize("steps", [
    ("reply",), ("take", "take"), ("close", "take"), ("close", "close"), ("take", "reply", "take"),
])
def test_the_status_never_moves_back_or_skips_the_work(steps: tuple[str, ...]) -> None:
    request = send()
    *before, last = steps
    for step in before:
        _do(request, step)
    status = request.status

    with pytest.raises(RequestStatusChangeNotAllowed):
        _do(request, last)
    assert request.status is status


def test_an_empty_answer_changes_nothing() -> None:
    request = send()
    request.take(by="support", now=T0)
    with pytest.raises(AnswerTextInvalid):
        request.reply(" ", by="support", now=T0)
    assert (request.status, request.answer) == (RequestStatus.IN_PROGRESS, None)


def _do(request: ServiceRequest, step: str) -> None:
    if step == "reply":
        request.reply("Ответ дан.", by="support", now=T0)
    else:
        getattr(request, step)(by="support", now=T0)
