"""API tokens on every adapter (in memory, SQLite, PostgreSQL): stored only as a hash with a public prefix,
listed per organisation in the query itself, revoked for good, and resolved through the bus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import BlockOrganization, BlockUser, ListAudit, UnblockOrganization
from omk_domain.app.tokens import IssueToken, ListTokens, ResolveToken, RevokeToken
from omk_domain.identity.model import Actor, Membership, Organization, Role, User
from omk_domain.identity.policy import Permission, allows
from omk_domain.identity.signin import hash_token
from omk_domain.identity.tokens import ApiToken, TokenInvalid
from omk_domain.ports import AuditFilter, UnitOfWork
from tests.contract.builders import T0

pytestmark = pytest.mark.contract

UowFactory = Callable[[], UnitOfWork]
P = Permission
STAFF = Actor(user_id="staff", role=Role.SYSTEM_ADMIN)


def _orgs(uow_factory: UowFactory) -> tuple[Organization, Organization]:
    a = Organization.register(name="ООО А", inn="7707083893", now=T0)
    b = Organization.register(name="ООО Б", inn="7830002293", now=T0)
    with uow_factory() as uow:
        uow.organizations.add(a)
        uow.organizations.add(b)
        uow.commit()
    return a, b


def _token(org: Organization, name: str, minutes: int = 0) -> tuple[ApiToken, str]:
    return ApiToken.issue(organization_id=org.id, name=name, permissions={P.AUCTION_VIEW, P.AUCTION_BID},
                          grantable=frozenset(Permission), issued_by="staff", issuer_organization_id=None,
                          expires_at=T0 + timedelta(days=30), now=T0 + timedelta(minutes=minutes))


def test_tokens_are_kept_hashed_listed_per_organisation_and_revoked(uow_factory: UowFactory) -> None:
    a, b = _orgs(uow_factory)
    first, secret = _token(a, "ERP", 0)
    second, _ = _token(a, "Склад", 1)
    other, _ = _token(b, "Чужой", 2)
    with uow_factory() as uow:
        for token in (first, second, other):
            uow.api_tokens.add(token)
        uow.commit()
    with uow_factory() as uow:
        found = uow.api_tokens.by_token_hash(hash_token(secret))
        assert found is not None and found.id == first.id
        assert uow.api_tokens.by_token_hash(secret) is None  # the clear secret is not what is stored
        assert (found.prefix, found.permissions, found.expires_at, found.issuer_organization_id) == (
            secret[:12], frozenset({P.AUCTION_VIEW, P.AUCTION_BID}), T0 + timedelta(days=30), None)
        assert secret.startswith("omk_") and found.token_hash != secret
        assert [t.id for t in uow.api_tokens.of_organization(a.id)] == [second.id, first.id]
        assert [t.id for t in uow.api_tokens.of_organization(b.id)] == [other.id]
        assert [t.id for t in uow.api_tokens.list()] == [other.id, second.id, first.id]
        assert uow.api_tokens.get("missing") is None
        found.revoke(T0 + timedelta(hours=1))
        uow.api_tokens.save(found)
        uow.commit()
    with uow_factory() as uow:
        again = uow.api_tokens.get(first.id)
        assert again is not None and again.revoked_at == T0 + timedelta(hours=1)


def test_an_uncommitted_token_is_not_kept(uow_factory: UowFactory) -> None:
    a, _ = _orgs(uow_factory)
    token, _ = _token(a, "ERP")
    with uow_factory() as uow:
        uow.api_tokens.add(token)
    with uow_factory() as uow:
        assert uow.api_tokens.get(token.id) is None


def test_an_administrators_token_resolves_to_its_organisation_within_its_permissions_until_revoked(
        uow_factory: UowFactory) -> None:
    a, b = _orgs(uow_factory)
    admin = User.create(email="adm@a.ru", full_name="Админ", role=Role.ADMINISTRATOR, organization_id=a.id, now=T0)
    with uow_factory() as uow:
        uow.users.add(admin)
        membership = Membership.start(user_id=admin.id, organization_id=a.id, now=T0)
        membership.grant(frozenset({Role.ADMINISTRATOR}))
        uow.memberships.add(membership)
        uow.commit()
    clock = ManualClock(T0)
    bus = MessageBus(uow_factory, clock)
    issuer = Actor(user_id=admin.id, role=Role.ADMINISTRATOR, organization_id=a.id)
    issued = bus.handle(IssueToken(organization_id=a.id, name="ERP", permissions=frozenset({P.AUCTION_VIEW}),
                                   expires_at=T0 + timedelta(days=1), source="cli"), issuer)
    actor = bus.handle(ResolveToken(token=issued.token), None)
    assert actor.organization_id == a.id and actor.limit == frozenset({P.AUCTION_VIEW})
    assert allows(actor, P.AUCTION_VIEW, a.id)
    assert not allows(actor, P.AUCTION_BID, a.id)  # the administrator may, the token may not
    assert not allows(actor, P.AUCTION_VIEW, b.id)
    listed = bus.handle(ListTokens(), issuer)
    assert [t.id for t in listed] == [issued.api_token.id]
    assert bus.handle(ListTokens(), STAFF)[0].id == issued.api_token.id
    bus.handle(RevokeToken(token_id=issued.api_token.id, source="cli"), issuer)
    with pytest.raises(TokenInvalid):
        bus.handle(ResolveToken(token=issued.token), None)
    entries = bus.handle(ListAudit(filter=AuditFilter(action="token")), STAFF)
    assert [e.action for e in entries] == ["token.revoked", "token.issued"]
    assert all(issued.token not in repr(e) for e in entries)


def test_a_blocked_organisations_tokens_stop_resolving_and_work_again_once_it_is_unblocked(
        uow_factory: UowFactory) -> None:
    a, _ = _orgs(uow_factory)
    bus = MessageBus(uow_factory, ManualClock(T0))
    issued = bus.handle(IssueToken(organization_id=a.id, name="ERP", permissions=frozenset({P.AUCTION_VIEW}),
                                   expires_at=T0 + timedelta(days=1), source="cli"), STAFF)
    assert bus.handle(ResolveToken(token=issued.token), None).organization_id == a.id
    bus.handle(BlockOrganization(organization_id=a.id, reason="Долг по оплате"), STAFF)
    with pytest.raises(TokenInvalid):
        bus.handle(ResolveToken(token=issued.token), None)
    bus.handle(UnblockOrganization(organization_id=a.id), STAFF)
    assert bus.handle(ResolveToken(token=issued.token), None).organization_id == a.id


def test_the_holder_read_at_once_follows_the_issuer_its_roles_and_its_organisation(uow_factory: UowFactory) -> None:
    """`ApiTokenRepository.holder` (one query on SQL) against what resolving needs, change by change."""
    a, _ = _orgs(uow_factory)
    admin = User.create(email="adm@a.ru", full_name="Админ", role=Role.ADMINISTRATOR, organization_id=a.id, now=T0)
    membership = Membership.start(user_id=admin.id, organization_id=a.id, now=T0)
    membership.grant(frozenset({Role.ADMINISTRATOR, Role.BIDDER}))
    with uow_factory() as uow:
        uow.users.add(admin)
        uow.memberships.add(membership)
        uow.commit()
    bus = MessageBus(uow_factory, ManualClock(T0))
    issued = bus.handle(IssueToken(organization_id=a.id, name="ERP", permissions=frozenset({P.AUCTION_VIEW}),
                                   expires_at=T0 + timedelta(days=1), source="cli"),
                        Actor(user_id=admin.id, role=Role.ADMINISTRATOR, organization_id=a.id))

    def holder() -> tuple[object, ...]:
        with uow_factory() as uow:
            found = uow.api_tokens.holder(hash_token(issued.token))
        assert found is not None and found.token.id == issued.api_token.id
        return found.organization_status, found.issuer_blocked, found.issuer_roles

    assert holder() == (a.status, False, frozenset({Role.ADMINISTRATOR, Role.BIDDER}))
    with uow_factory() as uow:
        assert uow.api_tokens.holder(hash_token("omk_unknown")) is None
        found = uow.memberships.find(admin.id, a.id)
        assert found is not None
        uow.memberships.remove(found)  # the issuer left the organisation
        uow.commit()
    assert holder()[2] is None
    with pytest.raises(TokenInvalid):
        bus.handle(ResolveToken(token=issued.token), None)
    bus.handle(BlockUser(user_id=admin.id, reason="Уволен"), STAFF)
    assert holder()[1] is True
