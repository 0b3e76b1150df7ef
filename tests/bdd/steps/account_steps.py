"""Registration and invitation steps: a person registers, reads its codes and links from the local outbox
folder as a newcomer would, and types them back; administrators invite people into organisations.

Everything runs through the real use cases on the in-memory store of the scenario's world.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from pytest_bdd import given, parsers, then, when

from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.codes import SecretsCodeGenerator
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import identity as idc
from omk_domain.app.invitations import AcceptInvitation, InviteUser, OrganizationNotActiveForInvitations
from omk_domain.app.registration import (
    ApplyForOrganization,
    PurgeRegistrations,
    ResendRegistrationCodes,
    StartRegistration,
    VerifyRegistration,
)
from omk_domain.identity.invitation import InvitationInvalid
from omk_domain.identity.model import ROLE_LABELS_RU, Actor, OrganizationNotFound, OrganizationStatus, Role
from omk_domain.identity.otp import CodeExpired, CodeResendTooSoon, CodeWrong
from omk_domain.shared.errors import DomainError
from tests.bdd.steps.identity_steps import ORG_NAME
from tests.bdd.steps.world import World

PERSON = r"«(?P<person>[^»]+)»"
ORG = rf"(?P<org>{ORG_NAME})"
EMAIL = r"(?P<email>[^\s,]+@[^\s,]+)"
ROLES = {label: role for role, label in ROLE_LABELS_RU.items()}
ROLE = rf"(?P<role>{'|'.join(sorted(ROLES, key=len, reverse=True))})"
PASSWORD = "Зелёный-чайник-2026"
CODE = re.compile(r"\b(\d{6})\b")
LINK = re.compile(r"\?token=(\S+)")
#: a refusal as the features state it → the domain errors that mean it
REFUSALS: dict[str, tuple[type[DomainError], ...]] = {
    "код неверный": (CodeWrong,),
    "срок действия кода истёк": (CodeExpired,),
    "адрес уже занят": (idc.UserExists,),
    "приглашение недействительно": (InvitationInvalid,),
    "организация не найдена": (OrganizationNotFound,),
    "организация не действует": (OrganizationNotActiveForInvitations,),
}


@attrs.define
class Accounts:
    """People of the scenario: their emails, phones, registrations, users; the last refusal."""

    world: World
    outbox: LocalOutbox
    emails: dict[str, str] = attrs.Factory(dict)
    phones: dict[str, str] = attrs.Factory(dict)
    registrations: dict[str, str] = attrs.Factory(dict)
    first_codes: dict[str, tuple[str, str]] = attrs.Factory(dict)
    users: dict[str, str] = attrs.Factory(dict)
    applied: dict[str, str] = attrs.Factory(dict)
    error: DomainError | None = None
    done: bool = False

    def attempt(self, command: Any, actor: Actor | None = None, *, public: bool = False) -> Any:
        """Run a command a scenario expects may be refused; remember the refusal."""
        self.error, self.done = None, False
        try:
            result = self.world.bus.handle(command, None if public else (actor or self.world.staff))
        except DomainError as exc:
            self.error = exc
            return None
        self.done = True
        return result

    def codes(self, person: str) -> tuple[str, str]:
        """The codes of the latest email and SMS sent to the person."""
        mail, sms = self.outbox.latest_email(self.emails[person]), self.outbox.latest_sms(self.phones[person])
        assert mail is not None and sms is not None, f"no codes were sent to {person}"
        by_mail, by_sms = CODE.search(mail.text), CODE.search(sms.text)
        assert by_mail is not None and by_sms is not None
        return by_mail.group(1), by_sms.group(1)

    def register(self, person: str, email: str) -> None:
        self.world.clock.advance(timedelta(seconds=1))  # the outbox orders messages by when they were written
        self.emails[person] = email
        self.phones[person] = f"+7912345{len(self.phones):04d}"
        started = self.attempt(StartRegistration(email=email, phone=self.phones[person], full_name=person,
                                                 password=PASSWORD), public=True)
        assert started is not None, self.error
        self.registrations[person] = started.registration_id
        self.first_codes[person] = self.codes(person)

    def verify(self, person: str, email_code: str, sms_code: str) -> None:
        user = self.attempt(VerifyRegistration(registration_id=self.registrations[person], email_code=email_code,
                                               sms_code=sms_code), public=True)
        if user is not None:
            self.users[person] = user.id

    def actor_of(self, person: str) -> Actor:
        """The person acting for its first organisation, or (none yet) as a person without one."""
        with self.world.uow() as uow:
            memberships = [ms for ms in uow.memberships.of_user(self.users[person]) if ms.roles]
        if not memberships:
            return Actor.without_organization(self.users[person])
        first = memberships[0]
        return Actor(user_id=first.user_id, roles=first.roles, organization_id=first.organization_id)

    def invitation_secret(self, email: str) -> str:
        mail = self.outbox.latest_email(email)
        assert mail is not None, f"no invitation was sent to {email}"
        found = LINK.search(mail.text)
        assert found is not None
        return found.group(1)

    def roles_in(self, person: str, org: str) -> frozenset[Role]:
        with self.world.uow() as uow:
            membership = uow.memberships.find(self.users[person], self.world.org(org).id)
        return membership.roles if membership is not None else frozenset()


@pytest.fixture
def accounts(world: World, tmp_path: Path) -> Accounts:
    world.bus.deps = {**world.bus.deps,
                      "password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
                      "codes": SecretsCodeGenerator(),
                      "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local",
                                                  clock=world.clock),
                      "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=world.clock)}
    return Accounts(world=world, outbox=LocalOutbox.in_data_dir(tmp_path))


# --- registration -------------------------------------------------------------------------------

@given(parsers.re(rf"адрес {EMAIL} уже занят"))
def email_taken(accounts: Accounts, email: str) -> None:
    accounts.world.run(idc.RegisterUser(email=email, full_name="Кто-то", role=Role.SUPPORT))


@given(parsers.re(rf"{PERSON} зарегистрировалась и подтвердила почту и телефон"))
def has_registered(accounts: Accounts, person: str) -> None:
    accounts.register(person, f"{len(accounts.emails)}.person@client.ru")
    accounts.verify(person, *accounts.codes(person))
    assert accounts.done, accounts.error


@when(parsers.re(rf"{PERSON} регистрируется с адресом {EMAIL}"))
def registers(accounts: Accounts, person: str, email: str) -> None:
    accounts.register(person, email)


@when(parsers.re(rf"{PERSON} вводит код из письма и код из SMS"))
def enters_codes(accounts: Accounts, person: str) -> None:
    accounts.verify(person, *accounts.codes(person))


@when(parsers.re(rf"{PERSON} вводит код из письма и неверный код из SMS"))
def enters_wrong_sms_code(accounts: Accounts, person: str) -> None:
    email_code, sms_code = accounts.codes(person)
    accounts.verify(person, email_code, "000000" if sms_code != "000000" else "111111")


@when(parsers.re(rf"{PERSON} вводит прежние коды"))
def enters_first_codes(accounts: Accounts, person: str) -> None:
    accounts.verify(person, *accounts.first_codes[person])


@when(parsers.re(r"проходят (?P<minutes>\d+) минут"))
def minutes_pass(accounts: Accounts, minutes: str) -> None:
    accounts.world.clock.advance(timedelta(minutes=int(minutes)))


@when(parsers.re(r"проходит (?P<hours>\d+) ч"))
def hours_pass(accounts: Accounts, hours: str) -> None:
    accounts.world.clock.advance(timedelta(hours=int(hours)))


@when(parsers.re(r"проходит (?P<days>\d+) дн"))
def days_pass(accounts: Accounts, days: str) -> None:
    accounts.world.clock.advance(timedelta(days=int(days)))


@when(parsers.re(rf"через (?P<seconds>\d+) с {PERSON} просит прислать коды ещё раз"))
def asks_again(accounts: Accounts, seconds: str, person: str) -> None:
    accounts.world.clock.advance(timedelta(seconds=int(seconds)))
    accounts.attempt(ResendRegistrationCodes(registration_id=accounts.registrations[person]), public=True)


@when("сотрудник ОМК удаляет устаревшие регистрации")
def purges(accounts: Accounts) -> None:
    accounts.attempt(PurgeRegistrations())
    assert accounts.done, accounts.error


@when(parsers.re(rf"{PERSON} подаёт заявку на организацию {ORG}"))
def applies(accounts: Accounts, person: str, org: str) -> None:
    applied = accounts.attempt(ApplyForOrganization(registration_id=accounts.registrations[person], name=org,
                                                    inn="7707083893"), public=True)
    assert applied is not None, accounts.error
    accounts.world.orgs[org] = applied
    accounts.applied[person] = applied.id


@when(parsers.re(rf"сотрудник ОМК одобряет заявку {PERSON}"))
def approves(accounts: Accounts, person: str) -> None:
    accounts.attempt(idc.ApproveOrganization(organization_id=accounts.applied[person]))
    assert accounts.done, accounts.error


@then(parsers.re(rf"учётная запись {PERSON} создана"))
def account_created(accounts: Accounts, person: str) -> None:
    assert accounts.error is None, accounts.error
    with accounts.world.uow() as uow:
        user = uow.users.by_email(accounts.emails[person])
    assert user is not None and user.id == accounts.users[person] and user.phone == accounts.phones[person]


@then(parsers.re(rf"учётной записи {PERSON} нет"))
def no_account(accounts: Accounts, person: str) -> None:
    with accounts.world.uow() as uow:
        assert uow.users.by_email(accounts.emails[person]) is None


@then("коды подтверждения отправлены")
def codes_sent(accounts: Accounts) -> None:
    person = next(iter(accounts.emails))
    assert accounts.codes(person)


@then(parsers.re(r"повторная отправка (?P<verdict>выполнена|отклонена)"))
def resend_verdict(accounts: Accounts, verdict: str) -> None:
    if verdict == "выполнена":
        assert accounts.done, accounts.error
        person = next(iter(accounts.emails))
        assert accounts.codes(person) != accounts.first_codes[person]
    else:
        assert isinstance(accounts.error, CodeResendTooSoon), accounts.error


@then(parsers.re(rf"регистрация {PERSON} (?P<verdict>сохранена|удалена)"))
def registration_kept(accounts: Accounts, person: str, verdict: str) -> None:
    with accounts.world.uow() as uow:
        found = uow.registrations.get(accounts.registrations[person])
    assert (found is not None) is (verdict == "сохранена")


@then(parsers.re(rf"заявка {ORG} ждёт одобрения"))
def awaits_approval(accounts: Accounts, org: str) -> None:
    with accounts.world.uow() as uow:
        assert uow.organizations.get(accounts.world.org(org).id).status is OrganizationStatus.APPLIED


@then(parsers.re(r"подтверждение регистрации отклонено: (?P<reason>.+)"))
def registration_refused(accounts: Accounts, reason: str) -> None:
    assert isinstance(accounts.error, REFUSALS[reason]), f"expected {reason}, got {accounts.error!r}"


# --- invitations --------------------------------------------------------------------------------

@given(parsers.re(rf"{PERSON} — администратор {ORG}"))
def administrator(accounts: Accounts, person: str, org: str) -> None:
    user = accounts.world.run(idc.RegisterUser(email=f"admin{len(accounts.users)}@client.ru", full_name=person,
                                               role=Role.ADMINISTRATOR, organization_id=accounts.world.org(org).id))
    accounts.users[person] = user.id


@given(parsers.re(rf"у {PERSON} есть учётная запись {EMAIL} в {ORG}"))
def has_account(accounts: Accounts, person: str, email: str, org: str) -> None:
    user = accounts.world.run(idc.RegisterUser(email=email, full_name=person, role=Role.VIEWER,
                                               organization_id=accounts.world.org(org).id, password=PASSWORD))
    accounts.users[person], accounts.emails[person] = user.id, email


@when(parsers.re(rf"{PERSON} приглашает {EMAIL} в {ORG} с ролью {ROLE}"))
def invites(accounts: Accounts, person: str, email: str, org: str, role: str) -> None:
    accounts.world.clock.advance(timedelta(seconds=1))
    inviter = accounts.actor_of(person)
    accounts.attempt(InviteUser(organization_id=accounts.world.org(org).id, email=email,
                                roles=frozenset({ROLES[role]})), inviter)


@when(parsers.re(rf"сотрудник ОМК приглашает {EMAIL} в {ORG} с ролью {ROLE}"))
def staff_invites(accounts: Accounts, email: str, org: str, role: str) -> None:
    accounts.world.clock.advance(timedelta(seconds=1))
    accounts.attempt(InviteUser(organization_id=accounts.world.org(org).id, email=email,
                                roles=frozenset({ROLES[role]})))


@when(parsers.re(rf"{PERSON} принимает приглашение из письма для {EMAIL} как новый пользователь"))
def accepts_as_newcomer(accounts: Accounts, person: str, email: str) -> None:
    accepted = accounts.attempt(AcceptInvitation(token=accounts.invitation_secret(email), full_name=person,
                                                 password=PASSWORD), public=True)
    if accepted is not None:
        accounts.users[person] = accepted.user_id


@when(parsers.re(rf"{PERSON} принимает приглашение из письма для {EMAIL}, войдя в свою учётную запись"))
def accepts_signed_in(accounts: Accounts, person: str, email: str) -> None:
    accounts.attempt(AcceptInvitation(token=accounts.invitation_secret(email)), accounts.actor_of(person))


@then(parsers.re(rf"{PERSON} — {ROLE} в {ORG}"))
def holds(accounts: Accounts, person: str, role: str, org: str) -> None:
    assert accounts.error is None, accounts.error
    assert ROLES[role] in accounts.roles_in(person, org)


@then("приглашение принято")
def invitation_accepted(accounts: Accounts) -> None:
    assert accounts.done, accounts.error


@then(parsers.re(r"приглашение не принято: (?P<reason>.+)"))
def invitation_refused(accounts: Accounts, reason: str) -> None:
    assert isinstance(accounts.error, REFUSALS[reason]), f"expected {reason}, got {accounts.error!r}"


@then(parsers.re(rf"письма с приглашением для {EMAIL} нет"))
def no_invitation_mail(accounts: Accounts, email: str) -> None:
    assert accounts.outbox.emails(email) == []
