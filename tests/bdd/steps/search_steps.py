"""Steps of «Поиск лотов»: auctions with lots, searched through the SearchLots use case on the
in-memory index, which the events keep current just as in the embedded set-up."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest
from pytest_bdd import given, parsers, then, when

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.search import InMemoryLotSearch
from omk_adapters.memory.uow import MemoryOutboxStore, MemoryStore, MemoryUnitOfWork
from omk_adapters.messaging.inprocess import InProcessBroker
from omk_adapters.messaging.relay import OutboxRelay
from omk_adapters.messaging.worker import project_search
from omk_domain.app import auctions as uc
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.app.search import SEARCH_EVENTS, LotSearchPage, SearchLots
from omk_domain.auctions.values import AuctionFormat, ProductSpec
from omk_domain.identity.model import Actor, Role
from omk_domain.search import LotQuery, SizeRange
from omk_domain.shared.money import Money, Quantity, Unit
from tests.bdd.steps.world import AMOUNT, ORG, at, rub, valid_inn

STAFF = Actor(user_id="organiser", role=Role.ORGANISER)


@attrs.define
class Catalogue:
    """One scenario's auctions and lots, and what the last search found."""

    store: MemoryStore = attrs.field(factory=MemoryStore)
    clock: ManualClock = attrs.field(factory=lambda: ManualClock(at("08:00") - timedelta(days=1)))
    search: InMemoryLotSearch = attrs.field(factory=InMemoryLotSearch)
    bus: MessageBus = attrs.field(init=False)
    orgs: dict[str, str] = attrs.field(factory=dict)
    auctions: dict[str, str] = attrs.field(factory=dict)
    lots: dict[str, str] = attrs.field(factory=dict)
    found: LotSearchPage | None = None
    last_query: LotQuery | None = None

    def __attrs_post_init__(self) -> None:
        broker = InProcessBroker()
        broker.subscribe(lambda message: project_search(message, self.uow, self.search), SEARCH_EVENTS)
        relay = OutboxRelay(MemoryOutboxStore(self.store), broker, self.clock)
        self.bus = MessageBus(uow_factory=self.uow, clock=self.clock, after_commit=relay.pump,
                              deps={"search": self.search})

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def org(self, name: str) -> str:
        if name not in self.orgs:
            made = self.bus.handle(RegisterOrganization(name=name, inn=valid_inn(len(self.orgs) + 1)), STAFF)
            self.orgs[name] = made.id
        return self.orgs[name]

    def member(self, name: str) -> Actor:
        return Actor(user_id=f"bidder:{name}", role=Role.BIDDER, organization_id=self.org(name))

    def auction(self, number: str, lots: list[dict[str, str]], *, admit: tuple[str, ...], publish: bool) -> None:
        summary = self.bus.handle(uc.CreateAuction(number=number, title="Трубы", format=AuctionFormat.MIXED,
                                                   starts_at=at("09:00"), ends_at=at("11:00")), STAFF)
        self.auctions[number] = summary.id
        drafts = tuple(LotDraft(
            row=i + 2, number=i + 1, title=lot["наименование"],
            product=ProductSpec(product_type=lot.get("вид продукции", "труба"),
                                diameter_mm=float(lot["диаметр"]) if lot.get("диаметр") else None,
                                wall_mm=float(lot["стенка"]) if lot.get("стенка") else None,
                                steel_grade=lot.get("марка стали", ""), warehouse=lot.get("склад", "")),
            quantity=Quantity(Decimal("100"), Unit.TONNE), start_price=Money.rub("85000"),
            bid_step=Money.rub("500"), floor_price=None) for i, lot in enumerate(lots))
        for view in self.bus.handle(uc.AddLots(auction_id=summary.id, drafts=drafts), STAFF):
            self.lots[view.title] = view.lot_id
        for name in admit:
            self.bus.handle(uc.AdmitOrganization(auction_id=summary.id, organization_id=self.org(name)), STAFF)
        if publish:
            self.bus.handle(uc.PublishAuction(auction_id=summary.id), STAFF)

    def find(self, actor: Actor, query: LotQuery) -> LotSearchPage:
        self.last_query = query
        self.found = self.bus.handle(SearchLots(query=query), actor)
        return self.found

    def titles(self) -> list[str]:
        assert self.found is not None, "nobody has searched yet"
        return [hit.title for hit in self.found.items]


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue()


def _quoted(text: str) -> list[str]:
    return [part.strip("«» ") for part in text.split("», «")]


