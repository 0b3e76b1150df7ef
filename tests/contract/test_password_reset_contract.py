"""Password reset on every adapter (in memory, SQLite, PostgreSQL): the link's secret is kept only as a hash;
a link read from the local outbox sets the password once, ends the sessions and is audited."""

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
from omk_domain.app.identity import ListAudit
from omk_domain.app.reset import RequestPasswordReset, ResetPassword
from omk_domain.app.signin import ResolveSession
from omk_domain.identity.model import Actor, Organization, Role, User
from omk_domain.identity.passwords import PasswordRefused
from omk_domain.identity.reset import PasswordReset, ResetLinkInvalid
from omk_domain.identity.signin import SessionInvalid, UserSession, hash_token
from omk_domain.ports import AuditFilter, UnitOfWork
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
LINK = re.compile(r"https?://\S+\?token=(\S+)")


def _user(uow_factory: UowFactory) -> User:
    org = Organization.register(name="ООО А", inn="7707083893", now=T0)
    user = User.create(email="anna@a.ru", full_name="Анна", role=Role.BIDDER, organization_id=org.id, now=T0)
    with uow_factory() as uow:
        uow.organizations.add(org)
        uow.users.add(user)
        uow.commit()
    return user


def test_a_reset_is_found_by_its_hash_and_keeps_its_use(uow_factory: UowFactory) -> None:
    user = _user(uow_factory)
    reset, secret = PasswordReset.issue(user_id=user.id, now=T0)
    with uow_factory() as uow:
        uow.password_resets.add(reset)
        uow.commit()
    with uow_factory() as uow:
        assert uow.password_resets.by_token_hash(secret) is None  # the clear secret is not what is stored
        found = uow.password_resets.by_token_hash(hash_token(secret))
        assert found is not None and found.expires_at == T0 + timedelta(minutes=30) and found.used_at is None
        found.use(T0 + timedelta(minutes=1))
        uow.password_resets.save(found)
        uow.commit()
    with uow_factory() as uow:
        again = uow.password_resets.by_token_hash(hash_token(secret))
        assert again is not None and again.used_at == T0 + timedelta(minutes=1)


def test_the_emailed_link_sets_the_password_once_and_ends_every_session(uow_factory: UowFactory,
                                                                        tmp_path: Path) -> None:
    user = _user(uow_factory)
    session, session_token = UserSession.start(user_id=user.id, organization_id=user.organization_id, now=T0,
                                               source=None)
    with uow_factory() as uow:
        uow.sessions.add(session)
        uow.commit()
    clock = ManualClock(T0)
    hasher = Argon2idPasswordHasher(time_cost=1, memory_kib=64, parallelism=1)
    bus = MessageBus(uow_factory, clock, deps={
        "password_hasher": hasher,
        "mailer": LocalFolderMailer(mail_folder(tmp_path), sender="noreply@omk.local", clock=clock)})
    outbox = LocalOutbox(mail_folder(tmp_path), sms_file(tmp_path))

    assert bus.handle(RequestPasswordReset(email="nobody@a.ru"), None) is None  # the same answer, no email
    assert outbox.emails() == []
    assert bus.handle(RequestPasswordReset(email="Anna@A.ru"), None) is None
    mail = outbox.latest_email("anna@a.ru")
    assert mail is not None
    found = LINK.search(mail.text)
    assert found is not None
    secret = found.group(1)

    with pytest.raises(PasswordRefused):  # the policy first; the link stays unspent
        bus.handle(ResetPassword(token=secret, new_password="short"), None)
    assert bus.handle(ResetPassword(token=secret, new_password="Зелёный-чайник-2026"), None) == 1
    with uow_factory() as uow:
        stored = uow.users.get(user.id).password_hash
        assert stored is not None and hasher.verify(stored, "Зелёный-чайник-2026")
    with pytest.raises(SessionInvalid):
        bus.handle(ResolveSession(token=session_token), None)
    with pytest.raises(ResetLinkInvalid):  # single use
        bus.handle(ResetPassword(token=secret, new_password="Синий-самовар-2027"), None)

    bus.handle(RequestPasswordReset(email="anna@a.ru"), None)
    late = LINK.search(outbox.emails("anna@a.ru")[-1].text)
    assert late is not None
    clock.advance(timedelta(minutes=30))
    for token in (late.group(1), "unknown", ""):
        with pytest.raises(ResetLinkInvalid):
            bus.handle(ResetPassword(token=token, new_password="Синий-самовар-2027"), None)

    staff = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)
    entries = bus.handle(ListAudit(filter=AuditFilter(action="password")), staff)
    assert [e.action for e in entries].count("password.reset") == 1
    assert all(secret not in repr(e) for e in entries)
