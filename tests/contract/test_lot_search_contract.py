"""Lot search: one contract for the in-memory index, SQLite's embedded index and PostgreSQL's
full-text search, driven through the use cases with the index kept current by the events.

Each backend is wired as bootstrap() wires the embedded mode: the bus commits, the outbox relay
publishes to the in-process broker, and the search projection indexes what the events changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.search import InMemoryLotSearch
from omk_adapters.messaging.inprocess import InProcessBroker
from omk_adapters.messaging.relay import OutboxRelay
from omk_adapters.messaging.worker import project_search
from omk_adapters.search.analysis import term_clauses, terms
from omk_adapters.search.sql import PostgresLotSearch, SqliteLotSearch, render_websearch, sql_lot_search
from omk_domain.app import usecases  # noqa: F401  (registers every use case)
from omk_domain.app.auctions import (
    AddLots,
    AdmitOrganization,
    CreateAuction,
    EditLot,
    PublishAuction,
    SubmitOffer,
)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.app.search import SEARCH_EVENTS, LotSearchPage, ReindexLots, SearchLots
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, LotStatus, ProductSpec
from omk_domain.identity.model import Actor
from omk_domain.ports import LotSearch
from omk_domain.search import (
    FACET_LIMIT,
    LotQuery,
    SearchScope,
    SizeRange,
    SortOrder,
    TextClause,
    document_of,
    parse_text,
)
from omk_domain.shared.errors import Forbidden
from omk_domain.shared.money import Money, Quantity, Unit
from tests.contract.backends import Backend
from tests.contract.builders import STAFF, T0, bidder, inn

pytestmark = pytest.mark.contract


@attrs.define
class Catalogue:
    """Auctions and lots made through the use cases, with the search index kept by events."""

    backend: Backend
    search: LotSearch
    bus: MessageBus
    relay: OutboxRelay
    clock: ManualClock
    numbers: int = 0

    def organization(self, n: int) -> str:
        return str(self.bus.handle(RegisterOrganization(name=f"ООО Покупатель {n}", inn=inn(n)), STAFF).id)

    def auction(self, *lots: dict[str, object], publish: bool = True, admit: tuple[str, ...] = (),
                number: str | None = None) -> tuple[str, list[str]]:
        """An auction with these lots (title plus product fields), admitting `admit`, published or not."""
        self.numbers += 1
        summary = self.bus.handle(CreateAuction(
            number=number or f"A-{self.numbers:03d}", title="Трубы", format=AuctionFormat.MIXED,
            starts_at=T0, ends_at=T0 + timedelta(hours=2)), STAFF)
        drafts = []
        for i, spec in enumerate(lots):
            fields = dict(spec)
            title = str(fields.pop("title"))
            start = str(fields.pop("start", "85000"))
            fields.setdefault("product_type", title.split(maxsplit=1)[0].lower())
            drafts.append(LotDraft(row=i + 2, number=i + 1, title=title, product=ProductSpec(**fields),  # type: ignore[arg-type]
                                   quantity=Quantity(Decimal("100"), Unit.TONNE), start_price=Money.rub(start),
                                   bid_step=Money.rub("500"), floor_price=None))
        views = self.bus.handle(AddLots(auction_id=summary.id, drafts=tuple(drafts)), STAFF)
        for org in admit:
            self.bus.handle(AdmitOrganization(auction_id=summary.id, organization_id=org), STAFF)
        if publish:
            self.bus.handle(PublishAuction(auction_id=summary.id), STAFF)
        return summary.id, [v.lot_id for v in views]

    def find(self, actor: Actor = STAFF, **query: object) -> LotSearchPage:
        page: LotSearchPage = self.bus.handle(SearchLots(query=LotQuery(**query)), actor)  # type: ignore[arg-type]
        return page

    def titles(self, actor: Actor = STAFF, **query: object) -> list[str]:
        return [hit.title for hit in self.find(actor, **query).items]

    def start_trading(self) -> None:
        self.clock.set(T0 + timedelta(minutes=1))
        run_due_transitions(self.backend.uow_factory, self.clock)
        self.relay.pump()


@pytest.fixture()
def catalogue(backend: Backend) -> Iterator[Catalogue]:
    search: LotSearch = InMemoryLotSearch() if not backend.is_sql else sql_lot_search(backend.engines[0])
    clock = ManualClock(T0 - timedelta(days=1))
    broker = InProcessBroker()
    broker.subscribe(lambda message: project_search(message, backend.uow_factory, search), SEARCH_EVENTS)
    relay = OutboxRelay(backend.outbox, broker, clock)
    bus = MessageBus(uow_factory=backend.uow_factory, clock=clock, after_commit=relay.pump,
                     deps={"search": search})
    yield Catalogue(backend=backend, search=search, bus=bus, relay=relay, clock=clock)


def test_each_database_gets_its_own_kind_of_index(backend: Backend) -> None:
    if not backend.is_sql:
        pytest.skip("the in-memory backend has no engine")
    expected = PostgresLotSearch if backend.name == "postgres" else SqliteLotSearch
    assert type(sql_lot_search(backend.engines[0])) is expected


def test_a_query_in_the_singular_finds_lots_written_in_the_plural(catalogue: Catalogue) -> None:
    catalogue.auction({"title": "Трубы бесшовные горячедеформированные"}, {"title": "Лист горячекатаный"},
                      {"title": "Трубы электросварные"})

    assert catalogue.titles(text="труба бесшовная") == ["Трубы бесшовные горячедеформированные"]
    assert catalogue.titles(text="ТРУБЫ", sort=SortOrder.NUMBER) == [
        "Трубы бесшовные горячедеформированные", "Трубы электросварные"]


def test_yo_and_ye_find_each_other_both_ways(catalogue: Catalogue) -> None:
    catalogue.auction({"title": "Отвод тёплый"}, {"title": "Переход теплый изолированный"}, {"title": "Отвод холодный"})

    both = ["Отвод тёплый", "Переход теплый изолированный"]
    assert catalogue.titles(text="теплый", sort=SortOrder.NUMBER) == both
    assert catalogue.titles(text="тёплый", sort=SortOrder.NUMBER) == both
    assert catalogue.titles(text="тёплые отводы") == ["Отвод тёплый"]


def test_words_to_exclude_and_alternatives_follow_the_web_search_syntax(catalogue: Catalogue) -> None:
    catalogue.auction({"title": "Трубы бесшовные"}, {"title": "Трубы электросварные"}, {"title": "Лист стальной"},
                      {"title": "Отвод крутоизогнутый"})

    assert catalogue.titles(text="трубы -электросварные") == ["Трубы бесшовные"]
    assert catalogue.titles(text="лист or отвод", sort=SortOrder.NUMBER) == ["Лист стальной", "Отвод крутоизогнутый"]
    assert catalogue.titles(text="для и в") == []  # only stop words: nothing, never everything


def test_filters_and_ranges_combine_with_the_text_and_bounds_are_inclusive(catalogue: Catalogue) -> None:
    catalogue.auction(
        {"title": "Труба 530", "diameter_mm": 530.0, "wall_mm": 8.0, "steel_grade": "09Г2С",
         "standard": "ГОСТ 8732-78", "warehouse": "Выкса"},
        {"title": "Труба 720", "diameter_mm": 720.0, "wall_mm": 10.0, "steel_grade": "09г2с",
         "standard": "ГОСТ 8732-78", "warehouse": "Выкса"},
        {"title": "Труба 1020", "diameter_mm": 1020.0, "wall_mm": 12.0, "steel_grade": "17Г1С",
         "standard": "ГОСТ 20295-85", "warehouse": "Альметьевск"},
        {"title": "Труба без размеров", "steel_grade": "09Г2С", "warehouse": "Выкса"},
        {"title": "Лист 10", "product_type": "лист", "wall_mm": 10.0, "steel_grade": "09Г2С", "warehouse": "Выкса"},
    )

    assert catalogue.titles(diameter=SizeRange(low=530, high=720), sort=SortOrder.DIAMETER) == [
        "Труба 530", "Труба 720"]
    assert catalogue.titles(steel_grade="09г2С", warehouse="выкса", product_type="Труба",
                            sort=SortOrder.NUMBER) == ["Труба 530", "Труба 720", "Труба без размеров"]
    assert catalogue.titles(text="труба", steel_grade="09Г2С", wall=SizeRange(low=9)) == ["Труба 720"]
    assert catalogue.titles(standard="гост 20295-85", diameter=SizeRange(high=1019.5)) == []
    assert catalogue.titles(wall=SizeRange(low=10, high=10), sort=SortOrder.NUMBER) == ["Труба 720", "Лист 10"]
    assert catalogue.titles(sort=SortOrder.DIAMETER_DESC)[:3] == ["Труба 1020", "Труба 720", "Труба 530"]


def test_facets_count_the_values_of_every_found_lot_not_just_the_page(catalogue: Catalogue) -> None:
    catalogue.auction({"title": "Труба 1", "steel_grade": "09Г2С"}, {"title": "Труба 2", "steel_grade": "09г2с"},
                      {"title": "Труба 3", "steel_grade": "17Г1С"}, {"title": "Отвод", "steel_grade": "Ст20"})

    page = catalogue.find(text="труба", limit=1)

    assert page.total == 3 and len(page.items) == 1
    assert [(f.value, f.count) for f in page.facets["steel_grade"]] == [("09Г2С", 2), ("17Г1С", 1)]
    assert [(f.value, f.count) for f in page.facets["product_type"]] == [("труба", 3)]


def test_facets_are_left_out_when_more_lots_are_found_than_are_cheap_to_count(catalogue: Catalogue) -> None:
    auction_id, (lot_id,) = catalogue.auction({"title": "Труба образец", "steel_grade": "09Г2С"})
    with catalogue.backend.uow_factory() as uow:
        sample = document_of(uow.auctions.get(auction_id), uow.lots.get(lot_id))
    catalogue.search.index([attrs.evolve(sample, lot_id=f"bulk-{n:05d}", lot_number=n + 2, title="Труба массовая")
                            for n in range(FACET_LIMIT)])  # FACET_LIMIT + 1 pipes in all

    broad = catalogue.search.search(LotQuery(text="трубы"), SearchScope())
    narrow = catalogue.search.search(LotQuery(text="трубы -массовые"), SearchScope())

    assert (broad.total, broad.facets) == (FACET_LIMIT + 1, {})
    assert catalogue.search.search(LotQuery(text="трубы", sort=SortOrder.NUMBER, offset=FACET_LIMIT),
                                   SearchScope()).lot_ids == ("bulk-04999",)
    assert narrow.lot_ids == (lot_id,)
    assert [(f.value, f.count) for f in narrow.facets["steel_grade"]] == [("09Г2С", 1)]


def test_pages_split_the_found_lots_without_gaps_or_repeats_and_carry_the_total(catalogue: Catalogue) -> None:
    catalogue.auction(*({"title": f"Труба партия {n}", "start": str(80000 + n * 100)} for n in range(1, 8)))

    pages = [catalogue.find(text="труба", sort=SortOrder.START_PRICE_DESC, limit=3, offset=o) for o in (0, 3, 6, 9)]

    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert [len(p.items) for p in pages] == [3, 3, 1, 0]
    assert [h.title for p in pages for h in p.items] == [f"Труба партия {n}" for n in range(7, 0, -1)]


def test_a_client_finds_only_lots_of_published_auctions_it_is_admitted_to(catalogue: Catalogue) -> None:
    mine, other = catalogue.organization(1), catalogue.organization(2)
    visible, _ = catalogue.auction({"title": "Труба видимая"}, admit=(mine,))
    catalogue.auction({"title": "Труба чужого аукциона"}, admit=(other,))
    catalogue.auction({"title": "Труба черновика"}, admit=(mine,), publish=False)

    client = bidder(mine)
    page = catalogue.find(client, text="труба")

    assert [h.title for h in page.items] == ["Труба видимая"]
    assert page.total == 1 and page.facets["product_type"][0].count == 1
    assert {h.auction_id for h in page.items} == {visible}
    assert len(catalogue.titles(STAFF, text="труба")) == 3  # the organiser's staff see every lot


def test_a_found_lot_never_shows_a_sealed_price_offer(catalogue: Catalogue) -> None:
    mine, other = catalogue.organization(1), catalogue.organization(2)
    _, (lot_id,) = catalogue.auction({"title": "Труба с предложением", "start": "85000"}, admit=(mine, other))
    catalogue.start_trading()
    catalogue.bus.handle(SubmitOffer(lot_id=lot_id, amount=Money.rub("84321.77")), bidder(other, 2))

    (hit,) = catalogue.find(bidder(mine), text="труба").items

    assert hit.leading_amount is None
    assert "84321" not in repr(hit)
    assert not any("offer" in name for name in attrs.fields_dict(type(hit)))


def test_a_stale_or_wrong_index_entry_never_shows_a_client_a_lot_it_may_not_see(catalogue: Catalogue) -> None:
    mine = catalogue.organization(1)
    visible, _ = catalogue.auction({"title": "Труба видимая"}, admit=(mine,))
    _, (hidden,) = catalogue.auction({"title": "Труба секретная"}, admit=(mine,), publish=False)
    with catalogue.backend.uow_factory() as uow:
        lot, auction = uow.lots.get(hidden), uow.auctions.get(visible)
        wrong = attrs.evolve(document_of(auction, lot), auction_id=visible, auction_status=AuctionStatus.SCHEDULED)
    catalogue.search.index([wrong])  # as if the index said the draft's lot were in the visible auction

    assert catalogue.titles(bidder(mine), text="труба") == ["Труба видимая"]


def test_edits_and_status_changes_reach_the_index_through_the_events(catalogue: Catalogue) -> None:
    auction_id, (lot_id, _) = catalogue.auction({"title": "Труба бесшовная", "steel_grade": "09Г2С"},
                                                {"title": "Лист"}, publish=False)
    assert catalogue.titles(auction_status=AuctionStatus.DRAFT, text="труба") == ["Труба бесшовная"]

    catalogue.bus.handle(EditLot(lot_id=lot_id, title="Отвод штампованный", product_type="отвод",
                                 steel_grade="17Г1С"), STAFF)

    assert catalogue.titles(text="труба") == []
    assert catalogue.titles(text="отводы", steel_grade="17г1с") == ["Отвод штампованный"]

    catalogue.bus.handle(PublishAuction(auction_id=auction_id), STAFF)

    assert len(catalogue.titles(auction_status=AuctionStatus.SCHEDULED)) == 2
    assert catalogue.titles(auction_status=AuctionStatus.DRAFT) == []
    assert len(catalogue.titles(lot_status=LotStatus.OPEN, auction_id=auction_id)) == 2


def test_reindexing_rebuilds_the_same_index_however_often_it_runs(catalogue: Catalogue) -> None:
    catalogue.auction({"title": "Труба бесшовная"}, {"title": "Отвод тёплый"})
    catalogue.auction({"title": "Лист"}, publish=False)
    before = catalogue.find(text="труба or отвод or лист", sort=SortOrder.NUMBER)
    catalogue.search.replace_all([])  # lost, e.g. after restoring a backup without it
    assert catalogue.find(text="труба").total == 0

    reports = [catalogue.bus.handle(ReindexLots(), STAFF) for _ in range(2)]

    assert [(r.indexed, r.auctions) for r in reports] == [(3, 2), (3, 2)]
    assert catalogue.search.count() == 3
    assert catalogue.find(text="труба or отвод or лист", sort=SortOrder.NUMBER) == before


def test_only_the_organisers_staff_may_rebuild_the_index(catalogue: Catalogue) -> None:
    with pytest.raises(Forbidden):
        catalogue.bus.handle(ReindexLots(), bidder(catalogue.organization(1)))


def test_the_embedded_analysis_gives_the_stems_postgresql_gives() -> None:
    # to_tsvector('russian', 'Трубы стальные бесшовные') = 'бесшовн':3 'стальн':2 'труб':1 (TOOLCHAIN.md)
    assert set(terms("Трубы стальные бесшовные")) == {"труб", "стальн", "бесшовн"}
    assert set(terms("труба стальная бесшовная для газа")) == {"труб", "стальн", "бесшовн", "газ"}
    assert set(terms("steel pipes 09Г2С")) == {"steel", "pipe", "09г2с"}


def test_a_clause_of_stop_words_only_is_dropped_as_postgresql_drops_it() -> None:
    clauses = term_clauses(parse_text("для и в or трубы"))
    assert clauses == (TextClause(include=("труб",)),)


def test_parsed_text_is_rendered_back_in_web_search_syntax() -> None:
    assert render_websearch(parse_text("труба -сварная или лист")) == "труба -сварная or лист"


@pytest.mark.postgres
def test_postgresql_matches_words_through_the_gin_index(postgres_url: str) -> None:
    import sqlalchemy as sa

    from omk_adapters.sql.engine import make_engine
    from omk_adapters.sql.migrate import upgrade

    engine = make_engine(postgres_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(conn.execute(sa.text(
                "EXPLAIN SELECT lot_id FROM lot_search "
                "WHERE document @@ websearch_to_tsquery('russian'::regconfig, 'труба')")).scalars())
    finally:
        engine.dispose()
    assert "ix_lot_search_document" in plan
