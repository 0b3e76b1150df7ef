"""Rendering: one JSON document on stdout for scripts, rich tables for people, errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from omk_adapters.files.moscow import format_moscow
from omk_cli.errors import Failure
from omk_domain.shared.messages import to_jsonable
from omk_domain.shared.money import Money

JSON_KEY = "omk.json"


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    # ctx.meta is shared by every context of the invocation: the root's error handler reads it
    if value:
        ctx.meta[JSON_KEY] = True
    return value


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout (for scripts).",
                                        callback=_remember_json)]


def wants_json(ctx: typer.Context) -> bool:
    return bool(ctx.meta.get(JSON_KEY))


def console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    wide = None if stream.isatty() else 160  # piped output: do not squeeze tables into 80 columns
    return Console(file=stream, width=wide, highlight=False, soft_wrap=False)


def emit_json(data: Any) -> None:
    """Write `data` as one JSON document: Decimals as strings, times as ISO 8601 UTC."""
    typer.echo(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))


def show(as_json: bool, data: Any, human: Callable[[Console], None], *, json_data: Any = None) -> None:
    """JSON for scripts (`json_data` when the document differs from `data`), else the human view."""
    if as_json:
        emit_json(data if json_data is None else json_data)
    else:
        human(console())


def note(text: str) -> None:
    """A line for people on stderr (never mixed into stdout's JSON)."""
    console(stderr=True).print(text)


def money(value: Decimal | None) -> str:
    return Money(value).format_ru().replace("\u00a0", " ") if value is not None else "—"


def percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:+.2f}".replace(".", ",")


def when(moment: datetime | None) -> str:
    return format_moscow(moment)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          right: Sequence[str] = ()) -> Table:
    grid = Table(title=title, title_justify="left", show_lines=False)
    for name in columns:
        # ids are copied into the next command: never fold them
        grid.add_column(name, justify="right" if name in right else "left", overflow="fold",
                        no_wrap=name.startswith("Id") or name == "ИНН")
    for row in rows:
        grid.add_row(*("—" if cell is None else str(cell) for cell in row))
    return grid


def fields(title: str, pairs: Iterable[tuple[str, Any]]) -> Table:
    grid = Table(title=title, title_justify="left", show_header=False)
    grid.add_column("", style="bold")
    grid.add_column("")
    for name, value in pairs:
        grid.add_row(name, "—" if value is None or value == "" else str(value))
    return grid


def report_failure(ctx: typer.Context, failure: Failure, exc: BaseException) -> None:
    """The error for people on stderr; with --json also the error document on stdout."""
    if wants_json(ctx):
        emit_json({"ok": False, "exit_code": int(failure.exit_code), "error": failure.body})
    err = console(stderr=True)
    context = failure.body.get("context") or {}
    where = f" ({', '.join(f'{k}={v}' for k, v in context.items())})" if context else ""
    err.print(f"Ошибка / error [{failure.code}]: {failure.message}{where}", markup=False)
    row_errors = getattr(exc, "errors", None)
    if row_errors:
        err.print(table(f"Ошибки в файле ({len(row_errors)}); ни один лот не загружен:",
                        ["Строка", "Колонка", "Причина"],
                        ((e.row, e.column, e.reason) for e in row_errors), right=["Строка"]))
