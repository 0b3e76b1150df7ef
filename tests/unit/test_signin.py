"""Sign-in as a newcomer lives it, on the in-memory adapters: a password, then the one-time code read
back from the local outbox folder (SMS or email), then a server-side session — with throttling,
lockout that lifts by itself, timeouts, sign-out, and nothing secret in the store or the logs."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
import structlog

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ListAudit, RegisterOrganization, RegisterUser
from omk_domain.app.signin import (
    CompleteSignIn,
    ResendCode,
    ResolveSession,
    SetPassword,
    SignedIn,
    SignOut,
    SignOutEverywhere,
    StartSignIn,
)
from omk_domain.identity.model import Actor, Role, UserNotFound
from omk_domain.identity.otp import CodeAlreadyUsed, CodeAttemptsExhausted, CodeExpired, CodeResendTooSoon, CodeWrong
from omk_domain.identity.passwords import PasswordTooShort
from omk_domain.identity.signin import (
    AccountBlocked,
    AccountTemporarilyLocked,
    Channel,
    SessionInvalid,
    SessionTimeouts,
    TooManyAttemptsFromAddress,
    WrongEmailOrPassword,
    hash_token,
)
from omk_domain.ports import AuditFilter
from omk_domain.shared.errors import Forbidden

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor(user_id="admin", role=Role.SYSTEM_ADMIN)
PASSWORD = "Зелёный-чайник-2026"
HOME = "10.0.0.7"
CODE = "424242"


@attrs.define
class World:
    store: MemoryStore
    clock: ManualClock
    bus: MessageBus
    outbox: LocalOutbox
    codes: FixedCodeGenerator
    user_id: str = ""
    org_id: str = ""

    def code_for(self, email: str | None = None, phone: str | None = None) -> str:
        """What a newcomer does: open the outbox and read the code in the latest message."""
        message = self.outbox.latest_sms(phone) if phone else self.outbox.latest_email(email or "")
        assert message is not None
        found = re.search(r"\b(\d{6})\b", message.text)
        assert found is not None
        return found.group(1)

    def start(self, email: str = "anna@client.ru", password: str = PASSWORD, source: str = HOME) -> str:
        self.clock.advance(timedelta(seconds=1))  # so the outbox's latest message is this one
        issued = self.bus.handle(StartSignIn(email=email, password=password, source_address=source), None)
        return str(issued.challenge_id)

    def sign_in(self, email: str = "anna@client.ru", source: str = HOME) -> SignedIn:
        challenge = self.start(email, source=source)
        signed: SignedIn = self.bus.handle(CompleteSignIn(challenge_id=challenge, code=self.code_for(email),
                                                          source_address=source), None)
        return signed

    def audit(self, action: str) -> list[str]:
        entries = self.bus.handle(ListAudit(filter=AuditFilter(action=action, limit=1000)), ADMIN)
        return [e.action for e in entries]


@pytest.fixture()
def world(tmp_path: Path) -> World:
    store, clock = MemoryStore(), ManualClock(T0)
    codes = FixedCodeGenerator([CODE, "515151", "626262"])
    deps = {"password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
            "codes": codes, "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock),
            "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=clock), "session_timeouts": SessionTimeouts()}
    bus = MessageBus(uow_factory=lambda: MemoryUnitOfWork(store), clock=clock, deps=deps)
    w = World(store=store, clock=clock, bus=bus, outbox=LocalOutbox.in_data_dir(tmp_path), codes=codes)
    org = bus.handle(RegisterOrganization(name="ООО Клиент", inn="7707083893"), ADMIN)
    user = bus.handle(RegisterUser(email="anna@client.ru", full_name="Анна Петрова", role=Role.BIDDER,
                                   organization_id=org.id), ADMIN)
    bus.handle(SetPassword(user_id=user.id, password=PASSWORD), ADMIN)
    w.user_id, w.org_id = user.id, org.id
    return w


# --- the success path ---------------------------------------------------------------------------

def test_a_password_and_the_emailed_code_open_a_session_for_the_first_organisation(world: World) -> None:
    signed = world.sign_in()
    assert signed.actor == Actor(user_id=world.user_id, role=Role.BIDDER, organization_id=world.org_id)
    assert world.bus.handle(ResolveSession(token=signed.token), None) == signed.actor
    assert world.audit("signin") == ["signin.ok", "signin.password_ok"]
    assert world.audit("code") == ["code.sent"]


def test_a_user_with_a_phone_gets_the_code_by_sms(world: World) -> None:
    with MemoryUnitOfWork(world.store) as uow:
        uow.users.get(world.user_id).phone = "+79123456789"
        uow.commit()
    issued = world.bus.handle(StartSignIn(email="anna@client.ru", password=PASSWORD, source_address=HOME), None)
    assert issued.channel is Channel.SMS
    assert world.outbox.emails() == []
    code = world.code_for(phone="8 912 345-67-89")
    assert world.bus.handle(CompleteSignIn(challenge_id=issued.challenge_id, code=code), None).token


def test_the_session_token_and_the_code_are_stored_only_as_hashes(world: World) -> None:
    signed = world.sign_in()
    (session,) = world.store.sessions.values()
    assert session.token_hash == hash_token(signed.token)
    dumped = repr(vars(world.store)) + repr([attrs.asdict(s) for s in world.store.sessions.values()])
    assert signed.token not in dumped
    assert CODE not in repr([attrs.asdict(c) for c in world.store.challenges.values()])
    assert PASSWORD not in dumped


# --- wrong password, unknown email --------------------------------------------------------------

def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(world: World) -> None:
    with pytest.raises(WrongEmailOrPassword) as wrong:
        world.start(password="Не-тот-пароль-1")
    with pytest.raises(WrongEmailOrPassword) as unknown:
        world.start(email="nobody@client.ru")
    assert wrong.value.as_dict() == unknown.value.as_dict()
    assert world.outbox.emails() == []
    assert world.audit("signin.failed") == ["signin.failed", "signin.failed"]


def test_a_blocked_user_is_refused_after_the_password(world: World) -> None:
    with MemoryUnitOfWork(world.store) as uow:
        uow.users.get(world.user_id).blocked = True
        uow.commit()
    with pytest.raises(AccountBlocked):
        world.start()
    assert world.outbox.emails() == []


# --- the code: expiry, reuse, attempts, resend --------------------------------------------------

def test_a_code_works_once(world: World) -> None:
    challenge = world.start()
    world.bus.handle(CompleteSignIn(challenge_id=challenge, code=CODE), None)
    with pytest.raises(CodeAlreadyUsed):
        world.bus.handle(CompleteSignIn(challenge_id=challenge, code=CODE), None)


def test_a_code_expires_after_five_minutes(world: World) -> None:
    challenge = world.start()
    world.clock.advance(timedelta(minutes=5))
    with pytest.raises(CodeExpired):
        world.bus.handle(CompleteSignIn(challenge_id=challenge, code=CODE), None)


def test_wrong_codes_spend_attempts_that_are_kept_and_then_exhaust_them(world: World) -> None:
    challenge = world.start()
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeWrong) as wrong:
            world.bus.handle(CompleteSignIn(challenge_id=challenge, code="000000", source_address=HOME), None)
        assert wrong.value.context["attempts_left"] == left
    with pytest.raises(CodeAttemptsExhausted):
        world.bus.handle(CompleteSignIn(challenge_id=challenge, code="000000", source_address="10.9.9.9"), None)
    with pytest.raises((CodeAttemptsExhausted, AccountTemporarilyLocked)):
        world.bus.handle(CompleteSignIn(challenge_id=challenge, code=CODE, source_address="10.9.9.8"), None)
    assert len(world.audit("code.failed")) == 5


def test_a_new_code_is_sent_after_the_cooldown_and_the_old_one_stops_working(world: World) -> None:
    first = world.start()
    with pytest.raises(CodeResendTooSoon):
        world.bus.handle(ResendCode(challenge_id=first), None)
    world.clock.advance(timedelta(seconds=60))
    second = world.bus.handle(ResendCode(challenge_id=first), None).challenge_id
    assert world.code_for("anna@client.ru") == "515151"
    with pytest.raises(CodeAlreadyUsed):
        world.bus.handle(CompleteSignIn(challenge_id=first, code=CODE), None)
    assert world.bus.handle(CompleteSignIn(challenge_id=second, code="515151"), None).token


# --- lockout and throttling ---------------------------------------------------------------------

def test_five_failures_lock_the_account_for_a_while_then_the_owner_signs_in(world: World) -> None:
    for _ in range(5):
        with pytest.raises(WrongEmailOrPassword):
            world.start(password="Подбираю-пароль-9", source="203.0.113.5")
    with pytest.raises(AccountTemporarilyLocked) as locked:
        world.start()  # even with the right password, from the owner's address
    assert 15 * 60 - 5 <= locked.value.seconds_left <= 15 * 60
    assert world.audit("account.locked") == ["account.locked"]
    world.clock.advance(timedelta(minutes=10))
    with pytest.raises(AccountTemporarilyLocked) as still:
        world.start()
    assert 5 * 60 - 5 <= still.value.seconds_left <= 5 * 60
    world.clock.advance(timedelta(minutes=5))
    assert world.sign_in().actor.user_id == world.user_id


def test_an_unknown_email_locks_like_a_known_one(world: World) -> None:
    for _ in range(5):
        with pytest.raises(WrongEmailOrPassword):
            world.start(email="ghost@client.ru", source="203.0.113.5")
    with pytest.raises(AccountTemporarilyLocked):
        world.start(email="ghost@client.ru", source="203.0.113.5")


def test_twenty_failures_from_one_address_throttle_it_but_not_others(world: World) -> None:
    for n in range(20):
        with pytest.raises(WrongEmailOrPassword):
            world.start(email=f"guess{n}@client.ru", source="198.51.100.1")
    with pytest.raises(TooManyAttemptsFromAddress) as throttled:
        world.start(source="198.51.100.1")
    assert 15 * 60 - 5 <= throttled.value.seconds_left <= 15 * 60
    assert world.sign_in(source=HOME).token
    world.clock.advance(timedelta(minutes=15))
    assert world.sign_in(source="198.51.100.1").token


# --- sessions -----------------------------------------------------------------------------------

def test_a_session_ends_after_thirty_idle_minutes(world: World) -> None:
    signed = world.sign_in()
    world.clock.advance(timedelta(minutes=29))
    world.bus.handle(ResolveSession(token=signed.token), None)  # use pushes the idle timeout on
    world.clock.advance(timedelta(minutes=29))
    world.bus.handle(ResolveSession(token=signed.token), None)
    world.clock.advance(timedelta(minutes=30))
    with pytest.raises(SessionInvalid):
        world.bus.handle(ResolveSession(token=signed.token), None)


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(world: World) -> None:
    signed = world.sign_in()
    for _ in range(12 * 4 - 1):
        world.clock.advance(timedelta(minutes=15))
        world.bus.handle(ResolveSession(token=signed.token), None)
    world.clock.advance(timedelta(minutes=15))
    with pytest.raises(SessionInvalid):
        world.bus.handle(ResolveSession(token=signed.token), None)


def test_sign_out_ends_that_session_only(world: World) -> None:
    laptop, phone = world.sign_in(), world.sign_in()
    assert laptop.session_id != phone.session_id
    assert world.bus.handle(SignOut(token=laptop.token), None) is True
    with pytest.raises(SessionInvalid):
        world.bus.handle(ResolveSession(token=laptop.token), None)
    assert world.bus.handle(ResolveSession(token=phone.token), None).user_id == world.user_id
    assert world.bus.handle(SignOut(token="no-such-token"), None) is False


def test_sign_out_everywhere_ends_every_session_of_the_user(world: World) -> None:
    tokens = [world.sign_in().token for _ in range(3)]
    me = world.bus.handle(ResolveSession(token=tokens[0]), None)
    assert world.bus.handle(SignOutEverywhere(user_id=world.user_id), me) == 3
    for token in tokens:
        with pytest.raises(SessionInvalid):
            world.bus.handle(ResolveSession(token=token), None)
    assert "session.revoked" in world.audit("session")


def test_an_unknown_token_is_refused_like_an_expired_one(world: World) -> None:
    with pytest.raises(SessionInvalid):
        world.bus.handle(ResolveSession(token="made-up"), None)


# --- passwords ----------------------------------------------------------------------------------

def test_the_password_policy_refuses_a_weak_password_and_changes_nothing(world: World) -> None:
    with pytest.raises(PasswordTooShort):
        world.bus.handle(SetPassword(user_id=world.user_id, password="Ab1"), ADMIN)
    assert world.sign_in().token


def test_users_change_their_own_password_and_others_cannot(world: World) -> None:
    me = world.sign_in().actor
    world.bus.handle(SetPassword(user_id=world.user_id, password="Новый-пароль-2027"), me)
    assert world.audit("password.changed") == ["password.changed", "password.changed"]
    stranger = Actor(user_id="someone", role=Role.ADMINISTRATOR, organization_id="other-org")
    with pytest.raises(UserNotFound):
        world.bus.handle(SetPassword(user_id=world.user_id, password="Чужой-пароль-2027"), stranger)
    with pytest.raises(WrongEmailOrPassword):
        world.start()
    issued = world.bus.handle(StartSignIn(email="anna@client.ru", password="Новый-пароль-2027"), None)
    assert issued.challenge_id


def test_a_hash_made_with_old_parameters_is_replaced_at_sign_in(world: World) -> None:
    stronger = Argon2idPasswordHasher(time_cost=2, memory_kib=64, parallelism=1)
    world.bus.deps = {**world.bus.deps, "password_hasher": stronger}
    with MemoryUnitOfWork(world.store) as uow:
        old = uow.users.get(world.user_id).password_hash
    assert old is not None and stronger.needs_rehash(old)
    world.start()
    with MemoryUnitOfWork(world.store) as uow:
        new = uow.users.get(world.user_id).password_hash
    assert new is not None and not stronger.needs_rehash(new)


def test_commands_other_than_sign_in_need_an_actor(world: World) -> None:
    with pytest.raises(Forbidden):
        world.bus.handle(SetPassword(user_id=world.user_id, password=PASSWORD), None)


# --- nothing secret in the logs -----------------------------------------------------------------

def test_a_full_sign_in_logs_no_password_code_or_token(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as captured:
        signed = world.sign_in()
        world.bus.handle(ResolveSession(token=signed.token), None)
        with pytest.raises(WrongEmailOrPassword):
            world.start(password="Ошибочный-пароль-7")
        world.bus.handle(SignOut(token=signed.token), None)
    text = repr(captured) + caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    for secret in (PASSWORD, "Ошибочный-пароль-7", CODE, signed.token, hash_token(signed.token)):
        assert secret not in text
    assert captured or caplog.records  # the delivery was logged — without its secrets
