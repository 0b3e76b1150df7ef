"""Invitations on every adapter (in memory, SQLite, PostgreSQL): the link's secret is kept only as a hash; an
administrator invites into its own organisation only (another answers as a missing one); the link read from
the local outbox is accepted once, by a new person or by the signed-in user it was sent to; audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.notify.local import LocalFolderMailer, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import ListAudit, UserExists
from omk_domain.app.invitations import AcceptInvitation, InviteUser
from omk_domain.identity.invitation import Invitation, InvitationInvalid
from omk_domain.identity.model import (
    Actor,
    Membership,
    Organization,
    OrganizationNotFound,
    Role,
    RoleNotForClients,
    User,
)
from omk_domain.identity.passwords import PasswordRefused
from omk_domain.identity.signin import hash_token
from omk_domain.ports import AuditFilter, UnitOfWork
from omk_domain.shared.errors import Forbidden
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
LINK = re.compile(r"https?://\S+\?token=(\S+)")
PASSWORD = "Зелёный-чайник-2026"
STAFF = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)


def _world(uow_factory: UowFactory) -> tuple[Organization, Organization, Actor]:
    """Two organisations; an administrator of the first."""
    a = Organization.register(name="ООО А", inn="7707083893", now=T0)
    b = Organization.register(name="ИП Б", inn="500100732259", now=T0)
    admin = User.create(email="admin@a.ru", full_name="Админ", role=Role.ADMINISTRATOR, organization_id=a.id, now=T0)
    with uow_factory() as uow:
        uow.organizations.add(a)
        uow.organizations.add(b)
        uow.users.add(admin)
        ms = Membership.start(user_id=admin.id, organization_id=a.id, now=T0)
        ms.grant(frozenset({Role.ADMINISTRATOR}))
        uow.memberships.add(ms)
        uow.commit()
    return a, b, Actor(user_id=admin.id, role=Role.ADMINISTRATOR, organization_id=a.id)


def _bus(uow_factory: UowFactory, tmp_path: Path) -> tuple[MessageBus, LocalOutbox, ManualClock]:
    clock = ManualClock(T0)
    bus = MessageBus(uow_factory, clock, deps={
        "password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1),
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock)})
    return bus, LocalOutbox(mail_folder(tmp_path), sms_file(tmp_path)), clock


def _secret(outbox: LocalOutbox, email: str) -> str:
    mail = outbox.latest_email(email)
    assert mail is not None
    found = LINK.search(mail.text)
    assert found is not None
    return found.group(1)


def test_an_invitation_is_found_by_its_hash_and_keeps_its_acceptance(uow_factory: UowFactory) -> None:
    a, _, admin = _world(uow_factory)
    invitation, secret = Invitation.issue(organization_id=a.id, email="new@a.ru",
                                          roles=frozenset({Role.BUYER, Role.VIEWER}), invited_by=admin.user_id,
                                          now=T0)
    with uow_factory() as uow:
        uow.invitations.add(invitation)
        uow.commit()
    with uow_factory() as uow:
        assert uow.invitations.by_token_hash(secret) is None
        found = uow.invitations.by_token_hash(hash_token(secret))
        assert found is not None and found.roles == frozenset({Role.BUYER, Role.VIEWER})
        assert found.expires_at == T0 + timedelta(days=7) and found.accepted_at is None
        found.accept(admin.user_id, T0 + timedelta(days=1))
        uow.invitations.save(found)
        uow.commit()
    with uow_factory() as uow:
        again = uow.invitations.by_token_hash(hash_token(secret))
        assert again is not None and again.accepted_user_id == admin.user_id and not again.usable(T0)


def test_a_new_person_accepts_once_and_becomes_a_member(uow_factory: UowFactory, tmp_path: Path) -> None:
    a, _, admin = _world(uow_factory)
    bus, outbox, clock = _bus(uow_factory, tmp_path)
    sent = bus.handle(InviteUser(organization_id=a.id, email="New@A.ru", roles=frozenset({Role.BUYER})), admin)
    assert sent.email == "new@a.ru" and sent.invited_by == admin.user_id
    secret = _secret(outbox, "new@a.ru")
    with pytest.raises(PasswordRefused):  # the policy first; the link stays unspent
        bus.handle(AcceptInvitation(token=secret, full_name="Нина", password="short"), None)
    membership = bus.handle(AcceptInvitation(token=secret, full_name="Нина", phone="8 912 345-67-89",
                                             password=PASSWORD), None)
    assert membership.organization_id == a.id and membership.roles == frozenset({Role.BUYER})
    with uow_factory() as uow:
        user = uow.users.by_email("new@a.ru")
        assert user is not None and user.organization_id == a.id and user.phone == "+79123456789"
        assert user.password_hash is not None and not user.is_staff
    with pytest.raises(InvitationInvalid):  # single use
        bus.handle(AcceptInvitation(token=secret, full_name="Нина", password=PASSWORD), None)

    bus.handle(InviteUser(organization_id=a.id, email="late@a.ru", roles=frozenset({Role.VIEWER})), STAFF)
    late = _secret(outbox, "late@a.ru")
    clock.advance(timedelta(days=7))
    for token in (late, "unknown", ""):
        with pytest.raises(InvitationInvalid):
            bus.handle(AcceptInvitation(token=token, full_name="Лев", password=PASSWORD), None)

    entries = bus.handle(ListAudit(filter=AuditFilter(action="invitation")), STAFF)
    assert sorted(e.action for e in entries) == ["invitation.accepted", "invitation.sent", "invitation.sent"]
    assert all(secret not in repr(e) and late not in repr(e) for e in entries)
    granted = bus.handle(ListAudit(filter=AuditFilter(action="role.granted")), STAFF)
    assert [e.target_id for e in granted] == [membership.user_id]


def test_a_signed_in_user_accepts_an_invitation_to_its_own_email_only(uow_factory: UowFactory,
                                                                     tmp_path: Path) -> None:
    a, b, admin = _world(uow_factory)
    bus, outbox, _ = _bus(uow_factory, tmp_path)
    other = User.create(email="olga@b.ru", full_name="Ольга", role=Role.FINANCE, organization_id=b.id, now=T0)
    with uow_factory() as uow:
        uow.users.add(other)
        uow.commit()
    olga = Actor(user_id=other.id, role=Role.FINANCE, organization_id=b.id)
    bus.handle(InviteUser(organization_id=a.id, email="olga@b.ru", roles=frozenset({Role.BIDDER})), admin)
    secret = _secret(outbox, "olga@b.ru")
    with pytest.raises(UserExists):  # an existing user signs in first
        bus.handle(AcceptInvitation(token=secret, full_name="Ольга", password=PASSWORD), None)
    with pytest.raises(InvitationInvalid):  # another user's
        bus.handle(AcceptInvitation(token=secret), admin)
    membership = bus.handle(AcceptInvitation(token=secret), olga)
    assert membership.organization_id == a.id and membership.roles == frozenset({Role.BIDDER})
    with uow_factory() as uow:
        assert uow.users.get(other.id).organization_id == b.id  # its own organisation stays its own
        assert [ms.organization_id for ms in uow.memberships.of_user(other.id)] == [a.id]


def test_an_administrator_cannot_invite_into_another_organisation(uow_factory: UowFactory, tmp_path: Path) -> None:
    a, b, admin = _world(uow_factory)
    bus, outbox, _ = _bus(uow_factory, tmp_path)
    with pytest.raises(OrganizationNotFound) as other:
        bus.handle(InviteUser(organization_id=b.id, email="x@b.ru", roles=frozenset({Role.BUYER})), admin)
    with pytest.raises(OrganizationNotFound) as missing:
        bus.handle(InviteUser(organization_id="missing", email="x@b.ru", roles=frozenset({Role.BUYER})), admin)
    assert type(other.value) is type(missing.value) and other.value.message_ru == missing.value.message_ru
    buyer = Actor(user_id="buyer", role=Role.BUYER, organization_id=a.id)
    with pytest.raises(Forbidden):
        bus.handle(InviteUser(organization_id=a.id, email="x@a.ru", roles=frozenset({Role.BUYER})), buyer)
    with pytest.raises(RoleNotForClients):
        bus.handle(InviteUser(organization_id=a.id, email="x@a.ru", roles=frozenset({Role.SUPPORT})), admin)
    assert outbox.emails() == []
    assert bus.handle(ListAudit(filter=AuditFilter(action="invitation")), STAFF) == []
