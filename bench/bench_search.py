"""Lot search latency over 50,000 lots, on SQLite (embedded index) and on PostgreSQL ('russian' FTS).

Run: python -m bench.bench_search [--database sqlite|postgres|both] [--lots 50000] [--queries 300]

Builds 1,000 auctions × 50 lots (realistic pipe titles, sizes, grades, standards, warehouses)
through the use cases in a fresh database, rebuilds the index with `ReindexLots` (timed), then
times `SearchLots` through the bus — the whole use case: the client's scope (one query), the index
query (page + total + facet counts), reading the page's lots in one batch (`LotRepository.summaries`,
scoped in the query) — for the organiser's
staff (every lot) and for a client admitted to 100 auctions, over a mix of queries: common and
rare words in other forms, words with filters, filters and ranges alone, a deep page, and sorts.
Prints p50/p95 per actor and per kind of query, and the same for the index alone.
"""

from __future__ import annotations

import argparse
import logging
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import structlog

from omk_adapters.bootstrap import Services, bootstrap
from omk_adapters.memory.clock import SystemClock
from omk_adapters.settings import Settings
from omk_domain.app import auctions as uc
from omk_domain.app import identity as idc
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.search import ReindexLots, SearchLots, visible_scope
from omk_domain.auctions.values import AuctionFormat, ProductSpec
from omk_domain.identity.model import Actor, Role
from omk_domain.search import LotQuery, SearchScope, SizeRange, SortOrder
from omk_domain.shared.money import Money, Quantity, Unit

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STAFF = Actor(user_id="bench", role=Role.ORGANISER)
LOTS_PER_AUCTION = 50

PRODUCTS = [  # (product type, title words in the plural, as lot lists write them)
    ("труба бесшовная", "Трубы стальные бесшовные горячедеформированные"),
    ("труба бесшовная", "Трубы бесшовные холоднодеформированные"),
    ("труба электросварная", "Трубы электросварные прямошовные"),
    ("труба электросварная", "Трубы стальные электросварные спиральношовные"),
    ("труба обсадная", "Трубы обсадные с резьбой ОТТМ"),
    ("отвод", "Отводы крутоизогнутые"),
    ("отвод", "Отвод гнутый тёплый изолированный"),
    ("переход", "Переходы концентрические"),
    ("тройник", "Тройники равнопроходные"),
    ("лист", "Лист горячекатаный"),
]
GRADES = ["09Г2С", "17Г1С", "13ХФА", "Ст20", "К52", "К60", "X70", "10Г2ФБЮ"]
STANDARDS = ["ГОСТ 8732-78", "ГОСТ 10704-91", "ГОСТ 20295-85", "ТУ 1381-012-05757848", "API 5L", "ГОСТ 17375-2001"]
WAREHOUSES = ["Выкса", "Альметьевск", "Чусовой", "Трубодеталь Челябинск", "Губаха", "Москва"]
DIAMETERS = [57.0, 89.0, 114.0, 159.0, 219.0, 273.0, 325.0, 426.0, 530.0, 720.0, 820.0, 1020.0, 1220.0, 1420.0]
WALLS = [4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 20.0, 25.8]

QUERIES: dict[str, list[LotQuery]] = {
    "common word, other form": [LotQuery(text="труба"), LotQuery(text="стальная труба")],
    "rare words, ё/е": [LotQuery(text="теплый отвод"), LotQuery(text="спиральношовная труба")],
    "words + filters": [LotQuery(text="трубы бесшовные", steel_grade="09г2с", diameter=SizeRange(low=219, high=530)),
                        LotQuery(text="отводы", warehouse="выкса", wall=SizeRange(low=8))],
    "filters only": [LotQuery(steel_grade="17Г1С", standard="ГОСТ 20295-85"),
                     LotQuery(product_type="тройник", diameter=SizeRange(low=500))],
    "no text, sort by diameter": [LotQuery(sort=SortOrder.DIAMETER_DESC), LotQuery(sort=SortOrder.START_PRICE)],
    "deep page (offset 2,000)": [LotQuery(text="трубы", offset=2000, sort=SortOrder.NUMBER)],
}


