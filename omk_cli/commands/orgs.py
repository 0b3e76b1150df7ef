"""`omk orgs`: register and list client organisations."""

from __future__ import annotations

from typing import Annotated

import typer

from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.identity import ListOrganizations, RegisterOrganization

app = typer.Typer(help="Client organisations (ИНН/КПП checked by checksum).", no_args_is_help=True)


@app.command("create")
def create(ctx: typer.Context, *,
           name: Annotated[str, typer.Option("--name", help="Name, e.g. «ООО Ромашка».")],
           inn: Annotated[str, typer.Option("--inn", help="ИНН: 10 digits (legal entity) or 12 (sole trader).")],
           kpp: Annotated[str | None, typer.Option("--kpp", help="КПП (legal entities only).")] = None,
           json_out: JsonFlag = False) -> None:
    """Register an organisation."""
    org = state(ctx).handle(RegisterOrganization(name=name, inn=inn, kpp=kpp))
    show(json_out, org, lambda c: c.print(fields("Организация зарегистрирована", [
        ("Id", org.id), ("Название", org.name), ("ИНН", org.inn), ("КПП", org.kpp)])))


@app.command("list")
def list_(ctx: typer.Context, *, json_out: JsonFlag = False) -> None:
    """List organisations."""
    found = state(ctx).handle(ListOrganizations())
    show(json_out, found, lambda c: c.print(table(
        f"Организации: {len(found)}", ["Id", "Название", "ИНН", "КПП", "Зарегистрирована"],
        ((o.id, o.name, o.inn, o.kpp, when(o.created_at)) for o in found))))
