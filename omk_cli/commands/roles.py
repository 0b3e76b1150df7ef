"""`omk roles`: client roles of users in organisations — grant, revoke, list. Every change is audited."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from omk_cli import parsing
from omk_cli.context import SOURCE, state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.identity import GrantRole, ListRoles, RevokeRole
from omk_domain.identity.model import Membership, Role

app = typer.Typer(help="Client roles per organisation: administrator, finance, buyer, bidder, logistics, viewer.",
                  no_args_is_help=True)

UserRef = Annotated[str, typer.Argument(help="User id or email.", show_default=False)]
OrgRef = Annotated[str, typer.Argument(help="Organisation id or ИНН.", show_default=False)]
RolesArg = Annotated[list[Role], typer.Argument(parser=parsing.role, metavar="ROLE…",
                                                help="One or more client roles.", show_default=False)]


def as_json(ms: Membership) -> dict[str, Any]:
    return {"user_id": ms.user_id, "organization_id": ms.organization_id,
            "roles": sorted(r.value for r in ms.roles), "created_at": ms.created_at.isoformat()}


def _show(json_out: bool, title: str, ms: Membership) -> None:
    show(json_out, ms, lambda c: c.print(fields(title, [
        ("Пользователь", ms.user_id), ("Организация", ms.organization_id),
        ("Роли", ", ".join(sorted(r.label_ru for r in ms.roles)))])), json_data=as_json(ms))


@app.command("grant")
def grant(ctx: typer.Context, user: UserRef, org: OrgRef, roles: RolesArg, json_out: JsonFlag = False) -> None:
    """Give the user client roles in the organisation (a membership begins with the first grant)."""
    st = state(ctx)
    ms = st.handle(GrantRole(user_id=parsing.user_id(st, user), organization_id=parsing.organization_id(st, org),
                             roles=frozenset(roles), source=SOURCE))
    _show(json_out, "Роли выданы", ms)


@app.command("revoke")
def revoke(ctx: typer.Context, user: UserRef, org: OrgRef, roles: RolesArg, json_out: JsonFlag = False) -> None:
    """Take client roles back; the last administrator of an organisation stays (exit code 5)."""
    st = state(ctx)
    ms = st.handle(RevokeRole(user_id=parsing.user_id(st, user), organization_id=parsing.organization_id(st, org),
                              roles=frozenset(roles), source=SOURCE))
    _show(json_out, "Роли отозваны", ms)


@app.command("list")
def list_(ctx: typer.Context, *,
          user: Annotated[str | None, typer.Option("--user", help="User id or email.")] = None,
          org: Annotated[str | None, typer.Option("--org", help="Organisation id or ИНН.")] = None,
          json_out: JsonFlag = False) -> None:
    """Memberships of a user, or of an organisation's members (one of --user/--org at least)."""
    st = state(ctx)
    found: list[Membership] = st.handle(ListRoles(
        user_id=parsing.user_id(st, user) if user else None,
        organization_id=parsing.organization_id(st, org) if org else None))
    show(json_out, found, lambda c: c.print(table("Роли", ["Пользователь", "Организация", "Роли", "С"], [
        (ms.user_id, ms.organization_id, ", ".join(sorted(r.value for r in ms.roles)), when(ms.created_at))
        for ms in found])), json_data=[as_json(ms) for ms in found])
