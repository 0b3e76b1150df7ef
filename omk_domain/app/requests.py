"""Service requests: a client organisation writes to a chosen OMK service and is acknowledged by email;
support staff (and an account manager, for the organisations assigned to it) see them, take them into
work, answer and close them. A client sees only its organisation's requests — scoped in the repository
query — and another organisation's request gets exactly the answer a missing one gets.

Every change is audited in the transaction that makes it; the emails go out after the commit, so a mail
server that is down never loses a request (the outcome says whether the letter went out).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import attrs

from omk_domain.app.bus import handles
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import Actor, User, UserNotFound
from omk_domain.identity.policy import Permission, decide, only_assigned, require
from omk_domain.notifications.messages import DeliveryFailed, EmailMessage
from omk_domain.ports import Mailer, OrganizationFilter, RequestFilter, UnitOfWork
from omk_domain.requests.errors import RequestNotFound, RequestPageInvalid
from omk_domain.requests.model import NEXT_STATUSES, RequestStatus, Service, ServiceRequest
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Forbidden
from omk_domain.shared.messages import Command

P = Permission
MOSCOW = timezone(timedelta(hours=3), "MSK")
#: where the emailed link points when the bus is not given `requests_link_base`
DEFAULT_REQUESTS_LINK_BASE = "http://127.0.0.1:8000/help/requests"
PAGE_MAX = 1000

# audit actions
REQUEST_SENT = "request.sent"
REQUEST_TAKEN = "request.taken"
REQUEST_ANSWERED = "request.answered"
REQUEST_CLOSED = "request.closed"


# --- commands -------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class SendRequest(Command):
    """Send a request to a chosen OMK service for the organisation the actor acts for."""

    service: str
    subject: str
    text: str
    contact_phone: str | None = None
    source: str | None = None


@attrs.frozen(kw_only=True)
class ListRequests(Command):
    """Requests, newest first: a client its organisation's; support every organisation's."""

    service: Service | None = None
    status: RequestStatus | None = None
    limit: int = 50
    offset: int = 0


@attrs.frozen(kw_only=True)
class ShowRequest(Command):
    request_id: str


@attrs.frozen(kw_only=True)
class TakeRequest(Command):
    """Support takes a new request into work."""

    request_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class AnswerRequest(Command):
    """Support answers a request in work; the answer goes to the sender by email too."""

    request_id: str
    answer: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class CloseRequest(Command):
    """Support closes a request (new, in work or answered)."""

    request_id: str
    source: str | None = None


# --- results --------------------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class RequestView:
    """A request as the portal, the API and the CLI show it."""

    id: str
    number: str
    organization_id: str
    organization_name: str
    service: str
    service_label: str
    subject: str
    text: str
    contact_phone: str | None
    status: str
    status_label: str
    author_name: str
    author_email: str | None
    created_at: datetime
    updated_at: datetime
    answer: str | None
    answered_at: datetime | None
    #: the statuses it may move to next (for support's buttons)
    next_statuses: tuple[str, ...]


@attrs.frozen(kw_only=True)
class RequestPage:
    items: tuple[RequestView, ...]
    total: int
    limit: int
    offset: int


@attrs.frozen(kw_only=True)
class SentRequest:
    """The stored request and whether the acknowledgement letter went out."""

    request: RequestView
    acknowledged: bool


def number_of(request_id: str) -> str:
    """A short number people can read out on the phone: the first eight characters of the id."""
    return request_id[:8].upper()


def _view(request: ServiceRequest, organization_name: str) -> RequestView:
    return RequestView(
        id=request.id, number=number_of(request.id), organization_id=request.organization_id,
        organization_name=organization_name, service=request.service.value, service_label=request.service.label_ru,
        subject=request.subject, text=request.text, contact_phone=request.contact_phone,
        status=request.status.value, status_label=request.status.label_ru, author_name=request.author_name,
        author_email=request.author_email, created_at=request.created_at, updated_at=request.updated_at,
        answer=request.answer, answered_at=request.answered_at,
        next_statuses=tuple(s.value for s in RequestStatus if s in NEXT_STATUSES[request.status]))


def _person(uow: UnitOfWork, user_id: str) -> User | None:
    """The person behind the actor; None for a client system's API token."""
    if user_id.startswith("token:"):
        return None
    try:
        return uow.users.get(user_id)
    except UserNotFound:
        return None


