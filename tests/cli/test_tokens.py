"""`omk tokens`: issue (printed once), list (never the secret), revoke — from a script, with exit codes."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from omk_adapters.bootstrap import bootstrap
from omk_domain.app.tokens import ResolveToken
from omk_domain.identity.tokens import TokenInvalid
from tests.cli.conftest import Omk

pytestmark = pytest.mark.cli


def test_a_token_is_issued_once_listed_without_its_secret_and_revoked(migrated: Omk, database_url: str) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    issued = omk.json("tokens", "issue", "7707083893", "--name", "ERP", "--permission", "auction.view",
                      "--permission", "auction.bid", "--expires", "2027-01-31")
    secret = issued["token"]
    assert secret.startswith("omk_") and issued["prefix"] == secret[:12]
    assert issued["permissions"] == ["auction.bid", "auction.view"]
    assert issued["expires_at"] == "2027-01-31T21:00:00+00:00"  # through 31 January, Moscow time

    listed = omk.json("tokens", "list", "--org", "7707083893")
    assert [t["id"] for t in listed] == [issued["id"]] and "token" not in listed[0]
    assert omk.json("tokens", "list") == listed
    assert secret not in omk("tokens", "list").stdout
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        (stored,) = db.execute("SELECT token_hash FROM api_tokens").fetchone()
    assert stored == hashlib.sha256(secret.encode()).hexdigest()

    services = bootstrap(clock=omk.clock)
    try:
        actor = services.bus.handle(ResolveToken(token=secret), None)
        assert actor.organization_id == issued["organization_id"]
        assert omk.json("tokens", "revoke", issued["id"])["revoked_at"] is not None
        with pytest.raises(TokenInvalid):
            services.bus.handle(ResolveToken(token=secret), None)
    finally:
        services.close()
    actions = [e["action"] for e in omk.json("audit", "list", "--action", "token")]
    assert actions == ["token.revoked", "token.issued"]
    assert secret not in omk("audit", "list", "--json").stdout


def test_bad_token_requests_get_the_usual_exit_codes(migrated: Omk) -> None:
    omk = migrated
    omk("orgs", "create", "--name", "ООО «Ромашка»", "--inn", "7707083893")
    omk("tokens", "issue", "7707083893", "--name", "ERP", "--permission", "emperor.rule",
        "--expires", "2027-01-31", code=2)
    omk("tokens", "issue", "7707083893", "--name", "ERP", "--permission", "auction.manage",
        "--expires", "2027-01-31", code=6)
    omk("tokens", "issue", "7707083893", "--name", "ERP", "--permission", "auction.view",
        "--expires", "2020-01-31", code=3)
    omk("tokens", "issue", "7830002293", "--name", "ERP", "--permission", "auction.view",
        "--expires", "2027-01-31", code=4)
    omk("tokens", "revoke", "missing", code=4)
