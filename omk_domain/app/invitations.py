"""Invitations: an organisation's administrator (users.manage there) or OMK staff invite a person by email
with client roles; the emailed single-use link (stored hashed, seven days) is accepted by a new person —
who becomes a user with that email, verified by the link — or by a signed-in user whose email it is. Either
way the membership gets the invited roles (the GrantRole path) and both steps are audited.

An organisation outside the inviter's reach gets the answer a missing one gets; one not active (an application
not approved yet, a blocked one) takes in nobody, neither at the invitation nor at its acceptance. The link's
secret is never put in an error, an audit entry or a log line.
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from omk_domain.app.bus import handles
from omk_domain.app.identity import UserExists, _join, _organization_for
from omk_domain.app.signin import _address
from omk_domain.identity import audit
from omk_domain.identity.audit import AuditEntry
from omk_domain.identity.invitation import Invitation, InvitationInvalid
from omk_domain.identity.model import (
    Actor,
    Membership,
    Organization,
    OrganizationStatus,
    Role,
    RoleNotForClients,
    RolesRequired,
    User,
    normalize_email,
)
from omk_domain.identity.passwords import PasswordPolicy
from omk_domain.identity.policy import Permission
from omk_domain.identity.signin import hash_token
from omk_domain.notifications.messages import EmailMessage, normalize_phone
from omk_domain.ports import Mailer, PasswordHasher, UnitOfWork
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Conflict, InvalidValue
from omk_domain.shared.messages import Command

#: where the emailed link points when the bus is not given `invitation_link_base`
DEFAULT_INVITATION_LINK_BASE = "http://127.0.0.1:8000/invitation"


class OrganizationNotActiveForInvitations(Conflict):
    """An application not approved yet, or a blocked organisation, takes in nobody new."""

    code = "organization_not_active_for_invitations"
    message_ru = "Пригласить можно только в действующую организацию."


@attrs.frozen(kw_only=True)
class InviteUser(Command):
    """Email a person a single-use link to join the organisation with these client roles."""

    organization_id: str
    email: str
    roles: frozenset[Role]
    source: str | None = None


@attrs.frozen(kw_only=True)
class AcceptInvitation(Command):
    """Accept with the link's secret: signed in (the invited email's user), or as a new person with a name,
    a phone and a password."""

    token: str = attrs.field(repr=False)
    full_name: str | None = None
    phone: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    source_address: str | None = None


@handles(InviteUser)
def invite_user(cmd: InviteUser, *, actor: Actor, uow: UnitOfWork, clock: Clock, mailer: Mailer,
                invitation_link_base: str | None = None) -> Invitation:
    """The invitation (without its secret); the link goes by email only."""
    roles = frozenset(cmd.roles)
    if not roles:
        raise RolesRequired()
    staff = sorted(r.value for r in roles if r.is_staff)
    if staff:
        raise RoleNotForClients(roles=staff)
    email = normalize_email(cmd.email)
    now = clock.now()
    with uow:
        org = _organization_for(uow, actor, Permission.USERS_MANAGE, cmd.organization_id)
        _require_active(org)
        invitation, secret = Invitation.issue(organization_id=org.id, email=email, roles=roles,
                                              invited_by=actor.user_id, now=now)
        uow.invitations.add(invitation)
        link = f"{(invitation_link_base or DEFAULT_INVITATION_LINK_BASE).rstrip('/')}?token={secret}"
        days = int((invitation.expires_at - now) / timedelta(days=1))
        role_names = ", ".join(sorted(r.label_ru for r in roles))
        mailer.send(EmailMessage(to=email, subject=f"Приглашение в организацию «{org.name}»", text=(
            f"Вас пригласили в организацию «{org.name}» в ОМК Цифровые сервисы (роли: {role_names}).\n\n"
            f"Чтобы принять приглашение, откройте ссылку:\n\n{link}\n\n"
            f"Ссылка действует {days} дн. и работает один раз. Если вы не ждали приглашения, "
            "просто удалите это письмо.")))
        uow.audit.record(AuditEntry.of(actor, audit.INVITATION_SENT, target_type="invitation",
                                       target_id=invitation.id, organization_id=org.id, now=now, source=cmd.source,
                                       detail={"email": email, "roles": sorted(r.value for r in roles)}))
        uow.commit()
    return invitation


@handles(AcceptInvitation, public=True)
def accept_invitation(cmd: AcceptInvitation, *, actor: Actor | None, uow: UnitOfWork, clock: Clock,
                      password_hasher: PasswordHasher,
                      password_policy: PasswordPolicy | None = None) -> Membership:
    """An unknown, used or expired link, or one for another email than the signed-in user's:
    InvitationInvalid. A new person whose email is a user's already: UserExists (sign in, then accept).
    A password the policy refuses leaves the link unspent."""
    now = clock.now()
    with uow:
        invitation = uow.invitations.by_token_hash(hash_token(cmd.token or ""))
        if invitation is None or not invitation.usable(now):
            raise InvitationInvalid()
        _require_active(uow.organizations.get(invitation.organization_id))
        if actor is not None:
            user = uow.users.get(actor.user_id)
            if user.email != invitation.email or user.blocked:
                raise InvitationInvalid()
        else:
            if not cmd.full_name or not cmd.password:
                raise InvalidValue("Укажите имя и пароль.")
            if uow.users.by_email(invitation.email) is not None:
                raise UserExists(email=invitation.email)
            user = User.self_registered(email=invitation.email, full_name=cmd.full_name, now=now)
            if cmd.phone:
                user.phone = normalize_phone(cmd.phone)
            (password_policy or PasswordPolicy()).check(cmd.password, email=user.email, full_name=user.full_name)
            user.password_hash = password_hasher.hash(cmd.password)
            uow.users.add(user)
        invitation.accept(user.id, now)
        uow.invitations.save(invitation)
        accepting = Actor(user_id=user.id, roles=invitation.roles, organization_id=invitation.organization_id)
        source = _address(cmd.source_address)
        membership = _join(uow, accepting, invitation.organization_id, user, invitation.roles, now=now,
                           source=source)
        uow.audit.record(AuditEntry.of(accepting, audit.INVITATION_ACCEPTED, target_type="invitation",
                                       target_id=invitation.id, organization_id=invitation.organization_id,
                                       now=now, source=source, detail={
                                           "user_id": user.id, "new_user": actor is None,
                                           "invited_by": invitation.invited_by,
                                           "roles": sorted(r.value for r in invitation.roles)}))
        uow.commit()
    return membership


def _require_active(org: Organization) -> None:
    """Asked after the policy: only whoever may manage the organisation's users learns its status here."""
    if org.status is not OrganizationStatus.ACTIVE:
        raise OrganizationNotActiveForInvitations(
            f"Организация «{org.name}»: {org.status.label_ru}.", organization_id=org.id, status=org.status.value)
