"""The authenticator app (TOTP) and recovery codes of one's own account: enrol (QR code, then a first
valid code), disable, regenerate the recovery codes, see the state; OMK staff reset a lost app.

Every change is audited in the unit of work that makes it. A secret, a code or a recovery code is never
put in an error, an audit entry or a log line: results carrying them do not show them in their repr.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from omk_domain.app.bus import handles
from omk_domain.app.signin import _address, _entry, _failed, _require_not_throttled, _require_staff_over
from omk_domain.identity import audit
from omk_domain.identity.model import Actor, User
from omk_domain.identity.otp import (
    CurrentPasswordWrong,
    RecoveryCodes,
    TotpCodeReplayed,
    TotpCredential,
    TwoFactorAlreadyEnabled,
    TwoFactorConfirmationRequired,
    TwoFactorEnrolmentNotStarted,
    TwoFactorNotEnabled,
)
from omk_domain.identity.policy import Permission, require
from omk_domain.ports import PasswordHasher, TotpService, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import DomainError
from omk_domain.shared.messages import Command

__all__ = [
    "ConfirmTwoFactorEnrolment",
    "DisableTwoFactor",
    "RecoveryCodesIssued",
    "RegenerateRecoveryCodes",
    "ResetTwoFactor",
    "ShowTwoFactor",
    "StartTwoFactorEnrolment",
    "TotpEnrolment",
    "TwoFactorStatus",
]


# --- commands and results ---------------------------------------------------------------------

@attrs.frozen(kw_only=True)
class StartTwoFactorEnrolment(Command):
    """Begin connecting an authenticator app to one's own account (again, if a start was not confirmed)."""

    source_address: str | None = None


@attrs.frozen(kw_only=True)
class ConfirmTwoFactorEnrolment(Command):
    """The app's first code: the app becomes active and recovery codes are issued."""

    code: str = attrs.field(repr=False)
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class DisableTwoFactor(Command):
    """Disconnect the app (its recovery codes go with it), confirmed by a current code or the password."""

    code: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class RegenerateRecoveryCodes(Command):
    """A new set of recovery codes; the old set stops working. Confirmed by a current code or the password."""

    code: str | None = attrs.field(default=None, repr=False)
    password: str | None = attrs.field(default=None, repr=False)
    source_address: str | None = None


@attrs.frozen(kw_only=True)
class ShowTwoFactor(Command):
    """The second-factor state of a user: one's own (user_id None), or OMK staff for the users they manage."""

    user_id: str | None = None


@attrs.frozen(kw_only=True)
class ResetTwoFactor(Command):
    """OMK staff remove a user's lost authenticator app and its recovery codes; the user signs in with a
    code sent by SMS or email again and may enrol a new app."""

    user_id: str
    source: str | None = None


@attrs.frozen(kw_only=True)
class TotpEnrolment:
    """What the person scans (the QR code) or types (the secret): shown once, never in a repr."""

    secret: str = attrs.field(repr=False, metadata={"secret": True})
    uri: str = attrs.field(repr=False, metadata={"secret": True})
    qr_svg: str = attrs.field(repr=False, metadata={"secret": True})


@attrs.frozen(kw_only=True)
class RecoveryCodesIssued:
    """The recovery codes in clear: shown this once; the store keeps only their hashes."""

    codes: tuple[str, ...] = attrs.field(repr=False, metadata={"secret": True})
    generated_at: datetime


@attrs.frozen(kw_only=True)
class TwoFactorStatus:
    user_id: str
    #: the sent code always works; these say what else does
    app_enabled: bool
    app_pending: bool
    app_enabled_at: datetime | None
    recovery_codes_left: int
    recovery_codes_generated_at: datetime | None


# --- use cases --------------------------------------------------------------------------------

@handles(StartTwoFactorEnrolment)
def start_two_factor_enrolment(cmd: StartTwoFactorEnrolment, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                               totp: TotpService) -> TotpEnrolment:
    """A new secret, its otpauth:// URI and the QR code of it; pending until confirmed with a code."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    with uow:
        user = uow.users.get(actor.user_id)
        current = uow.totp_credentials.get(user.id)
        if current is not None and current.active:
            raise TwoFactorAlreadyEnabled()
        secret = totp.new_secret()
        uow.totp_credentials.put(TotpCredential(user_id=user.id, secret=secret, created_at=now))
        uow.audit.record(_self_entry(audit.TOTP_ENROLMENT_STARTED, actor, user, now, cmd.source_address))
        uow.commit()
    uri = totp.provisioning_uri(secret, account_name=user.email)
    return TotpEnrolment(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri).decode("utf-8"))


@handles(ConfirmTwoFactorEnrolment)
def confirm_two_factor_enrolment(cmd: ConfirmTwoFactorEnrolment, *, actor: Actor, uow: UnitOfWork,
                                 clock: Clock, totp: TotpService) -> RecoveryCodesIssued:
    """Activate the pending app with a valid code and issue ten recovery codes. A wrong code counts
    towards the account's lockout, like a wrong sign-in code."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        user = uow.users.get(actor.user_id)
        _require_not_throttled(uow, user.email, address, now)
        credential = uow.totp_credentials.get(user.id)
        if credential is None:
            raise TwoFactorEnrolmentNotStarted()
        if credential.active:
            raise TwoFactorAlreadyEnabled()
        try:
            credential.confirm(totp.matched_step(credential.secret, cmd.code or "", at=now), now)
        except DomainError as refused:
            _failed(uow, user.email, address, now=now, user=user, action=audit.CODE_FAILED,
                    detail={"reason": refused.code, "factor": "app", "purpose": "enrolment"})
            uow.commit()
            raise
        uow.totp_credentials.confirm(credential)
        uow.audit.record(_self_entry(audit.TOTP_ENABLED, actor, user, now, address))
        issued = _new_recovery_codes(uow, actor, user, now, address)
        uow.commit()
    return issued


