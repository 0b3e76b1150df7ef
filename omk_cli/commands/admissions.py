"""`omk admissions`: admit organisations to an auction, revoke, list (with their aliases)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from omk_cli import parsing
from omk_cli.commands.auctions import AuctionRef
from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.auctions import AdmitOrganization, ListAdmissions, RevokeAdmission
from omk_domain.app.identity import ListOrganizations

app = typer.Typer(help="Admission of organisations to an auction (допуск к торгам).", no_args_is_help=True)

OrgRef = Annotated[str, typer.Argument(metavar="ORG", help="Organisation id or ИНН.")]


@app.command("add")
def add(ctx: typer.Context, *, auction: AuctionRef, org: OrgRef, json_out: JsonFlag = False) -> None:
    """Admit an organisation (again, if it was revoked; it keeps its alias)."""
    st = state(ctx)
    line = st.handle(AdmitOrganization(auction_id=parsing.auction_id(st, auction),
                                       organization_id=parsing.organization_id(st, org)))
    show(json_out, line, lambda c: c.print(fields("Организация допущена к торгам", [
        ("Организация", line.organization_id), ("Псевдоним", line.alias), ("Допущена", when(line.admitted_at))])))


@app.command("remove")
def remove(ctx: typer.Context, *, auction: AuctionRef, org: OrgRef, json_out: JsonFlag = False) -> None:
    """Revoke an organisation's admission."""
    st = state(ctx)
    auction_id, organization_id = parsing.auction_id(st, auction), parsing.organization_id(st, org)
    st.handle(RevokeAdmission(auction_id=auction_id, organization_id=organization_id))
    data = {"auction_id": auction_id, "organization_id": organization_id, "active": False}
    show(json_out, data, lambda c: c.print(f"Допуск организации {organization_id} отозван.", markup=False))


@app.command("list")
def list_(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """List the organisations admitted to an auction, with their aliases."""
    st = state(ctx)
    lines = st.handle(ListAdmissions(auction_id=parsing.auction_id(st, auction)))

    def human(c: Console) -> None:
        orgs = {o.id: o for o in st.handle(ListOrganizations())}
        c.print(table(f"Допущено: {sum(line.active for line in lines)}",
                      ["Псевдоним", "Организация", "ИНН", "Id", "Допуск", "С"],
                      ((line.alias, orgs[line.organization_id].name if line.organization_id in orgs else None,
                        orgs[line.organization_id].inn if line.organization_id in orgs else None,
                        line.organization_id, "действует" if line.active else "отозван", when(line.admitted_at))
                       for line in lines)))

    show(json_out, lines, human)
