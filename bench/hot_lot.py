"""Bids through the use case on one hot lot with N concurrent bidders.

Run: python -m bench.hot_lot --database sqlite|postgres [--bidders 32] [--processes 1] [--seconds 10]

On PostgreSQL it then runs the same transaction as raw SQL under `pgbench` (bench/pgbench_hot_lot.sql)
on the same server, lot and number of clients, and prints the ratio of the two — the figure we track.

Each bidder is a thread acting for its own organisation; together they raise the price as fast
as the lot accepts (see `run`). Prints accepted bids per second and the p50/p99 latency of every attempt
(accepted and rejected), measured around `bus.handle(PlaceBid(...))`, i.e. one whole
transaction: lock the lot, load it, apply the rules, write bid + journal + outbox, commit.
The outbox relay is left to a worker (as in production), not run after each bid.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import platform
import re
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog

from omk_adapters.bootstrap import Services, bootstrap
from omk_adapters.memory.clock import SystemClock
from omk_adapters.settings import Settings
from omk_domain.app import auctions as uc
from omk_domain.app import identity as idc
from omk_domain.app.lot_import import parse_rows
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.errors import BidBelowStep, LeaderCannotOutbidItself
from omk_domain.auctions.values import AuctionFormat, SoftClose
from omk_domain.identity.model import Actor, Role
from omk_domain.shared.money import Money

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STAFF = Actor(user_id="bench", role=Role.ORGANISER)


def valid_inn(seed: int) -> str:
    """A 10-digit INN with a correct checksum, derived from `seed`."""
    digits = [int(c) for c in f"{7700000000 + seed * 7919:010d}"[:9]]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return "".join(map(str, digits)) + str(sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def prepare(services: Services, bidders: int) -> tuple[str, list[Actor]]:
    """An auction running now with one lot and `bidders` admitted organisations."""
    bus, now = services.bus, datetime.now(UTC)
    auction = bus.handle(uc.CreateAuction(
        number=f"BENCH-{uuid.uuid4().hex[:6]}", title="Горячий лот", format=AuctionFormat.MIXED,
        starts_at=now + timedelta(seconds=2), ends_at=now + timedelta(hours=2),
        soft_close=SoftClose(window=timedelta(minutes=5), extension=timedelta(minutes=5))), STAFF)
    header = ["number", "title", "product_type", "quantity", "unit", "start_price", "bid_step"]
    (lot,) = bus.handle(uc.AddLots(auction_id=auction.id, drafts=tuple(parse_rows(
        header, [["1", "Труба 530×8 мм, ст. 17Г1С", "труба", "100", "т", "85000", "100"]]))), STAFF)
    actors = []
    for i in range(bidders):
        org = bus.handle(idc.RegisterOrganization(name=f"ООО Участник {i}", inn=valid_inn(i + 1)), STAFF)
        bus.handle(uc.AdmitOrganization(auction_id=auction.id, organization_id=org.id), STAFF)
        actors.append(Actor(user_id=f"u{i}", role=Role.BIDDER, organization_id=org.id))
    bus.handle(uc.PublishAuction(auction_id=auction.id), STAFF)
    time.sleep(2.1)
    run_due_transitions(services.uow_factory, services.clock)
    return lot.lot_id, actors


def _bid_in_threads(services: Services, lot_id: str, actors: list[Actor], seconds: float,
                    next_ticket: Callable[[], int]) -> dict[str, Any]:
    """Each actor in its own thread bids ticket after ticket until the time is up."""
    guard = threading.Lock()
    latencies: list[float] = []
    accepted = [0]
    errors: list[str] = []
    start = threading.Barrier(len(actors))
    stop_at = [0.0]

    def bidder(actor: Actor) -> None:
        if start.wait() == 0:
            stop_at[0] = time.monotonic() + seconds
        start.wait()
        mine: list[float] = []
        ok = 0
        while time.monotonic() < stop_at[0]:
            amount = Decimal("85000") + Decimal("100") * next_ticket()
            began = time.perf_counter()
            try:
                services.bus.handle(uc.PlaceBid(lot_id=lot_id, amount=Money(amount)), actor)
                ok += 1
            except (BidBelowStep, LeaderCannotOutbidItself):
                pass
            except Exception as exc:  # anything else is a finding, not noise
                errors.append(f"{type(exc).__name__}: {exc}")
            mine.append(time.perf_counter() - began)
        with guard:
            latencies.extend(mine)
            accepted[0] += ok

    threads = [threading.Thread(target=bidder, args=(a,)) for a in actors]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"latencies": latencies, "accepted": accepted[0], "errors": errors}


def _process(url: str, data_dir: str, lot_id: str, actors: list[Actor], seconds: float,  # noqa: PLR0917
             counter: Any, ready: Any, results: Any) -> None:
    """One bidding process: its own services (engine, pool, cache), like one web worker."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    services = bootstrap(Settings.load({"OMK_DATABASE_URL": url, "OMK_DATA_DIR": data_dir}),
                         clock=SystemClock(), relay_after_commit=False)

    def next_ticket() -> int:
        with counter.get_lock():
            counter.value += 1
            return int(counter.value)

    try:
        ready.wait()
        results.put(_bid_in_threads(services, lot_id, actors, seconds, next_ticket))
    finally:
        services.close()


