"""The help section: articles, the form that sends a request to a chosen OMK service, the organisation's
requests — and support's view of every request it may see (list with filters, one request, take /
answer / close)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from omk_domain.app.requests import (
    AnswerRequest,
    CloseRequest,
    ListRequests,
    SendRequest,
    ShowRequest,
    TakeRequest,
)
from omk_domain.identity.policy import Permission
from omk_domain.requests.model import SERVICE_LABELS_RU, STATUS_LABELS_RU, RequestStatus, Service
from omk_domain.shared.errors import DomainError
from omk_web import help as articles
from omk_web.auth import CurrentActor, MaybeActor, client_address
from omk_web.pages.common import attempt, handle, identity_of, render, see_other
from omk_web.problems import status_of

PER_PAGE = 25
Page = Annotated[int, QueryParameter(ge=1, le=100_000, description="Номер страницы")]
FilterValue = Annotated[str | None, QueryParameter(max_length=40)]
SERVICES = [(s.value, SERVICE_LABELS_RU[s]) for s in Service]
STATUSES = [(s.value, STATUS_LABELS_RU[s]) for s in RequestStatus]


def _filters(service: str | None, status: str | None) -> tuple[Service | None, RequestStatus | None]:
    """Empty means «any»; an unknown value is the use case's Russian refusal (a 422 page)."""
    return (Service.parse(service) if service else None, RequestStatus.parse(status) if status else None)


def _listing(request: Request[Any, Any, Any], actor: Any, template: str, *, service: str | None,
             status: str | None, page: int, **context: Any) -> Template:
    chosen_service, chosen_status = _filters(service, status)
    found = handle(request, ListRequests(service=chosen_service, status=chosen_status, limit=PER_PAGE,
                                         offset=(page - 1) * PER_PAGE), actor)
    pages = max(1, -(-found.total // PER_PAGE))
    return render(request, template, actor, found=found, page=page, pages=pages, services=SERVICES,
                  statuses=STATUSES, service=service or "", status=status or "", **context)


def _supports(request: Request[Any, Any, Any], actor: Any) -> bool:
    """Whether the person works requests (the support pages) rather than sends them; the use cases decide
    what it may see and do either way."""
    me = identity_of(request, actor)
    return me is not None and Permission.REQUESTS_HANDLE.value in me.permissions


class HelpPages(Controller):
    include_in_schema = False
    path = "/help"

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor) -> Template:
        return render(request, "help_index.html", maybe_actor, articles=articles.articles())

    @get("/request", sync_to_thread=True)
    def request_form(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                     service: FilterValue = None) -> Template:
        """The form; `?service=auctions` preselects a service (a link from an auction page, say)."""
        chosen = service if service in {s.value for s in Service} else ""
        return self._form(request, actor, values={"service": chosen})

    @post("/request", sync_to_thread=True)
    def send(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        """Post/redirect/get: the stored request's page, or the form again with the refusal beside it."""
        values = {k: (data.get(k) or "") for k in ("service", "subject", "text", "contact_phone")}
        sent, error = attempt(request, SendRequest(
            service=values["service"], subject=values["subject"], text=values["text"],
            contact_phone=values["contact_phone"] or None, source=client_address(request)), actor)
        if error is not None:
            return self._form(request, actor, values=values, error=error, status_code=status_of(error))
        return see_other(f"/help/requests/{sent.request.id}",
                         "request_sent" if sent.acknowledged else "request_sent_no_mail")

    @get("/requests", sync_to_thread=True)
    def my_requests(self, request: Request[Any, Any, Any], *, actor: CurrentActor, service: FilterValue = None,
                    status: FilterValue = None, page: Page = 1) -> Template:
        """The requests of the organisation the person acts for, newest first."""
        return _listing(request, actor, "help_requests.html", service=service, status=status, page=page)

    @get("/requests/{request_id:str}", sync_to_thread=True)
    def my_request(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                   request_id: FromPath[str]) -> Template:
        shown = handle(request, ShowRequest(request_id=request_id), actor)
        return render(request, "help_request_view.html", actor, item=shown, support=False, error=None)

    @get("/{slug:str}", sync_to_thread=True)
    def article(self, request: Request[Any, Any, Any], *, maybe_actor: MaybeActor, slug: FromPath[str]) -> Template:
        found = articles.article(slug)
        if found is None:
            raise NotFoundException()
        return render(request, "help_article.html", maybe_actor, article=found, articles=articles.articles())

    @staticmethod
    def _form(request: Request[Any, Any, Any], actor: Any, *, values: dict[str, str],
              error: DomainError | None = None, status_code: int = 200) -> Template:
        return render(request, "help_request.html", actor, status_code=status_code, services=SERVICES,
                      values=values, error=error)


class SupportPages(Controller):
    """OMK support: every request it may see (an account manager: its organisations')."""

    include_in_schema = False
    path = "/support/requests"

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], *, actor: CurrentActor, service: FilterValue = None,
              status: FilterValue = None, page: Page = 1) -> Template | Redirect:
        if not _supports(request, actor):  # a client's list lives in the help section
            return see_other("/help/requests")
        return _listing(request, actor, "support_requests.html", service=service, status=status, page=page)

    @get("/{request_id:str}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             request_id: FromPath[str]) -> Template | Redirect:
        if not _supports(request, actor):
            return see_other(f"/help/requests/{request_id}")
        return self._view(request, actor, request_id)

    @post("/{request_id:str}/take", sync_to_thread=True)
    def take(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             request_id: FromPath[str]) -> Template | Redirect:
        command = TakeRequest(request_id=request_id, source=client_address(request))
        return self._act(request, actor, request_id, command, flash="request_taken")

    @post("/{request_id:str}/answer", sync_to_thread=True)
    def answer(self, request: Request[Any, Any, Any], *, actor: CurrentActor, request_id: FromPath[str],
               data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:
        return self._act(request, actor, request_id, AnswerRequest(
            request_id=request_id, answer=data.get("answer") or "", source=client_address(request)),
            flash="request_answered", answer=data.get("answer") or "")

    @post("/{request_id:str}/close", sync_to_thread=True)
    def close(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
              request_id: FromPath[str]) -> Template | Redirect:
        command = CloseRequest(request_id=request_id, source=client_address(request))
        return self._act(request, actor, request_id, command, flash="request_closed")

    def _act(self, request: Request[Any, Any, Any], actor: Any, request_id: str, command: Any, *, flash: str,
             answer: str = "") -> Template | Redirect:
        _, error = attempt(request, command, actor)
        if error is not None:
            return self._view(request, actor, request_id, error=error, status_code=status_of(error), answer=answer)
        return see_other(f"/support/requests/{request_id}", flash)

    @staticmethod
    def _view(request: Request[Any, Any, Any], actor: Any, request_id: str, *, error: DomainError | None = None,
              status_code: int = 200, answer: str = "") -> Template:
        shown = handle(request, ShowRequest(request_id=request_id), actor)
        return render(request, "help_request_view.html", actor, status_code=status_code, item=shown, support=True,
                      error=error, answer=answer)