def valid_inn(seed: int) -> str:
    digits = [int(c) for c in f"{7700000000 + seed * 7919:010d}"[:9]]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return "".join(map(str, digits)) + str(sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def populate(services: Services, lots: int, rng: random.Random) -> Actor:
    """Auctions of 50 lots each; the client is admitted to every tenth auction (100 of 1,000)."""
    bus = services.bus
    client_org = bus.handle(idc.RegisterOrganization(name="ООО «Покупатель»", inn=valid_inn(1)), STAFF)
    start = datetime.now(UTC) + timedelta(days=30)
    for a in range(lots // LOTS_PER_AUCTION):
        summary = bus.handle(uc.CreateAuction(number=f"A-{a:05d}", title="Трубы", format=AuctionFormat.MIXED,
                                              starts_at=start + timedelta(hours=a),
                                              ends_at=start + timedelta(hours=a, minutes=90)), STAFF)
        drafts = []
        for n in range(1, LOTS_PER_AUCTION + 1):
            product, words = rng.choice(PRODUCTS)
            d, w, grade, std = rng.choice(DIAMETERS), rng.choice(WALLS), rng.choice(GRADES), rng.choice(STANDARDS)
            drafts.append(LotDraft(
                row=n + 1, number=n, title=f"{words} {d:g}×{w:g} мм, ст. {grade}, {std}",
                product=ProductSpec(product_type=product, diameter_mm=d, wall_mm=w, steel_grade=grade, standard=std,
                                    warehouse=rng.choice(WAREHOUSES)),
                quantity=Quantity(Decimal(rng.randint(10, 500)), Unit.TONNE),
                start_price=Money.rub(str(rng.randint(60, 140) * 1000)), bid_step=Money.rub("500"),
                floor_price=None))
        bus.handle(uc.AddLots(auction_id=summary.id, drafts=tuple(drafts)), STAFF)
        if a % 10 == 0:
            bus.handle(uc.AdmitOrganization(auction_id=summary.id, organization_id=client_org.id), STAFF)
        if a % 5 != 4:  # one auction in five stays a draft
            bus.handle(uc.PublishAuction(auction_id=summary.id), STAFF)
    return Actor(user_id="client", role=Role.BIDDER, organization_id=client_org.id)


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.1f} ms   p95 {cuts[94]:7.1f} ms   (n={len(samples)})"


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def measure(services: Services, client: Actor, rounds: int) -> None:
    with services.uow_factory() as uow:
        client_scope = visible_scope(client, uow)
    for who, actor, scope in (("staff (every lot)", STAFF, SearchScope()),
                              ("client (100 auctions)", client, client_scope)):
        everything: list[float] = []
        index_only: list[float] = []
        print(f"  {who}:")
        for kind, queries in QUERIES.items():
            samples = []
            for i in range(rounds):
                query = queries[i % len(queries)]
                samples.append(timed(lambda q=query, a=actor: services.bus.handle(SearchLots(query=q), a)))
                index_only.append(timed(lambda q=query, s=scope: services.search.search(q, s)))
            everything.extend(samples)
            found = services.bus.handle(SearchLots(query=queries[0]), actor).total
            print(f"    {kind:<28} {percentiles(samples)}   found {found:,}")
        print(f"    {'all queries (use case)':<28} {percentiles(everything)}")
        print(f"    {'all queries (index alone)':<28} {percentiles(index_only)}")


def run(database: str, lots: int, queries: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="omk-bench-search-"))
    dbname = f"omk_bench_{uuid.uuid4().hex[:8]}"
    admin = None
    if database == "postgres":
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{dbname}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    services = bootstrap(Settings.load({"OMK_DATABASE_URL": url, "OMK_DATA_DIR": str(tmp)}),
                         clock=SystemClock(), migrate=True, relay_after_commit=False)
    try:
        began = time.perf_counter()
        client = populate(services, lots, random.Random(20261124))
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        report = services.bus.handle(ReindexLots(), STAFF)
        reindexed = time.perf_counter() - began
        if admin is not None:
            with services.engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
                conn.commit()
        print(f"{database}: {report.indexed:,} lots in {report.auctions:,} auctions "
              f"(made in {loaded:.0f} s); reindex {reindexed:.1f} s")
        measure(services, client, queries // len(QUERIES))
    finally:
        services.close()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--lots", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300, help="searches per actor, spread over the kinds")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    for database in (["sqlite", "postgres"] if args.database == "both" else [args.database]):
        run(database, args.lots, args.queries)


if __name__ == "__main__":
    main()
