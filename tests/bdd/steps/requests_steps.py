"""Service-request steps: clients write to OMK services through the bus on in-memory adapters, letters go to
a local outbox folder, and OMK support (or an account manager) works the requests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from pytest_bdd import given, parsers, then, when

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_adapters.notify.local import LocalFolderMailer, LocalOutbox, mail_folder
from omk_domain.app import usecases  # noqa: F401  (registers every use case with the bus)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import EditOrganization, RegisterOrganization, RegisterUser
from omk_domain.app.requests import (
    AnswerRequest,
    CloseRequest,
    ListRequests,
    RequestView,
    SendRequest,
    ShowRequest,
    TakeRequest,
)
from omk_domain.identity.model import Actor, Role
from omk_domain.requests import RequestNotFound, RequestStatus, RequestStatusChangeNotAllowed
from omk_domain.requests.errors import RequestSubjectInvalid, RequestTextInvalid, ServiceUnknown
from omk_domain.requests.model import SERVICE_LABELS_RU, STATUS_LABELS_RU
from omk_domain.shared.errors import DomainError, Forbidden
from tests.contract.builders import T0, inn

ADMIN = Actor(user_id="admin", role=Role.SYSTEM_ADMIN)
SUPPORT = Actor(user_id="support", role=Role.SUPPORT)
ORG = r"(?P<org>ООО «[^»]+»)"
PERSON = r"«(?P<person>[^»]+)»"
SERVICE_BY_LABEL = {label: service.value for service, label in SERVICE_LABELS_RU.items()}
STATUS_BY_LABEL = {label: status for status, label in STATUS_LABELS_RU.items()}
REASONS: dict[str, type[DomainError]] = {
    "выберите службу ОМК": ServiceUnknown,
    "тема обращения — от 3 до 200 символов": RequestSubjectInvalid,
    "текст обращения — от 10 до 5000 символов": RequestTextInvalid,
    "статусы идут только вперёд": RequestStatusChangeNotAllowed,
    "недостаточно прав": Forbidden,
}


@attrs.define
class Desk:
    """One scenario's OMK: organisations and people by name, requests by subject, the last outcome."""

    bus: MessageBus
    clock: ManualClock
    tmp_path: Path
    organizations: dict[str, str] = attrs.field(factory=dict)
    people: dict[str, Actor] = attrs.field(factory=dict)
    emails: dict[str, str] = attrs.field(factory=dict)
    requests: dict[str, str] = attrs.field(factory=dict)
    result: Any = None
    error: DomainError | None = None

    @property
    def outbox(self) -> LocalOutbox:
        return LocalOutbox.in_data_dir(self.tmp_path)

    def attempt(self, command: Any, actor: Actor) -> None:
        self.clock.advance(timedelta(seconds=1))
        try:
            self.result, self.error = self.bus.handle(command, actor), None
        except DomainError as error:
            self.result, self.error = None, error

    def request_id(self, subject: str) -> str:
        return self.requests[subject]

    def view(self, subject: str) -> RequestView:
        return self.bus.handle(ShowRequest(request_id=self.request_id(subject)), SUPPORT)  # type: ignore[no-any-return]


@pytest.fixture()
def desk(tmp_path: Path) -> Desk:
    store = MemoryStore()
    clock = ManualClock(T0)
    bus = MessageBus(uow_factory=lambda: MemoryUnitOfWork(store), clock=clock, deps={
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock)})
    return Desk(bus=bus, clock=clock, tmp_path=tmp_path)


def _send(desk: Desk, person: str, service_label: str, subject: str, text: str) -> None:
    desk.attempt(SendRequest(service=SERVICE_BY_LABEL.get(service_label, service_label), subject=subject, text=text),
                 desk.people[person])
    if desk.error is None:
        desk.requests[subject] = desk.result.request.id


# --- given ----------------------------------------------------------------------------------

@given(parsers.re(rf"клиенты ОМК — {ORG.replace('org', 'first')} и {ORG.replace('org', 'second')}"))
def clients(desk: Desk, first: str, second: str) -> None:
    for n, name in enumerate((first, second), start=1):
        org = desk.bus.handle(RegisterOrganization(name=name, inn=inn(100 + n)), ADMIN)
        desk.organizations[name] = org.id


