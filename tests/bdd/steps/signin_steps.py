"""Sign-in steps: a person signs in with a password and the code read back from the local outbox
folder, as a newcomer would; then uses, outlives or ends the session."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from pytest_bdd import given, parsers, then, when

from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_adapters.security.totp import PyOtpTotpService
from omk_domain.app.identity import RegisterUser
from omk_domain.app.reset import RequestPasswordReset
from omk_domain.app.signin import CompleteSignIn, ResolveSession, SignOut, StartSignIn
from omk_domain.identity.model import Role
from omk_domain.identity.otp import CodeAlreadyUsed, RecoveryCodeAlreadyUsed, RecoveryCodeWrong, TotpCodeReplayed
from omk_domain.identity.reset import TooManyResetRequests
from omk_domain.identity.signin import AccountTemporarilyLocked, SecondFactor, WrongEmailOrPassword
from omk_domain.shared.errors import DomainError
from tests.bdd.steps.world import World

#: the person's name as the features decline it → their email
EMAILS = {"Анна": "anna@client.ru", "Анны": "anna@client.ru", "Анне": "anna@client.ru",
          "Борис": "boris@mail.ru", "Бориса": "boris@mail.ru", "Борису": "boris@mail.ru"}
PERSON = r"«(?P<person>[^»]+)»"
REFUSALS: dict[str, type[DomainError]] = {
    "код уже использован": CodeAlreadyUsed,
    "неверный адрес или пароль": WrongEmailOrPassword,
    "учётная запись временно заблокирована": AccountTemporarilyLocked,
    "код из приложения уже использован": TotpCodeReplayed,
    "резервный код уже использован": RecoveryCodeAlreadyUsed,
    "резервный код неверный": RecoveryCodeWrong,
}


@attrs.define
class SignIn:
    """What the sign-in scenario holds: the outbox to read codes from, challenges, tokens, the last refusal."""

    world: World
    outbox: LocalOutbox
    challenge: str | None = None
    code: str | None = None
    tokens: dict[str, str] = attrs.Factory(dict)
    error: DomainError | None = None
    #: each password-reset request's outcome: None (the one answer every accepted request gets) or the refusal
    reset_answers: list[DomainError | None] = attrs.Factory(list)

    def ask_reset_link(self, email: str, address: str) -> None:
        self.world.clock.advance(timedelta(seconds=1))
        try:
            self.reset_answers.append(self.world.bus.handle(
                RequestPasswordReset(email=email, source_address=address), None))
        except DomainError as exc:
            self.reset_answers.append(exc)

    def reset_links_sent(self, email: str) -> int:
        return sum(1 for m in self.outbox.emails(email) if m.subject == "Смена пароля")

    def start(self, email: str, password: str) -> None:
        self.world.clock.advance(timedelta(seconds=1))  # so the latest message in the outbox is this one
        self.error = None
        try:
            self.challenge = self.world.bus.handle(StartSignIn(email=email, password=password,
                                                               source_address="192.0.2.10"), None).challenge_id
        except DomainError as exc:
            self.error = exc

    def complete(self, email: str, code: str, factor: SecondFactor | None = None) -> None:
        if self.error is not None:
            return
        assert self.challenge is not None
        try:
            signed = self.world.bus.handle(CompleteSignIn(challenge_id=self.challenge, code=code, factor=factor,
                                                          source_address="192.0.2.10"), None)
            self.tokens[email] = signed.token
        except DomainError as exc:
            self.error = exc

    def session_alive(self, email: str) -> bool:
        try:
            self.world.bus.handle(ResolveSession(token=self.tokens[email]), None)
        except DomainError:
            return False
        return True


@pytest.fixture
def signin(world: World, tmp_path: Path) -> SignIn:
    world.bus.deps = {**world.bus.deps,
                      "password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
                      "codes": FixedCodeGenerator(["424242", "515151"]),
                      "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local",
                                                  clock=world.clock),
                      "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=world.clock),
                      "totp": PyOtpTotpService()}
    return SignIn(world=world, outbox=LocalOutbox.in_data_dir(tmp_path))


@given(parsers.re(rf"у {PERSON} есть учётная запись с паролем «(?P<password>[^»]+)»"))
def account_with_password(signin: SignIn, person: str, password: str) -> None:
    org = signin.world.register("ООО «Ромашка»")
    signin.world.run(RegisterUser(email=EMAILS[person], full_name="Анна Петрова", role=Role.BIDDER,
                                  organization_id=org.id, password=password))


@when(parsers.re(rf"{PERSON} входит с паролем «(?P<password>[^»]+)»"))
def signs_in(signin: SignIn, person: str, password: str) -> None:
    signin.start(EMAILS[person], password)


@when(parsers.re(r"входят с адресом (?P<email>\S+) и паролем «(?P<password>[^»]+)»"))
def signs_in_as(signin: SignIn, email: str, password: str) -> None:
    signin.start(email, password)


@when(parsers.re(r"(?P<times>\d+) раз подряд вводят неверный пароль «(?P<person>[^»]+)»"))
def wrong_passwords(signin: SignIn, times: str, person: str) -> None:
    for _ in range(int(times)):
        signin.start(EMAILS[person], "Подбираю-пароль-0")
        assert isinstance(signin.error, WrongEmailOrPassword)


@when(parsers.re(rf"{PERSON} вводит код из последнего письма"))
def enters_code(signin: SignIn, person: str) -> None:
    mail = signin.outbox.latest_email(EMAILS[person])
    assert mail is not None, "no email in the outbox"
    found = re.search(r"\b(\d{6})\b", mail.text)
    assert found is not None
    signin.code = found.group(1)
    signin.complete(EMAILS[person], signin.code)


@when(parsers.re(rf"{PERSON} вводит тот же код ещё раз"))
def enters_code_again(signin: SignIn, person: str) -> None:
    assert signin.code is not None
    signin.complete(EMAILS[person], signin.code)


@when(parsers.re(r"проходит (?P<minutes>\d+) мин"))
def time_passes(signin: SignIn, minutes: str) -> None:
    signin.world.clock.advance(timedelta(minutes=int(minutes)))


@when(parsers.re(rf"{PERSON} работает в кабинете каждые (?P<pause>\d+) мин в течение (?P<total>\d+) мин"))
def works(signin: SignIn, person: str, pause: str, total: str) -> None:
    for _ in range(int(total) // int(pause)):
        signin.world.clock.advance(timedelta(minutes=int(pause)))
        if not signin.session_alive(EMAILS[person]):
            return


@when(parsers.re(rf"{PERSON} выходит"))
def signs_out(signin: SignIn, person: str) -> None:
    assert signin.world.bus.handle(SignOut(token=signin.tokens[EMAILS[person]]), None) is True


@then(parsers.re(rf"сеанс {PERSON} (?P<state>действует|завершён)"))
def session_state(signin: SignIn, person: str, state: str) -> None:
    assert signin.error is None, f"sign-in refused: {signin.error}"
    assert signin.session_alive(EMAILS[person]) is (state == "действует")


@then(parsers.re(r"вход отклонён: (?P<reason>.+)"))
def refused(signin: SignIn, reason: str) -> None:
    assert isinstance(signin.error, REFUSALS[reason]), f"expected {reason}, got {signin.error!r}"


@then("письмо с кодом не отправлено")
def no_code_sent(signin: SignIn) -> None:
    assert signin.outbox.emails() == []


# --- password-reset links and their quotas ----------------------------------------------------

@given(parsers.re(rf"ссылку для смены пароля {PERSON} запрашивали (?P<times>\d+) раза? с адреса (?P<address>\S+)"))
@when(parsers.re(rf"ссылку для смены пароля {PERSON} запрашивают (?P<times>\d+) раза? с адреса (?P<address>\S+)"))
def asks_reset_links(signin: SignIn, person: str, times: str, address: str) -> None:
    for _ in range(int(times)):
        signin.ask_reset_link(EMAILS[person], address)


@when(parsers.re(r"с адреса (?P<address>\S+) запрашивают ссылку для (?P<count>\d+) разных адресов почты"))
def asks_for_many_mailboxes(signin: SignIn, address: str, count: str) -> None:
    for i in range(int(count)):
        signin.ask_reset_link(f"nobody{i}@example.ru", address)
    assert signin.reset_answers == [None] * int(count)


@then(parsers.re(rf"{PERSON} отправлено писем со ссылкой: (?P<count>\d+)"))
def reset_links_sent(signin: SignIn, person: str, count: str) -> None:
    assert signin.reset_links_sent(EMAILS[person]) == int(count)


@then("каждый запрос получил тот же ответ")
def same_answer_each_time(signin: SignIn) -> None:
    assert signin.reset_answers and all(answer is None for answer in signin.reset_answers)


@then("запрос отклонён: слишком много запросов с этого адреса")
def reset_refused(signin: SignIn) -> None:
    assert isinstance(signin.reset_answers[-1], TooManyResetRequests)


@then(parsers.re(rf"с адреса (?P<address>\S+) ссылка для {PERSON} отправляется"))
def another_address_gets_the_link(signin: SignIn, address: str, person: str) -> None:
    before = signin.reset_links_sent(EMAILS[person])
    signin.ask_reset_link(EMAILS[person], address)
    assert signin.reset_answers[-1] is None and signin.reset_links_sent(EMAILS[person]) == before + 1
