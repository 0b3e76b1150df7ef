"""Credentials and sign-in: set a password; sign in with a password and a second factor — a one-time code
sent by SMS or email, the authenticator app's code or a recovery code; resolve, end and end-everywhere
server-side sessions. A person with no organisation (yet) signs in too and acts only on its own account.
Failures are throttled per account and per source address, and every security event is audited in the
same unit of work as the change it records.

A password, a code or a session token is never put in an error, an audit entry or a log line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from omk_domain.app.bus import handles
from omk_domain.identity import audit
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.model import Actor, User, UserNotFound
from omk_domain.identity.otp import (
    CodeAlreadyUsed,
    CodePurpose,
    CodeWrong,
    OneTimeCode,
    RecoveryCodeAlreadyUsed,
    RecoveryCodeWrong,
    TotpCodeReplayed,
    check_resend,
)
from omk_domain.identity.passwords import PasswordPolicy
from omk_domain.identity.policy import Permission, decide, only_assigned, require
from omk_domain.identity.signin import (
    ACCOUNT_RULE,
    ADDRESS_RULE,
    AccountBlocked,
    AccountTemporarilyLocked,
    AttemptKind,
    AttemptScope,
    ChallengeNotFound,
    Channel,
    SecondFactor,
    SecondFactorUnavailable,
    SessionInvalid,
    SessionTimeouts,
    SignInAttempt,
    SignInChallenge,
    ThrottleRule,
    TooManyAttemptsFromAddress,
    UserSession,
    WrongEmailOrPassword,
    hash_token,
    new_token,
)
from omk_domain.notifications.messages import EmailMessage, SmsMessage
from omk_domain.ports import CodeGenerator, Mailer, PasswordHasher, SmsSender, TotpService, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import DomainError, Forbidden
from omk_domain.shared.ids import new_id
from omk_domain.shared.messages import Command

UNKNOWN_ADDRESS = "unknown"
#: what a password is checked against when the email is unknown, so both answers take as long
_DUMMY_PASSWORD = "Неизвестный-пользователь-0"
_dummy_hashes: dict[int, str] = {}


# --- commands and results ---------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class SetPassword(Command):
    """Give a user a new password (checked by the policy, stored as an Argon2id hash)."""

    user_id: str
    password: str = attrs.field(repr=False)
    source: str | None = None


@attrs.frozen(kw_only=True)
class StartSignIn(Command):
    """First step: email and password. Then a one-time code goes to the user's phone or mailbox — or, for a
    user with an authenticator app (the default then) or asking for `factor`, nothing is sent."""

    email: str
    password: str = attrs.field(repr=False)
    source_address: str | None = None
    factor: SecondFactor | None = None


@attrs.frozen(kw_only=True)
class CompleteSignIn(Command):
    """Second step: the code answers the challenge; a new session begins. `factor` says what the code is
    (None: what the challenge asked for — the sent code, or the app's code when nothing was sent)."""

    challenge_id: str
    code: str = attrs.field(repr=False)
    source_address: str | None = None
    factor: SecondFactor | None = None


@attrs.frozen(kw_only=True)
class ResendCode(Command):
    """A new code for a challenge not answered yet, once the cooldown has passed."""

    challenge_id: str
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class ResolveSession(Command):
    """The actor a session token stands for; refreshes the session's last use."""

    token: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class SignOut(Command):
    token: str = attrs.field(repr=False)
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class SignOutEverywhere(Command):
    """End every session of a user (the user itself or OMK staff who manage users)."""

    user_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class SignInChallengeIssued:
    """`channel` says where the code went (APP: nowhere); `factors` what may answer the challenge."""

    challenge_id: str
    channel: Channel
    expires_at: datetime
    factors: tuple[SecondFactor, ...] = (SecondFactor.CODE,)


@attrs.frozen(kw_only=True)
class SignedIn:
    """The token is shown here once; the store keeps only its SHA-256."""

    token: str = attrs.field(repr=False)
    session_id: str
    actor: Actor
    expires_at: datetime
    #: after a recovery code answered: how many are left (None otherwise)
    recovery_codes_left: int | None = None


# --- passwords --------------------------------------------------------------------------------

@handles(SetPassword)
def set_password(cmd: SetPassword, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                 password_hasher: PasswordHasher, password_policy: PasswordPolicy | None = None) -> int:
    """The user itself, or OMK staff who manage users (an account manager: its organisations' users).

    Every session of the user ends (a password set over its head must lock out whoever held the old one);
    returns how many ended. A user changing its own password keeps its session: ChangePassword
    (omk_domain/app/account.py)."""
    with uow:
        user = uow.users.get(cmd.user_id)
        if actor.user_id != user.id:
            _require_staff_over(uow, actor, user)
        (password_policy or PasswordPolicy()).check(cmd.password, email=user.email, full_name=user.full_name)
        user.password_hash = password_hasher.hash(cmd.password)
        now = clock.now()
        ended = 0
        for session in uow.sessions.of_user(user.id):
            if session.revoke(now):
                uow.sessions.save(session)
                ended += 1
        uow.audit.record(_entry(audit.PASSWORD_CHANGED, actor_user_id=actor.user_id,
                                actor_organization_id=actor.organization_id, user=user, now=now,
                                source=cmd.source, detail={"by": "self" if actor.user_id == user.id else "staff",
                                                           "sessions_ended": ended}))
        uow.commit()
    return ended


def _require_staff_over(uow: UnitOfWork, actor: Actor, user: User) -> None:
    """Staff with users.manage; an account manager only over users of its organisations; others learn nothing."""
    if not actor.is_staff:
        raise UserNotFound(user_id=user.id)
    require(actor, Permission.USERS_MANAGE)
    if user.organization_id is None:  # another OMK employee: not for an account manager
        if only_assigned(actor, Permission.USERS_MANAGE):
            raise Forbidden(permission=Permission.USERS_MANAGE.value)
        return
    org = uow.organizations.get(user.organization_id)
    if not decide(actor, Permission.USERS_MANAGE, org.id, manager_user_id=org.manager_user_id):
        raise UserNotFound(user_id=user.id)


# --- sign-in ----------------------------------------------------------------------------------

@handles(StartSignIn, public=True)
def start_sign_in(cmd: StartSignIn, *, actor: Actor | None, uow: UnitOfWork, clock: Clock,
                  password_hasher: PasswordHasher, codes: CodeGenerator, mailer: Mailer,
                  sms: SmsSender, totp: TotpService | None = None) -> SignInChallengeIssued:
    """Check the password, then send a one-time code — unless the user answers with its authenticator app
    (the default once enrolled) or a recovery code. An unknown email, a user without a password and a
    wrong password get one answer (WrongEmailOrPassword) after the same Argon2 work; a factor the user
    does not have: SecondFactorUnavailable."""
    now = clock.now()
    email = (cmd.email or "").strip().lower()
    address = _address(cmd.source_address)
    with uow:
        _require_not_throttled(uow, email, address, now)
        user = uow.users.by_email(email) if email else None
        stored = user.password_hash if user is not None else None
        ok = password_hasher.verify(stored or _dummy_hash(password_hasher), cmd.password) and stored is not None
        if user is None or not ok:
            _failed(uow, email, address, now=now, user=user, action=audit.SIGNIN_FAILED,
                    detail={"reason": "unknown_email" if user is None else "wrong_password"})
            uow.commit()
            raise WrongEmailOrPassword()
        if user.blocked:
            uow.audit.record(_entry(audit.SIGNIN_FAILED, user=user, now=now, source=address,
                                    detail={"reason": "blocked"}))
            uow.commit()
            raise AccountBlocked()
        assert stored is not None
        factors = _factors(uow, user, totp)
        chosen = cmd.factor or (SecondFactor.APP if SecondFactor.APP in factors else SecondFactor.CODE)
        if chosen not in factors:
            raise SecondFactorUnavailable(factor=chosen.value)
        if password_hasher.needs_rehash(stored):  # the only moment the password is at hand
            user.password_hash = password_hasher.hash(cmd.password)
        uow.audit.record(_entry(audit.SIGNIN_PASSWORD_OK, user=user, now=now, source=address,
                                detail={"factor": chosen.value}))
        if chosen is SecondFactor.CODE:
            challenge = _issue(uow, user, now, address, codes=codes, mailer=mailer, sms=sms)
        else:
            challenge = _await_answer(uow, user, now, address)
        uow.commit()
    return SignInChallengeIssued(challenge_id=challenge.id, channel=challenge.channel,
                                 expires_at=challenge.code.expires_at, factors=factors)


@handles(ResendCode, public=True)
def resend_code(cmd: ResendCode, *, actor: Actor | None, uow: UnitOfWork, clock: Clock, codes: CodeGenerator,
                mailer: Mailer, sms: SmsSender, totp: TotpService | None = None) -> SignInChallengeIssued:
    """A new code (and challenge) replaces the old one, once the cooldown since the last code sent has
    passed. For a challenge awaiting the authenticator app it sends a code instead (a lost phone)."""
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        old = uow.challenges.get(cmd.challenge_id)
        if old is None or old.code.used_at is not None or old.code.is_expired(now):
            raise ChallengeNotFound()
        user = uow.users.get(old.user_id)
        _require_not_throttled(uow, user.email, address, now)
        latest = uow.challenges.latest_of_user(user.id)
        check_resend(latest.code if latest is not None and latest.channel is not Channel.APP else None, now)
        old.code.used_at = now  # the old code no longer works
        uow.challenges.save(old)
        challenge = _issue(uow, user, now, address, codes=codes, mailer=mailer, sms=sms)
        factors = _factors(uow, user, totp)
        uow.commit()
    return SignInChallengeIssued(challenge_id=challenge.id, channel=challenge.channel,
                                 expires_at=challenge.code.expires_at, factors=factors)


@handles(CompleteSignIn, public=True)
def complete_sign_in(cmd: CompleteSignIn, *, actor: Actor | None, uow: UnitOfWork, clock: Clock,
                     session_timeouts: SessionTimeouts | None = None,
                     totp: TotpService | None = None) -> SignedIn:
    """Accept the answer once; a new session (a new random id) for the organisation of the first
    membership — or for no organisation, when the user has none.

    The sent code, the app's code and a recovery code share the challenge's lifetime and attempts; a
    refused answer keeps its spent attempt (committed before the error is raised) and counts towards the
    account's and the address's lockout. An app code's time step works once; a recovery code works once."""
    timeouts = session_timeouts or SessionTimeouts()
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        challenge = uow.challenges.get(cmd.challenge_id)
        if challenge is None:
            raise ChallengeNotFound()
        user = uow.users.get(challenge.user_id)
        _require_not_throttled(uow, user.email, address, now)
        factor = cmd.factor or (SecondFactor.APP if challenge.channel is Channel.APP else SecondFactor.CODE)
        answer = _Answer()
        try:
            if factor is SecondFactor.CODE:
                _answer_with_code(challenge, cmd.code, now, answer)
            elif factor is SecondFactor.APP:
                _answer_with_app(uow, user, challenge, cmd.code, now=now, totp=totp, answer=answer)
            else:
                _answer_with_recovery_code(uow, user, challenge, cmd.code, now=now, address=address,
                                           answer=answer)
        except DomainError as refused:
            uow.challenges.save(challenge)
            detail = {"reason": refused.code, "attempts_left": challenge.code.attempts_left, "factor": factor.value}
            if answer.wrong:
                _failed(uow, user.email, address, now=now, user=user, action=audit.CODE_FAILED, detail=detail)
            else:
                uow.audit.record(_entry(audit.CODE_FAILED, user=user, now=now, source=address, detail=detail))
            uow.commit()
            raise
        uow.challenges.save(challenge)
        if user.blocked:
            uow.audit.record(_entry(audit.SIGNIN_FAILED, user=user, now=now, source=address,
                                    detail={"reason": "blocked"}))
            uow.commit()
            raise AccountBlocked()
        signed_in_actor = _actor_of(uow, user, None)
        session, token = UserSession.start(user_id=user.id, organization_id=signed_in_actor.organization_id,
                                           now=now, source=address, idle_timeout=timeouts.idle,
                                           absolute_timeout=timeouts.absolute)
        uow.sessions.add(session)
        uow.audit.record(_entry(audit.SIGNIN_OK, user=user, now=now, source=address,
                                detail={"session_id": session.id, "channel": challenge.channel.value,
                                        "factor": factor.value,
                                        "organization_id": signed_in_actor.organization_id}))
        uow.commit()
    return SignedIn(token=token, session_id=session.id, actor=signed_in_actor, expires_at=session.expires_at(),
                    recovery_codes_left=answer.recovery_codes_left)


@attrs.define
class _Answer:
    """What checking a second-factor answer found out, for the audit and the throttle."""

    #: a wrong answer (counted towards the lockout), as opposed to one refused for another reason
    wrong: bool = False
    recovery_codes_left: int | None = None


def _answer_with_code(challenge: SignInChallenge, code: str, now: datetime, answer: _Answer) -> None:
    if challenge.channel is Channel.APP:  # no code was sent for this challenge
        raise SecondFactorUnavailable(factor=SecondFactor.CODE.value)
    answer.wrong = not challenge.code.matches(code)
    try:
        challenge.code.verify(code, now)
    except CodeAlreadyUsed:
        answer.wrong = False
        raise


def _answer_with_app(uow: UnitOfWork, user: User, challenge: SignInChallenge, code: str, *, now: datetime,
                     totp: TotpService | None, answer: _Answer) -> None:
    credential = uow.totp_credentials.get(user.id)
    if totp is None or credential is None or not credential.active:
        raise SecondFactorUnavailable(factor=SecondFactor.APP.value)
    challenge.code.ensure_open(now)
    step = totp.matched_step(credential.secret, code, at=now)
    answer.wrong = not credential.fresh(step)
    error: type[DomainError] = TotpCodeReplayed if step is not None else CodeWrong
    challenge.code.settle(not answer.wrong, now,
                          wrong=lambda left: error(f"Осталось попыток: {left}.", attempts_left=left))
    assert step is not None
    if not uow.totp_credentials.use_step(user.id, step):  # a concurrent sign-in used it first
        answer.wrong = True
        raise TotpCodeReplayed()


def _answer_with_recovery_code(uow: UnitOfWork, user: User, challenge: SignInChallenge, code: str, *,
                               now: datetime, address: str, answer: _Answer) -> None:
    codes = uow.recovery_codes.get(user.id)
    if codes is None:
        raise SecondFactorUnavailable(factor=SecondFactor.RECOVERY.value)
    challenge.code.ensure_open(now)
    error: type[DomainError] = RecoveryCodeWrong
    position = -1
    try:
        position = codes.consume(code, now)
    except (RecoveryCodeWrong, RecoveryCodeAlreadyUsed) as refused:
        error, answer.wrong = type(refused), True
    challenge.code.settle(not answer.wrong, now,
                          wrong=lambda left: error(f"Осталось попыток: {left}.", attempts_left=left))
    if not uow.recovery_codes.use(user.id, codes, position):  # a concurrent sign-in used it first
        answer.wrong = True
        raise RecoveryCodeAlreadyUsed()
    answer.recovery_codes_left = codes.remaining
    uow.audit.record(_entry(audit.RECOVERY_CODE_USED, user=user, now=now, source=address,
                            detail={"challenge_id": challenge.id, "remaining": codes.remaining}))


# --- sessions ---------------------------------------------------------------------------------

@handles(ResolveSession, public=True)
def resolve_session(cmd: ResolveSession, *, actor: Actor | None, uow: UnitOfWork, clock: Clock) -> Actor:
    """The actor of a live session; SessionInvalid for an unknown, revoked or expired one, or a blocked user."""
    now = clock.now()
    with uow:
        session = uow.sessions.by_token_hash(hash_token(cmd.token or ""))
        if session is None:
            raise SessionInvalid()
        session.touch(now)
        resolved = session_holder(uow, session)
        uow.sessions.save(session)
        uow.commit()
    return resolved


@handles(SignOut, public=True)
def sign_out(cmd: SignOut, *, actor: Actor | None, uow: UnitOfWork, clock: Clock) -> bool:
    """End the session of the token; False (and nothing said) when there was none to end."""
    now = clock.now()
    with uow:
        session = uow.sessions.by_token_hash(hash_token(cmd.token or ""))
        if session is None or not session.revoke(now):
            return False
        uow.sessions.save(session)
        user = uow.users.get(session.user_id)
        uow.audit.record(_entry(audit.SESSION_REVOKED, user=user, now=now, source=_address(cmd.source_address),
                                detail={"session_id": session.id, "by": "sign_out"}))
        uow.commit()
    return True


@handles(SignOutEverywhere)
def sign_out_everywhere(cmd: SignOutEverywhere, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> int:
    """End every session of the user; return how many ended."""
    now = clock.now()
    with uow:
        user = uow.users.get(cmd.user_id)
        if actor.user_id != user.id:
            _require_staff_over(uow, actor, user)
        ended = 0
        for session in uow.sessions.of_user(user.id):
            if session.revoke(now):
                uow.sessions.save(session)
                ended += 1
        uow.audit.record(_entry(audit.SESSION_REVOKED, actor_user_id=actor.user_id,
                                actor_organization_id=actor.organization_id, user=user, now=now,
                                source=cmd.source, detail={"sessions": ended, "by": "sign_out_everywhere"}))
        uow.commit()
    return ended


# --- helpers ----------------------------------------------------------------------------------

def _address(source: str | None) -> str:
    return (source or "").strip()[:200] or UNKNOWN_ADDRESS


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(_DUMMY_PASSWORD)
    return _dummy_hashes[key]


def _entry(action: str, *, user: User | None, now: datetime, source: str | None, target_id: str | None = None,
           actor_user_id: str | None = None, actor_organization_id: str | None = None,
           detail: dict[str, Any] | None = None) -> AuditEntry:
    """An audit entry about a user (or an account named by email that matches no user)."""
    subject = user.id if user is not None else (target_id or "unknown")
    return AuditEntry(id=new_id(), at=now, action=action, actor_user_id=actor_user_id or subject,
                      actor_organization_id=actor_organization_id, target_type="user" if user else "account",
                      target_id=subject, organization_id=user.organization_id if user else None,
                      detail=detail or {}, source=(source or "")[:200] or None)


def _require_not_throttled(uow: UnitOfWork, email: str, address: str, now: datetime) -> None:
    left = _locked_for(uow, AttemptScope.ADDRESS, address, ADDRESS_RULE, now)
    if left:
        raise TooManyAttemptsFromAddress(seconds_left=left)
    left = _locked_for(uow, AttemptScope.ACCOUNT, email, ACCOUNT_RULE, now)
    if left:
        raise AccountTemporarilyLocked(seconds_left=left)


def _locked_for(uow: UnitOfWork, scope: AttemptScope, key: str, rule: ThrottleRule, now: datetime) -> int:
    return rule.seconds_locked(uow.signin_attempts.since(scope, key, now - rule.lookback), now)


def _failed(uow: UnitOfWork, email: str, address: str, *, now: datetime, user: User | None, action: str,
            detail: dict[str, Any]) -> None:
    """Audit a failure and count it for the account and the address; lock either at its limit."""
    uow.audit.record(_entry(action, user=user, target_id=email, now=now, source=address, detail=detail))
    for scope, key, rule, locked in ((AttemptScope.ACCOUNT, email, ACCOUNT_RULE, audit.ACCOUNT_LOCKED),
                                     (AttemptScope.ADDRESS, address, ADDRESS_RULE, audit.ADDRESS_THROTTLED)):
        if not key:
            continue
        uow.signin_attempts.record(SignInAttempt(scope=scope, key=key, kind=AttemptKind.FAILURE, at=now))
        if rule.should_lock(uow.signin_attempts.since(scope, key, now - rule.lookback), now):
            uow.signin_attempts.record(SignInAttempt(scope=scope, key=key, kind=AttemptKind.LOCK, at=now))
            uow.audit.record(_entry(locked, user=user, target_id=email, now=now, source=address,
                                    detail={"scope": scope.value,
                                            "seconds": int(rule.lockout / timedelta(seconds=1))}))


def _issue(uow: UnitOfWork, user: User, now: datetime, address: str, *, codes: CodeGenerator, mailer: Mailer,
           sms: SmsSender) -> SignInChallenge:
    """Issue a sign-in code, store its hash, send it by SMS (when the user has a phone) or email."""
    channel = Channel.SMS if user.phone else Channel.EMAIL
    recipient = user.phone if user.phone else user.email
    assert recipient is not None
    code = codes.new_code()
    challenge = SignInChallenge(user_id=user.id, channel=channel, source=address,
                                code=OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient=recipient,
                                                       code=code, now=now))
    uow.challenges.add(challenge)
    minutes = int((challenge.code.expires_at - now) / timedelta(minutes=1))
    text = (f"Код для входа в ОМК Цифровые сервисы: {code}. Действует {minutes} мин. "
            "Никому его не сообщайте.")
    if channel is Channel.SMS:
        sms.send(SmsMessage(to=recipient, text=text))
    else:
        mailer.send(EmailMessage(to=recipient, subject="Код для входа", text=text))
    uow.audit.record(_entry(audit.CODE_SENT, user=user, now=now, source=address,
                            detail={"channel": channel.value, "challenge_id": challenge.id}))
    return challenge


def session_holder(uow: UnitOfWork, session: UserSession) -> Actor:
    """Who acts through a live session now: SessionInvalid once its user is blocked or left the
    organisation the session was begun for. Reads only (ResolveSession touches the session itself)."""
    user = uow.users.get(session.user_id)
    if user.blocked:
        raise SessionInvalid()
    return _actor_of(uow, user, session.organization_id)


def _actor_of(uow: UnitOfWork, user: User, organization_id: str | None) -> Actor:
    """OMK staff act with their staff roles; a client for `organization_id`, or its first membership; a
    person with no membership (yet, or any more) acts for no organisation, with no role.

    A session begun for an organisation ends (SessionInvalid) once that membership is gone."""
    if user.is_staff:
        return Actor(user_id=user.id, roles=user.staff_roles or {user.role})
    if organization_id is not None:
        membership = uow.memberships.find(user.id, organization_id)
        if membership is None or not membership.roles:
            raise SessionInvalid()
    else:
        # the organisation the person was registered with first, else the first other one it belongs to
        held = [ms for ms in uow.memberships.of_user(user.id) if ms.roles]
        membership = next((ms for ms in held if ms.organization_id == user.organization_id),
                          held[0] if held else None)
        if membership is None:
            return Actor.without_organization(user.id)
    return Actor(user_id=user.id, roles=membership.roles, organization_id=membership.organization_id)


def _factors(uow: UnitOfWork, user: User, totp: TotpService | None) -> tuple[SecondFactor, ...]:
    """What may answer a sign-in of `user`: always the sent code; the app once enrolled; recovery codes left."""
    found = [SecondFactor.CODE]
    credential = uow.totp_credentials.get(user.id)
    if totp is not None and credential is not None and credential.active:
        found.append(SecondFactor.APP)
    recovery = uow.recovery_codes.get(user.id)
    if recovery is not None and recovery.remaining:
        found.append(SecondFactor.RECOVERY)
    return tuple(found)


def _await_answer(uow: UnitOfWork, user: User, now: datetime, address: str) -> SignInChallenge:
    """A challenge nothing is sent for: answered from the app or with a recovery code. Its record holds a
    random 256-bit value nobody is shown, so no typed code can pass for it; it keeps the lifetime, the
    attempts and the single use shared by every factor."""
    challenge = SignInChallenge(user_id=user.id, channel=Channel.APP, source=address,
                                code=OneTimeCode.issue(purpose=CodePurpose.SIGN_IN, recipient=user.email,
                                                       code=new_token(), now=now))
    uow.challenges.add(challenge)
    return challenge