@given(parsers.re(rf"{PERSON} пишет в ОМК от имени {ORG}"))
def writer(desk: Desk, person: str, org: str) -> None:
    email = f"writer{len(desk.people) + 1}@client.ru"
    user = desk.bus.handle(RegisterUser(email=email, full_name=person, role=Role.BUYER,
                                        organization_id=desk.organizations[org]), ADMIN)
    desk.people[person] = Actor(user_id=user.id, role=Role.BUYER, organization_id=desk.organizations[org])
    desk.emails[person] = email


@given(parsers.re(rf"за {ORG} закреплён менеджер ОМК {PERSON}"))
def manager(desk: Desk, org: str, person: str) -> None:
    user = desk.bus.handle(RegisterUser(email="manager@omk.ru", full_name=person, role=Role.ACCOUNT_MANAGER), ADMIN)
    desk.bus.handle(EditOrganization(organization_id=desk.organizations[org], manager_user_id=user.id), ADMIN)
    desk.people[person] = Actor(user_id=user.id, role=Role.ACCOUNT_MANAGER)


@given("почтовый сервер недоступен")
def mail_down(desk: Desk) -> None:
    blocker = desk.tmp_path / "not-a-folder"
    blocker.write_text("a file where the mail folder should be")
    desk.bus.deps = {**desk.bus.deps, "mailer": LocalFolderMailer(blocker / "mail", sender="noreply@omk.local",
                                                                  clock=desk.clock)}


@given(parsers.re(rf"{PERSON} (?:отправила|отправил) обращение «(?P<subject>[^»]+)» в службу «(?P<service>[^»]+)»"))
def sent_before(desk: Desk, person: str, subject: str, service: str) -> None:
    _send(desk, person, service, subject, f"Вопрос по теме «{subject}»: просим ответить.")
    assert desk.error is None, desk.error


@given(parsers.re(r"обращение «(?P<subject>[^»]+)» доведено до статуса «(?P<status>[^»]+)»"))
def brought_to(desk: Desk, subject: str, status: str) -> None:
    target = STATUS_BY_LABEL[status]
    request_id = desk.request_id(subject)
    path = {RequestStatus.NEW: [], RequestStatus.IN_PROGRESS: [TakeRequest(request_id=request_id)],
            RequestStatus.ANSWERED: [TakeRequest(request_id=request_id),
                                     AnswerRequest(request_id=request_id, answer="Ответ дан.")],
            RequestStatus.CLOSED: [CloseRequest(request_id=request_id)]}[target]
    for command in path:
        desk.bus.handle(command, SUPPORT)
    assert desk.view(subject).status == target.value


# --- when -----------------------------------------------------------------------------------

@when(parsers.re(rf"{PERSON} пишет в службу «(?P<service>[^»]*)» с темой «(?P<subject>[^»]*)» "
                 r"и текстом «(?P<text>[^»]*)»"))
def writes(desk: Desk, person: str, service: str, subject: str, text: str) -> None:
    _send(desk, person, service, subject, text)


@when(parsers.re(r"поддержка ОМК (?P<action>берёт в работу|закрывает|отвечает на) обращение «(?P<subject>[^»]+)»"))
def support_acts(desk: Desk, action: str, subject: str) -> None:
    request_id = desk.request_id(subject)
    command = {"берёт в работу": TakeRequest(request_id=request_id), "закрывает": CloseRequest(request_id=request_id),
               "отвечает на": AnswerRequest(request_id=request_id, answer="Ответ дан.")}[action]
    desk.attempt(command, SUPPORT)


@when(parsers.re(r"поддержка ОМК отвечает на обращение «(?P<subject>[^»]+)»: «(?P<answer>[^»]+)»"))
def support_answers(desk: Desk, subject: str, answer: str) -> None:
    desk.attempt(AnswerRequest(request_id=desk.request_id(subject), answer=answer), SUPPORT)
    assert desk.error is None, desk.error


@when(parsers.re(rf"{PERSON} пытается закрыть обращение «(?P<subject>[^»]+)»"))
def client_closes(desk: Desk, person: str, subject: str) -> None:
    desk.attempt(CloseRequest(request_id=desk.request_id(subject)), desk.people[person])


