"""Self-registration in memory: a self-registered person is a client of no organisation (never staff), the
codes are bound to their purpose, a right code is not spent while the other is wrong, and an administrator
granted on approval works like any GrantRole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ApproveOrganization, GrantRole, ManagerNotStaff, RegisterOrganization
from omk_domain.app.registration import ApplyForOrganization, StartRegistration, VerifyRegistration
from omk_domain.identity.model import Actor, EmailInvalid, NameInvalid, Role, User
from omk_domain.identity.otp import CodeWrong
from omk_domain.identity.policy import Permission, decide

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STAFF = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)
PASSWORD = "Зелёный-чайник-2026"


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[MessageBus, MemoryStore]:
    folder = tmp_path
    store, clock = MemoryStore(), ManualClock(T0)
    bus = MessageBus(lambda: MemoryUnitOfWork(store), clock, deps={
        "password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
        "codes": FixedCodeGenerator(["111111", "222222"]),
        "mailer": LocalFolderMailer(folder / "mail", sender="noreply@omk.local", clock=clock),
        "sms": LocalFolderSmsSender(folder / "sms.jsonl", clock=clock)})
    return bus, store


def test_a_self_registered_person_is_a_client_of_no_organisation() -> None:
    user = User.self_registered(email=" Anna@A.RU ", full_name="Анна", now=T0)
    assert user.email == "anna@a.ru" and user.organization_id is None and user.role is Role.VIEWER
    assert not user.is_staff and user.staff_roles == frozenset()
    with pytest.raises(EmailInvalid):
        User.self_registered(email="anna", full_name="Анна", now=T0)
    with pytest.raises(NameInvalid):
        User.self_registered(email="anna@a.ru", full_name=" ", now=T0)


def test_staff_users_stay_staff() -> None:
    assert User.create(email="s@omk.ru", full_name="С", role=Role.SUPPORT, organization_id=None, now=T0).is_staff


def test_the_codes_are_not_interchangeable_and_a_right_code_waits_for_the_other(
        setup: tuple[MessageBus, MemoryStore]) -> None:
    bus, store = setup
    started = bus.handle(StartRegistration(email="anna@a.ru", phone="+7 912 345 67 89", full_name="Анна",
                                           password=PASSWORD), None)
    reg = store.registrations[started.registration_id]
    assert reg.phone == "+79123456789" and PASSWORD not in repr(reg)
    with pytest.raises(CodeWrong):  # swapped: each code proves only its own channel
        bus.handle(VerifyRegistration(registration_id=reg.id, email_code="222222", sms_code="111111"), None)
    with pytest.raises(CodeWrong):
        bus.handle(VerifyRegistration(registration_id=reg.id, email_code="111111", sms_code="999999"), None)
    stored = store.registrations[reg.id]
    assert stored.email_code.used_at is None and stored.email_code.attempts_left == 4
    assert stored.phone_code.attempts_left == 3
    user = bus.handle(VerifyRegistration(registration_id=reg.id, email_code="111111", sms_code="222222"), None)
    assert store.users[user.id].password_hash is not None


def test_a_registered_person_cannot_be_a_manager_and_gets_client_roles(
        setup: tuple[MessageBus, MemoryStore]) -> None:
    bus, _ = setup
    started = bus.handle(StartRegistration(email="anna@a.ru", phone="+79123456789", full_name="Анна",
                                           password=PASSWORD), None)
    user = bus.handle(VerifyRegistration(registration_id=started.registration_id, email_code="111111",
                                         sms_code="222222"), None)
    with pytest.raises(ManagerNotStaff):
        bus.handle(RegisterOrganization(name="ООО Б", inn="500100732259", manager_user_id=user.id), STAFF)
    org = bus.handle(RegisterOrganization(name="ООО В", inn="7707083893"), STAFF)
    membership = bus.handle(GrantRole(user_id=user.id, organization_id=org.id, roles=frozenset({Role.BUYER})),
                            STAFF)
    assert membership.roles == frozenset({Role.BUYER})


def test_approval_of_an_application_grants_administrator_there_only(setup: tuple[MessageBus, MemoryStore]) -> None:
    bus, store = setup
    started = bus.handle(StartRegistration(email="anna@a.ru", phone="+79123456789", full_name="Анна",
                                           password=PASSWORD), None)
    user = bus.handle(VerifyRegistration(registration_id=started.registration_id, email_code="111111",
                                         sms_code="222222"), None)
    applied = bus.handle(ApplyForOrganization(registration_id=started.registration_id, name="ООО А",
                                              inn="7707083893"), None)
    assert store.memberships == {}
    other = bus.handle(RegisterOrganization(name="ООО Б", inn="500100732259", as_application=True), STAFF)
    bus.handle(ApproveOrganization(organization_id=other.id), STAFF)  # no applicant: nobody is granted
    assert store.memberships == {}
    bus.handle(ApproveOrganization(organization_id=applied.id), STAFF)
    membership = store.memberships[(user.id, applied.id)]
    actor = Actor(user_id=user.id, roles=membership.roles, organization_id=applied.id)
    assert decide(actor, Permission.USERS_MANAGE, applied.id)
    assert not decide(actor, Permission.USERS_MANAGE, other.id)
