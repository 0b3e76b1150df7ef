"""Server time of the lot page, the auction calendar and the lot API with 1,000 auctions and 50,000 lots.

Run: python -m bench.bench_pages [--database sqlite|postgres|both] [--auctions 1000] [--lots-per-auction 50]
     [--requests 50]

Seeding, fast and true to the schema: 20 template auctions (50 lots each) are made through the
use cases on a manual clock a year back, one every 18 days — most end in the past, one runs now
with 30 bids on its first lot, a few start in the coming weeks — the clock jumps to now and the
scheduler closes what is due; then each template is copied in SQL (INSERT … SELECT, every table keyed by auction or
lot: lots, admissions, journal, lot activity, bids, offers — not the search index) until there are `--auctions`
auctions (about 80 a month, as 1,000 a year would give). A client organisation is admitted to
every auction.

Timing: the real app (`create_app`) in-process through Litestar's test client, one request at a
time, as that client (an API token): the time from request to the last byte of the answer, i.e.
middleware, use case, database and template, without a network. Prints p50/p95 per page.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

POSTGRES_ADMIN = os.environ.get("OMK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
#: tables never copied: message plumbing and logs, not part of an auction; and the lot search index
#: (not read by the pages measured here; its engine-specific document ids cannot be copied generically)
SKIP = {"outbox", "audit_log", "inbox", "idempotency", "alembic_version"}
SKIP_PREFIXES = ("lot_search",)
#: columns holding ids of rows that are copied along (remapped the same way everywhere)
ID_COLUMNS = {"id", "auction_id", "lot_id", "result_source_id"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def seed_templates(services: Any, templates: int, lots: int, now: datetime) -> tuple[list[str], str, str, str]:
    """`templates` auctions of `lots` lots through the use cases; returns their ids, the hot lot,
    the client organisation's id and its API token."""
    from bench.hot_lot import STAFF, valid_inn
    from omk_adapters.memory.clock import ManualClock
    from omk_domain.app import auctions as uc
    from omk_domain.app import identity as idc
    from omk_domain.app.lot_import import LotDraft
    from omk_domain.app.scheduler import run_due_transitions
    from omk_domain.app.tokens import IssueToken
    from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
    from omk_domain.identity.model import Actor, Role
    from omk_domain.identity.policy import Permission
    from omk_domain.shared.money import Money, Quantity, Unit

    clock: ManualClock = services.clock
    bus = services.bus
    orgs = [bus.handle(idc.RegisterOrganization(name=f"ООО Трубный покупатель {i}", inn=valid_inn(9000 + i)), STAFF).id
            for i in range(3)]
    grades, standards = ("17Г1С", "09Г2С", "К52", "Ст20"), ("ГОСТ 20295-85", "ГОСТ 8732-78", "ТУ 1381-012")
    running = templates * 3 // 4  # three quarters in the past, one running now, the rest ahead
    ids: list[str] = []
    hot_lot = ""
    for j in range(templates):
        starts = now - timedelta(minutes=30) if j == running else now + timedelta(days=18 * (j - running) + 0.5)
        summary = bus.handle(uc.CreateAuction(
            number=f"T{j:03d}", title=f"Трубы стальные, партия {j}", format=AuctionFormat.MIXED,
            starts_at=starts, ends_at=starts + timedelta(hours=3), soft_close=SoftClose()), STAFF)
        drafts = tuple(LotDraft(
            row=i + 2, number=i + 1, title=f"Труба {530 + 10 * (i % 7)}x{8 + i % 5}, {grades[i % 4]}",
            product=ProductSpec(product_type="труба", diameter_mm=530.0 + 10 * (i % 7), wall_mm=8.0 + i % 5,
                                steel_grade=grades[i % 4], standard=standards[i % 3], warehouse="Выкса"),
            quantity=Quantity(Decimal(20 + i), Unit.TONNE), start_price=Money.rub(str(80000 + 500 * i)),
            bid_step=Money.rub("500"), floor_price=None) for i in range(lots))
        views = bus.handle(uc.AddLots(auction_id=summary.id, drafts=drafts), STAFF)
        for org in orgs:
            bus.handle(uc.AdmitOrganization(auction_id=summary.id, organization_id=org), STAFF)
        bus.handle(uc.PublishAuction(auction_id=summary.id), STAFF)
        ids.append(summary.id)
        if j == running:
            hot_lot = views[0].lot_id
    clock.set(now)
    while run_due_transitions(services.uow_factory, clock).transitions:
        pass
    bidders = [Actor(user_id=f"b{i}", role=Role.BIDDER, organization_id=org) for i, org in enumerate(orgs)]
    for k in range(30):  # a lively lot: 30 open bids from the three organisations
        clock.set(now + timedelta(seconds=k))
        bus.handle(uc.PlaceBid(lot_id=hot_lot, amount=Money.rub(str(80000 + 500 * (k + 1)))), bidders[k % 3])
    token = bus.handle(IssueToken(organization_id=orgs[0], name="bench", expires_at=now + timedelta(days=30),
                                  permissions=frozenset({Permission.AUCTION_VIEW, Permission.AUCTION_BID})), STAFF)
    return ids, hot_lot, orgs[0], str(token.token)


