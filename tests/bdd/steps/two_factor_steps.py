"""Second-factor steps: the code by SMS or email, the authenticator app (codes computed the way the app
computes them, from the secret shown at enrolment), recovery codes, and the person with no organisation."""

from __future__ import annotations

import re
from datetime import timedelta

import attrs
import pyotp
import pytest
from pytest_bdd import given, parsers, then, when

from omk_domain.app.auctions import ListAuctions
from omk_domain.app.signin import ResolveSession
from omk_domain.app.two_factor import (
    ConfirmTwoFactorEnrolment,
    RegenerateRecoveryCodes,
    ShowTwoFactor,
    StartTwoFactorEnrolment,
)
from omk_domain.identity.model import Actor, User
from omk_domain.identity.policy import Permission, decide
from omk_domain.identity.signin import SecondFactor
from omk_domain.ports import AuctionFilter, PasswordHasher
from omk_domain.shared.errors import DomainError, Forbidden
from tests.bdd.steps.signin_steps import EMAILS, PERSON, SignIn

#: the policy's permission behind each action a feature names
ACTIONS = {
    "подать заявку на организацию": Permission.ORGANIZATIONS_APPLY,
    "принять приглашение": Permission.INVITATIONS_ACCEPT,
    "управлять своей учётной записью": Permission.ACCOUNT_SELF,
    "смотреть аукционы": Permission.AUCTION_VIEW,
    "делать ставки": Permission.AUCTION_BID,
    "управлять пользователями": Permission.USERS_MANAGE,
    "смотреть журнал аудита": Permission.AUDIT_VIEW,
}


@attrs.define
class Authenticator:
    """The person's phone: the app's secret, the codes it showed, the recovery codes written down."""

    signin: SignIn
    secret: str | None = None
    app_code: str | None = None
    recovery: tuple[str, ...] = ()
    old_recovery: tuple[str, ...] = ()

    def actor(self, email: str) -> Actor:
        """The person as signed in (a session), or — for setting things up — as its first session would be."""
        if email in self.signin.tokens:
            found: Actor = self.signin.world.bus.handle(ResolveSession(token=self.signin.tokens[email]), None)
            return found
        with self.signin.world.uow() as uow:
            user = uow.users.by_email(email)
            assert user is not None
            ms = next(iter(uow.memberships.of_user(user.id)), None)
        if ms is None:
            return Actor.without_organization(user.id)
        return Actor(user_id=user.id, roles=ms.roles, organization_id=ms.organization_id)

    def now_code(self) -> str:
        assert self.secret is not None
        return pyotp.TOTP(self.secret).at(self.signin.world.clock.now())


@pytest.fixture
def authenticator(signin: SignIn) -> Authenticator:
    return Authenticator(signin=signin)


def _bus_run(auth: Authenticator, command: object, email: str) -> object:
    return auth.signin.world.bus.handle(command, auth.actor(email))  # type: ignore[arg-type]


@given(parsers.re(rf"у {PERSON} указан телефон (?P<phone>\+\d+)"))
def has_phone(signin: SignIn, person: str, phone: str) -> None:
    with signin.world.uow() as uow:
        user = uow.users.by_email(EMAILS[person])
        assert user is not None
        user.phone = phone
        uow.commit()


@given(parsers.re(rf"у {PERSON} есть учётная запись без организации с паролем «(?P<password>[^»]+)»"))
def account_without_organization(signin: SignIn, person: str, password: str) -> None:
    hasher: PasswordHasher = signin.world.bus.deps["password_hasher"]
    user = User.self_registered(email=EMAILS[person], full_name="Борис Иванов", now=signin.world.clock.now())
    user.password_hash = hasher.hash(password)
    with signin.world.uow() as uow:
        uow.users.add(user)
        uow.commit()


@given(parsers.re(rf"{PERSON} подключила? приложение-аутентификатор"))
def enrolled(authenticator: Authenticator, person: str) -> None:
    enrolment = _bus_run(authenticator, StartTwoFactorEnrolment(), EMAILS[person])
    authenticator.secret = enrolment.secret  # type: ignore[attr-defined]
    issued = _bus_run(authenticator, ConfirmTwoFactorEnrolment(code=authenticator.now_code()), EMAILS[person])
    authenticator.recovery = issued.codes  # type: ignore[attr-defined]
    authenticator.signin.world.clock.advance(timedelta(seconds=30))  # the app shows its next code


