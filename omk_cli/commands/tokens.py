"""`omk tokens`: API tokens of client systems — issue (the token is printed once), list, revoke."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from omk_cli import parsing
from omk_cli.context import SOURCE, state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.tokens import IssuedToken, IssueToken, ListTokens, RevokeToken
from omk_domain.identity.policy import Permission
from omk_domain.identity.tokens import ApiToken

app = typer.Typer(help="API tokens of client systems: one organisation, a set of permissions, an expiry.",
                  no_args_is_help=True)


def as_json(token: ApiToken) -> dict[str, Any]:
    """Everything but the secret, which is never kept."""
    return {"id": token.id, "organization_id": token.organization_id, "name": token.name, "prefix": token.prefix,
            "permissions": sorted(p.value for p in token.permissions), "issued_by": token.issued_by,
            "created_at": token.created_at.isoformat(), "expires_at": token.expires_at.isoformat(),
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None}


def _pairs(token: ApiToken) -> list[tuple[str, Any]]:
    return [("Id", token.id), ("Организация", token.organization_id), ("Название", token.name),
            ("Префикс", token.prefix), ("Разрешения", ", ".join(sorted(p.value for p in token.permissions))),
            ("Действует до", when(token.expires_at)), ("Отозван", when(token.revoked_at) if token.revoked_at else None)]


@app.command("issue")
def issue(ctx: typer.Context,
          org: Annotated[str, typer.Argument(help="Organisation id or ИНН.", show_default=False)], *,
          name: Annotated[str, typer.Option("--name", help="What the token is for (a client system's name).")],
          permissions: Annotated[list[Permission], typer.Option(
              "--permission", parser=parsing.permission, metavar="PERMISSION",
              help="A permission of the token (repeat for several), e.g. auction.view.")],
          expires: Annotated[str, typer.Option("--expires", help="A date (valid through it, Moscow time) "
                                                                 "or an ISO 8601 moment.")],
          json_out: JsonFlag = False) -> None:
    """Issue a token; it is printed once — only its hash is kept."""
    st = state(ctx)
    issued: IssuedToken = st.handle(IssueToken(
        organization_id=parsing.organization_id(st, org), name=name, permissions=frozenset(permissions),
        expires_at=parsing.until(expires), source=SOURCE))
    show(json_out, issued, lambda c: (
        c.print(fields("Ключ API выдан", [*_pairs(issued.api_token), ("Ключ", issued.token)])),
        c.print("Сохраните ключ сейчас: он показан один раз и больше нигде не хранится.")),
        json_data=as_json(issued.api_token) | {"token": issued.token})


@app.command("list")
def list_(ctx: typer.Context, *,
          org: Annotated[str | None, typer.Option("--org", help="Organisation id or ИНН.")] = None,
          json_out: JsonFlag = False) -> None:
    """Tokens (never their secrets), newest first: of one organisation, or of every one."""
    st = state(ctx)
    found: list[ApiToken] = list(st.handle(ListTokens(
        organization_id=parsing.organization_id(st, org) if org else None)))
    show(json_out, found, lambda c: c.print(table("Ключи API", [
        "Id", "Организация", "Название", "Префикс", "Разрешения", "Действует до", "Отозван"], [
        (t.id, t.organization_id, t.name, t.prefix, ", ".join(sorted(p.value for p in t.permissions)),
         when(t.expires_at), when(t.revoked_at) if t.revoked_at else "—") for t in found])),
        json_data=[as_json(t) for t in found])


@app.command("revoke")
def revoke(ctx: typer.Context,
           token_id: Annotated[str, typer.Argument(help="The token's id (from `omk tokens list`).",
                                                   show_default=False)],
           json_out: JsonFlag = False) -> None:
    """Revoke a token at once; revoking it again changes nothing."""
    st = state(ctx)
    token: ApiToken = st.handle(RevokeToken(token_id=token_id, source=SOURCE))
    show(json_out, token, lambda c: c.print(fields("Ключ API отозван", _pairs(token))), json_data=as_json(token))