def clone(engine: sa.Engine, template_ids: list[str], copies: int) -> None:
    """Copy the template auctions `copies` times in SQL, ids remapped as substr(id, 1, 24) || suffix."""
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        lot_ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM lots WHERE auction_id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": template_ids})]
    plans: list[tuple[str, list[str], str]] = []
    for table, _ in inspector.get_sorted_table_and_fkc_names():  # parents first: foreign keys hold
        if table is None or table in SKIP or table.startswith(SKIP_PREFIXES):
            continue
        columns = [c["name"] for c in inspector.get_columns(table)]
        if table == "auctions":
            key = "id IN :auctions"
        elif table == "lots":
            key = "auction_id IN :auctions"
        elif "lot_id" in columns:
            key = "lot_id IN :lots"
        elif "auction_id" in columns:
            key = "auction_id IN :auctions"
        else:
            continue
        plans.append((table, columns, key))
    started = time.perf_counter()
    with engine.begin() as conn:
        for k in range(1, copies):
            suffix = f"{k:08d}"
            for table, columns, key in plans:
                exprs = []
                for column in columns:
                    if column in ID_COLUMNS:
                        exprs.append(f"CASE WHEN {column} IS NULL THEN NULL "
                                     f"ELSE substr({column}, 1, 24) || :suffix END")
                    elif (table, column) in {("auctions", "number"), ("lot_search", "auction_number")}:
                        exprs.append(f"{column} || '-' || :suffix")
                    else:
                        exprs.append(column)
                group = "auctions" if ":auctions" in key else "lots"
                statement = sa.text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} "
                                    f"FROM {table} WHERE {key}").bindparams(sa.bindparam(group, expanding=True))
                params: dict[str, Any] = {"suffix": suffix,
                                          group: template_ids if group == "auctions" else lot_ids}
                conn.execute(statement, params)
    print(f"  copied {len(template_ids)} templates × {copies - 1} in {time.perf_counter() - started:.1f} s "
          f"({', '.join(t for t, _, _ in plans)})", flush=True)


def measure(services: Any, token: str, hot_lot: str, requests: int) -> dict[str, list[float]]:
    from litestar.testing import TestClient

    from omk_web.app import create_app

    pages = {"lot page /lots/{id}": f"/lots/{hot_lot}",
             "calendar /auctions (month)": "/auctions",
             "calendar /auctions?view=list": "/auctions?view=list",
             "API /api/v1/lots/{id}": f"/api/v1/lots/{hot_lot}"}
    timings: dict[str, list[float]] = {name: [] for name in pages}
    with TestClient(create_app(services, scheduler=False)) as client:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
        for path in pages.values():
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
            for _ in range(5):  # warm caches and templates
                client.get(path, headers=headers)
        for _ in range(requests):
            for name, path in pages.items():
                began = time.perf_counter()
                client.get(path, headers=headers)
                timings[name].append(time.perf_counter() - began)
    return timings


def run(database: str, auctions: int, lots: int, requests: int) -> None:
    import structlog

    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.memory.clock import ManualClock
    from omk_adapters.settings import Settings

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    templates = 20 if auctions >= 20 else auctions
    copies = -(-auctions // templates)
    tmp = Path(tempfile.mkdtemp(prefix="omk-bench-pages-"))
    name = f"omk_bench_pages_{uuid.uuid4().hex[:8]}"
    admin = None
    if database == "postgres":
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp / 'omk.sqlite3'}"
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        services = bootstrap(Settings.load({"OMK_DATABASE_URL": url, "OMK_DATA_DIR": str(tmp),
                                            "OMK_LOG_LEVEL": "ERROR"}),
                             clock=ManualClock(now - timedelta(days=300)), migrate=True, relay_after_commit=True)
        started = time.perf_counter()
        template_ids, hot_lot, _, token = seed_templates(services, templates, lots, now)
        print(f"\n{database}: {templates} template auctions × {lots} lots through the use cases in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        clone(services.engine, template_ids, copies)
        with services.engine.begin() as conn:
            if database == "postgres":
                conn.execute(sa.text("ANALYZE"))
            counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                      for t in ("auctions", "lots", "bids", "admissions")}
        print(f"  database: {', '.join(f'{v:,} {k}' for k, v in counts.items())}", flush=True)
        timings = measure(services, token, hot_lot, requests)
        print(f"  server time over {requests} requests each (one at a time, in-process):")
        for page, values in timings.items():
            print(f"    {page:32s} p50 {percentile(values, 0.5) * 1000:6.1f} ms   "
                  f"p95 {percentile(values, 0.95) * 1000:6.1f} ms   mean {statistics.fmean(values) * 1000:6.1f} ms")
        services.close()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--auctions", type=int, default=1000)
    parser.add_argument("--lots-per-auction", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.1f} · {args.auctions:,} auctions × "
          f"{args.lots_per_auction} lots")
    print(flush=True)
    for database in (["sqlite", "postgres"] if args.database == "both" else [args.database]):
        run(database, args.auctions, args.lots_per_auction, args.requests)


if __name__ == "__main__":
    main()
