"""Self-registration: a person gives email, phone, name and password; a one-time code goes to each of the
email and the phone; typing both back creates the user (active, in no organisation yet). The person may then
apply for a new organisation; OMK staff approving it make the applicant its administrator
(`omk_domain/app/identity.py`, approve_organization).

Starting a registration says nothing about whether the email is taken: that is said only after both codes
are verified, to a person who proved they hold the mailbox. A password or a code is never put in an error,
an audit entry or a log line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from omk_domain.app.bus import handles
from omk_domain.app.identity import OrganizationExists, UserExists
from omk_domain.app.signin import _address
from omk_domain.identity import audit
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import CLEARABLE, Actor, NameInvalid, Organization, User, normalize_email
from omk_domain.identity.otp import CodePurpose, OneTimeCode, check_resend
from omk_domain.identity.passwords import PasswordPolicy
from omk_domain.identity.policy import Permission, only_assigned, require
from omk_domain.identity.registration import OrganizationApplication, Registration, RegistrationNotFound
from omk_domain.notifications.messages import EmailMessage, SmsMessage, normalize_phone
from omk_domain.ports import CodeGenerator, Mailer, PasswordHasher, SmsSender, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import DomainError, Forbidden, InvalidValue
from omk_domain.shared.ids import new_id
from omk_domain.shared.messages import Command
from omk_domain.shared.text import required_text


@attrs.frozen(kw_only=True)
class StartRegistration(Command):
    """Begin a registration: a code goes to the email and another to the phone by SMS."""

    email: str
    phone: str
    full_name: str
    password: str = attrs.field(repr=False)
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class VerifyRegistration(Command):
    """Both codes typed back: the user is created."""

    registration_id: str
    email_code: str = attrs.field(repr=False)
    sms_code: str = attrs.field(repr=False)
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class ApplyForOrganization(Command):
    """A verified registration applies (once) for a new organisation, which OMK staff then approve."""

    registration_id: str
    name: str
    inn: str
    kpp: str | None = None
    ogrn: str | None = None
    ogrnip: str | None = None
    source_address: str | None = None


#: how long an unverified registration is kept after its codes expired (for support to look it up)
REGISTRATION_KEPT = timedelta(days=1)


@attrs.frozen(kw_only=True)
class ResendRegistrationCodes(Command):
    """New codes to the email and the phone of a registration not verified yet, once the cooldown has passed;
    the old codes stop working."""

    registration_id: str
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class PurgeRegistrations(Command):
    """Remove registrations never verified whose codes expired more than `kept` ago."""

    kept: timedelta = REGISTRATION_KEPT
    source: str | None = None


@attrs.frozen(kw_only=True)
class RegistrationStarted:
    registration_id: str
    expires_at: datetime


@handles(StartRegistration, public=True)
def start_registration(cmd: StartRegistration, *, actor: Actor | None, uow: UnitOfWork, clock: Clock,
                       password_hasher: PasswordHasher, codes: CodeGenerator, mailer: Mailer, sms: SmsSender,
                       password_policy: PasswordPolicy | None = None) -> RegistrationStarted:
    """Check the details and the password policy; keep the registration with the password's hash and the
    codes' hashes; send the codes. The same answer whether or not the email is registered already."""
    now = clock.now()
    address = _address(cmd.source_address)
    email = normalize_email(cmd.email)
    phone = normalize_phone(cmd.phone or "")
    full_name = required_text(cmd.full_name, NameInvalid)
    (password_policy or PasswordPolicy()).check(cmd.password, email=email, full_name=full_name)
    email_code, sms_code = codes.new_code(), codes.new_code()
    registration = Registration(
        id=new_id(), email=email, phone=phone, full_name=full_name,
        password_hash=password_hasher.hash(cmd.password), created_at=now,
        email_code=OneTimeCode.issue(purpose=CodePurpose.VERIFY_EMAIL, recipient=email, code=email_code, now=now),
        phone_code=OneTimeCode.issue(purpose=CodePurpose.VERIFY_PHONE, recipient=phone, code=sms_code, now=now))
    with uow:
        uow.registrations.add(registration)
        uow.audit.record(_entry(audit.REGISTRATION_STARTED, registration, now=now, source=address))
        uow.commit()
    _send_codes(registration, email_code, sms_code, now=now, mailer=mailer, sms=sms)
    return RegistrationStarted(registration_id=registration.id, expires_at=registration.email_code.expires_at)


