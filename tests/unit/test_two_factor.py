"""Second factors and the organisation-less session: the authenticator credential's replay guard, the
attempts every factor shares, recovery codes used once, what a person without an organisation may do —
and that no secret reaches a repr, the store's audit or the logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_adapters.security.totp import PyOtpTotpService
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ListAudit, RegisterOrganization, RegisterUser
from omk_domain.app.signin import CompleteSignIn, ResendCode, ResolveSession, SetPassword, SignedIn, StartSignIn
from omk_domain.app.two_factor import (
    ConfirmTwoFactorEnrolment,
    DisableTwoFactor,
    RegenerateRecoveryCodes,
    ResetTwoFactor,
    ShowTwoFactor,
    StartTwoFactorEnrolment,
)
from omk_domain.identity.model import Actor, Membership, Role, RolesRequired, UserNotFound
from omk_domain.identity.otp import (
    CodeAttemptsExhausted,
    CodePurpose,
    CodeWrong,
    CurrentPasswordWrong,
    OneTimeCode,
    RecoveryCodeAlreadyUsed,
    RecoveryCodes,
    RecoveryCodeWrong,
    TotpCodeReplayed,
    TotpCodeWrong,
    TotpCredential,
    TwoFactorAlreadyEnabled,
    TwoFactorConfirmationRequired,
    TwoFactorNotEnabled,
)
from omk_domain.identity.policy import SELF_SERVICE, Permission, Reason, decide, grantable
from omk_domain.identity.signin import (
    AccountTemporarilyLocked,
    Channel,
    SecondFactor,
    SecondFactorUnavailable,
    SessionInvalid,
)
from omk_domain.ports import AuditFilter
from omk_domain.shared.errors import Forbidden

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor(user_id="admin", role=Role.SYSTEM_ADMIN)
PASSWORD = "Зелёный-чайник-2026"
EMAIL = "anna@client.ru"


# --- the domain ---------------------------------------------------------------------------------

@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_an_app_code_is_accepted_only_for_a_later_step_than_the_last_one_used(steps: list[int]) -> None:
    credential = TotpCredential(user_id="u", secret="S", created_at=T0, confirmed_at=T0)
    accepted: list[int] = []
    for step in steps:
        if accepted and step <= accepted[-1]:
            with pytest.raises(TotpCodeReplayed):
                credential.accept(step)
        else:
            credential.accept(step)
            accepted.append(step)
        assert credential.last_used_step == (accepted[-1] if accepted else None)
    assert accepted == sorted(set(accepted))


def test_a_credential_activates_once_with_a_valid_code() -> None:
    credential = TotpCredential(user_id="u", secret="KRUGOLYGGQ3TSMJQ", created_at=T0)
    with pytest.raises(TotpCodeWrong):
        credential.confirm(None, T0)
    assert not credential.active
    credential.confirm(7, T0)
    assert credential.active and credential.last_used_step == 7
    with pytest.raises(TwoFactorAlreadyEnabled):
        credential.confirm(8, T0)
    assert "KRUGOLYGGQ3TSMJQ" not in repr(credential)
    assert attrs.fields(TotpCredential).secret.metadata.get("secret") is True


@given(st.lists(st.booleans(), min_size=1, max_size=10))
def test_every_answer_shares_the_challenges_five_attempts_and_single_use(answers: list[bool]) -> None:
    code = OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient="a@b.ru", code="123456", now=T0)
    wrong = 0
    for correct in answers:
        if code.used_at is not None:
            break
        if wrong >= 5:
            with pytest.raises(CodeAttemptsExhausted):
                code.settle(correct, T0)
            continue
        if correct:
            code.settle(True, T0)
            assert code.used_at == T0
        else:
            wrong += 1
            with pytest.raises(CodeAttemptsExhausted if wrong == 5 else TotpCodeReplayed):
                code.settle(False, T0, wrong=lambda left: TotpCodeReplayed(attempts_left=left))
        assert code.attempts_left == 5 - wrong


def test_each_recovery_code_works_once_however_it_is_typed() -> None:
    codes, clear = RecoveryCodes.generate(now=T0)
    assert len(set(clear)) == 10 and codes.remaining == 10
    positions = [codes.consume(f" {c.lower().replace('-', ' - ')} ", T0) for c in clear]
    assert positions == list(range(10)) and codes.remaining == 0
    with pytest.raises(RecoveryCodeAlreadyUsed):
        codes.consume(clear[0], T0)
    assert not any(c in repr(codes) for c in clear)


@given(st.text(max_size=20))
def test_a_string_that_is_no_recovery_code_of_the_set_is_refused(typed: str) -> None:
    codes, clear = RecoveryCodes.generate(now=T0, salt=b"0" * 16)
    normalised = "".join(ch for ch in typed if not ch.isspace() and ch != "-").upper()
    if any(normalised == c.replace("-", "") for c in clear):
        return
    with pytest.raises(RecoveryCodeWrong):
        codes.consume(typed, T0)
    assert codes.remaining == 10


# --- the organisation-less actor and the policy ------------------------------------------------

@pytest.mark.parametrize("permission", list(Permission))
def test_a_person_without_an_organisation_may_only_act_on_itself(permission: Permission) -> None:
    actor = Actor.without_organization("u")
    decision = decide(actor, permission)
    assert decision.allowed is (permission in SELF_SERVICE)
    if not decision.allowed:
        assert decision.reason is Reason.NO_ORGANIZATION
    assert not decide(actor, permission, "org-1")  # nothing about any organisation


def test_the_organisation_less_actor_is_no_staff_holds_no_role_and_grants_nothing() -> None:
    actor = Actor.without_organization("u")
    assert (actor.organization_id, actor.roles, actor.is_staff, actor.has_organization) == (
        None, frozenset(), False, False)
    assert grantable(actor) == frozenset()
    with pytest.raises(RolesRequired):
        _ = actor.role


@pytest.mark.parametrize("permission", sorted(SELF_SERVICE, key=lambda p: p.value))
def test_every_person_acts_on_itself_but_an_api_token_never(permission: Permission) -> None:
    assert decide(Actor(user_id="c", role=Role.VIEWER, organization_id="o"), permission)
    assert decide(Actor(user_id="s", role=Role.SUPPORT), permission)
    token = Actor(user_id="token:1", role=Role.ADMINISTRATOR, organization_id="o", limit=[permission])
    assert not decide(token, permission)


# --- the use cases on the in-memory adapters ---------------------------------------------------

@attrs.define
class World:
    store: MemoryStore
    clock: ManualClock
    bus: MessageBus
    outbox: LocalOutbox
    user_id: str = ""
    org_id: str = ""
    secret: str = ""
    recovery: tuple[str, ...] = ()

    @property
    def me(self) -> Actor:
        return Actor(user_id=self.user_id, role=Role.BIDDER, organization_id=self.org_id)

    def app_code(self) -> str:
        return pyotp.TOTP(self.secret).at(self.clock.now())

    def enrol(self) -> None:
        self.secret = self.bus.handle(StartTwoFactorEnrolment(), self.me).secret
        self.recovery = self.bus.handle(ConfirmTwoFactorEnrolment(code=self.app_code()), self.me).codes
        self.clock.advance(timedelta(seconds=30))

    def start(self, factor: SecondFactor | None = None) -> str:
        self.clock.advance(timedelta(seconds=1))
        issued = self.bus.handle(StartSignIn(email=EMAIL, password=PASSWORD, factor=factor), None)
        return str(issued.challenge_id)

    def complete(self, challenge: str, code: str, factor: SecondFactor | None = None) -> SignedIn:
        signed: SignedIn = self.bus.handle(CompleteSignIn(challenge_id=challenge, code=code, factor=factor), None)
        return signed

    def audit(self, prefix: str) -> list[str]:
        return [e.action for e in self.bus.handle(ListAudit(filter=AuditFilter(action=prefix, limit=500)), ADMIN)]


@pytest.fixture()
def world(tmp_path: Path) -> World:
    store, clock = MemoryStore(), ManualClock(T0)
    deps = {"password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
            "codes": FixedCodeGenerator(["424242"]),
            "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock),
            "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=clock), "totp": PyOtpTotpService()}
    bus = MessageBus(uow_factory=lambda: MemoryUnitOfWork(store), clock=clock, deps=deps)
    w = World(store=store, clock=clock, bus=bus, outbox=LocalOutbox.in_data_dir(tmp_path))
    org = bus.handle(RegisterOrganization(name="ООО Клиент", inn="7707083893"), ADMIN)
    user = bus.handle(RegisterUser(email=EMAIL, full_name="Анна Петрова", role=Role.BIDDER,
                                   organization_id=org.id), ADMIN)
    bus.handle(SetPassword(user_id=user.id, password=PASSWORD), ADMIN)
    w.user_id, w.org_id = user.id, org.id
    return w


def test_enrolment_shows_the_secret_once_and_hides_it_from_reprs(world: World) -> None:
    enrolment = world.bus.handle(StartTwoFactorEnrolment(), world.me)
    assert enrolment.secret not in repr(enrolment) and enrolment.uri not in repr(enrolment)
    assert f"secret={enrolment.secret}" in enrolment.uri and enrolment.qr_svg.lstrip().startswith("<?xml")
    status = world.bus.handle(ShowTwoFactor(), world.me)
    assert (status.app_pending, status.app_enabled) == (True, False)
    issued = world.bus.handle(ConfirmTwoFactorEnrolment(code=pyotp.TOTP(enrolment.secret).at(T0)), world.me)
    assert not any(c in repr(issued) for c in issued.codes)
    audit = repr([attrs.asdict(e) for e in world.store.audit])
    assert enrolment.secret not in audit and not any(c in audit for c in issued.codes)


def test_a_second_enrolment_is_refused_while_an_app_is_enabled(world: World) -> None:
    world.enrol()
    with pytest.raises(TwoFactorAlreadyEnabled):
        world.bus.handle(StartTwoFactorEnrolment(), world.me)


def test_the_factor_a_user_does_not_have_is_refused(world: World) -> None:
    with pytest.raises(SecondFactorUnavailable):
        world.start(SecondFactor.APP)
    challenge = world.start()
    with pytest.raises(SecondFactorUnavailable):
        world.complete(challenge, "123456", SecondFactor.APP)
    with pytest.raises(SecondFactorUnavailable):
        world.complete(challenge, "ABCDE-FGHJK", SecondFactor.RECOVERY)
    assert world.complete(challenge, "424242").token  # the refusals spent nothing


def test_an_enrolled_user_may_still_ask_for_a_code_by_email(world: World) -> None:
    world.enrol()
    challenge = world.start(SecondFactor.CODE)
    assert world.outbox.latest_email(EMAIL) is not None
    assert world.complete(challenge, "424242").token


def test_an_app_challenge_takes_no_sent_code_until_one_is_asked_for(world: World) -> None:
    world.enrol()
    challenge = world.start()
    with pytest.raises(SecondFactorUnavailable):
        world.complete(challenge, "424242", SecondFactor.CODE)
    world.clock.advance(timedelta(seconds=1))
    resent = world.bus.handle(ResendCode(challenge_id=challenge), None)  # the phone with the app is lost
    assert resent.channel is Channel.EMAIL
    assert world.complete(resent.challenge_id, "424242").token


def test_wrong_app_codes_spend_the_challenges_attempts_and_lock_the_account(world: World) -> None:
    world.enrol()
    challenge = world.start()
    right = int(world.app_code())
    wrong = [f"{(right + k) % 1_000_000:06d}" for k in range(1, 6)]
    for code in wrong[:4]:
        with pytest.raises(CodeWrong):
            world.complete(challenge, code)
    with pytest.raises(CodeAttemptsExhausted):
        world.complete(challenge, wrong[4])
    with pytest.raises(AccountTemporarilyLocked):
        world.start()
    assert world.audit("account.locked") == ["account.locked"]


def test_a_recovery_code_signs_in_once_and_the_count_left_shows(world: World) -> None:
    world.enrol()
    signed = world.complete(world.start(SecondFactor.RECOVERY), world.recovery[2], SecondFactor.RECOVERY)
    assert signed.recovery_codes_left == 9
    assert world.bus.handle(ShowTwoFactor(), world.me).recovery_codes_left == 9
    with pytest.raises(RecoveryCodeAlreadyUsed):
        world.complete(world.start(), world.recovery[2], SecondFactor.RECOVERY)
    assert world.audit("two_factor.recovery_code_used") == ["two_factor.recovery_code_used"]
    (entry,) = [e for e in world.store.audit if e.action == "two_factor.recovery_code_used"]
    assert entry.detail["remaining"] == 9


def test_regenerating_recovery_codes_needs_a_code_or_the_password_and_replaces_the_set(world: World) -> None:
    world.enrol()
    with pytest.raises(TwoFactorConfirmationRequired):
        world.bus.handle(RegenerateRecoveryCodes(), world.me)
    with pytest.raises(CurrentPasswordWrong):
        world.bus.handle(RegenerateRecoveryCodes(password="Не-тот-пароль-1"), world.me)
    fresh = world.bus.handle(RegenerateRecoveryCodes(password=PASSWORD), world.me).codes
    with pytest.raises(RecoveryCodeWrong):
        world.complete(world.start(), world.recovery[0], SecondFactor.RECOVERY)
    assert world.complete(world.start(), fresh[0], SecondFactor.RECOVERY).recovery_codes_left == 9


def test_disabling_needs_a_fresh_app_code_and_removes_the_recovery_codes(world: World) -> None:
    world.enrol()
    code = world.app_code()
    world.complete(world.start(), code)
    with pytest.raises(TotpCodeReplayed):
        world.bus.handle(DisableTwoFactor(code=code), world.me)
    world.clock.advance(timedelta(seconds=30))
    world.bus.handle(DisableTwoFactor(code=world.app_code()), world.me)
    status = world.bus.handle(ShowTwoFactor(), world.me)
    assert (status.app_enabled, status.recovery_codes_left) == (False, 0)
    with pytest.raises(TwoFactorNotEnabled):
        world.bus.handle(DisableTwoFactor(password=PASSWORD), world.me)
    assert world.audit("two_factor.disabled") == ["two_factor.disabled"]


def test_only_staff_who_manage_the_user_reset_its_app(world: World) -> None:
    world.enrol()
    other = Actor(user_id="x", role=Role.ADMINISTRATOR, organization_id="another-org")
    with pytest.raises(UserNotFound):
        world.bus.handle(ResetTwoFactor(user_id=world.user_id), other)
    with pytest.raises(UserNotFound):
        world.bus.handle(ShowTwoFactor(user_id=world.user_id), other)
    assert world.bus.handle(ResetTwoFactor(user_id=world.user_id), ADMIN) is True
    assert world.bus.handle(ResetTwoFactor(user_id=world.user_id), ADMIN) is False
    assert world.start() and world.outbox.latest_email(EMAIL) is not None  # back to the emailed code
    (entry, _) = [e for e in world.store.audit if e.action == "two_factor.reset"]
    assert entry.actor_user_id == ADMIN.user_id and entry.target_id == world.user_id


def test_an_api_token_cannot_touch_second_factors(world: World) -> None:
    token = Actor(user_id="token:1", role=Role.ADMINISTRATOR, organization_id=world.org_id,
                  limit=[Permission.USERS_MANAGE])
    with pytest.raises(Forbidden):
        world.bus.handle(StartTwoFactorEnrolment(), token)


def test_a_member_who_loses_every_membership_still_signs_in_without_an_organisation(world: World) -> None:
    org_session = world.complete(world.start(), "424242")
    with MemoryUnitOfWork(world.store) as uow:
        for ms in uow.memberships.of_user(world.user_id):
            uow.memberships.remove(ms)
        uow.commit()
    with pytest.raises(SessionInvalid):  # a session for that organisation ends
        world.bus.handle(ResolveSession(token=org_session.token), None)
    signed = world.complete(world.start(), "424242")
    assert signed.actor == Actor.without_organization(world.user_id)
    with MemoryUnitOfWork(world.store) as uow:  # accepted into an organisation meanwhile
        joined = Membership.start(user_id=world.user_id, organization_id=world.org_id, now=T0)
        joined.grant(frozenset({Role.VIEWER}))
        uow.memberships.add(joined)
        uow.commit()
    resolved = world.bus.handle(ResolveSession(token=signed.token), None)
    assert (resolved.organization_id, resolved.roles) == (world.org_id, frozenset({Role.VIEWER}))


def test_no_secret_of_a_full_two_factor_sign_in_reaches_the_logs(world: World,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.enrol()
    code = world.app_code()
    world.complete(world.start(), code)
    world.complete(world.start(), world.recovery[0], SecondFactor.RECOVERY)
    logged = caplog.text
    assert world.secret not in logged and code not in logged and world.recovery[0] not in logged
