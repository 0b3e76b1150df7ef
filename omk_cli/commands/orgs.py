"""`omk orgs`: client organisations — register, approve, block, unblock, edit, show, list.

Every change is written to the audit log with source "cli" (see `omk audit list`).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer

from omk_cli import parsing
from omk_cli.context import SOURCE, state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.identity import (
    ApproveOrganization,
    BlockOrganization,
    EditOrganization,
    ListOrganizations,
    RegisterOrganization,
    ShowOrganization,
    UnblockOrganization,
)
from omk_domain.identity.model import Organization, OrganizationStatus
from omk_domain.ports import OrganizationFilter
from omk_domain.shared.messages import to_jsonable

app = typer.Typer(help="Client organisations (ИНН/КПП/ОГРН/ОГРНИП checked by checksum); every change is audited.",
                  no_args_is_help=True)

OrgRef = Annotated[str, typer.Argument(help="Organisation id or ИНН.", show_default=False)]
KppOpt = Annotated[str | None, typer.Option("--kpp", help="КПП (legal entities only).")]
OgrnOpt = Annotated[str | None, typer.Option("--ogrn", help="ОГРН, 13 digits (legal entities).")]
OgrnipOpt = Annotated[str | None, typer.Option("--ogrnip", help="ОГРНИП, 15 digits (sole proprietors).")]
SapOpt = Annotated[str | None, typer.Option("--sap", help="SAP customer number (KUNNR), up to 10 digits.")]
ManagerOpt = Annotated[str | None, typer.Option("--manager", help="The responsible OMK manager: user id or email.")]


class Clearable(enum.Enum):
    """Details `omk orgs edit --clear` may remove, by their option names."""

    KPP = "kpp"
    OGRN = "ogrn"
    OGRNIP = "ogrnip"
    SAP = "sap"
    MANAGER = "manager"


_CLEAR_FIELD = {Clearable.KPP: "kpp", Clearable.OGRN: "ogrn", Clearable.OGRNIP: "ogrnip",
                Clearable.SAP: "sap_customer_no", Clearable.MANAGER: "manager_user_id"}


def as_json(org: Organization) -> dict[str, Any]:
    """The organisation for scripts: every stored field plus its kind (derived from the INN)."""
    return {**to_jsonable(org), "kind": org.kind.value}


def _render(title: str, org: Organization) -> Any:
    return fields(title, [
        ("Id", org.id), ("Название", org.name), ("ИНН", org.inn), ("Вид", org.kind.label_ru), ("КПП", org.kpp),
        ("ОГРН", org.ogrn), ("ОГРНИП", org.ogrnip), ("Номер клиента SAP", org.sap_customer_no),
        ("Ответственный менеджер", org.manager_user_id), ("Статус", org.status.label_ru),
        ("Причина блокировки", org.block_reason), ("Зарегистрирована", when(org.created_at)),
        ("Одобрена", when(org.approved_at) if org.approved_at else None),
        ("Заблокирована", when(org.blocked_at) if org.blocked_at else None)])


def _show(json_out: bool, title: str, org: Organization) -> None:
    show(json_out, org, lambda c: c.print(_render(title, org)), json_data=as_json(org))


@app.command("create")
def create(ctx: typer.Context, *,
           name: Annotated[str, typer.Option("--name", help="Name, e.g. «ООО Ромашка».")],
           inn: Annotated[str, typer.Option("--inn", help="ИНН: 10 digits (legal entity) or 12 (sole trader).")],
           kpp: KppOpt = None, ogrn: OgrnOpt = None, ogrnip: OgrnipOpt = None, sap: SapOpt = None,
           manager: ManagerOpt = None,
           application: Annotated[bool, typer.Option(
               "--application", help="Register as an application (status applied) that staff approve later.")]
           = False,
           json_out: JsonFlag = False) -> None:
    """Register an organisation: active at once, or with --application awaiting approval."""
    st = state(ctx)
    manager_id = parsing.user_id(st, manager) if manager else None
    org = st.handle(RegisterOrganization(name=name, inn=inn, kpp=kpp, ogrn=ogrn, ogrnip=ogrnip,
                                         sap_customer_no=sap, manager_user_id=manager_id,
                                         as_application=application, source=SOURCE))
    _show(json_out, "Заявка организации принята" if application else "Организация зарегистрирована", org)


@app.command("approve")
def approve(ctx: typer.Context, org: OrgRef, *, json_out: JsonFlag = False) -> None:
    """Approve an organisation's application: it becomes active."""
    st = state(ctx)
    done = st.handle(ApproveOrganization(organization_id=parsing.organization_id(st, org), source=SOURCE))
    _show(json_out, "Организация одобрена", done)


