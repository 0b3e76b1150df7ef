"""Self-registration of a person: a pending registration holds the details and two one-time codes (one sent
by email, one by SMS); once both are typed back, the user is created. The password is kept only as its
Argon2id hash, the codes only as salted hashes (see otp.py). A verified person may then apply for a new
organisation; the application records who applied, so staff approval makes the applicant its administrator.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omk_domain.identity.otp import OneTimeCode
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.errors import NotFound


class RegistrationNotFound(NotFound):
    """Unknown, already completed or already used for an application: one answer."""

    code = "registration_not_found"
    message_ru = "Регистрация не найдена или уже завершена. Начните регистрацию заново."


@attrs.define(kw_only=True)
class Registration:
    """A person's registration awaiting both codes; `user_id` is set once it is verified."""

    id: str
    email: str
    phone: str
    full_name: str
    password_hash: str = attrs.field(repr=False, metadata={"secret": True})
    email_code: OneTimeCode
    phone_code: OneTimeCode
    created_at: datetime = attrs.field(converter=ensure_utc)
    verified_at: datetime | None = None
    user_id: str | None = None
    #: the organisation this registration applied for (an application is made once per registration)
    applied_organization_id: str | None = None

    @property
    def verified(self) -> bool:
        return self.user_id is not None


@attrs.define(kw_only=True)
class OrganizationApplication:
    """Who applied for an organisation; on approval the applicant becomes its administrator."""

    organization_id: str
    applicant_user_id: str
    applied_at: datetime = attrs.field(converter=ensure_utc)