@given(parsers.re(rf"объявлен аукцион «(?P<number>[^»]+)», к которому допущено {ORG}, с лотами:"))
def published_with_lots(catalogue: Catalogue, number: str, org: str, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    catalogue.auction(number, [dict(zip(header, row, strict=True)) for row in rows], admit=(org,), publish=True)


@given(parsers.re(rf"есть черновик аукциона «(?P<number>[^»]+)» с лотом «(?P<title>[^»]+)», и {ORG} к нему допущено"))
def a_draft(catalogue: Catalogue, number: str, title: str, org: str) -> None:
    catalogue.auction(number, [{"наименование": title}], admit=(org,), publish=False)


@given(parsers.re(rf"объявлен аукцион «(?P<number>[^»]+)» с лотом «(?P<title>[^»]+)», к которому {ORG} не допущено"))
def published_elsewhere(catalogue: Catalogue, number: str, title: str, org: str) -> None:
    catalogue.auction(number, [{"наименование": title}], admit=(), publish=True)


@given(parsers.re(rf"к аукциону «(?P<number>[^»]+)» допущено и {ORG}"))
def admitted_too(catalogue: Catalogue, number: str, org: str) -> None:
    catalogue.bus.handle(uc.AdmitOrganization(auction_id=catalogue.auctions[number],
                                              organization_id=catalogue.org(org)), STAFF)


@given(parsers.re(r"торги аукциона «(?P<number>[^»]+)» начались"))
def trading_started(catalogue: Catalogue, number: str) -> None:
    catalogue.clock.set(at("09:01"))
    run_due_transitions(catalogue.uow, catalogue.clock)


@given(parsers.re(rf"{ORG} подало ценовое предложение {AMOUNT} на лот «(?P<title>[^»]+)»"),
       converters={"amount": rub})
def offer_made(catalogue: Catalogue, org: str, amount: Money, title: str) -> None:
    catalogue.bus.handle(uc.SubmitOffer(lot_id=catalogue.lots[title], amount=amount), catalogue.member(org))


@when(parsers.re(rf"{ORG} ищет «(?P<text>[^»]+)» по (?P<limit>\d+) лоту на странице"), converters={"limit": int})
def search_a_page(catalogue: Catalogue, org: str, text: str, limit: int) -> None:
    catalogue.find(catalogue.member(org), LotQuery(text=text, limit=limit))


@when(parsers.re(rf"{ORG} ищет «(?P<text>[^»]+)»$"))
def search_words(catalogue: Catalogue, org: str, text: str) -> None:
    catalogue.find(catalogue.member(org), LotQuery(text=text))


@when(parsers.re(rf"{ORG} ищет лоты марки «(?P<grade>[^»]+)» диаметром от (?P<low>\d+) до (?P<high>\d+) мм "
                 r"на складе «(?P<warehouse>[^»]+)»"), converters={"low": float, "high": float})
def search_filters(catalogue: Catalogue, *, org: str, grade: str, low: float, high: float, warehouse: str) -> None:
    catalogue.find(catalogue.member(org), LotQuery(steel_grade=grade, diameter=SizeRange(low=low, high=high),
                                                   warehouse=warehouse))


@when(parsers.re(r"организатор переименовывает лот «(?P<old>[^»]+)» в «(?P<new>[^»]+)»"))
def rename(catalogue: Catalogue, old: str, new: str) -> None:
    catalogue.bus.handle(uc.EditLot(lot_id=catalogue.lots[old], title=new, product_type=new.split(maxsplit=1)[0]),
                         STAFF)


@then(parsers.re(r"найдены лоты: (?P<titles>«.+»)"))
def found_these(catalogue: Catalogue, titles: str) -> None:
    assert catalogue.titles() == _quoted(titles)
    assert catalogue.found is not None and catalogue.found.total == len(_quoted(titles))


@then(parsers.re(r"на странице (?P<shown>\d+) лот из (?P<total>\d+) найденных"),
      converters={"shown": int, "total": int})
def page_of(catalogue: Catalogue, shown: int, total: int) -> None:
    assert catalogue.found is not None
    assert (len(catalogue.found.items), catalogue.found.total) == (shown, total)


@then(parsers.re(r"организатор по тому же запросу находит (?P<count>\d+) лота"), converters={"count": int})
def staff_find_more(catalogue: Catalogue, count: int) -> None:
    assert catalogue.last_query is not None
    assert catalogue.find(STAFF, catalogue.last_query).total == count


@then("найденный лот не показывает ни предложения, ни его суммы")
def nothing_sealed(catalogue: Catalogue) -> None:
    assert catalogue.found is not None
    (hit,) = catalogue.found.items
    assert hit.leading_amount is None
    assert "84321" not in repr(hit) and "84 321" not in repr(hit)
    assert not any("offer" in name for name in attrs.fields_dict(type(hit)))


@then(parsers.re(rf"по запросу «(?P<text>[^»]+)» {ORG} ничего не находит"))
def finds_nothing(catalogue: Catalogue, text: str, org: str) -> None:
    assert catalogue.find(catalogue.member(org), LotQuery(text=text)).total == 0
