"""`omk users`: create users (minimal until the identity issue completes them)."""

from __future__ import annotations

from typing import Annotated

import typer

from omk_cli import parsing
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show
from omk_domain.app.identity import RegisterUser
from omk_domain.identity.model import Role

app = typer.Typer(help="Users: OMK staff and client users.", no_args_is_help=True)


@app.command("create")
def create(ctx: typer.Context, *,
           email: Annotated[str, typer.Option("--email")],
           name: Annotated[str, typer.Option("--name", help="Full name.")],
           role: Annotated[Role, typer.Option("--role", parser=parsing.role, metavar="ROLE",
                                              help="A staff role (auction_organiser, also «organiser», system_admin, "
                                                   "account_manager, support) or a client role.")],
           org: Annotated[str | None, typer.Option("--org", help="Organisation id or ИНН (not for organisers).")]
           = None,
           json_out: JsonFlag = False) -> None:
    """Create a user; a client user belongs to an organisation (as a member with the role), staff to none."""
    st = state(ctx)
    organization_id = parsing.organization_id(st, org) if org else None
    user = st.handle(RegisterUser(email=email, full_name=name, role=role, organization_id=organization_id))
    show(json_out, user, lambda c: c.print(fields("Пользователь создан", [
        ("Id", user.id), ("Email", user.email), ("Имя", user.full_name), ("Роль", user.role.value),
        ("Организация", user.organization_id)])))
