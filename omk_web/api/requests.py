"""Service requests to OMK services for client systems: send, list, show; and support's take, answer,
close. The use cases decide who sees what: a client its organisation's requests only."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar import get as get_
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from omk_domain.app import requests as R
from omk_domain.requests.model import RequestStatus, Service
from omk_web.api.common import Limit, Offset, page, run
from omk_web.auth import CurrentActor, client_address


class SendRequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """A request to one OMK service."""

    service: Annotated[str, msgspec.Meta(
        max_length=40, description="Служба: " + ", ".join(f"{s.value} — {s.label_ru}" for s in Service),
        examples=["finance"])]
    subject: Annotated[str, msgspec.Meta(max_length=1000, examples=["Акт сверки за ноябрь"])]
    text: Annotated[str, msgspec.Meta(max_length=20000, examples=["Прошу направить акт сверки за ноябрь 2026 года."])]
    contact_phone: Annotated[str, msgspec.Meta(max_length=40, examples=["+7 912 345-67-89"])] | None = None


class AnswerBody(msgspec.Struct, forbid_unknown_fields=True):
    answer: Annotated[str, msgspec.Meta(max_length=20000, examples=["Акт сверки направлен на вашу почту."])]


class RequestsApi(Controller):
    path = "/requests"
    tags = ["Обращения"]

    @post("/", operation_id="sendRequest", summary="Отправить обращение в службу ОМК", sync_to_thread=True,
          status_code=HTTP_201_CREATED)
    def send(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             data: JSONBody[SendRequestBody]) -> R.SentRequest:
        """Stored for the caller's organisation; the sender (a person) gets an acknowledgement by email."""
        return run(request, R.SendRequest(  # type: ignore[no-any-return]
            service=data.service, subject=data.subject, text=data.text, contact_phone=data.contact_phone,
            source=client_address(request)), actor)

    @get_("/", operation_id="listRequests", summary="Обращения", sync_to_thread=True)
    def list_requests(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
                      service: Annotated[Service | None, QueryParameter()] = None,
                      status: Annotated[RequestStatus | None, QueryParameter()] = None,
                      limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Newest first: a client its organisation's requests; OMK support every organisation's."""
        found = run(request, R.ListRequests(service=service, status=status, limit=limit, offset=offset), actor)
        return page(found.items, found.total, found.limit, found.offset)

    @get_("/{request_id:str}", operation_id="showRequest", summary="Обращение", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             request_id: FromPath[str]) -> R.RequestView:
        """Another organisation's request is not found, exactly as a missing one."""
        return run(request, R.ShowRequest(request_id=request_id), actor)  # type: ignore[no-any-return]

    @post("/{request_id:str}/take", operation_id="takeRequest", summary="Взять обращение в работу",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def take(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
             request_id: FromPath[str]) -> R.RequestView:
        return run(request, R.TakeRequest(  # type: ignore[no-any-return]
            request_id=request_id, source=client_address(request)), actor)

    @post("/{request_id:str}/answer", operation_id="answerRequest", summary="Ответить на обращение",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def answer(self, request: Request[Any, Any, Any], *, actor: CurrentActor, request_id: FromPath[str],
               data: JSONBody[AnswerBody]) -> R.RequestView:
        """The answer is stored and emailed to the sender."""
        return run(request, R.AnswerRequest(  # type: ignore[no-any-return]
            request_id=request_id, answer=data.answer, source=client_address(request)), actor)

    @post("/{request_id:str}/close", operation_id="closeRequest", summary="Закрыть обращение",
          sync_to_thread=True, status_code=HTTP_200_OK)
    def close(self, request: Request[Any, Any, Any], *, actor: CurrentActor,
              request_id: FromPath[str]) -> R.RequestView:
        return run(request, R.CloseRequest(  # type: ignore[no-any-return]
            request_id=request_id, source=client_address(request)), actor)
