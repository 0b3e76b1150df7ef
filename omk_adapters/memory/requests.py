"""In-memory service requests, kept in the `MemoryStore` (`service_requests`), copied in and out so a
caller's object never changes the store behind the unit of work's back."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

from omk_domain.ports import RequestFilter
from omk_domain.requests.model import ServiceRequest

if TYPE_CHECKING:
    from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork

__all__ = ["MemoryRequestRepository"]


def _matches(r: ServiceRequest, flt: RequestFilter) -> bool:
    return ((flt.organization_id is None or r.organization_id == flt.organization_id)
            and (flt.organization_ids is None or r.organization_id in flt.organization_ids)
            and (flt.service is None or r.service is flt.service)
            and (flt.status is None or r.status is flt.status))


class MemoryRequestRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> MemoryStore:
        return self.uow.working

    def add(self, request: ServiceRequest) -> None:
        self.s.service_requests[request.id] = copy.deepcopy(request)

    def get(self, request_id: str, *, organization_id: str | None = None) -> ServiceRequest | None:
        found = self.s.service_requests.get(request_id)
        if found is None or (organization_id is not None and found.organization_id != organization_id):
            return None
        return copy.deepcopy(found)

    def save(self, request: ServiceRequest) -> None:
        self.s.service_requests[request.id] = copy.deepcopy(request)

    def list(self, flt: RequestFilter) -> Sequence[ServiceRequest]:
        found = sorted((r for r in self.s.service_requests.values() if _matches(r, flt)),
                       key=lambda r: (r.created_at, r.id), reverse=True)
        return [copy.deepcopy(r) for r in found[flt.offset: flt.offset + flt.limit]]

    def count(self, flt: RequestFilter) -> int:
        return sum(1 for r in self.s.service_requests.values() if _matches(r, flt))
