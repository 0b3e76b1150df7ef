"""What each party sees: anonymised bids, sealed offers, the organiser's full view."""

from __future__ import annotations

import copy
from decimal import Decimal

import attrs
import pytest
from pytest_bdd import parsers, step, then

from omk_domain.app.lot_page import WatchLot
from omk_domain.auctions import errors
from omk_domain.auctions.views import lot_view_for
from omk_domain.identity.model import OrganizationNotActive
from omk_domain.shared.money import Money
from tests.bdd.steps.world import AMOUNT, OFFER_STATES, ORG, World, roubles, rub


@then(parsers.re(rf"{ORG} видит ставки:"))
def sees_bids(world: World, org: str, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["чья", "сумма"], header
    seen = [["моя" if line.mine else line.alias, roubles(line.amount)] for line in world.view(org).bids]
    assert seen == [[who.strip(), amount.strip()] for who, amount in rows]


@then(parsers.re(rf"{ORG} видит, что лидирует"))
def sees_itself_leading(world: World, org: str) -> None:
    assert world.view(org).i_lead


@then(parsers.re(rf"{ORG} видит, что лидирует «(?P<alias>[^»]+)»"))
def sees_alias_leading(world: World, org: str, alias: str) -> None:
    view = world.view(org)
    assert (view.i_lead, view.leading_alias) == (False, alias)


@then(parsers.re(rf"{ORG} выступает под псевдонимом «(?P<alias>[^»]+)»"))
def plays_under_alias(world: World, org: str, alias: str) -> None:
    assert world.view(org).my_alias == alias


def amounts_in(value: object) -> set[Decimal]:
    """Every amount anywhere in a view (its fields, its bid lines, its own offer)."""
    if isinstance(value, Decimal):
        return {value}
    if attrs.has(type(value)):
        return set().union(*(amounts_in(getattr(value, f.name)) for f in attrs.fields(type(value))))
    if isinstance(value, (tuple, list)):
        return set().union(*(amounts_in(v) for v in value))
    return set()


def _others(world: World, org: str) -> list[str]:
    """Every trace of the other organisations: names, INNs, ids, and the ids of their offers."""
    me = world.org(org)
    traces: list[str] = []
    for other in world.orgs.values():
        if other.id != me.id:
            traces += [other.name, other.inn, other.id]
    traces += [o.id for o in world.lot().offers if o.organization_id != me.id]
    return traces


@then(parsers.re(rf"{ORG} не видит названий и идентификаторов других организаций"))
def sees_no_one_else(world: World, org: str) -> None:
    shown = repr(world.view(org))
    leaked = [trace for trace in _others(world, org) if trace in shown]
    assert not leaked, f"{org} sees {leaked}"


@then(parsers.re(rf"{ORG} не видит чужих ценовых предложений"))
def sees_no_other_offers(world: World, org: str) -> None:
    """The view is exactly what it would be if nobody else had ever made an offer."""
    me = world.org(org)
    auction, lot = world.auction(), world.lot()
    assert any(o.organization_id != me.id for o in lot.offers), "the scenario needs others' offers"
    without_others = copy.deepcopy(lot)
    without_others.offers = [o for o in without_others.offers if o.organization_id == me.id]
    seen = world.view(org)
    assert seen == lot_view_for(auction, without_others, me.id)
    shown = repr(seen)
    assert not [trace for trace in _others(world, org) if trace in shown]


@then(parsers.re(rf"{ORG} видит своё предложение {AMOUNT}"), converters={"amount": rub})
def sees_own_offer(world: World, org: str, amount: Money) -> None:
    mine = world.view(org).my_offer
    assert mine is not None and (roubles(mine.amount), mine.status) == (roubles(amount.amount), "active")


@then(parsers.re(rf"{ORG} не видит своего предложения"))
def sees_no_own_offer(world: World, org: str) -> None:
    assert world.view(org).my_offer is None


@then(parsers.re(rf"{ORG} не видит скрытый минимум"))
def floor_is_hidden(world: World, org: str) -> None:
    floor = world.lot().floor_price
    assert floor is not None
    assert floor.amount not in amounts_in(world.view(org))


@then(parsers.re(rf"{ORG} не видит лот"))
def cannot_see_lot(world: World, org: str) -> None:
    with pytest.raises(errors.LotNotFound):
        world.view(org)


@step(parsers.re(rf"{ORG} видит, что (?P<verdict>выиграло|не выиграло) лот"))
def sees_verdict(world: World, org: str, verdict: str) -> None:
    assert world.view(org).my_result == ("won" if verdict == "выиграло" else "lost")


@then(parsers.re(rf"{ORG} пока не знает итог"))
def does_not_know_yet(world: World, org: str) -> None:
    assert world.view(org).my_result is None


@step("организатор видит предложения:")
def organiser_sees_offers(world: World, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["организация", "сумма", "состояние"], header
    seen = [[world.name_of(o.organization_id), roubles(o.amount), OFFER_STATES[o.status]]
            for o in world.admin_view().offers]
    assert seen == [[cell.strip() for cell in row] for row in rows]


#: why a lot's live updates are refused, as the features say it
WATCH_REFUSALS: dict[str, type[Exception]] = {
    "организация не допущена к торгам": errors.OrganisationNotAdmitted,
    "организация заблокирована": OrganizationNotActive,
    "лот не найден": errors.LotNotFound,
}


@step(parsers.re(rf"{ORG} может следить за лотом в реальном времени"))
def may_watch_live(world: World, org: str) -> None:
    assert world.run(WatchLot(lot_id=world.lot().id), world.member(org)).lot_id == world.lot().id


@then(parsers.re(rf"{ORG} не может следить за лотом в реальном времени: (?P<why>.+)"))
def may_not_watch_live(world: World, org: str, why: str) -> None:
    with pytest.raises(WATCH_REFUSALS[why]):
        world.run(WatchLot(lot_id=world.lot().id), world.member(org))


@then(parsers.re(rf"{ORG} по-прежнему видит лот"))
def still_sees_lot(world: World, org: str) -> None:
    assert world.view(org).lot_id == world.lot().id
