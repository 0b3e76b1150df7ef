"""A service request: what a client organisation asks of one OMK service, and where it stands."""

from __future__ import annotations

import enum
import re
from datetime import datetime

import attrs

from omk_domain.notifications.messages import PhoneInvalid, normalize_phone
from omk_domain.requests.errors import (
    AnswerTextInvalid,
    ContactPhoneInvalid,
    RequestStatusChangeNotAllowed,
    RequestStatusUnknown,
    RequestSubjectInvalid,
    RequestTextInvalid,
    ServiceUnknown,
)
from omk_domain.shared.ids import new_id

SUBJECT_MIN, SUBJECT_MAX = 3, 200
TEXT_MIN, TEXT_MAX = 10, 5000
ANSWER_MIN, ANSWER_MAX = 2, 5000
#: control characters other than line breaks and tabs: never kept in a request
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Service(enum.Enum):
    """The OMK services a client can write to."""

    AUCTIONS = "auctions"
    SALES = "sales"
    FINANCE = "finance"
    LOGISTICS = "logistics"
    QUALITY = "quality"
    PORTAL = "portal"

    @property
    def label_ru(self) -> str:
        return SERVICE_LABELS_RU[self]

    @classmethod
    def parse(cls, value: object) -> Service:
        """The service named by its code («finance»); ServiceUnknown for anything else."""
        if isinstance(value, Service):
            return value
        try:
            return cls(str(value or "").strip())
        except ValueError:
            raise ServiceUnknown(value=str(value)[:50]) from None


SERVICE_LABELS_RU = {
    Service.AUCTIONS: "Аукционы",
    Service.SALES: "Продажи и заказы",
    Service.FINANCE: "Финансы и расчёты",
    Service.LOGISTICS: "Логистика и отгрузка",
    Service.QUALITY: "Качество и сертификаты",
    Service.PORTAL: "Техническая поддержка портала",
}


class RequestStatus(enum.Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"

    @property
    def label_ru(self) -> str:
        return STATUS_LABELS_RU[self]

    @classmethod
    def parse(cls, value: object) -> RequestStatus:
        """The status named by its code («in_progress»); RequestStatusUnknown for anything else."""
        if isinstance(value, RequestStatus):
            return value
        try:
            return cls(str(value or "").strip())
        except ValueError:
            raise RequestStatusUnknown(value=str(value)[:50]) from None


STATUS_LABELS_RU = {
    RequestStatus.NEW: "новое",
    RequestStatus.IN_PROGRESS: "в работе",
    RequestStatus.ANSWERED: "отвечено",
    RequestStatus.CLOSED: "закрыто",
}

#: where each status may go next: only forward (REQUEST_STATUS_MOVES_FORWARD)
NEXT_STATUSES: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.NEW: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.CLOSED}),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.ANSWERED, RequestStatus.CLOSED}),
    RequestStatus.ANSWERED: frozenset({RequestStatus.CLOSED}),
    RequestStatus.CLOSED: frozenset(),
}


def clean_subject(value: object) -> str:
    """One line of 3–200 characters, inner runs of spaces kept as they are."""
    text = value.strip() if isinstance(value, str) else ""
    if not SUBJECT_MIN <= len(text) <= SUBJECT_MAX or "\n" in text or "\r" in text or _CONTROL.search(text):
        raise RequestSubjectInvalid(length=len(text))
    return text


def _clean_body(value: object, lo: int, hi: int, error: type[RequestTextInvalid | AnswerTextInvalid]) -> str:
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else ""
    if not lo <= len(text) <= hi or _CONTROL.search(text):
        raise error(length=len(text))
    return text


def clean_text(value: object) -> str:
    """10–5000 characters, line breaks kept (as "\n")."""
    return _clean_body(value, TEXT_MIN, TEXT_MAX, RequestTextInvalid)


def clean_answer(value: object) -> str:
    return _clean_body(value, ANSWER_MIN, ANSWER_MAX, AnswerTextInvalid)


def clean_phone(value: object) -> str | None:
    """An optional contact phone in E.164; empty means none."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        return normalize_phone(text)
    except PhoneInvalid:
        raise ContactPhoneInvalid() from None


@attrs.define(kw_only=True)
class ServiceRequest:
    """A request of a client organisation to one OMK service. `user_id` is who sent it (a person, or a
    client system's API token); its name and email are kept as they were when it was sent."""

    id: str
    organization_id: str
    user_id: str
    author_name: str
    author_email: str | None
    service: Service
    subject: str
    text: str
    contact_phone: str | None
    status: RequestStatus
    created_at: datetime
    updated_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    #: who took it, answered it or closed it last (an OMK employee's user id)
    handled_by: str | None = None

    @classmethod
    def send(cls, *, organization_id: str, user_id: str, author_name: str, author_email: str | None,
             service: Service | str, subject: str, text: str, contact_phone: str | None, now: datetime,
             ) -> ServiceRequest:
        """A new request; every field checked (REQUEST_HAS_SERVICE_SUBJECT_AND_TEXT)."""
        return cls(id=new_id(), organization_id=organization_id, user_id=user_id, author_name=author_name,
                   author_email=author_email, service=Service.parse(service), subject=clean_subject(subject),
                   text=clean_text(text), contact_phone=clean_phone(contact_phone), status=RequestStatus.NEW,
                   created_at=now, updated_at=now)

    def _move(self, to: RequestStatus, *, by: str, now: datetime) -> None:
        if to not in NEXT_STATUSES[self.status]:
            raise RequestStatusChangeNotAllowed(current=self.status.value, requested=to.value)
        self.status = to
        self.handled_by = by
        self.updated_at = now

    def take(self, *, by: str, now: datetime) -> None:
        """A new request goes into work."""
        self._move(RequestStatus.IN_PROGRESS, by=by, now=now)

    def reply(self, answer: str, *, by: str, now: datetime) -> None:
        """The answer to a request in work."""
        text = clean_answer(answer)
        self._move(RequestStatus.ANSWERED, by=by, now=now)
        self.answer, self.answered_at = text, now

    def close(self, *, by: str, now: datetime) -> None:
        """Closed: from any status but closed."""
        self._move(RequestStatus.CLOSED, by=by, now=now)
