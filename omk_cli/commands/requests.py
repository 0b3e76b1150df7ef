"""`omk requests`: service requests of client organisations to OMK services — list and show, as OMK support."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.requests import ListRequests, RequestPage, RequestView, ShowRequest
from omk_domain.identity.model import Actor, Role
from omk_domain.requests.model import RequestStatus, Service

app = typer.Typer(help="Service requests of client organisations to OMK services (as OMK support).",
                  no_args_is_help=True)

#: requests are support's work: the CLI reads them as OMK support, who sees every organisation's
SUPPORT = Actor(user_id="cli", role=Role.SUPPORT)
SERVICES_HELP = ", ".join(s.value for s in Service)
STATUSES_HELP = ", ".join(s.value for s in RequestStatus)


def as_json(r: RequestView) -> dict[str, Any]:
    return {"id": r.id, "number": r.number, "organization_id": r.organization_id,
            "organization_name": r.organization_name, "service": r.service, "subject": r.subject, "text": r.text,
            "contact_phone": r.contact_phone, "status": r.status, "author_name": r.author_name,
            "author_email": r.author_email, "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(), "answer": r.answer,
            "answered_at": r.answered_at.isoformat() if r.answered_at else None}


@app.command("list")
def list_(ctx: typer.Context, *,
          service: Annotated[str | None, typer.Option("--service", help=f"Only this service: {SERVICES_HELP}.")] = None,
          status: Annotated[str | None, typer.Option("--status", help=f"Only this status: {STATUSES_HELP}.")] = None,
          limit: Annotated[int, typer.Option("--limit", help="How many (1…1000).")] = 50,
          offset: Annotated[int, typer.Option("--offset", help="How many to skip.")] = 0,
          json_out: JsonFlag = False) -> None:
    """Requests of every organisation, newest first ({"items", "total", "limit", "offset"} with --json)."""
    found: RequestPage = state(ctx).services().bus.handle(ListRequests(
        service=Service.parse(service) if service else None,
        status=RequestStatus.parse(status) if status else None, limit=limit, offset=offset), SUPPORT)
    show(json_out, found, lambda c: c.print(table(f"Обращения: {found.total}", [
        "Id", "Номер", "Отправлено", "Организация", "Служба", "Тема", "Статус"], [
        (r.id, r.number, when(r.created_at), r.organization_name, r.service_label, r.subject, r.status_label)
        for r in found.items])),
        json_data={"items": [as_json(r) for r in found.items], "total": found.total, "limit": found.limit,
                   "offset": found.offset})


@app.command("show")
def show_(ctx: typer.Context,
          request_id: Annotated[str, typer.Argument(help="The request's id (from `omk requests list`).",
                                                    show_default=False)],
          json_out: JsonFlag = False) -> None:
    """One request with its text and answer."""
    r: RequestView = state(ctx).services().bus.handle(ShowRequest(request_id=request_id), SUPPORT)
    show(json_out, r, lambda c: c.print(fields(f"Обращение № {r.number}", [
        ("Id", r.id), ("Организация", r.organization_name), ("Служба", r.service_label),
        ("Автор", f"{r.author_name} ({r.author_email})" if r.author_email else r.author_name),
        ("Телефон", r.contact_phone), ("Отправлено", when(r.created_at)), ("Статус", r.status_label),
        ("Тема", r.subject), ("Текст", r.text), ("Ответ", r.answer),
        ("Ответ дан", when(r.answered_at) if r.answered_at else None)])), json_data=as_json(r))
