"""The second-factor stores on every adapter (in memory, SQLite, PostgreSQL): the authenticator credential
with its used time step, the recovery codes each used once, and the whole sign-in with each second factor
and without an organisation, run through the bus on each store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_adapters.security.totp import PyOtpTotpService
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.auctions import ListAuctions
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ListAudit
from omk_domain.app.signin import CompleteSignIn, ResolveSession, SetPassword, StartSignIn
from omk_domain.app.two_factor import (
    ConfirmTwoFactorEnrolment,
    DisableTwoFactor,
    RegenerateRecoveryCodes,
    ResetTwoFactor,
    ShowTwoFactor,
    StartTwoFactorEnrolment,
)
from omk_domain.identity.model import Actor, Membership, Organization, Role, User
from omk_domain.identity.otp import RecoveryCodeAlreadyUsed, RecoveryCodes, TotpCodeReplayed, TotpCredential
from omk_domain.identity.signin import Channel, SecondFactor
from omk_domain.ports import AuctionFilter, AuditFilter, UnitOfWork
from omk_domain.shared.errors import Forbidden
from tests.contract.backends import Backend
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
ADMIN = Actor(user_id="admin", role=Role.SYSTEM_ADMIN)
PASSWORD = "Зелёный-чайник-2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _user(uow_factory: UowFactory, *, member: bool = True) -> User:
    org = Organization.register(name="ООО А", inn="7707083893", now=T0)
    if member:
        user = User.create(email="anna@a.ru", full_name="Анна", role=Role.BIDDER, organization_id=org.id, now=T0)
    else:
        user = User.self_registered(email="anna@a.ru", full_name="Анна", now=T0)
    with uow_factory() as uow:
        uow.organizations.add(org)
        uow.users.add(user)
        if member:
            membership = Membership.start(user_id=user.id, organization_id=org.id, now=T0)
            membership.grant(frozenset({Role.BIDDER}))
            uow.memberships.add(membership)
        uow.commit()
    return user


# --- the stores ---------------------------------------------------------------------------------

def test_an_authenticator_credential_is_kept_pending_then_active_and_each_step_is_used_once(
        uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    with uow_factory() as uow:
        uow.totp_credentials.put(TotpCredential(user_id=user.id, secret="OLDSECRET", created_at=T0))
        uow.totp_credentials.put(TotpCredential(user_id=user.id, secret=SECRET, created_at=T0))  # started again
        uow.commit()
    with uow_factory() as uow:
        pending = uow.totp_credentials.get(user.id)
        assert pending is not None and pending.secret == SECRET and not pending.active
        assert not uow.totp_credentials.use_step(user.id, 100)  # a pending credential answers nothing
        pending.confirm(100, T0 + timedelta(minutes=1))
        uow.totp_credentials.confirm(pending)
        uow.commit()
    with uow_factory() as uow:
        assert uow.totp_credentials.use_step(user.id, 101)
        assert not uow.totp_credentials.use_step(user.id, 101)
        assert not uow.totp_credentials.use_step(user.id, 99)
        uow.commit()
    with uow_factory() as uow:
        active = uow.totp_credentials.get(user.id)
        assert active is not None and active.active
        assert (active.confirmed_at, active.last_used_step) == (T0 + timedelta(minutes=1), 101)
        assert SECRET not in repr(active)
        assert uow.totp_credentials.remove(user.id) and not uow.totp_credentials.remove(user.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.totp_credentials.get(user.id) is None


def test_an_uncommitted_credential_is_not_kept(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    with uow_factory() as uow:
        uow.totp_credentials.put(TotpCredential(user_id=user.id, secret=SECRET, created_at=T0))
    with uow_factory() as uow:
        assert uow.totp_credentials.get(user.id) is None


def test_recovery_codes_are_kept_as_hashes_used_once_and_replaced_as_a_set(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    codes, clear = RecoveryCodes.generate(now=T0)
    with uow_factory() as uow:
        uow.recovery_codes.replace(user.id, codes)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.recovery_codes.get(user.id)
        assert loaded is not None and loaded.remaining == 10 and loaded.generated_at == T0
        assert [c.code_hash for c in loaded.codes] == [c.code_hash for c in codes.codes]
        position = loaded.consume(clear[3], T0 + timedelta(minutes=1))
        assert position == 3
        assert uow.recovery_codes.use(user.id, loaded, position)
        assert not uow.recovery_codes.use(user.id, loaded, position)  # used already
        uow.commit()
    with uow_factory() as uow:
        again = uow.recovery_codes.get(user.id)
        assert again is not None and again.remaining == 9
        assert again.codes[3].used_at == T0 + timedelta(minutes=1)
        newer, _ = RecoveryCodes.generate(now=T0 + timedelta(hours=1))
        uow.recovery_codes.replace(user.id, newer)
        uow.commit()
    with uow_factory() as uow:
        assert not uow.recovery_codes.use(user.id, again, 4)  # a code of the old set no longer counts
        current = uow.recovery_codes.get(user.id)
        assert current is not None and current.remaining == 10 and current.salt == newer.salt
        assert uow.recovery_codes.remove(user.id) and not uow.recovery_codes.remove(user.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.recovery_codes.get(user.id) is None


# --- the whole flow on each store -------------------------------------------------------------

def _bus(backend: Backend, tmp_path: Path, clock: ManualClock) -> MessageBus:
    deps = {"password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
            "codes": FixedCodeGenerator(["424242"]),
            "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock),
            "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=clock), "totp": PyOtpTotpService()}
    return MessageBus(uow_factory=backend.uow_factory, clock=clock, deps=deps)


def test_sign_in_with_the_app_and_with_recovery_codes_runs_on_every_store(backend: Backend, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    bus = _bus(backend, tmp_path, clock)
    user = _user(backend.uow_factory)
    bus.handle(SetPassword(user_id=user.id, password=PASSWORD), ADMIN)
    me = Actor(user_id=user.id, role=Role.BIDDER, organization_id=user.organization_id)

    enrolment = bus.handle(StartTwoFactorEnrolment(), me)
    assert enrolment.uri.startswith("otpauth://totp/") and "<svg" in enrolment.qr_svg
    app = pyotp.TOTP(enrolment.secret)
    issued = bus.handle(ConfirmTwoFactorEnrolment(code=app.at(clock.now())), me)
    assert len(set(issued.codes)) == 10

    clock.advance(timedelta(seconds=60))
    mails_before = len(LocalOutbox.in_data_dir(tmp_path).emails())
    challenge = bus.handle(StartSignIn(email="anna@a.ru", password=PASSWORD), None)
    assert challenge.channel is Channel.APP
    assert set(challenge.factors) == {SecondFactor.CODE, SecondFactor.APP, SecondFactor.RECOVERY}
    assert len(LocalOutbox.in_data_dir(tmp_path).emails()) == mails_before  # nothing was sent
    code = app.at(clock.now())
    signed = bus.handle(CompleteSignIn(challenge_id=challenge.challenge_id, code=code), None)
    assert bus.handle(ResolveSession(token=signed.token), None).user_id == user.id

    replay = bus.handle(StartSignIn(email="anna@a.ru", password=PASSWORD), None)
    with pytest.raises(TotpCodeReplayed):
        bus.handle(CompleteSignIn(challenge_id=replay.challenge_id, code=code), None)

    by_recovery = bus.handle(StartSignIn(email="anna@a.ru", password=PASSWORD,
                                         factor=SecondFactor.RECOVERY), None)
    signed = bus.handle(CompleteSignIn(challenge_id=by_recovery.challenge_id, code=issued.codes[0].lower(),
                                       factor=SecondFactor.RECOVERY), None)
    assert signed.recovery_codes_left == 9
    again = bus.handle(StartSignIn(email="anna@a.ru", password=PASSWORD), None)
    with pytest.raises(RecoveryCodeAlreadyUsed):
        bus.handle(CompleteSignIn(challenge_id=again.challenge_id, code=issued.codes[0],
                                  factor=SecondFactor.RECOVERY), None)
    assert bus.handle(ShowTwoFactor(), me).recovery_codes_left == 9

    fresh = bus.handle(RegenerateRecoveryCodes(password=PASSWORD), me)
    assert not set(fresh.codes) & set(issued.codes)
    status = bus.handle(ShowTwoFactor(user_id=user.id), ADMIN)
    assert (status.app_enabled, status.recovery_codes_left) == (True, 10)

    clock.advance(timedelta(seconds=60))
    bus.handle(DisableTwoFactor(code=app.at(clock.now())), me)
    assert not bus.handle(ShowTwoFactor(), me).app_enabled
    plain = bus.handle(StartSignIn(email="anna@a.ru", password=PASSWORD), None)
    assert plain.channel is Channel.EMAIL and plain.factors == (SecondFactor.CODE,)

    enrolment = bus.handle(StartTwoFactorEnrolment(), me)
    bus.handle(ConfirmTwoFactorEnrolment(code=pyotp.TOTP(enrolment.secret).at(clock.now())), me)
    assert bus.handle(ResetTwoFactor(user_id=user.id), ADMIN) is True
    assert bus.handle(ShowTwoFactor(user_id=user.id), ADMIN).recovery_codes_left == 0

    actions = [e.action for e in bus.handle(ListAudit(filter=AuditFilter(limit=200)), ADMIN)]
    for action in ("two_factor.enrolment_started", "two_factor.enabled", "two_factor.recovery_codes_generated",
                   "two_factor.recovery_code_used", "two_factor.disabled", "two_factor.reset", "code.failed"):
        assert action in actions


def test_a_person_without_an_organisation_signs_in_and_may_only_manage_itself(
        backend: Backend, tmp_path: Path) -> None:
    clock = ManualClock(T0)
    bus = _bus(backend, tmp_path, clock)
    user = _user(backend.uow_factory, member=False)
    bus.handle(SetPassword(user_id=user.id, password=PASSWORD), ADMIN)
    challenge = bus.handle(StartSignIn(email="anna@a.ru", password=PASSWORD), None)
    signed = bus.handle(CompleteSignIn(challenge_id=challenge.challenge_id, code="424242"), None)
    actor = bus.handle(ResolveSession(token=signed.token), None)
    assert (actor.organization_id, actor.roles, actor.is_staff) == (None, frozenset(), False)
    assert signed.actor == actor
    with pytest.raises(Forbidden):
        bus.handle(ListAuctions(filter=AuctionFilter()), actor)
    with pytest.raises(Forbidden):
        bus.handle(ListAudit(filter=AuditFilter(limit=10)), actor)
    assert bus.handle(ShowTwoFactor(), actor).app_enabled is False
    enrolment = bus.handle(StartTwoFactorEnrolment(), actor)
    assert len(bus.handle(ConfirmTwoFactorEnrolment(code=pyotp.TOTP(enrolment.secret).at(T0)), actor).codes) == 10