@handles(DisableTwoFactor)
def disable_two_factor(cmd: DisableTwoFactor, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                       totp: TotpService, password_hasher: PasswordHasher) -> None:
    """Remove the app and the recovery codes, confirmed by a current app code or the password."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        user = uow.users.get(actor.user_id)
        credential = uow.totp_credentials.get(user.id)
        if credential is None or not credential.active:
            raise TwoFactorNotEnabled()
        _confirm_identity(uow, user, credential, cmd.code, cmd.password, now=now, address=address, totp=totp,
                          password_hasher=password_hasher)
        uow.totp_credentials.remove(user.id)
        uow.recovery_codes.remove(user.id)
        uow.audit.record(_self_entry(audit.TOTP_DISABLED, actor, user, now, address,
                                     detail={"confirmed_by": "code" if cmd.code else "password"}))
        uow.commit()


@handles(RegenerateRecoveryCodes)
def regenerate_recovery_codes(cmd: RegenerateRecoveryCodes, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                              totp: TotpService, password_hasher: PasswordHasher) -> RecoveryCodesIssued:
    """Ten new recovery codes replace the old set (used or not), confirmed by a current app code or the
    password; only with the app enabled."""
    require(actor, Permission.ACCOUNT_SELF)
    now = clock.now()
    address = _address(cmd.source_address)
    with uow:
        user = uow.users.get(actor.user_id)
        credential = uow.totp_credentials.get(user.id)
        if credential is None or not credential.active:
            raise TwoFactorNotEnabled()
        _confirm_identity(uow, user, credential, cmd.code, cmd.password, now=now, address=address, totp=totp,
                          password_hasher=password_hasher)
        issued = _new_recovery_codes(uow, actor, user, now, address)
        uow.commit()
    return issued


@handles(ShowTwoFactor)
def show_two_factor(cmd: ShowTwoFactor, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> TwoFactorStatus:
    """One's own state, or (OMK staff who manage users) another user's; nothing secret is in it."""
    with uow:
        user = uow.users.get(cmd.user_id or actor.user_id)
        if user.id == actor.user_id:
            require(actor, Permission.ACCOUNT_SELF)
        else:
            _require_staff_over(uow, actor, user)
        credential = uow.totp_credentials.get(user.id)
        codes = uow.recovery_codes.get(user.id)
    return TwoFactorStatus(
        user_id=user.id, app_enabled=credential is not None and credential.active,
        app_pending=credential is not None and not credential.active,
        app_enabled_at=credential.confirmed_at if credential is not None else None,
        recovery_codes_left=codes.remaining if codes is not None else 0,
        recovery_codes_generated_at=codes.generated_at if codes is not None else None)


@handles(ResetTwoFactor)
def reset_two_factor(cmd: ResetTwoFactor, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> bool:
    """OMK staff who manage the user remove its app and recovery codes; False when it had neither."""
    now = clock.now()
    with uow:
        user = uow.users.get(cmd.user_id)
        _require_staff_over(uow, actor, user)
        had_app = uow.totp_credentials.remove(user.id)
        had_codes = uow.recovery_codes.remove(user.id)
        uow.audit.record(_entry(audit.TOTP_RESET, actor_user_id=actor.user_id,
                                actor_organization_id=actor.organization_id, user=user, now=now,
                                source=cmd.source, detail={"app": had_app, "recovery_codes": had_codes}))
        uow.commit()
    return had_app or had_codes


# --- helpers ----------------------------------------------------------------------------------

def _self_entry(action: str, actor: Actor, user: User, now: datetime, source: str | None, *,
                detail: dict[str, object] | None = None) -> audit.AuditEntry:
    return _entry(action, actor_user_id=actor.user_id, actor_organization_id=actor.organization_id, user=user,
                  now=now, source=_address(source), detail=dict(detail or {}))


def _new_recovery_codes(uow: UnitOfWork, actor: Actor, user: User, now: datetime,
                        address: str) -> RecoveryCodesIssued:
    codes, clear = RecoveryCodes.generate(now=now)
    uow.recovery_codes.replace(user.id, codes)
    uow.audit.record(_self_entry(audit.RECOVERY_CODES_GENERATED, actor, user, now, address,
                                 detail={"count": len(clear)}))
    return RecoveryCodesIssued(codes=tuple(clear), generated_at=codes.generated_at)


def _confirm_identity(uow: UnitOfWork, user: User, credential: TotpCredential, code: str | None,
                      password: str | None, *, now: datetime, address: str, totp: TotpService,
                      password_hasher: PasswordHasher) -> None:
    """A current app code (used once) or the password; a wrong one counts towards the lockout and is
    committed before the error is raised."""
    if not code and not password:
        raise TwoFactorConfirmationRequired()
    _require_not_throttled(uow, user.email, address, now)
    try:
        if code:
            step = totp.matched_step(credential.secret, code, at=now)
            credential.accept(step)
            assert step is not None
            if not uow.totp_credentials.use_step(user.id, step):
                raise TotpCodeReplayed()
        elif not (user.password_hash and password_hasher.verify(user.password_hash, password or "")):
            raise CurrentPasswordWrong()
    except DomainError as refused:
        _failed(uow, user.email, address, now=now, user=user, action=audit.CODE_FAILED,
                detail={"reason": refused.code, "factor": "app" if code else "password"})
        uow.commit()
        raise
