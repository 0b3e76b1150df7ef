"""`omk demo`: seed a realistic demo through the use cases (migrates the database itself)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from omk_cli.context import state
from omk_cli.output import JsonFlag, show, table, when
from omk_domain.auctions.values import AuctionStatus
from omk_domain.identity.model import Role


def demo(ctx: typer.Context, *,
         reset: Annotated[bool, typer.Option("--reset", help="Wipe the database (every table) and seed anew. "
                                                            "Refused when it holds non-demo data.")] = False,
         force: Annotated[bool, typer.Option("--force", help="With --reset: wipe even non-demo data.")] = False,
         json_out: JsonFlag = False) -> None:
    """Seed 5 organisations, users and 7 pipe auctions in every state (draft … cancelled).

    Runs again without changes when the demo is there (prints its summary); --reset starts over.
    """
    from omk_adapters.demo import seed_demo

    st = state(ctx)
    summary = seed_demo(lambda clock: st.build(clock=clock, migrate=True), reset=reset, force=force)

    def human(c: Console) -> None:
        if summary.created:
            c.print("Демо-данные созданы" + (" заново (база очищена)." if summary.reset else "."))
        else:
            c.print("Демо-данные уже есть — ничего не изменено (начать заново: omk demo --reset).")
        c.print(table("Организации", ["Название", "ИНН", "Id"],
                      ((o["name"], o["inn"], o["id"]) for o in summary.organizations)))
        c.print(table("Аукционы", ["Номер", "Название", "Статус", "Начало", "Окончание", "Лотов"],
                      ((a.number, a.title, AuctionStatus(a.status).label_ru, when(a.starts_at), when(a.ends_at),
                        a.lot_count) for a in summary.auctions), right=["Лотов"]))
        names = {o["id"]: o["name"] for o in summary.organizations}
        c.print(table("Пользователи", ["Email", "Имя", "Роль", "Организация"],
                      ((u["email"], u["name"], Role(u["role"]).label_ru,
                        names.get(u["organization_id"], u["organization_id"]) if u["organization_id"] else "ОМК")
                       for u in summary.users)))
        c.print(f"Пароль всех демо-пользователей: {summary.demo_password} "
                "(код для входа — в папке outbox/ каталога данных)", markup=False)
        c.print(f"Пример файла лотов: {summary.sample_file}", markup=False)
        c.print("Что попробовать дальше:")
        for line in summary.try_next:
            c.print(f"  {line}", markup=False)

    show(json_out, summary, human)