def run(url: str, data_dir: str, lot_id: str, actors: list[Actor], *, seconds: float,
        processes: int) -> dict[str, float]:
    """Bidders take increasing tickets (amount = start + step × ticket) and bid them at once.

    A ticket overtaken by a higher one that reached the lot first is rejected (below the step),
    as is one whose bidder leads already; every other attempt is accepted. The bidders are
    spread over `processes` processes, each with its own services, as behind several web workers.
    """
    ctx = multiprocessing.get_context("spawn")
    counter, ready, results = ctx.Value("q", 0), ctx.Barrier(processes + 1), ctx.Queue()
    groups = [actors[i::processes] for i in range(processes)]
    workers = [ctx.Process(target=_process, args=(url, data_dir, lot_id, group, seconds, counter, ready, results))
               for group in groups]
    for w in workers:
        w.start()
    ready.wait()
    began = time.perf_counter()
    parts = [results.get(timeout=seconds + 120) for _ in workers]
    elapsed = time.perf_counter() - began
    for w in workers:
        w.join()
    latencies = [x for part in parts for x in part["latencies"]]
    accepted = sum(part["accepted"] for part in parts)
    errors = [e for part in parts for e in part["errors"]]
    q = statistics.quantiles(latencies, n=100)
    if errors:
        print(f"UNEXPECTED ERRORS ({len(errors)}): {errors[:3]}")
    return {"accepted_per_s": accepted / elapsed, "attempts_per_s": len(latencies) / elapsed,
            "accepted": accepted, "attempts": len(latencies),
            "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def pgbench(url: str, services: Services, lot_id: str, clients: int, seconds: float) -> float:
    """Transactions per second of the raw-SQL bid transaction under pgbench."""
    with services.uow_factory() as uow:
        auction = uow.auctions.of_lot(lot_id)
        org = next(iter(auction.admissions))
    dbname = url.rsplit("/", 1)[1]
    script = Path(__file__).with_name("pgbench_hot_lot.sql")
    out = subprocess.run(
        ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-M", "prepared", "-c", str(clients),
         "-j", "2", "-T", str(int(seconds)), "-f", str(script), "-D", f"lot={lot_id}",
         "-D", f"auction={auction.id}", "-D", f"org={org}", dbname],
        capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{out.stderr[-2000:]}")
    out = out.stdout
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    tps = re.search(r"tps = ([0-9.]+)", out)
    if tps is None:
        raise RuntimeError(f"pgbench printed no tps:\n{out}")
    print(f"pgbench raw SQL: {float(tps.group(1)):.0f} transactions/s"
          + (f", average latency {latency.group(1)} ms" if latency else ""))
    return float(tps.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--bidders", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=1,
                        help="spread the bidders over this many processes (like web workers)")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    tmp = Path(tempfile.mkdtemp(prefix="omk-bench-"))
    dbname = f"omk_bench_{uuid.uuid4().hex[:8]}"
    admin = None
    if args.database == "postgres":
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{dbname}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    services = bootstrap(Settings.load({"OMK_DATABASE_URL": url, "OMK_DATA_DIR": str(tmp)}),
                         clock=SystemClock(), migrate=True, relay_after_commit=False)
    try:
        lot_id, actors = prepare(services, args.bidders)
        figures = run(url, str(tmp), lot_id, actors, seconds=args.seconds, processes=args.processes)
        raw = pgbench(url, services, lot_id, args.bidders, args.seconds) if admin is not None else None
    finally:
        services.close()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"database: {args.database}, bidders: {args.bidders}, processes: {args.processes}, "
          f"seconds: {args.seconds}")
    print(f"accepted bids/s: {figures['accepted_per_s']:.0f}  ({figures['accepted']:.0f} accepted "
          f"of {figures['attempts']:.0f} attempts, {figures['attempts_per_s']:.0f} attempts/s)")
    print(f"latency per attempt: p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms")
    if raw:
        print(f"use case / raw SQL: {figures['attempts_per_s'] / raw:.2f} "
              f"(bid transactions/s through the use case ÷ pgbench transactions/s)")


if __name__ == "__main__":
    main()
