"""`omk journal verify`: check every lot's tamper-evident hash chain."""

from __future__ import annotations

import typer
from rich.console import Console

from omk_cli import parsing
from omk_cli.commands.auctions import AuctionRef
from omk_cli.context import state
from omk_cli.errors import ExitCode
from omk_cli.output import JsonFlag, note, show, table
from omk_domain.app.auctions import JournalReport, VerifyJournal

app = typer.Typer(help="The tamper-evident journal of bids, offers and closes.", no_args_is_help=True)


@app.command("verify")
def verify(ctx: typer.Context, *, auction: AuctionRef, json_out: JsonFlag = False) -> None:
    """Verify every lot's chain. Exit code 5 and the first broken entry of each lot when broken."""
    st = state(ctx)
    report: JournalReport = st.handle(VerifyJournal(auction_id=parsing.auction_id(st, auction)))
    data = {"auction_id": report.auction_id, "ok": report.ok,
            "lots": [{"lot_id": v.lot_id, "ok": v.ok, "entries": v.entries,
                      "first_broken_seq": v.first_broken_seq, "reason": v.reason} for v in report.lots]}

    def human(c: Console) -> None:
        c.print(table("Журнал " + ("в порядке" if report.ok else "НАРУШЕН"),
                      ["Лот", "Записей", "Цепочка", "Первая испорченная запись", "Причина"],
                      ((v.lot_id, v.entries, "в порядке" if v.ok else "нарушена", v.first_broken_seq, v.reason)
                       for v in report.lots), right=["Записей"]))

    show(json_out, data, human)
    if not report.ok:
        for v in report.lots:
            if not v.ok:
                note(f"Журнал лота {v.lot_id} нарушен с записи № {v.first_broken_seq}: {v.reason} / "
                     f"journal broken at entry {v.first_broken_seq}")
        raise typer.Exit(int(ExitCode.CONFLICT))