def _organization_name(uow: UnitOfWork, organization_id: str, cache: dict[str, str]) -> str:
    if organization_id not in cache:
        cache[organization_id] = uow.organizations.get(organization_id).name
    return cache[organization_id]


def _moscow(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def _link(base: str | None, request_id: str) -> str:
    return f"{(base or DEFAULT_REQUESTS_LINK_BASE).rstrip('/')}/{request_id}"


def _deliver(mailer: Mailer, message: EmailMessage) -> bool:
    """Send after the commit: the request is kept whether or not the letter goes out."""
    try:
        mailer.send(message)
    except DeliveryFailed:
        return False
    return True


def _audit(actor: Actor, action: str, request: ServiceRequest, *, now: datetime, source: str | None,
           detail: dict[str, str] | None = None) -> AuditEntry:
    return AuditEntry.of(actor, action, target_type="service_request", target_id=request.id,
                         organization_id=request.organization_id, now=now, source=source,
                         detail={"service": request.service.value, "status": request.status.value, **(detail or {})})


# --- reading --------------------------------------------------------------------------------

def _reach(actor: Actor, uow: UnitOfWork) -> RequestFilter:
    """The part of the filter that says whose requests the actor may see (REQUEST_SEEN_BY_ITS_ORGANIZATION)."""
    if actor.organization_id is not None:
        require(actor, P.REQUESTS_SEND, actor.organization_id)
        return RequestFilter(organization_id=actor.organization_id)
    require(actor, P.REQUESTS_HANDLE)
    if only_assigned(actor, P.REQUESTS_HANDLE):
        assigned = uow.organizations.list(OrganizationFilter(manager_user_id=actor.user_id))
        return RequestFilter(organization_ids=frozenset(o.id for o in assigned))
    return RequestFilter()


def _load(actor: Actor, uow: UnitOfWork, request_id: str) -> ServiceRequest:
    """The request if the actor may see it; otherwise RequestNotFound, as for a missing one."""
    if actor.organization_id is not None:
        require(actor, P.REQUESTS_SEND, actor.organization_id)
        found = uow.requests.get(request_id, organization_id=actor.organization_id)
    else:
        require(actor, P.REQUESTS_HANDLE)
        found = uow.requests.get(request_id)
        if found is not None:
            org = uow.organizations.get(found.organization_id)
            decision = decide(actor, P.REQUESTS_HANDLE, org.id, manager_user_id=org.manager_user_id)
            if not decision:
                if decision.hides_existence:
                    found = None
                else:
                    raise Forbidden(permission=P.REQUESTS_HANDLE.value)
    if found is None:
        raise RequestNotFound(request_id=request_id)
    return found


@handles(ListRequests)
def list_requests(cmd: ListRequests, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> RequestPage:
    if not 1 <= cmd.limit <= PAGE_MAX or cmd.offset < 0:
        raise RequestPageInvalid(limit=cmd.limit, offset=cmd.offset)
    with uow:
        reach = _reach(actor, uow)
        flt = attrs.evolve(reach, service=cmd.service, status=cmd.status, limit=cmd.limit, offset=cmd.offset)
        names: dict[str, str] = {}
        items = tuple(_view(r, _organization_name(uow, r.organization_id, names)) for r in uow.requests.list(flt))
        total = uow.requests.count(flt)
    return RequestPage(items=items, total=total, limit=cmd.limit, offset=cmd.offset)


@handles(ShowRequest)
def show_request(cmd: ShowRequest, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> RequestView:
    with uow:
        request = _load(actor, uow, cmd.request_id)
        return _view(request, uow.organizations.get(request.organization_id).name)


# --- writing --------------------------------------------------------------------------------

@handles(SendRequest)
def send_request(cmd: SendRequest, *, actor: Actor, uow: UnitOfWork, clock: Clock, mailer: Mailer,
                 requests_link_base: str | None = None) -> SentRequest:
    """Stored and audited in one transaction; then the sender is told by email (REQUEST_ACKNOWLEDGED)."""
    if actor.organization_id is None:  # staff answer requests; they do not send them
        raise Forbidden(permission=P.REQUESTS_SEND.value)
    require(actor, P.REQUESTS_SEND, actor.organization_id)
    now = clock.now()
    with uow:
        person = _person(uow, actor.user_id)
        request = ServiceRequest.send(
            organization_id=actor.organization_id, user_id=actor.user_id,
            author_name=person.full_name if person else "API-токен", author_email=person.email if person else None,
            service=cmd.service, subject=cmd.subject, text=cmd.text, contact_phone=cmd.contact_phone, now=now)
        uow.requests.add(request)
        uow.audit.record(_audit(actor, REQUEST_SENT, request, now=now, source=cmd.source))
        view = _view(request, uow.organizations.get(request.organization_id).name)
        uow.commit()
    acknowledged = False
    if request.author_email:
        acknowledged = _deliver(mailer, EmailMessage(
            to=request.author_email, subject=f"Обращение № {view.number} принято", text=(
                f"Здравствуйте, {request.author_name}!\n\n"
                f"Ваше обращение № {view.number} в службу «{view.service_label}» принято "
                f"{_moscow(request.created_at)} (МСК).\n\nТема: {request.subject}\n\n"
                "Специалист ОМК возьмёт его в работу и ответит вам. Статус и ответ — на странице обращения:\n"
                f"{_link(requests_link_base, request.id)}\n\n"
                "Это письмо отправлено автоматически, отвечать на него не нужно.")))
    return SentRequest(request=view, acknowledged=acknowledged)


@handles(TakeRequest)
def take_request(cmd: TakeRequest, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> RequestView:
    view, _ = _change(actor, uow, clock, cmd.request_id, action=REQUEST_TAKEN, source=cmd.source,
                      change=lambda request, now: request.take(by=actor.user_id, now=now))
    return view


@handles(AnswerRequest)
def answer_request(cmd: AnswerRequest, *, actor: Actor, uow: UnitOfWork, clock: Clock, mailer: Mailer,
                   requests_link_base: str | None = None) -> RequestView:
    view, request = _change(actor, uow, clock, cmd.request_id, action=REQUEST_ANSWERED, source=cmd.source,
                            change=lambda request, now: request.reply(cmd.answer, by=actor.user_id, now=now))
    if request.author_email and request.answer:
        _deliver(mailer, EmailMessage(
            to=request.author_email, subject=f"Ответ на обращение № {view.number}", text=(
                f"Здравствуйте, {request.author_name}!\n\n"
                f"На ваше обращение № {view.number} «{request.subject}» в службу «{view.service_label}» "
                f"дан ответ:\n\n{request.answer}\n\nОбращение в портале: {_link(requests_link_base, request.id)}")))
    return view


@handles(CloseRequest)
def close_request(cmd: CloseRequest, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> RequestView:
    view, _ = _change(actor, uow, clock, cmd.request_id, action=REQUEST_CLOSED, source=cmd.source,
                      change=lambda request, now: request.close(by=actor.user_id, now=now))
    return view


def _change(actor: Actor, uow: UnitOfWork, clock: Clock, request_id: str, *, action: str, source: str | None,
            change: Callable[[ServiceRequest, datetime], None]) -> tuple[RequestView, ServiceRequest]:
    """Support moves a request on: load it (staff only), change it, save, audit — one transaction."""
    now = clock.now()
    with uow:
        request = _staff_load(actor, uow, request_id)
        change(request, now)
        uow.requests.save(request)
        uow.audit.record(_audit(actor, action, request, now=now, source=source))
        view = _view(request, uow.organizations.get(request.organization_id).name)
        uow.commit()
    return view, request


def _staff_load(actor: Actor, uow: UnitOfWork, request_id: str) -> ServiceRequest:
    """Only OMK staff change a request's status: a client's own request looks the same to it, but the
    change is forbidden; another organisation's request is not found."""
    request = _load(actor, uow, request_id)
    if actor.organization_id is not None:
        raise Forbidden(permission=P.REQUESTS_HANDLE.value)
    return request
