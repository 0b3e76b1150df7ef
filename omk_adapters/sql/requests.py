"""SQL service requests (`service_requests`): a client's list is scoped by its organisation in the
query itself, newest first, on the (organization_id, created_at) index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from omk_adapters.sql import tables as t
from omk_domain.ports import RequestFilter
from omk_domain.requests.model import RequestStatus, Service, ServiceRequest

if TYPE_CHECKING:
    from omk_adapters.sql.uow import SqlAlchemyUnitOfWork

__all__ = ["SqlAlchemyRequestRepository"]

_R = t.service_requests
_CHANGING = ("status", "updated_at", "answer", "answered_at", "handled_by")


def _row(request: ServiceRequest) -> dict[str, Any]:
    return {"id": request.id, "organization_id": request.organization_id, "user_id": request.user_id,
            "author_name": request.author_name, "author_email": request.author_email,
            "service": request.service.value, "subject": request.subject, "text": request.text,
            "contact_phone": request.contact_phone, "status": request.status.value,
            "created_at": request.created_at, "updated_at": request.updated_at, "answer": request.answer,
            "answered_at": request.answered_at, "handled_by": request.handled_by}


def _request(r: Mapping[str, Any]) -> ServiceRequest:
    return ServiceRequest(id=r["id"], organization_id=r["organization_id"], user_id=r["user_id"],
                          author_name=r["author_name"], author_email=r["author_email"],
                          service=Service(r["service"]), subject=r["subject"], text=r["text"],
                          contact_phone=r["contact_phone"], status=RequestStatus(r["status"]),
                          created_at=r["created_at"], updated_at=r["updated_at"], answer=r["answer"],
                          answered_at=r["answered_at"], handled_by=r["handled_by"])


def _where(flt: RequestFilter) -> list[Any]:
    c = _R.c
    clauses: list[Any] = []
    if flt.organization_id is not None:
        clauses.append(c.organization_id == flt.organization_id)
    if flt.organization_ids is not None:
        clauses.append(c.organization_id.in_(sorted(flt.organization_ids)) if flt.organization_ids
                       else sa.false())
    if flt.service is not None:
        clauses.append(c.service == flt.service.value)
    if flt.status is not None:
        clauses.append(c.status == flt.status.value)
    return clauses


class SqlAlchemyRequestRepository:
    def __init__(self, uow: SqlAlchemyUnitOfWork) -> None:
        self.uow = uow

    def add(self, request: ServiceRequest) -> None:
        self.uow.flush()  # the organisation row first (foreign key)
        self.uow.execute(sa.insert(_R).values(**_row(request)))

    def get(self, request_id: str, *, organization_id: str | None = None) -> ServiceRequest | None:
        query = sa.select(_R).where(_R.c.id == request_id)
        if organization_id is not None:
            query = query.where(_R.c.organization_id == organization_id)
        rows = list(self.uow.execute(query).mappings())
        return _request(rows[0]) if rows else None

    def save(self, request: ServiceRequest) -> None:
        row = _row(request)
        self.uow.execute(sa.update(_R).where(_R.c.id == request.id).values({k: row[k] for k in _CHANGING}))

    def list(self, flt: RequestFilter) -> Sequence[ServiceRequest]:
        query = (sa.select(_R).where(*_where(flt)).order_by(_R.c.created_at.desc(), _R.c.id.desc())
                 .limit(flt.limit).offset(flt.offset))
        return [_request(r) for r in self.uow.execute(query).mappings()]

    def count(self, flt: RequestFilter) -> int:
        return int(self.uow.execute(sa.select(sa.func.count()).select_from(_R).where(*_where(flt))).scalar_one())