@when(parsers.re(rf"{PERSON} начинает подключать приложение-аутентификатор"))
def starts_enrolment(authenticator: Authenticator, person: str) -> None:
    enrolment = _bus_run(authenticator, StartTwoFactorEnrolment(), EMAILS[person])
    authenticator.secret = enrolment.secret  # type: ignore[attr-defined]


@when(parsers.re(rf"{PERSON} подтверждает подключение неверным кодом"))
def confirms_wrongly(authenticator: Authenticator, person: str) -> None:
    right = authenticator.now_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(DomainError):
        _bus_run(authenticator, ConfirmTwoFactorEnrolment(code=wrong), EMAILS[person])


@then(parsers.re(rf"приложение у {PERSON} не подключено"))
def not_enrolled(authenticator: Authenticator, person: str) -> None:
    status = _bus_run(authenticator, ShowTwoFactor(), EMAILS[person])
    assert not status.app_enabled  # type: ignore[attr-defined]


@when(parsers.re(rf"{PERSON} вводит код из последнего SMS"))
def enters_sms_code(signin: SignIn, person: str) -> None:
    with signin.world.uow() as uow:
        user = uow.users.by_email(EMAILS[person])
        assert user is not None and user.phone is not None
    sms = signin.outbox.latest_sms(user.phone)
    assert sms is not None, "no SMS in the outbox"
    found = re.search(r"\b(\d{6})\b", sms.text)
    assert found is not None
    signin.complete(EMAILS[person], found.group(1))


@then("SMS с кодом не отправлено")
def no_sms_sent(signin: SignIn) -> None:
    assert signin.outbox.sms() == []


@when(parsers.re(rf"{PERSON} вводит код из приложения"))
def enters_app_code(authenticator: Authenticator, person: str) -> None:
    authenticator.app_code = authenticator.now_code()
    authenticator.signin.complete(EMAILS[person], authenticator.app_code)


@when(parsers.re(rf"{PERSON} вводит тот же код из приложения"))
def enters_same_app_code(authenticator: Authenticator, person: str) -> None:
    assert authenticator.app_code is not None
    authenticator.signin.complete(EMAILS[person], authenticator.app_code)


@when(parsers.re(rf"{PERSON} вводит первый резервный код(?P<old> из старого набора)?"))
def enters_recovery_code(authenticator: Authenticator, person: str, old: str | None) -> None:
    codes = authenticator.old_recovery if old else authenticator.recovery
    authenticator.signin.complete(EMAILS[person], codes[0], SecondFactor.RECOVERY)


@when(parsers.re(rf"{PERSON} получает новый набор резервных кодов"))
def regenerates(authenticator: Authenticator, person: str) -> None:
    authenticator.old_recovery = authenticator.recovery
    issued = _bus_run(authenticator, RegenerateRecoveryCodes(code=authenticator.now_code()), EMAILS[person])
    authenticator.recovery = issued.codes  # type: ignore[attr-defined]
    authenticator.signin.world.clock.advance(timedelta(seconds=30))


@then(parsers.re(rf"у {PERSON} осталось (?P<count>\d+) резервных кодов"))
def recovery_codes_left(authenticator: Authenticator, person: str, count: str) -> None:
    status = _bus_run(authenticator, ShowTwoFactor(), EMAILS[person])
    assert status.recovery_codes_left == int(count)  # type: ignore[attr-defined]


@then(parsers.re(rf"{PERSON} действует без организации и без ролей"))
def acts_without_organization(authenticator: Authenticator, person: str) -> None:
    actor = authenticator.actor(EMAILS[person])
    assert (actor.organization_id, actor.roles, actor.is_staff) == (None, frozenset(), False)


@then(parsers.re(rf"{PERSON} может подключить приложение-аутентификатор"))
def may_enrol(authenticator: Authenticator, person: str) -> None:
    enrolment = _bus_run(authenticator, StartTwoFactorEnrolment(), EMAILS[person])
    assert enrolment.uri.startswith("otpauth://totp/")  # type: ignore[attr-defined]


@then(parsers.re(rf"{PERSON} отказано в списке аукционов"))
def refused_auctions(authenticator: Authenticator, person: str) -> None:
    with pytest.raises(Forbidden):
        _bus_run(authenticator, ListAuctions(filter=AuctionFilter()), EMAILS[person])


@then(parsers.re(rf"{PERSON} (?P<verdict>разрешено|запрещено) «(?P<action>[^»]+)»"))
def policy_decides(authenticator: Authenticator, person: str, verdict: str, action: str) -> None:
    actor = authenticator.actor(EMAILS[person])
    assert actor.organization_id is None
    assert decide(actor, ACTIONS[action]).allowed is (verdict == "разрешено")
