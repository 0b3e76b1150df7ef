"""`omk audit`: read the audit log — who did what, when and from where."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from omk_adapters.files.moscow import format_moscow
from omk_cli import parsing
from omk_cli.context import state
from omk_cli.output import JsonFlag, show, table
from omk_domain.app.identity import ListAudit
from omk_domain.ports import AuditFilter

app = typer.Typer(help="The audit log of security-relevant actions (organisations so far).", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, *,
          action: Annotated[str | None, typer.Option(
              "--action", help="An action or a prefix of it: «organization» finds organization.approved, …")] = None,
          org: Annotated[str | None, typer.Option("--org", help="Entries about this organisation (id or ИНН).")]
          = None,
          actor: Annotated[str | None, typer.Option("--actor", help="Who acted: a user id or email, or «cli».")]
          = None,
          since: Annotated[str | None, typer.Option("--since", help="At or after (ISO 8601; Moscow time "
                                                                    "when no offset).")] = None,
          until: Annotated[str | None, typer.Option("--until", help="Before (ISO 8601).")] = None,
          limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
          offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
          json_out: JsonFlag = False) -> None:
    """List audit entries, newest first."""
    st = state(ctx)
    flt = AuditFilter(action=action, organization_id=parsing.organization_id(st, org) if org else None,
                      actor_user_id=parsing.actor_id(st, actor) if actor else None,
                      since=parsing.moment(since), until=parsing.moment(until), limit=limit, offset=offset)
    found = st.handle(ListAudit(filter=flt))
    show(json_out, found, lambda c: c.print(table(
        f"Записи журнала аудита: {len(found)}",
        ["Время", "Действие", "Кто", "Откуда", "Объект", "Id объекта", "Подробности"],
        ((format_moscow(e.at, seconds=True), e.action, e.actor_user_id, e.source, e.target_type, e.target_id,
          json.dumps(e.detail, ensure_ascii=False, sort_keys=True)) for e in found))))
