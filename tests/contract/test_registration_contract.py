"""Self-registration on every adapter (in memory, SQLite, PostgreSQL): codes read from the local outbox,
both verified once, the user created with the Argon2 hash of the password given at the start; an application
for an organisation; staff approval makes the applicant its administrator. Audited throughout."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.codes import SecretsCodeGenerator
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ApproveOrganization, ListAudit, ListRoles, OrganizationExists, UserExists
from omk_domain.app.registration import ApplyForOrganization, StartRegistration, VerifyRegistration
from omk_domain.identity.model import Actor, OrganizationStatus, Role
from omk_domain.identity.otp import (
    CodeAlreadyUsed,
    CodeAttemptsExhausted,
    CodeExpired,
    CodePurpose,
    CodeWrong,
    OneTimeCode,
)
from omk_domain.identity.passwords import PasswordRefused
from omk_domain.identity.registration import OrganizationApplication, Registration, RegistrationNotFound
from omk_domain.notifications.messages import PhoneInvalid
from omk_domain.ports import AuditFilter, UnitOfWork
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
CODE = re.compile(r"\b(\d{6})\b")
PASSWORD = "Зелёный-чайник-2026"
STAFF = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)


def _setup(uow_factory: UowFactory, tmp_path: Path) -> tuple[MessageBus, LocalOutbox, ManualClock, Any]:
    clock = ManualClock(T0)
    hasher = Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1)
    bus = MessageBus(uow_factory, clock, deps={
        "password_hasher": hasher, "codes": SecretsCodeGenerator(),
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock),
        "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=clock)})
    return bus, LocalOutbox(mail_folder(tmp_path), sms_file(tmp_path)), clock, hasher


def _codes(outbox: LocalOutbox, email: str, phone: str) -> tuple[str, str]:
    mail, sms = outbox.latest_email(email), outbox.latest_sms(phone)
    assert mail is not None and sms is not None
    by_mail, by_sms = CODE.search(mail.text), CODE.search(sms.text)
    assert by_mail is not None and by_sms is not None
    return by_mail.group(1), by_sms.group(1)


def _start(bus: MessageBus, email: str = "Anna@A.ru") -> str:
    started = bus.handle(StartRegistration(email=email, phone="8 912 345-67-89", full_name="Анна Петрова",
                                           password=PASSWORD, source_address="10.0.0.1"), None)
    return str(started.registration_id)


def test_a_registration_keeps_its_codes_hashed_and_their_spent_attempts(uow_factory: UowFactory) -> None:
    email_code = OneTimeCode.issue(purpose=CodePurpose.VERIFY_EMAIL, recipient="a@a.ru", code="111111", now=T0)
    phone_code = OneTimeCode.issue(purpose=CodePurpose.VERIFY_PHONE, recipient="+79123456789", code="222222",
                                   now=T0)
    reg = Registration(id="r1", email="a@a.ru", phone="+79123456789", full_name="А", password_hash="$argon2id$x",
                       email_code=email_code, phone_code=phone_code, created_at=T0)
    with uow_factory() as uow:
        uow.registrations.add(reg)
        uow.commit()
    with uow_factory() as uow:
        found = uow.registrations.get("r1")
        assert found is not None and found.email_code.matches("111111") and found.phone_code.matches("222222")
        assert "111111" not in repr(found) and "$argon2id$x" not in repr(found)
        with pytest.raises(CodeWrong):
            found.phone_code.verify("000000", T0)
        uow.registrations.save(found)
        uow.commit()
    with uow_factory() as uow:
        again = uow.registrations.get("r1")
        assert again is not None and again.phone_code.attempts_left == found.phone_code.attempts_left
        assert again.email_code.purpose is CodePurpose.VERIFY_EMAIL and again.verified is False
        assert uow.registrations.get("missing") is None
        assert uow.organization_applications.of_organization("nothing") is None


def test_register_verify_apply_and_approval_makes_the_applicant_administrator(uow_factory: UowFactory,
                                                                              tmp_path: Path) -> None:
    bus, outbox, clock, hasher = _setup(uow_factory, tmp_path)
    registration_id = _start(bus)
    email_code, sms_code = _codes(outbox, "anna@a.ru", "+79123456789")
    with pytest.raises(RegistrationNotFound):  # not verified yet: no application
        bus.handle(ApplyForOrganization(registration_id=registration_id, name="ООО А", inn="7707083893"), None)

    wrong_sms = "000000" if sms_code != "000000" else "111111"
    with pytest.raises(CodeWrong):  # the right email code stays unspent
        bus.handle(VerifyRegistration(registration_id=registration_id, email_code=email_code, sms_code=wrong_sms),
                   None)
    user = bus.handle(VerifyRegistration(registration_id=registration_id, email_code=email_code,
                                         sms_code=sms_code), None)
    assert user.email == "anna@a.ru" and user.phone == "+79123456789" and user.organization_id is None
    assert not user.is_staff and not user.blocked
    with uow_factory() as uow:
        stored = uow.users.get(user.id)
        assert stored.password_hash is not None and hasher.verify(stored.password_hash, PASSWORD)
        assert list(uow.memberships.of_user(user.id)) == []
    with pytest.raises(RegistrationNotFound):  # single use
        bus.handle(VerifyRegistration(registration_id=registration_id, email_code=email_code, sms_code=sms_code),
                   None)

    org = bus.handle(ApplyForOrganization(registration_id=registration_id, name="ООО А", inn="7707083893",
                                          kpp="773601001"), None)
    assert org.status is OrganizationStatus.APPLIED
    with pytest.raises(RegistrationNotFound):  # one application per registration
        bus.handle(ApplyForOrganization(registration_id=registration_id, name="ООО Б", inn="500100732259"), None)
    with uow_factory() as uow:
        assert uow.organization_applications.of_organization(org.id) == OrganizationApplication(
            organization_id=org.id, applicant_user_id=user.id, applied_at=T0)

    clock.advance(timedelta(minutes=1))
    bus.handle(ApproveOrganization(organization_id=org.id), STAFF)
    memberships = bus.handle(ListRoles(user_id=user.id), STAFF)
    assert [(ms.organization_id, ms.roles) for ms in memberships] == [(org.id, frozenset({Role.ADMINISTRATOR}))]
    with uow_factory() as uow:
        assert uow.users.get(user.id).organization_id == org.id

    actions = [e.action for e in bus.handle(ListAudit(filter=AuditFilter()), STAFF)]
    for action in ("registration.started", "code.failed", "registration.verified", "organization.applied",
                   "organization.approved", "role.granted"):
        assert action in actions
    for entry in bus.handle(ListAudit(filter=AuditFilter()), STAFF):
        assert email_code not in repr(entry) and PASSWORD not in repr(entry)


def test_codes_expire_and_run_out_of_attempts(uow_factory: UowFactory, tmp_path: Path) -> None:
    bus, outbox, clock, _ = _setup(uow_factory, tmp_path)
    first = _start(bus)
    email_code, sms_code = _codes(outbox, "anna@a.ru", "+79123456789")
    clock.advance(timedelta(minutes=5))
    with pytest.raises(CodeExpired):
        bus.handle(VerifyRegistration(registration_id=first, email_code=email_code, sms_code=sms_code), None)

    second = _start(bus)
    email_code, sms_code = _codes(outbox, "anna@a.ru", "+79123456789")
    wrong = "000000" if email_code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(CodeWrong):
            bus.handle(VerifyRegistration(registration_id=second, email_code=wrong, sms_code=sms_code), None)
    with pytest.raises(CodeAttemptsExhausted):
        bus.handle(VerifyRegistration(registration_id=second, email_code=wrong, sms_code=sms_code), None)
    with pytest.raises(CodeAttemptsExhausted):  # even the right code is refused now
        bus.handle(VerifyRegistration(registration_id=second, email_code=email_code, sms_code=sms_code), None)
    for unknown in ("missing", ""):
        with pytest.raises(RegistrationNotFound):
            bus.handle(VerifyRegistration(registration_id=unknown, email_code="1", sms_code="2"), None)


def test_a_taken_email_is_told_only_after_both_codes(uow_factory: UowFactory, tmp_path: Path) -> None:
    bus, outbox, clock, _ = _setup(uow_factory, tmp_path)
    first = _start(bus)
    codes_first = _codes(outbox, "anna@a.ru", "+79123456789")
    clock.advance(timedelta(seconds=1))  # the outbox orders emails by when they were written
    second = _start(bus, email="anna@a.ru")  # the same answer: a registration id, codes sent
    codes_second = _codes(outbox, "anna@a.ru", "+79123456789")
    bus.handle(VerifyRegistration(registration_id=first, email_code=codes_first[0], sms_code=codes_first[1]), None)
    with pytest.raises(UserExists):
        bus.handle(VerifyRegistration(registration_id=second, email_code=codes_second[0],
                                      sms_code=codes_second[1]), None)
    with pytest.raises(CodeAlreadyUsed):  # the codes were spent by that attempt
        bus.handle(VerifyRegistration(registration_id=second, email_code=codes_second[0],
                                      sms_code=codes_second[1]), None)


def test_details_are_checked_before_anything_is_kept_or_sent(uow_factory: UowFactory, tmp_path: Path) -> None:
    bus, outbox, _, _ = _setup(uow_factory, tmp_path)
    with pytest.raises(PasswordRefused):
        bus.handle(StartRegistration(email="b@b.ru", phone="+79123456789", full_name="Б", password="short"), None)
    with pytest.raises(PhoneInvalid):
        bus.handle(StartRegistration(email="b@b.ru", phone="12", full_name="Б", password=PASSWORD), None)
    assert outbox.emails() == [] and outbox.sms() == []
    actions = [e.action for e in bus.handle(ListAudit(filter=AuditFilter(action="registration")), STAFF)]
    assert actions == []


def test_an_application_for_a_registered_inn_is_refused(uow_factory: UowFactory, tmp_path: Path) -> None:
    bus, outbox, clock, _ = _setup(uow_factory, tmp_path)
    ids = []
    for email in ("a@a.ru", "b@b.ru"):
        registration_id = _start(bus, email=email)
        email_code, sms_code = _codes(outbox, email, "+79123456789")
        bus.handle(VerifyRegistration(registration_id=registration_id, email_code=email_code, sms_code=sms_code),
                   None)
        ids.append(registration_id)
        clock.advance(timedelta(seconds=1))
    bus.handle(ApplyForOrganization(registration_id=ids[0], name="ООО А", inn="7707083893"), None)
    with pytest.raises(OrganizationExists):
        bus.handle(ApplyForOrganization(registration_id=ids[1], name="ООО А", inn="7707083893"), None)