@handles(ResendRegistrationCodes, public=True)
def resend_registration_codes(cmd: ResendRegistrationCodes, *, actor: Actor | None, uow: UnitOfWork,
                              clock: Clock, codes: CodeGenerator, mailer: Mailer,
                              sms: SmsSender) -> RegistrationStarted:
    """An unknown or verified registration: RegistrationNotFound; within the cooldown of the last codes:
    CodeResendTooSoon. Both codes are replaced, with fresh attempts and lifetime."""
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        registration = uow.registrations.get(cmd.registration_id)
        if registration is None or registration.verified:
            raise RegistrationNotFound(registration_id=cmd.registration_id)
        check_resend(registration.email_code, now)
        email_code, sms_code = codes.new_code(), codes.new_code()
        registration.email_code = OneTimeCode.issue(purpose=CodePurpose.VERIFY_EMAIL, recipient=registration.email,
                                                    code=email_code, now=now)
        registration.phone_code = OneTimeCode.issue(purpose=CodePurpose.VERIFY_PHONE, recipient=registration.phone,
                                                    code=sms_code, now=now)
        uow.registrations.save(registration)
        uow.audit.record(_entry(audit.REGISTRATION_CODES_RESENT, registration, now=now, source=address))
        uow.commit()
    _send_codes(registration, email_code, sms_code, now=now, mailer=mailer, sms=sms)
    return RegistrationStarted(registration_id=registration.id, expires_at=registration.email_code.expires_at)