# --- then -----------------------------------------------------------------------------------

@then(parsers.re(r"обращение принято со статусом «(?P<status>[^»]+)»"))
def accepted(desk: Desk, status: str) -> None:
    assert desk.error is None, f"refused: {desk.error}"
    assert desk.result.request.status == STATUS_BY_LABEL[status].value


@then(parsers.re(r"обращение не принято: (?P<reason>.+)"))
def not_accepted(desk: Desk, reason: str) -> None:
    assert desk.error is not None, "the request was accepted"
    assert isinstance(desk.error, REASONS[reason]), f"refused for another reason: {desk.error.code}"
    stem = reason.split(" — ", maxsplit=1)[0].lower()
    assert desk.error.user_message().lower().startswith(stem), desk.error.user_message()


@then(parsers.re(rf"у {ORG} обращений: (?P<count>\d+)"))
def organisation_count(desk: Desk, org: str, count: str) -> None:
    member = next(a for a in desk.people.values() if a.organization_id == desk.organizations[org])
    assert desk.bus.handle(ListRequests(), member).total == int(count)


@then(parsers.re(rf"{PERSON} получает письмо о том, что обращение в службу «(?P<service>[^»]+)» принято, "
                 r"с его номером"))
def acknowledged(desk: Desk, person: str, service: str) -> None:
    letter = desk.outbox.latest_email(desk.emails[person])
    assert letter is not None, "no letter"
    number = desk.result.request.number
    assert f"Обращение № {number} принято" == letter.subject
    assert f"«{service}»" in letter.text and desk.result.acknowledged


@then("письмо о приёме обращения не отправлено")
def not_acknowledged(desk: Desk) -> None:
    assert desk.result.acknowledged is False
    assert desk.outbox.emails() == []


@then(parsers.re(rf"{PERSON} не находит обращение «(?P<subject>[^»]+)»"))
def cannot_find(desk: Desk, person: str, subject: str) -> None:
    with pytest.raises(RequestNotFound):
        desk.bus.handle(ShowRequest(request_id=desk.request_id(subject)), desk.people[person])
    assert desk.request_id(subject) not in {r.id for r in desk.bus.handle(ListRequests(), desk.people[person]).items}


@then(parsers.re(rf"менеджер {PERSON} не находит обращение «(?P<subject>[^»]+)»"))
def manager_cannot_find(desk: Desk, person: str, subject: str) -> None:
    cannot_find(desk, person, subject)


@then(parsers.re(rf"поддержка ОМК видит обращение «(?P<subject>[^»]+)» от {ORG}"))
def support_sees(desk: Desk, subject: str, org: str) -> None:
    found = desk.bus.handle(ListRequests(service=None), SUPPORT).items
    assert [(r.subject, r.organization_name) for r in found if r.subject == subject] == [(subject, org)]


@then(parsers.re(rf"менеджер {PERSON} видит только обращение «(?P<subject>[^»]+)»"))
def manager_sees_only(desk: Desk, person: str, subject: str) -> None:
    assert [r.subject for r in desk.bus.handle(ListRequests(), desk.people[person]).items] == [subject]


@then(parsers.re(r"обращение «(?P<subject>[^»]+)» в статусе «(?P<status>[^»]+)»"))
def status_is(desk: Desk, subject: str, status: str) -> None:
    assert desk.view(subject).status == STATUS_BY_LABEL[status].value


@then(parsers.re(rf"{PERSON} получает письмо с ответом «(?P<answer>[^»]+)»"))
def answer_letter(desk: Desk, person: str, answer: str) -> None:
    letter = desk.outbox.latest_email(desk.emails[person])
    assert letter is not None and letter.subject.startswith("Ответ на обращение") and answer in letter.text


@then("смена статуса принята")
def change_accepted(desk: Desk) -> None:
    assert desk.error is None, f"refused: {desk.error}"


@then(parsers.re(r"смена статуса отклонена: (?P<reason>.+)"))
def change_refused(desk: Desk, reason: str) -> None:
    assert desk.error is not None, "the change was accepted"
    assert isinstance(desk.error, REASONS[reason]), f"refused for another reason: {desk.error.code}"

