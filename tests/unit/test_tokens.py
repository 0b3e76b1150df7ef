"""API tokens: a token never exceeds its issuer's roles nor acts for another organisation; expired, revoked
and unknown tokens get one answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import usecases  # noqa: F401
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import GrantRole, RegisterOrganization, RegisterUser, RevokeRole
from omk_domain.app.tokens import IssuedToken, IssueToken, ListTokens, ResolveToken, RevokeToken
from omk_domain.identity.model import Actor, OrganizationNotFound, Role
from omk_domain.identity.policy import Permission, allows, grantable
from omk_domain.identity.tokens import (
    PermissionsNotGrantable,
    TokenExpiryInvalid,
    TokenInvalid,
    TokenNotFound,
    TokenPermissionsRequired,
)
from omk_domain.shared.errors import Forbidden

pytestmark = pytest.mark.unit

P = Permission
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STAFF = Actor(user_id="staff", role=Role.ORGANISER)
World = tuple[MessageBus, ManualClock, dict[str, str]]


@pytest.fixture()
def world() -> World:
    store = MemoryStore()
    clock = ManualClock(T0)
    bus = MessageBus(lambda: MemoryUnitOfWork(store), clock)
    a = bus.handle(RegisterOrganization(name="ООО А", inn="7707083893"), STAFF)
    b = bus.handle(RegisterOrganization(name="ООО Б", inn="7830002293"), STAFF)
    admin = bus.handle(RegisterUser(email="adm@a.ru", full_name="Админ", role=Role.ADMINISTRATOR,
                                    organization_id=a.id), STAFF)
    bidder = bus.handle(RegisterUser(email="bid@a.ru", full_name="Торги", role=Role.BIDDER,
                                     organization_id=a.id), STAFF)
    admin_b = bus.handle(RegisterUser(email="adm@b.ru", full_name="Б", role=Role.ADMINISTRATOR,
                                      organization_id=b.id), STAFF)
    return bus, clock, {"a": a.id, "b": b.id, "admin": admin.id, "bidder": bidder.id, "admin_b": admin_b.id}


def _admin(ids: dict[str, str], org: str = "a", user: str = "admin") -> Actor:
    return Actor(user_id=ids[user], role=Role.ADMINISTRATOR, organization_id=ids[org])


def _issue(bus: MessageBus, actor: Actor, org: str, *perms: Permission, days: int = 30) -> IssuedToken:
    return bus.handle(IssueToken(organization_id=org, name="ERP", permissions=frozenset(perms),
                                 expires_at=T0 + timedelta(days=days)), actor)


def test_the_limit_cuts_the_roles_permissions_down_and_never_adds() -> None:
    limited = Actor(user_id="t", role=Role.BIDDER, organization_id="a",
                    limit={P.AUCTION_VIEW, P.FINANCE_VIEW, P.USERS_MANAGE})
    assert allows(limited, P.AUCTION_VIEW, "a")
    assert not allows(limited, P.AUCTION_BID, "a")  # the role gives it, the limit does not
    assert not allows(limited, P.FINANCE_VIEW, "a")  # the limit names it, the role does not give it
    assert not allows(limited, P.AUCTION_VIEW, "b")
    assert grantable(limited) == {P.AUCTION_VIEW}
    staff = Actor(user_id="s", role=Role.SYSTEM_ADMIN, limit={P.AUDIT_VIEW})
    assert allows(staff, P.AUDIT_VIEW) and not allows(staff, P.USERS_MANAGE)


def test_an_issued_token_acts_for_its_organisation_with_only_its_permissions(world: World) -> None:
    bus, _, ids = world
    issued = _issue(bus, _admin(ids), ids["a"], P.AUCTION_VIEW, P.FINANCE_VIEW)
    actor = bus.handle(ResolveToken(token=issued.token), None)
    assert actor.organization_id == ids["a"] and actor.user_id != ids["admin"]
    assert allows(actor, P.FINANCE_VIEW, ids["a"]) and not allows(actor, P.USERS_MANAGE, ids["a"])
    assert not allows(actor, P.AUCTION_VIEW, ids["b"])
    with pytest.raises((Forbidden, OrganizationNotFound)):
        bus.handle(IssueToken(organization_id=ids["b"], name="x", permissions=frozenset({P.AUCTION_VIEW}),
                              expires_at=T0 + timedelta(days=1)), actor)


def test_a_token_never_exceeds_its_issuers_roles(world: World) -> None:
    bus, _, ids = world
    bidder = Actor(user_id=ids["bidder"], role=Role.BIDDER, organization_id=ids["a"])
    with pytest.raises(Forbidden):  # a bidder manages no tokens
        _issue(bus, bidder, ids["a"], P.AUCTION_VIEW)
    with pytest.raises(PermissionsNotGrantable):  # an administrator has no audit.view to give
        _issue(bus, _admin(ids), ids["a"], P.AUCTION_VIEW, P.AUDIT_VIEW)
    with pytest.raises(PermissionsNotGrantable):  # staff give only what a client role gives
        _issue(bus, STAFF, ids["a"], P.AUCTION_MANAGE)
    issued = _issue(bus, _admin(ids), ids["a"], P.AUCTION_VIEW, P.AUCTION_BID)
    bus.handle(GrantRole(user_id=ids["bidder"], organization_id=ids["a"], roles=frozenset({Role.ADMINISTRATOR})),
               STAFF)
    bus.handle(RevokeRole(user_id=ids["admin"], organization_id=ids["a"], roles=frozenset({Role.ADMINISTRATOR})),
               STAFF)
    with pytest.raises(TokenInvalid):  # the issuer left the organisation: so did its token
        bus.handle(ResolveToken(token=issued.token), None)


def test_expired_revoked_and_unknown_tokens_get_one_answer(world: World) -> None:
    bus, clock, ids = world
    short = _issue(bus, _admin(ids), ids["a"], P.AUCTION_VIEW, days=1)
    revoked = _issue(bus, STAFF, ids["a"], P.AUCTION_VIEW)
    staff_actor = bus.handle(ResolveToken(token=revoked.token), None)
    assert allows(staff_actor, P.AUCTION_VIEW, ids["a"]) and not allows(staff_actor, P.AUCTION_BID, ids["a"])
    bus.handle(RevokeToken(token_id=revoked.api_token.id), _admin(ids))
    clock.advance(timedelta(days=1))
    for secret in (short.token, revoked.token, "omk_unknown", ""):
        with pytest.raises(TokenInvalid) as refused:
            bus.handle(ResolveToken(token=secret), None)
        assert secret not in str(refused.value) or not secret


def test_tokens_of_another_organisation_are_invisible(world: World) -> None:
    bus, _, ids = world
    mine = _issue(bus, _admin(ids), ids["a"], P.AUCTION_VIEW)
    other = _issue(bus, _admin(ids, "b", "admin_b"), ids["b"], P.AUCTION_VIEW)
    assert [t.id for t in bus.handle(ListTokens(), _admin(ids))] == [mine.api_token.id]
    with pytest.raises(OrganizationNotFound):
        bus.handle(ListTokens(organization_id=ids["b"]), _admin(ids))
    with pytest.raises(TokenNotFound):
        bus.handle(RevokeToken(token_id=other.api_token.id), _admin(ids))
    assert {t.id for t in bus.handle(ListTokens(), STAFF)} == {mine.api_token.id,
                                                                other.api_token.id}


def test_a_token_needs_permissions_and_a_future_expiry(world: World) -> None:
    bus, _, ids = world
    with pytest.raises(TokenPermissionsRequired):
        _issue(bus, _admin(ids), ids["a"])
    with pytest.raises(TokenExpiryInvalid):
        _issue(bus, _admin(ids), ids["a"], P.AUCTION_VIEW, days=0)