@app.command("block")
def block(ctx: typer.Context, org: OrgRef, *,
          reason: Annotated[str, typer.Option("--reason", help="Why (kept with the organisation and audited).")],
          json_out: JsonFlag = False) -> None:
    """Block an active organisation: it can no longer bid or make offers."""
    st = state(ctx)
    done = st.handle(BlockOrganization(organization_id=parsing.organization_id(st, org), reason=reason,
                                       source=SOURCE))
    _show(json_out, "Организация заблокирована", done)


@app.command("unblock")
def unblock(ctx: typer.Context, org: OrgRef, *, json_out: JsonFlag = False) -> None:
    """Unblock a blocked organisation: it is active again."""
    st = state(ctx)
    done = st.handle(UnblockOrganization(organization_id=parsing.organization_id(st, org), source=SOURCE))
    _show(json_out, "Организация разблокирована", done)


@app.command("edit")
def edit(ctx: typer.Context, org: OrgRef, *,
         name: Annotated[str | None, typer.Option("--name")] = None,
         kpp: KppOpt = None, ogrn: OgrnOpt = None, ogrnip: OgrnipOpt = None, sap: SapOpt = None,
         manager: ManagerOpt = None,
         clear: Annotated[list[Clearable] | None, typer.Option(
             "--clear", case_sensitive=False, help="Remove a detail; repeat for several.")] = None,
         json_out: JsonFlag = False) -> None:
    """Change the given details; the ИНН never changes. Only what really changes is audited."""
    st = state(ctx)
    organization_id = parsing.organization_id(st, org)
    manager_id = parsing.user_id(st, manager) if manager else None
    done = st.handle(EditOrganization(organization_id=organization_id, name=name, kpp=kpp, ogrn=ogrn,
                                      ogrnip=ogrnip, sap_customer_no=sap, manager_user_id=manager_id,
                                      clear=frozenset(_CLEAR_FIELD[c] for c in clear or ()), source=SOURCE))
    _show(json_out, "Организация", done)


@app.command("show")
def show_(ctx: typer.Context, org: OrgRef, *, json_out: JsonFlag = False) -> None:
    """Everything about one organisation."""
    st = state(ctx)
    found = st.handle(ShowOrganization(organization_id=parsing.organization_id(st, org)))
    _show(json_out, "Организация", found)


@app.command("list")
def list_(ctx: typer.Context, *,
          status: Annotated[OrganizationStatus | None, typer.Option("--status", case_sensitive=False)] = None,
          search: Annotated[str | None, typer.Option("--search", help="Text in the name or the ИНН.")] = None,
          limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
          offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
          json_out: JsonFlag = False) -> None:
    """List organisations by name."""
    found = state(ctx).handle(ListOrganizations(filter=OrganizationFilter(
        status=status, text=search, limit=limit, offset=offset)))
    show(json_out, found, lambda c: c.print(table(
        f"Организации: {len(found)}", ["Id", "Название", "ИНН", "КПП", "Статус", "SAP", "Зарегистрирована"],
        ((o.id, o.name, o.inn, o.kpp, o.status.label_ru, o.sap_customer_no, when(o.created_at)) for o in found))),
        json_data=[as_json(o) for o in found])
