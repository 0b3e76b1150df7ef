"""The sign-in stores on every adapter (in memory, SQLite, PostgreSQL): user credentials, challenges with
their spent attempts, sessions found by token hash, and failed attempts counted in a window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ListAudit
from omk_domain.app.signin import CompleteSignIn, ResolveSession, SetPassword, SignOut, StartSignIn
from omk_domain.identity.model import Actor, Membership, Organization, Role, User
from omk_domain.identity.otp import CodePurpose, CodeWrong, OneTimeCode
from omk_domain.identity.signin import (
    AccountTemporarilyLocked,
    AttemptKind,
    AttemptScope,
    Channel,
    SessionInvalid,
    SignInAttempt,
    SignInChallenge,
    UserSession,
    WrongEmailOrPassword,
    hash_token,
)
from omk_domain.ports import AuditFilter, UnitOfWork
from tests.contract.backends import Backend
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
ADMIN = Actor(user_id="admin", role=Role.SYSTEM_ADMIN)


def _user(uow_factory: UowFactory) -> User:
    org = Organization.register(name="ООО А", inn="7707083893", now=T0)
    user = User.create(email="anna@a.ru", full_name="Анна", role=Role.BIDDER, organization_id=org.id, now=T0)
    with uow_factory() as uow:
        uow.organizations.add(org)
        uow.users.add(user)
        uow.commit()
    return user


def test_a_users_password_hash_phone_and_block_are_kept(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    with uow_factory() as uow:
        loaded = uow.users.get(user.id)
        assert (loaded.password_hash, loaded.phone, loaded.blocked) == (None, None, False)
        loaded.password_hash, loaded.phone, loaded.blocked = "$argon2id$v=19$stub", "+79123456789", True
        uow.commit()
    with uow_factory() as uow:
        again = uow.users.by_email("anna@a.ru")
        assert again is not None
        assert (again.password_hash, again.phone, again.blocked) == ("$argon2id$v=19$stub", "+79123456789", True)


def test_a_challenge_keeps_its_spent_attempts_and_its_use(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    code = OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient=user.email, code="123456", now=T0)
    challenge = SignInChallenge(user_id=user.id, channel=Channel.EMAIL, code=code, source="10.0.0.1")
    with uow_factory() as uow:
        uow.challenges.add(challenge)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.challenges.get(challenge.id)
        assert loaded is not None
        with pytest.raises(CodeWrong):
            loaded.code.verify("000000", T0)
        uow.challenges.save(loaded)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.challenges.get(challenge.id)
        assert loaded is not None and loaded.code.attempts_left == code.attempts_left - 1
        loaded.code.verify("123456", T0 + timedelta(seconds=5))
        uow.challenges.save(loaded)
        uow.commit()
    with uow_factory() as uow:
        latest = uow.challenges.latest_of_user(user.id)
        assert latest is not None and latest.id == challenge.id
        assert latest.code.used_at == T0 + timedelta(seconds=5)
        assert latest.channel is Channel.EMAIL and latest.source == "10.0.0.1"
        assert uow.challenges.get("missing") is None


def test_an_uncommitted_challenge_is_not_kept(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    code = OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient=user.email, code="123456", now=T0)
    with uow_factory() as uow:
        uow.challenges.add(SignInChallenge(user_id=user.id, channel=Channel.EMAIL, code=code))
    with uow_factory() as uow:
        assert uow.challenges.get(code.id) is None


def test_sessions_are_found_by_token_hash_and_revoked_ones_leave_the_users_list(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    first, token = UserSession.start(user_id=user.id, organization_id=user.organization_id, now=T0, source="a")
    second, _ = UserSession.start(user_id=user.id, organization_id=None, now=T0 + timedelta(minutes=1),
                                  source=None, idle_timeout=timedelta(minutes=5), absolute_timeout=timedelta(hours=1))
    with uow_factory() as uow:
        uow.sessions.add(first)
        uow.sessions.add(second)
        uow.commit()
    with uow_factory() as uow:
        found = uow.sessions.by_token_hash(hash_token(token))
        assert found is not None and found.id == first.id and found.organization_id == user.organization_id
        assert uow.sessions.by_token_hash(token) is None  # the clear token is not what is stored
        found.touch(T0 + timedelta(minutes=10))
        found.revoke(T0 + timedelta(minutes=11))
        uow.sessions.save(found)
        uow.commit()
    with uow_factory() as uow:
        again = uow.sessions.by_token_hash(hash_token(token))
        assert again is not None
        assert (again.last_seen_at, again.revoked_at) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=11))
        (left,) = uow.sessions.of_user(user.id)
        assert (left.id, left.idle_timeout, left.absolute_timeout) == (second.id, timedelta(minutes=5),
                                                                       timedelta(hours=1))


def test_attempts_are_counted_per_scope_and_key_from_a_moment_on(uow_factory: UowFactory) -> None:
    def attempt(scope: AttemptScope, key: str, minutes: int, kind: AttemptKind = AttemptKind.FAILURE) -> SignInAttempt:
        return SignInAttempt(scope=scope, key=key, kind=kind, at=T0 + timedelta(minutes=minutes))

    with uow_factory() as uow:
        for item in (attempt(AttemptScope.ACCOUNT, "anna@a.ru", 0), attempt(AttemptScope.ACCOUNT, "anna@a.ru", 10),
                     attempt(AttemptScope.ACCOUNT, "anna@a.ru", 5, AttemptKind.LOCK),
                     attempt(AttemptScope.ADDRESS, "anna@a.ru", 10), attempt(AttemptScope.ACCOUNT, "bob@a.ru", 10)):
            uow.signin_attempts.record(item)
        uow.commit()
    with uow_factory() as uow:
        found = uow.signin_attempts.since(AttemptScope.ACCOUNT, "anna@a.ru", T0 + timedelta(minutes=5))
        assert [(a.kind, a.at) for a in found] == [(AttemptKind.LOCK, T0 + timedelta(minutes=5)),
                                                   (AttemptKind.FAILURE, T0 + timedelta(minutes=10))]


def test_the_whole_sign_in_runs_on_every_store(backend: Backend, tmp_path: Path) -> None:
    """Password, emailed code (read from the local outbox), session, lockout after five failures, sign-out."""
    clock = ManualClock(T0)
    deps = {"password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
            "codes": FixedCodeGenerator(["424242"]),
            "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock),
            "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=clock)}
    bus = MessageBus(uow_factory=backend.uow_factory, clock=clock, deps=deps)
    user = _user(backend.uow_factory)
    with backend.uow_factory() as uow:
        membership = Membership.start(user_id=user.id, organization_id=str(user.organization_id), now=T0)
        membership.grant(frozenset({Role.BIDDER}))
        uow.memberships.add(membership)
        uow.commit()
    bus.handle(SetPassword(user_id=user.id, password="Зелёный-чайник-2026"), ADMIN)

    issued = bus.handle(StartSignIn(email="Anna@A.ru", password="Зелёный-чайник-2026", source_address="h"), None)
    mail = LocalOutbox.in_data_dir(tmp_path).latest_email("anna@a.ru")
    assert mail is not None and "424242" in mail.text
    with pytest.raises(CodeWrong):
        bus.handle(CompleteSignIn(challenge_id=issued.challenge_id, code="000000", source_address="h"), None)
    signed = bus.handle(CompleteSignIn(challenge_id=issued.challenge_id, code="424242", source_address="h"), None)
    assert bus.handle(ResolveSession(token=signed.token), None).organization_id == user.organization_id
    assert bus.handle(SignOut(token=signed.token), None) is True
    with pytest.raises(SessionInvalid):
        bus.handle(ResolveSession(token=signed.token), None)

    for _ in range(4):  # with the wrong code above: five failures
        with pytest.raises(WrongEmailOrPassword):
            bus.handle(StartSignIn(email="anna@a.ru", password="Не-тот-пароль-1", source_address="x"), None)
    with pytest.raises(AccountTemporarilyLocked):
        bus.handle(StartSignIn(email="anna@a.ru", password="Зелёный-чайник-2026", source_address="h"), None)
    clock.advance(timedelta(minutes=15))
    assert bus.handle(StartSignIn(email="anna@a.ru", password="Зелёный-чайник-2026", source_address="h"), None)
    actions = [e.action for e in bus.handle(ListAudit(filter=AuditFilter(limit=100)), ADMIN)]
    for action in ("signin.password_ok", "code.sent", "code.failed", "signin.ok", "session.revoked",
                   "signin.failed", "account.locked", "password.changed"):
        assert action in actions
