"""The service-request store on every adapter (in memory, SQLite, PostgreSQL): requests kept whole,
scoped by organisation in the query itself, newest first, filtered and paged; and the use cases —
send with an emailed acknowledgement, list, take, answer, close — run through the bus on each store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.notify.local import LocalFolderMailer, LocalOutbox, mail_folder
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ListAudit
from omk_domain.app.requests import (
    AnswerRequest,
    CloseRequest,
    ListRequests,
    SendRequest,
    ShowRequest,
    TakeRequest,
)
from omk_domain.identity.model import Actor, Membership, Organization, Role, User
from omk_domain.ports import AuditFilter, RequestFilter, UnitOfWork
from omk_domain.requests import RequestNotFound, RequestStatus, Service, ServiceRequest
from omk_domain.requests.errors import RequestStatusChangeNotAllowed
from tests.contract.backends import Backend
from tests.contract.builders import T0, inn

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
SUPPORT = Actor(user_id="support-1", role=Role.SUPPORT)


def _org(uow_factory: UowFactory, n: int) -> Organization:
    org = Organization.register(name=f"ООО Заказчик {n}", inn=inn(n), now=T0)
    with uow_factory() as uow:
        uow.organizations.add(org)
        uow.commit()
    return org


def _request(org: Organization, n: int, *, service: Service = Service.FINANCE,
             minutes: int = 0) -> ServiceRequest:
    return ServiceRequest.send(organization_id=org.id, user_id=f"user-{n}", author_name=f"Автор {n}",
                               author_email=f"author{n}@example.ru", service=service, subject=f"Вопрос {n}",
                               text="Прошу сверить взаиморасчёты за ноябрь.", contact_phone="8 912 345-67-89",
                               now=T0 + timedelta(minutes=minutes))


def _store(uow_factory: UowFactory, *requests: ServiceRequest) -> None:
    with uow_factory() as uow:
        for request in requests:
            uow.requests.add(request)
        uow.commit()


def test_a_stored_request_comes_back_whole(uow_factory: UowFactory) -> None:
    org = _org(uow_factory, 1)
    request = _request(org, 1)
    _store(uow_factory, request)

    with uow_factory() as uow:
        found = uow.requests.get(request.id)

    assert found == request
    assert found is not None and found.contact_phone == "+79123456789" and found.status is RequestStatus.NEW


def test_another_organisations_request_is_not_found_when_asked_for_within_an_organisation(
        uow_factory: UowFactory) -> None:
    mine, theirs = _org(uow_factory, 1), _org(uow_factory, 2)
    request = _request(theirs, 1)
    _store(uow_factory, request)

    with uow_factory() as uow:
        assert uow.requests.get(request.id, organization_id=mine.id) is None
        assert uow.requests.get(request.id, organization_id=theirs.id) == request
        assert uow.requests.get("missing") is None


def test_nothing_is_kept_without_commit(uow_factory: UowFactory) -> None:
    org = _org(uow_factory, 1)
    request = _request(org, 1)
    with uow_factory() as uow:
        uow.requests.add(request)

    with uow_factory() as uow:
        assert uow.requests.get(request.id) is None


def test_saving_keeps_the_status_the_answer_and_who_handled_it(uow_factory: UowFactory) -> None:
    org = _org(uow_factory, 1)
    request = _request(org, 1)
    _store(uow_factory, request)

    with uow_factory() as uow:
        loaded = uow.requests.get(request.id)
        assert loaded is not None
        loaded.take(by="support-1", now=T0 + timedelta(hours=1))
        loaded.reply("Акт сверки направлен на почту.", by="support-1", now=T0 + timedelta(hours=2))
        uow.requests.save(loaded)
        uow.commit()

    with uow_factory() as uow:
        found = uow.requests.get(request.id)
    assert found is not None
    assert (found.status, found.answer, found.answered_at, found.handled_by, found.updated_at) == (
        RequestStatus.ANSWERED, "Акт сверки направлен на почту.", T0 + timedelta(hours=2), "support-1",
        T0 + timedelta(hours=2))


def test_lists_are_newest_first_scoped_filtered_paged_and_counted(uow_factory: UowFactory) -> None:
    one, two = _org(uow_factory, 1), _org(uow_factory, 2)
    a = _request(one, 1, service=Service.FINANCE, minutes=1)
    b = _request(one, 2, service=Service.QUALITY, minutes=2)
    c = _request(two, 3, service=Service.FINANCE, minutes=3)
    d = _request(one, 4, service=Service.FINANCE, minutes=4)
    _store(uow_factory, a, b, c, d)

    with uow_factory() as uow:
        ids = lambda flt: [r.id for r in uow.requests.list(flt)]  # noqa: E731
        assert ids(RequestFilter()) == [d.id, c.id, b.id, a.id]
        assert ids(RequestFilter(organization_id=one.id)) == [d.id, b.id, a.id]
        assert ids(RequestFilter(organization_id=one.id, service=Service.FINANCE)) == [d.id, a.id]
        assert ids(RequestFilter(organization_ids=frozenset({two.id}))) == [c.id]
        assert ids(RequestFilter(organization_ids=frozenset())) == []
        assert ids(RequestFilter(status=RequestStatus.CLOSED)) == []
        assert ids(RequestFilter(limit=2, offset=1)) == [c.id, b.id]
        assert uow.requests.count(RequestFilter(limit=1)) == 4
        assert uow.requests.count(RequestFilter(organization_id=one.id, service=Service.FINANCE)) == 2
        assert uow.requests.count(RequestFilter(organization_ids=frozenset())) == 0


def _client(uow_factory: UowFactory, org: Organization, email: str, role: Role = Role.BUYER) -> Actor:
    user = User.create(email=email, full_name="Анна Петрова", role=role, organization_id=org.id, now=T0)
    with uow_factory() as uow:
        uow.users.add(user)
        membership = Membership.start(user_id=user.id, organization_id=org.id, now=T0)
        membership.grant(frozenset({role}))
        uow.memberships.add(membership)
        uow.commit()
    return Actor(user_id=user.id, role=role, organization_id=org.id)


def test_the_whole_life_of_a_request_runs_on_every_store(backend: Backend, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    bus = MessageBus(uow_factory=backend.uow_factory, clock=clock, deps={
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock)})
    mine, theirs = _org(backend.uow_factory, 1), _org(backend.uow_factory, 2)
    anna = _client(backend.uow_factory, mine, "anna@zakazchik1.ru")
    boris = _client(backend.uow_factory, theirs, "boris@zakazchik2.ru")

    sent = bus.handle(SendRequest(service="quality", subject="Сертификат на партию 123",
                                  text="Пришлите, пожалуйста, сертификат качества на плавку 77-123.",
                                  source="203.0.113.5"), anna)

    assert sent.acknowledged
    letter = LocalOutbox.in_data_dir(tmp_path).latest_email("anna@zakazchik1.ru")
    assert letter is not None and sent.request.number in letter.subject and "Качество и сертификаты" in letter.text
    assert bus.handle(ListRequests(), anna).total == 1
    assert bus.handle(ListRequests(), boris).total == 0
    with pytest.raises(RequestNotFound):
        bus.handle(ShowRequest(request_id=sent.request.id), boris)
    assert bus.handle(ListRequests(status=RequestStatus.NEW), SUPPORT).items[0].id == sent.request.id

    clock.advance(timedelta(hours=1))
    bus.handle(TakeRequest(request_id=sent.request.id), SUPPORT)
    answered = bus.handle(AnswerRequest(request_id=sent.request.id, answer="Сертификат приложен к заказу."), SUPPORT)
    closed = bus.handle(CloseRequest(request_id=sent.request.id), SUPPORT)

    assert (answered.status, closed.status) == ("answered", "closed")
    assert bus.handle(ShowRequest(request_id=sent.request.id), anna).answer == "Сертификат приложен к заказу."
    reply = LocalOutbox.in_data_dir(tmp_path).latest_email("anna@zakazchik1.ru")
    assert reply is not None and "Сертификат приложен к заказу." in reply.text
    with pytest.raises(RequestStatusChangeNotAllowed):
        bus.handle(TakeRequest(request_id=sent.request.id), SUPPORT)
    actions = [e.action for e in bus.handle(ListAudit(filter=AuditFilter(action="request")),
                                            Actor(user_id="admin", role=Role.SYSTEM_ADMIN))]
    assert actions == ["request.closed", "request.answered", "request.taken", "request.sent"]
