"""Set-up steps: the auction, its lot, its terms and the admitted organisations."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs
from pytest_bdd import given, parsers, step

from omk_domain.app import auctions as uc
from omk_domain.app.lot_import import LotDraft
from omk_domain.auctions.values import ProductSpec, SoftClose
from omk_domain.shared.money import Money, Quantity, Unit
from tests.bdd.steps.world import AMOUNT, FORMATS, FORMATS_GENITIVE, MINUTES, ORG, World, at, org_list, rub

_AUCTION = (r"аукцион(?:а)? (?P<fmt>открытой|закрытой|смешанной) формы с торгами "
            r"с (?P<start>\d{2}:\d{2}) до (?P<end>\d{2}:\d{2})")


def _create_auction(world: World, fmt: str, start: datetime, end: datetime) -> None:
    summary = world.run(uc.CreateAuction(number="А-2026-001", title="Трубы стальные электросварные",
                                         format=FORMATS_GENITIVE[fmt], starts_at=start, ends_at=end))
    world.auction_id = summary.id


@given(parsers.re(_AUCTION), converters={"start": at, "end": at})
def an_auction(world: World, fmt: str, start: datetime, end: datetime) -> None:
    _create_auction(world, fmt, start, end)


@given(parsers.re("организатор подготовил черновик " + _AUCTION), converters={"start": at, "end": at})
def a_draft_the_organiser_drives(world: World, fmt: str, start: datetime, end: datetime) -> None:
    world.auto_run = False
    _create_auction(world, fmt, start, end)


@given(parsers.re(rf"лот со стартовой ценой {AMOUNT} и шагом (?P<step>\d[\d  ]*(?:,\d+)?) ₽"),
       converters={"amount": rub, "step": rub})
def a_lot(world: World, amount: Money, step: Money) -> None:
    draft = LotDraft(row=2, number=1, title="Труба 530×8 К52",
                     product=ProductSpec(product_type="труба электросварная прямошовная", diameter_mm=530,
                                         wall_mm=8, steel_grade="К52", standard="ГОСТ 20295-85",
                                         warehouse="Выкса"),
                     quantity=Quantity(Decimal("100"), Unit.TONNE), start_price=amount, bid_step=step,
                     floor_price=None)
    (view,) = world.run(uc.AddLots(auction_id=world.auction().id, drafts=(draft,)))
    world.lot_id = view.lot_id


@given(parsers.re(rf"организатор установил скрытый минимум {AMOUNT}"), converters={"amount": rub})
def a_hidden_floor(world: World, amount: Money) -> None:
    world.run(uc.EditLot(lot_id=world.lot().id, floor_price=amount))


@given(parsers.re(r"к торгам допущены (?P<names>.+)"))
def admitted(world: World, names: str) -> None:
    for name in org_list(names):
        org = world.register(name)
        world.run(uc.AdmitOrganization(auction_id=world.auction().id, organization_id=org.id))


@given(parsers.re(rf"организация {ORG} зарегистрирована, но не допущена к торгам"))
def registered_only(world: World, org: str) -> None:
    world.register(org)


@given(parsers.re(r"мягкое закрытие: окно (?P<window>\d+) мин, продление (?P<extension>\d+) мин"),
       converters={"window": int, "extension": int})
def soft_close(world: World, window: int, extension: int) -> None:
    policy = SoftClose(window=timedelta(minutes=window), extension=timedelta(minutes=extension),
                       cap=world.auction().soft_close.cap)
    world.run(uc.EditAuction(auction_id=world.auction().id, soft_close=policy))


@given(parsers.re(rf"общее продление не более {MINUTES}"), converters={"minutes": int})
def soft_close_cap(world: World, minutes: int) -> None:
    policy = attrs.evolve(world.auction().soft_close, cap=timedelta(minutes=minutes))
    world.run(uc.EditAuction(auction_id=world.auction().id, soft_close=policy))


@given("мягкое закрытие выключено")
def no_soft_close(world: World) -> None:
    world.run(uc.EditAuction(auction_id=world.auction().id, soft_close=SoftClose()))


@given("итоги утверждаются автоматически")
def auto_approve(world: World) -> None:
    world.run(uc.EditAuction(auction_id=world.auction().id, auto_approve=True))


@given(parsers.re(r"форма аукциона — (?P<fmt>открытая|закрытая|смешанная)"))
def the_format(world: World, fmt: str) -> None:
    world.run(uc.EditAuction(auction_id=world.auction().id, format=FORMATS[fmt]))


@step(parsers.re(r"аукцион доведён до статуса «(?P<label>[^»]+)»"))
def auction_brought_to(world: World, label: str) -> None:
    """Drive a draft through its lifecycle the ordinary way until it has the named status."""
    path = ["черновик", "объявлен", "идут торги", "завершён, итоги на проверке", "итоги утверждены"]
    assert label in path, f"unknown status «{label}»"
    steps = path.index(label)
    if steps >= 1:
        world.move_to(at("08:00"))
        world.must("publish", uc.PublishAuction(auction_id=world.auction().id))
    if steps >= 2:
        world.move_to(at("09:00"))
        world.tick()
    if steps >= 3:
        world.move_to(world.lot().closes_at)
        world.tick()
    if steps >= 4:
        world.move_to(world.clock.now() + timedelta(minutes=10))
        world.must("approve", uc.ApproveResults(auction_id=world.auction().id))
    assert world.auction().status.label_ru == label

