"""Service requests («обращения»): a client organisation writes to a chosen OMK service; support staff
take the request, answer it and close it."""

from omk_domain.requests.errors import (
    ContactPhoneInvalid,
    RequestNotFound,
    RequestPageInvalid,
    RequestStatusChangeNotAllowed,
    RequestSubjectInvalid,
    RequestTextInvalid,
    ServiceUnknown,
)
from omk_domain.requests.model import RequestStatus, Service, ServiceRequest

__all__ = [
    "ContactPhoneInvalid",
    "RequestNotFound",
    "RequestPageInvalid",
    "RequestStatus",
    "RequestStatusChangeNotAllowed",
    "RequestSubjectInvalid",
    "RequestTextInvalid",
    "Service",
    "ServiceRequest",
    "ServiceUnknown",
]
