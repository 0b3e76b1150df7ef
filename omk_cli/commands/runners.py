"""`omk scheduler` and `omk worker`: the long-running processes, stopping cleanly on Ctrl-C/SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any

import attrs
import structlog
import typer
from rich.console import Console

from omk_cli.context import state
from omk_cli.output import JsonFlag, fields, show, table, when
from omk_domain.app.scheduler import Housekeeping, TickReport, run_due_transitions

log = structlog.get_logger("omk.scheduler")


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop` (the current tick finishes first); a second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def on_signal(signum: int, frame: Any) -> None:
        log.info("stop requested", signal=signal.Signals(signum).name)
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def tick_document(report: TickReport, relayed: int) -> dict[str, Any]:
    return {
        "transitions": [{"kind": t.kind, "auction_id": t.auction_id, "lot_id": t.lot_id, "due_at": t.due_at,
                         "done_at": t.done_at, "lateness_seconds": round(t.lateness_seconds, 3)}
                        for t in report.transitions],
        "count": len(report.transitions),
        "max_lateness_seconds": round(report.max_lateness_seconds, 3),
        "relayed": relayed,
    }


def scheduler(ctx: typer.Context, *,
              once: Annotated[bool, typer.Option("--once", help="Run one tick and exit.")] = False,
              interval: Annotated[float | None, typer.Option(
                  "--interval", metavar="S", min=0.01,
                  help="Seconds between ticks (default OMK_SCHEDULER_INTERVAL, 1 s).")] = None,
              json_out: JsonFlag = False) -> None:
    """Start auctions and close lots on time (each exactly once), logging every transition's lateness."""
    services = state(ctx).services()
    pause = interval or services.settings.scheduler_interval
    stop = threading.Event()
    ticks = transitions = 0
    last: dict[str, Any] = {}
    housekeeping = Housekeeping(services.uow_factory, services.clock)
    log.info("scheduler started", interval_s=pause, once=once)
    with stop_on_signals(stop):
        while True:
            started = time.monotonic()
            try:
                report = run_due_transitions(services.uow_factory, services.clock)
                if purged := housekeeping.tick():
                    log.info("unverified registrations purged", count=purged)
            except Exception as exc:
                if once:
                    raise
                # a database blip must not kill the daemon: log, wait, try again
                log.error("scheduler tick failed", error=f"{type(exc).__name__}: {exc}")
                if stop.wait(max(pause, 1.0)):
                    break
                continue
            for t in report.transitions:
                log.info("transition", kind=t.kind, auction_id=t.auction_id, lot_id=t.lot_id,
                         due_at=t.due_at.isoformat(), done_at=t.done_at.isoformat(),
                         lateness_s=round(t.lateness_seconds, 3))
            relayed = services.relay.pump_safely()
            ticks += 1
            transitions += len(report.transitions)
            last = tick_document(report, relayed)
            if once or stop.is_set():
                break
            if stop.wait(max(0.0, pause - (time.monotonic() - started))):
                break
    log.info("scheduler stopped", ticks=ticks, transitions=transitions)
    if once:
        show(json_out, last, lambda c: _render_tick(c, last))
    else:
        summary = {"ticks": ticks, "transitions": transitions}
        show(json_out, summary, lambda c: c.print(f"Планировщик остановлен: тактов {ticks}, переходов {transitions}."))


def _render_tick(c: Console, doc: dict[str, Any]) -> None:
    c.print(table(f"Переходов: {doc['count']}, наибольшее опоздание {doc['max_lateness_seconds']} с",
                  ["Переход", "Аукцион", "Лот", "Срок", "Выполнен", "Опоздание, с"],
                  ((t["kind"], t["auction_id"], t["lot_id"], when(t["due_at"]), when(t["done_at"]),
                    t["lateness_seconds"]) for t in doc["transitions"]), right=["Опоздание, с"]))


def worker(ctx: typer.Context, *,
           once: Annotated[bool, typer.Option("--once", help="Run one round and exit.")] = False,
           json_out: JsonFlag = False) -> None:
    """Relay the outbox to the broker and keep the lot-activity projection from the events."""
    from omk_adapters.messaging.worker import run_worker

    services = state(ctx).services()
    stop = threading.Event()
    with stop_on_signals(stop):
        report = run_worker(services, once=once, stop=stop)
    data = attrs.asdict(report) | {"consumed": report.consumed}
    show(json_out, data, lambda c: c.print(fields("Обработчик остановлен", [
        ("Отправлено из outbox", report.relayed), ("Обработано событий", report.handled),
        ("Повторы", report.duplicates), ("Ошибки", report.failed), ("Сбои брокера", report.broker_errors),
        ("Раундов", report.rounds)])))