@handles(PurgeRegistrations)
def purge_registrations(cmd: PurgeRegistrations, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> int:
    """OMK staff who manage every user's account (not an account manager, not a client), or the scheduler.
    Returns how many were removed; one audit entry says how many (none when nothing was removed)."""
    require(actor, Permission.USERS_MANAGE)
    if actor.organization_id is not None or only_assigned(actor, Permission.USERS_MANAGE):
        raise Forbidden(permission=Permission.USERS_MANAGE.value)
    if cmd.kept < timedelta(0):
        raise InvalidValue("Срок хранения не может быть отрицательным.")
    now = clock.now()
    removed = 0
    with uow:
        while True:
            batch = uow.registrations.unverified_expired(now - cmd.kept, limit=_PURGE_BATCH)
            for registration in batch:
                uow.registrations.remove(registration)
            removed += len(batch)
            if len(batch) < _PURGE_BATCH:
                break
        if removed:
            uow.audit.record(AuditEntry.of(actor, audit.REGISTRATIONS_PURGED, target_type="registration",
                                           target_id="expired", organization_id=None, now=now, source=cmd.source,
                                           detail={"removed": removed, "kept_hours": cmd.kept / timedelta(hours=1)}))
            uow.commit()
    return removed


_PURGE_BATCH = 500


def _send_codes(registration: Registration, email_code: str, sms_code: str, *, now: datetime, mailer: Mailer,
                sms: SmsSender) -> None:
    minutes = int((registration.email_code.expires_at - now) / timedelta(minutes=1))
    mailer.send(EmailMessage(to=registration.email, subject="Код подтверждения почты", text=(
        f"Код для подтверждения почты в ОМК Цифровые сервисы: {email_code}. Действует {minutes} мин. "
        "Никому его не сообщайте. Если вы не регистрировались, просто удалите это письмо.")))
    sms.send(SmsMessage(to=registration.phone, text=(
        f"Код для подтверждения телефона в ОМК Цифровые сервисы: {sms_code}. Действует {minutes} мин. "
        "Никому его не сообщайте.")))


@handles(VerifyRegistration, public=True)
def verify_registration(cmd: VerifyRegistration, *, actor: Actor | None, uow: UnitOfWork, clock: Clock) -> User:
    """Accept both codes (each single-use, limited attempts, short-lived), then create the user with the
    password given at the start. A wrong code spends an attempt of that code only (committed before the
    error is raised); a right one stays unspent until both are right. An email registered meanwhile:
    UserExists, said only now."""
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        registration = uow.registrations.get(cmd.registration_id)
        if registration is None or registration.verified:
            raise RegistrationNotFound(registration_id=cmd.registration_id)
        refused: list[DomainError] = []
        for code, typed in ((registration.email_code, cmd.email_code or ""),
                            (registration.phone_code, cmd.sms_code or "")):
            if (code.used_at is not None or code.attempts_left <= 0 or code.is_expired(now)
                    or not code.matches(typed)):
                try:
                    code.verify(typed, now)  # raises: a wrong code spends an attempt
                except DomainError as error:
                    refused.append(error)
        if refused:
            uow.registrations.save(registration)
            uow.audit.record(_entry(audit.CODE_FAILED, registration, now=now, source=address, detail={
                "reason": refused[0].code, "email_attempts_left": registration.email_code.attempts_left,
                "phone_attempts_left": registration.phone_code.attempts_left}))
            uow.commit()
            raise refused[0]
        registration.email_code.verify(cmd.email_code, now)
        registration.phone_code.verify(cmd.sms_code, now)
        if uow.users.by_email(registration.email) is not None:
            uow.registrations.save(registration)
            uow.commit()
            raise UserExists(email=registration.email)
        user = User.self_registered(email=registration.email, full_name=registration.full_name, now=now)
        user.phone = registration.phone
        user.password_hash = registration.password_hash
        uow.users.add(user)
        registration.user_id, registration.verified_at = user.id, now
        uow.registrations.save(registration)
        uow.audit.record(_entry(audit.REGISTRATION_VERIFIED, registration, now=now, source=address))
        uow.commit()
    return user


@handles(ApplyForOrganization, public=True)
def apply_for_organization(cmd: ApplyForOrganization, *, actor: Actor | None, uow: UnitOfWork,
                           clock: Clock) -> Organization:
    """The organisation is registered as an application (status applied) with its applicant recorded.
    An unknown, unverified or already used registration: RegistrationNotFound."""
    now = clock.now()
    org = Organization.register(name=cmd.name, inn=cmd.inn, kpp=cmd.kpp, ogrn=cmd.ogrn, ogrnip=cmd.ogrnip,
                                as_application=True, now=now)
    with uow:
        registration = uow.registrations.get(cmd.registration_id)
        if registration is None or registration.user_id is None or registration.applied_organization_id:
            raise RegistrationNotFound(registration_id=cmd.registration_id)
        user = uow.users.get(registration.user_id)
        if user.blocked:
            raise RegistrationNotFound(registration_id=cmd.registration_id)
        if uow.organizations.by_inn(org.inn) is not None:
            raise OrganizationExists(inn=org.inn)
        uow.organizations.add(org)
        uow.organization_applications.add(
            OrganizationApplication(organization_id=org.id, applicant_user_id=user.id, applied_at=now))
        registration.applied_organization_id = org.id
        uow.registrations.save(registration)
        uow.audit.record(AuditEntry.of(
            Actor(user_id=user.id, role=user.role), audit.ORGANIZATION_APPLIED, target_type="organization",
            target_id=org.id, organization_id=org.id, now=now, source=_address(cmd.source_address),
            detail={"name": org.name, "inn": org.inn, "kind": org.kind.value, "status": org.status.value,
                    "applicant_user_id": user.id,
                    **{k: getattr(org, k) for k in CLEARABLE if getattr(org, k) is not None}}))
        uow.commit()
    return org


def _entry(action: str, registration: Registration, *, now: datetime, source: str,
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """An entry about a registration; the person has no user id before it is verified."""
    subject = registration.user_id or registration.id
    return AuditEntry(id=new_id(), at=now, action=action, actor_user_id=subject, actor_organization_id=None,
                      target_type="registration", target_id=registration.id, organization_id=None,
                      detail={"registration_id": registration.id, **(detail or {})}, source=source)
