"""`omk db`: bring the schema to the head revision, or tell where it is."""

from __future__ import annotations

import typer

from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context, *, json_out: JsonFlag = False) -> None:
    """Apply every pending migration (to head). Safe to run again."""
    from omk_adapters.sql.migrate import current, head
    from omk_adapters.sql.migrate import upgrade as run_upgrade

    services = state(ctx).services(schema=False)
    before = current(services.engine)
    run_upgrade(services.engine)
    after = current(services.engine)
    data = {"before": before, "current": after, "head": head(), "changed": before != after}
    show(json_out, data, lambda c: c.print(
        f"Схема обновлена: {before or 'пусто'} → {after} / schema upgraded" if before != after
        else f"Схема уже в актуальной версии {after} / schema already at head"))


@app.command("current")
def current_revision(ctx: typer.Context, *, json_out: JsonFlag = False) -> None:
    """Show the schema revision of the database and the head this omk expects."""
    from omk_adapters.sql.migrate import current, head

    services = state(ctx).services(schema=False)
    revision, expected = current(services.engine), head()
    data = {"current": revision, "head": expected, "up_to_date": revision == expected}
    show(json_out, data, lambda c: c.print(fields("База данных / database", [
        ("Версия схемы", revision or "нет (выполните `omk db upgrade`)"),
        ("Нужна", expected),
        ("Актуальна", "да" if revision == expected else "нет"),
    ])))
