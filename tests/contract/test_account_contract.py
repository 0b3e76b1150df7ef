"""Account management on every adapter (in memory, SQLite, PostgreSQL): users listed in pages and shown within
the actor's reach; blocking ends sessions and stops API tokens, audited; password changes end sessions; an
email change re-verified by a code sent to the new address; registration codes resent after a cooldown and
expired registrations purged; invitations only into active organisations."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import attrs
import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.security import FixedCodeGenerator
from omk_adapters.notify.local import LocalFolderMailer, LocalFolderSmsSender, LocalOutbox, mail_folder, sms_file
from omk_adapters.security.passwords import Argon2idPasswordHasher
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.account import ChangePassword, ConfirmEmailChange, RequestEmailChange
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import (
    BlockOrganization,
    BlockUser,
    GrantRole,
    ListAudit,
    ListUsers,
    RegisterOrganization,
    RegisterUser,
    ShowUser,
    UnblockUser,
)
from omk_domain.app.invitations import AcceptInvitation, InviteUser, OrganizationNotActiveForInvitations
from omk_domain.app.registration import (
    PurgeRegistrations,
    ResendRegistrationCodes,
    StartRegistration,
    VerifyRegistration,
)
from omk_domain.app.scheduler import HOUSEKEEPING_EVERY, Housekeeping
from omk_domain.app.signin import SetPassword
from omk_domain.app.tokens import IssueToken, ResolveToken
from omk_domain.identity.account import (
    CannotBlockOneself,
    CurrentPasswordWrong,
    EmailChangeNotFound,
    EmailTaken,
    EmailUnchanged,
    UserInOtherOrganizations,
)
from omk_domain.identity.model import Actor, Organization, Role, User
from omk_domain.identity.otp import CodeAttemptsExhausted, CodeResendTooSoon, CodeWrong
from omk_domain.identity.passwords import PasswordRefused
from omk_domain.identity.policy import Permission
from omk_domain.identity.registration import RegistrationNotFound
from omk_domain.identity.signin import UserSession
from omk_domain.identity.tokens import TokenInvalid
from omk_domain.ports import AuditFilter, UnitOfWork
from omk_domain.shared.errors import Forbidden, InvalidValue
from tests.contract.builders import T0, inn

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
PASSWORD = "Зелёный-чайник-2026"
NEW_PASSWORD = "Синий-самовар-2027"
STAFF = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)
CODE = re.compile(r"\b(\d{6})\b")


@attrs.define
class World:
    bus: MessageBus
    uow_factory: UowFactory
    clock: ManualClock
    outbox: LocalOutbox
    codes: FixedCodeGenerator
    a: Organization
    b: Organization
    admin: User
    member: User
    other: User

    def actor(self, user: User, org: Organization) -> Actor:
        with self.uow_factory() as uow:
            membership = uow.memberships.find(user.id, org.id)
        assert membership is not None
        return Actor(user_id=user.id, roles=membership.roles, organization_id=org.id)

    def session(self, user: User) -> str:
        """A live session of the user (as a completed sign-in leaves one); its id."""
        session, _ = UserSession.start(user_id=user.id, organization_id=user.organization_id, now=self.clock.now(),
                                       source="10.0.0.1")
        with self.uow_factory() as uow:
            uow.sessions.add(session)
            uow.commit()
        return session.id

    def live_sessions(self, user: User) -> list[str]:
        with self.uow_factory() as uow:
            return [s.id for s in uow.sessions.of_user(user.id) if s.revoked_at is None]

    def audit(self, prefix: str) -> list[str]:
        return [e.action for e in self.bus.handle(ListAudit(filter=AuditFilter(action=prefix)), STAFF)]

    def user(self, user_id: str) -> User:
        with self.uow_factory() as uow:
            return uow.users.get(user_id)


@pytest.fixture()
def world(uow_factory: UowFactory, tmp_path: Path) -> World:
    clock = ManualClock(T0)
    codes = FixedCodeGenerator(["111111", "222222", "333333", "444444"])
    bus = MessageBus(uow_factory, clock, deps={
        "password_hasher": Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1), "codes": codes,
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock),
        "sms": LocalFolderSmsSender(sms_file(tmp_path), clock=clock)})
    a = bus.handle(RegisterOrganization(name="ООО А", inn=inn(1)), STAFF)
    b = bus.handle(RegisterOrganization(name="ООО Б", inn=inn(2)), STAFF)

    def user(email: str, role: Role, org: Organization) -> User:
        made: User = bus.handle(RegisterUser(email=email, full_name="Пётр Иванов", role=role,
                                             organization_id=org.id, password=PASSWORD), STAFF)
        return made

    return World(bus=bus, uow_factory=uow_factory, clock=clock, outbox=LocalOutbox(mail_folder(tmp_path),
                                                                                   sms_file(tmp_path)),
                 codes=codes, a=a, b=b, admin=user("admin@a.ru", Role.ADMINISTRATOR, a),
                 member=user("member@a.ru", Role.BIDDER, a), other=user("other@b.ru", Role.BIDDER, b))


# --- list and show ------------------------------------------------------------------------------

def test_a_client_administrator_lists_its_own_organisation_in_pages(world: World) -> None:
    admin = world.actor(world.admin, world.a)
    found = world.bus.handle(ListUsers(), admin)
    assert sorted(v.user.email for v in found) == ["admin@a.ru", "member@a.ru"]
    assert all(v.memberships[0].organization_id == world.a.id for v in found)
    first = world.bus.handle(ListUsers(limit=1), admin)
    second = world.bus.handle(ListUsers(limit=1, offset=1), admin)
    assert len(first) == len(second) == 1 and first[0].user.id != second[0].user.id
    assert world.bus.handle(ListUsers(offset=2), admin) == []
    with pytest.raises(InvalidValue):
        world.bus.handle(ListUsers(limit=0), admin)
    with pytest.raises(Forbidden):  # a bidder manages no users
        world.bus.handle(ListUsers(), world.actor(world.member, world.a))


def test_staff_list_every_user_by_email(world: World) -> None:
    emails = [v.user.email for v in world.bus.handle(ListUsers(), STAFF)]
    assert emails == ["admin@a.ru", "member@a.ru", "other@b.ru"]
    assert [v.user.email for v in world.bus.handle(ListUsers(limit=2, offset=1), STAFF)] == ["member@a.ru",
                                                                                              "other@b.ru"]


def test_a_user_shown_to_a_client_carries_only_the_memberships_it_may_see(world: World) -> None:
    world.bus.handle(GrantRole(user_id=world.member.id, organization_id=world.b.id,
                               roles=frozenset({Role.VIEWER})), STAFF)
    seen_by_admin = world.bus.handle(ShowUser(user_id=world.member.id), world.actor(world.admin, world.a))
    assert [ms.organization_id for ms in seen_by_admin.memberships] == [world.a.id]
    seen_by_staff = world.bus.handle(ShowUser(user_id=world.member.id), STAFF)
    assert sorted(ms.organization_id for ms in seen_by_staff.memberships) == sorted([world.a.id, world.b.id])


# --- block and unblock --------------------------------------------------------------------------

def test_blocking_ends_every_session_and_stops_the_users_tokens_in_one_audited_change(world: World) -> None:
    admin = world.actor(world.admin, world.a)
    issued = world.bus.handle(IssueToken(organization_id=world.a.id, name="ERP",
                                         permissions=frozenset({Permission.AUCTION_VIEW}),
                                         expires_at=T0 + timedelta(days=30)), admin)
    assert world.bus.handle(ResolveToken(token=issued.token), None).organization_id == world.a.id
    world.session(world.admin)
    world.session(world.admin)

    blocked = world.bus.handle(BlockUser(user_id=world.admin.id, reason="Уволился"), STAFF)
    assert blocked.blocked and world.user(world.admin.id).blocked
    assert world.live_sessions(world.admin) == []
    with pytest.raises(TokenInvalid):
        world.bus.handle(ResolveToken(token=issued.token), None)
    entries = world.bus.handle(ListAudit(filter=AuditFilter(action="user")), STAFF)
    assert [(e.action, e.target_id, e.detail) for e in entries] == [
        ("user.blocked", world.admin.id, {"sessions_ended": 2, "reason": "Уволился"})]

    world.bus.handle(BlockUser(user_id=world.admin.id), STAFF)  # blocked already: nothing new
    assert world.audit("user") == ["user.blocked"]
    world.bus.handle(UnblockUser(user_id=world.admin.id), STAFF)
    assert not world.user(world.admin.id).blocked
    assert world.bus.handle(ResolveToken(token=issued.token), None).organization_id == world.a.id
    assert world.audit("user") == ["user.unblocked", "user.blocked"]


def test_a_client_administrator_blocks_only_users_of_its_organisation_alone(world: World) -> None:
    admin = world.actor(world.admin, world.a)
    with pytest.raises(CannotBlockOneself):
        world.bus.handle(BlockUser(user_id=world.admin.id), admin)
    world.bus.handle(GrantRole(user_id=world.member.id, organization_id=world.b.id,
                               roles=frozenset({Role.VIEWER})), STAFF)
    with pytest.raises(UserInOtherOrganizations):
        world.bus.handle(BlockUser(user_id=world.member.id), admin)
    assert not world.user(world.member.id).blocked
    third = world.bus.handle(RegisterUser(email="third@a.ru", full_name="Вера", role=Role.VIEWER,
                                          organization_id=world.a.id), STAFF)
    assert world.bus.handle(BlockUser(user_id=third.id), admin).blocked
    entry = world.bus.handle(ListAudit(filter=AuditFilter(action="user.blocked")), STAFF)[0]
    assert entry.actor_user_id == world.admin.id and entry.organization_id == world.a.id


# --- passwords ----------------------------------------------------------------------------------

def test_changing_ones_password_ends_every_other_session(world: World) -> None:
    actor = world.actor(world.member, world.a)
    current, other = world.session(world.member), world.session(world.member)
    with pytest.raises(CurrentPasswordWrong):
        world.bus.handle(ChangePassword(current_password="не тот", new_password=NEW_PASSWORD,
                                        keep_session_id=current), actor)
    assert sorted(world.live_sessions(world.member)) == sorted([current, other])
    assert world.audit("password") == ["password.current_wrong", "password.changed", "password.changed",
                                       "password.changed"]
    with pytest.raises(PasswordRefused):
        world.bus.handle(ChangePassword(current_password=PASSWORD, new_password="short",
                                        keep_session_id=current), actor)
    ended = world.bus.handle(ChangePassword(current_password=PASSWORD, new_password=NEW_PASSWORD,
                                            keep_session_id=current), actor)
    assert ended == 1 and world.live_sessions(world.member) == [current]
    hashed = world.user(world.member.id).password_hash
    assert hashed is not None and world.bus.deps["password_hasher"].verify(hashed, NEW_PASSWORD)
    entries = world.bus.handle(ListAudit(filter=AuditFilter(action="password.changed")), STAFF)
    assert entries[0].detail == {"by": "self", "sessions_ended": 1}
    assert all(PASSWORD not in repr(e) and NEW_PASSWORD not in repr(e) for e in entries)


def test_a_password_set_by_staff_ends_every_session(world: World) -> None:
    world.session(world.member)
    world.session(world.member)
    ended = world.bus.handle(SetPassword(user_id=world.member.id, password=NEW_PASSWORD), STAFF)
    assert ended == 2 and world.live_sessions(world.member) == []


# --- email change -------------------------------------------------------------------------------

def test_an_email_change_is_confirmed_by_the_code_sent_to_the_new_address(world: World) -> None:
    actor = world.actor(world.member, world.a)
    with pytest.raises(CurrentPasswordWrong):
        world.bus.handle(RequestEmailChange(new_email="new@a.ru", current_password="не тот"), actor)
    with pytest.raises(EmailUnchanged):
        world.bus.handle(RequestEmailChange(new_email="Member@A.ru", current_password=PASSWORD), actor)
    with pytest.raises(EmailTaken) as taken:
        world.bus.handle(RequestEmailChange(new_email="other@b.ru", current_password=PASSWORD), actor)
    assert "other@b.ru" not in taken.value.user_message() and world.other.id not in str(taken.value.as_dict())

    requested = world.bus.handle(RequestEmailChange(new_email="New@A.ru", current_password=PASSWORD), actor)
    assert requested.new_email == "new@a.ru"
    to_new, to_old = world.outbox.latest_email("new@a.ru"), world.outbox.latest_email("member@a.ru")
    assert to_new is not None and to_old is not None
    found = CODE.search(to_new.text)
    assert found is not None and CODE.search(to_old.text) is None and "n***@a.ru" in to_old.text
    code = found.group(1)
    with pytest.raises(EmailChangeNotFound):  # another user cannot use it
        world.bus.handle(ConfirmEmailChange(change_id=requested.change_id, code=code),
                         world.actor(world.admin, world.a))
    with pytest.raises(CodeWrong):
        world.bus.handle(ConfirmEmailChange(change_id=requested.change_id, code="000000"), actor)
    assert world.user(world.member.id).email == "member@a.ru"

    changed = world.bus.handle(ConfirmEmailChange(change_id=requested.change_id, code=code), actor)
    assert changed.email == "new@a.ru" and world.user(world.member.id).email == "new@a.ru"
    with pytest.raises(Exception, match="использован"):  # single use
        world.bus.handle(ConfirmEmailChange(change_id=requested.change_id, code=code), actor)
    entries = world.bus.handle(ListAudit(filter=AuditFilter(action="email")), STAFF)
    assert [e.action for e in entries] == ["email.changed", "email.change_requested"]
    assert entries[0].detail["old_email"] == "member@a.ru" and entries[0].detail["new_email"] == "new@a.ru"
    assert all(code not in repr(e) for e in world.bus.handle(ListAudit(filter=AuditFilter()), STAFF))


def test_a_new_request_waits_for_the_cooldown_and_supersedes_the_last_one(world: World) -> None:
    actor = world.actor(world.member, world.a)
    first = world.bus.handle(RequestEmailChange(new_email="new@a.ru", current_password=PASSWORD), actor)
    with pytest.raises(CodeResendTooSoon):
        world.bus.handle(RequestEmailChange(new_email="new@a.ru", current_password=PASSWORD), actor)
    world.clock.advance(timedelta(seconds=61))
    second = world.bus.handle(RequestEmailChange(new_email="new2@a.ru", current_password=PASSWORD), actor)
    with pytest.raises(Exception, match="использован"):
        world.bus.handle(ConfirmEmailChange(change_id=first.change_id, code=world.codes.issued[0]), actor)
    for _ in range(4):
        with pytest.raises(CodeWrong):
            world.bus.handle(ConfirmEmailChange(change_id=second.change_id, code="000000"), actor)
    with pytest.raises(CodeAttemptsExhausted):
        world.bus.handle(ConfirmEmailChange(change_id=second.change_id, code="000000"), actor)
    with pytest.raises(CodeAttemptsExhausted):  # even the right code now
        world.bus.handle(ConfirmEmailChange(change_id=second.change_id, code=world.codes.issued[1]), actor)
    with pytest.raises(EmailChangeNotFound):
        world.bus.handle(ConfirmEmailChange(change_id="missing", code="111111"), actor)


def test_an_address_taken_meanwhile_is_refused_at_confirmation(world: World) -> None:
    actor = world.actor(world.member, world.a)
    requested = world.bus.handle(RequestEmailChange(new_email="new@a.ru", current_password=PASSWORD), actor)
    world.bus.handle(RegisterUser(email="new@a.ru", full_name="Вера", role=Role.VIEWER,
                                  organization_id=world.a.id), STAFF)
    with pytest.raises(EmailTaken):
        world.bus.handle(ConfirmEmailChange(change_id=requested.change_id, code=world.codes.issued[0]), actor)
    assert world.user(world.member.id).email == "member@a.ru"


def test_an_email_change_code_never_answers_a_sign_in(world: World) -> None:
    actor = world.actor(world.member, world.a)
    requested = world.bus.handle(RequestEmailChange(new_email="new@a.ru", current_password=PASSWORD), actor)
    with world.uow_factory() as uow:
        assert uow.challenges.get(requested.change_id) is None
        assert uow.challenges.latest_of_user(world.member.id) is None
        change = uow.email_changes.get(requested.change_id)
        assert change is not None and change.new_email == "new@a.ru" and change.code.matches("111111")


# --- registration: resend and purge -------------------------------------------------------------

def test_registration_codes_are_resent_after_the_cooldown_and_the_old_ones_stop_working(world: World) -> None:
    started = world.bus.handle(StartRegistration(email="anna@c.ru", phone="+79123456789", full_name="Анна",
                                                 password=PASSWORD), None)
    old_email, old_sms = world.codes.issued[0], world.codes.issued[1]
    with pytest.raises(CodeResendTooSoon):
        world.bus.handle(ResendRegistrationCodes(registration_id=started.registration_id), None)
    world.clock.advance(timedelta(seconds=60))
    again = world.bus.handle(ResendRegistrationCodes(registration_id=started.registration_id), None)
    assert again.expires_at == world.clock.now() + timedelta(minutes=5)
    new_email, new_sms = world.codes.issued[2], world.codes.issued[3]
    with pytest.raises(CodeWrong):
        world.bus.handle(VerifyRegistration(registration_id=started.registration_id, email_code=old_email,
                                            sms_code=old_sms), None)
    user = world.bus.handle(VerifyRegistration(registration_id=started.registration_id, email_code=new_email,
                                                sms_code=new_sms), None)
    assert user.email == "anna@c.ru"
    with pytest.raises(RegistrationNotFound):  # verified: nothing to resend
        world.bus.handle(ResendRegistrationCodes(registration_id=started.registration_id), None)
    with pytest.raises(RegistrationNotFound):
        world.bus.handle(ResendRegistrationCodes(registration_id="missing"), None)
    assert "registration.codes_resent" in world.audit("registration")


def test_only_expired_unverified_registrations_are_purged(world: World) -> None:
    def start(email: str) -> str:
        started = world.bus.handle(StartRegistration(email=email, phone="+79123456789", full_name="Анна",
                                                     password=PASSWORD), None)
        return str(started.registration_id)

    stale = start("stale@c.ru")
    verified = start("done@c.ru")
    world.bus.handle(VerifyRegistration(registration_id=verified, email_code=world.codes.issued[2],
                                        sms_code=world.codes.issued[3]), None)
    world.clock.advance(timedelta(days=1, minutes=6))
    fresh = start("fresh@c.ru")
    assert world.bus.handle(PurgeRegistrations(), STAFF) == 1
    with world.uow_factory() as uow:
        assert uow.registrations.get(stale) is None
        assert uow.registrations.get(verified) is not None and uow.registrations.get(fresh) is not None
    assert world.bus.handle(PurgeRegistrations(), STAFF) == 0
    assert world.audit("registration.purged") == ["registration.purged"]
    with pytest.raises(Forbidden):
        world.bus.handle(PurgeRegistrations(), world.actor(world.admin, world.a))


def test_the_scheduler_purges_expired_registrations_at_its_first_tick_and_then_once_an_hour(world: World) -> None:
    def start(email: str) -> str:
        return str(world.bus.handle(StartRegistration(email=email, phone="+79123456789", full_name="Анна",
                                                      password=PASSWORD), None).registration_id)

    def present(registration_id: str) -> bool:
        with world.uow_factory() as uow:
            return uow.registrations.get(registration_id) is not None

    housekeeping = Housekeeping(world.uow_factory, world.clock)
    first = start("first@c.ru")
    world.clock.advance(timedelta(minutes=30))
    second = start("second@c.ru")  # purgeable half an hour after the first
    world.clock.advance(timedelta(days=1, minutes=6) - timedelta(minutes=30) + timedelta(seconds=1))
    assert housekeeping.tick() == 1 and not present(first) and present(second)  # the first tick runs at once
    world.clock.advance(timedelta(minutes=31))
    assert housekeeping.tick() == 0 and present(second)  # purgeable now, but the last run is not an hour old
    world.clock.advance(HOUSEKEEPING_EVERY - timedelta(minutes=31))
    assert housekeeping.tick() == 1 and not present(second)
    entries = world.bus.handle(ListAudit(filter=AuditFilter(action="registration.purged")), STAFF)
    assert [e.actor_user_id for e in entries] == ["scheduler", "scheduler"]


# --- invitations into active organisations only ---------------------------------------------------

def test_invitations_are_refused_into_an_organisation_not_active(world: World) -> None:
    applied = world.bus.handle(RegisterOrganization(name="ООО Заявка", inn=inn(3), as_application=True), STAFF)
    with pytest.raises(OrganizationNotActiveForInvitations) as refused:
        world.bus.handle(InviteUser(organization_id=applied.id, email="x@c.ru", roles=frozenset({Role.VIEWER})),
                         STAFF)
    assert "заявка" in refused.value.user_message()

    world.bus.handle(InviteUser(organization_id=world.a.id, email="x@c.ru", roles=frozenset({Role.VIEWER})),
                     world.actor(world.admin, world.a))
    mail = world.outbox.latest_email("x@c.ru")
    assert mail is not None
    token = re.search(r"\?token=(\S+)", mail.text)
    assert token is not None
    world.bus.handle(BlockOrganization(organization_id=world.a.id, reason="Просрочена оплата"), STAFF)
    with pytest.raises(OrganizationNotActiveForInvitations) as blocked:
        world.bus.handle(AcceptInvitation(token=token.group(1), full_name="Икс", password=PASSWORD), None)
    assert "заблокирована" in blocked.value.user_message()
    with pytest.raises(OrganizationNotActiveForInvitations):
        world.bus.handle(InviteUser(organization_id=world.a.id, email="y@c.ru", roles=frozenset({Role.VIEWER})),
                         STAFF)
    with world.uow_factory() as uow:
        assert uow.users.by_email("x@c.ru") is None
