"""Trading steps: bids, price offers, their edits and withdrawals, and what became of them."""

from __future__ import annotations

from datetime import datetime

from pytest_bdd import given, parsers, step, then

from omk_domain.app import auctions as uc
from omk_domain.auctions.values import LotStatus
from omk_domain.shared.money import Money
from tests.bdd.steps.world import AMOUNT, ORG, REASONS, SUBJECTS, TIME, World, at, hhmm, roubles, rub

MONEY_AND_TIME = {"amount": rub, "time": at}
KEY = r" с ключом повтора «(?P<key>[^»]+)»"


# --- actions that may be refused (Когда …; also usable as set-up) ------------------------------

def _bid(world: World, org: str, amount: Money, time: datetime, key: str | None = None) -> None:
    world.move_to(time)
    world.attempt("bid", uc.PlaceBid(lot_id=world.lot().id, amount=amount, client_key=key), world.member(org))


def _offer(world: World, org: str, amount: Money, time: datetime, key: str | None = None) -> None:
    world.move_to(time)
    world.attempt("offer", uc.SubmitOffer(lot_id=world.lot().id, amount=amount, client_key=key),
                  world.member(org))


def _edit(world: World, org: str, amount: Money, time: datetime) -> None:
    world.move_to(time)
    world.attempt("offer_edit", uc.EditOffer(lot_id=world.lot().id, offer_id=world.own_offer_id(org),
                                             amount=amount), world.member(org))


def _withdraw(world: World, org: str, time: datetime) -> None:
    world.move_to(time)
    world.attempt("offer_withdrawal", uc.WithdrawOffer(lot_id=world.lot().id,
                                                       offer_id=world.own_offer_id(org)), world.member(org))


@step(parsers.re(rf"{ORG} ставит {AMOUNT} в {TIME}"), converters=MONEY_AND_TIME)
def places_bid(world: World, org: str, amount: Money, time: datetime) -> None:
    _bid(world, org, amount, time)


@step(parsers.re(rf"{ORG} ставит {AMOUNT} в {TIME}{KEY}"), converters=MONEY_AND_TIME)
def places_bid_with_key(world: World, org: str, amount: Money, time: datetime, key: str) -> None:
    _bid(world, org, amount, time, key)


@step(parsers.re(rf"{ORG} предлагает {AMOUNT} в {TIME}"), converters=MONEY_AND_TIME)
def submits_offer(world: World, org: str, amount: Money, time: datetime) -> None:
    _offer(world, org, amount, time)


@step(parsers.re(rf"{ORG} предлагает {AMOUNT} в {TIME}{KEY}"), converters=MONEY_AND_TIME)
def submits_offer_with_key(world: World, org: str, amount: Money, time: datetime, key: str) -> None:
    _offer(world, org, amount, time, key)


@step(parsers.re(rf"{ORG} изменяет предложение на {AMOUNT} в {TIME}"), converters=MONEY_AND_TIME)
def edits_offer(world: World, org: str, amount: Money, time: datetime) -> None:
    _edit(world, org, amount, time)


@step(parsers.re(rf"{ORG} отзывает предложение в {TIME}"), converters={"time": at})
def withdraws_offer(world: World, org: str, time: datetime) -> None:
    _withdraw(world, org, time)


# --- the same actions, already done (Дано …): they must have been accepted ---------------------

def _accepted(world: World) -> None:
    last = world.last
    assert last.ok, f"set-up action «{last.kind}» was refused: {last.error}"


@given(parsers.re(rf"{ORG} сделало ставку {AMOUNT} в {TIME}"), converters=MONEY_AND_TIME)
def has_bid(world: World, org: str, amount: Money, time: datetime) -> None:
    _bid(world, org, amount, time)
    _accepted(world)


@given(parsers.re(rf"{ORG} подало предложение {AMOUNT} в {TIME}"), converters=MONEY_AND_TIME)
def has_offered(world: World, org: str, amount: Money, time: datetime) -> None:
    _offer(world, org, amount, time)
    _accepted(world)


@given(parsers.re(rf"{ORG} изменило предложение на {AMOUNT} в {TIME}"), converters=MONEY_AND_TIME)
def has_edited(world: World, org: str, amount: Money, time: datetime) -> None:
    _edit(world, org, amount, time)
    _accepted(world)


@given(parsers.re(rf"{ORG} отозвало предложение в {TIME}"), converters={"time": at})
def has_withdrawn(world: World, org: str, time: datetime) -> None:
    _withdraw(world, org, time)
    _accepted(world)


# --- outcomes --------------------------------------------------------------------------------

def _about(world: World, subject: str) -> None:
    assert subject in SUBJECTS, f"unknown subject «{subject}»"
    assert world.last.kind == SUBJECTS[subject], (
        f"the last action was «{world.last.kind}», not «{SUBJECTS[subject]}»")


@step(parsers.re(r"(?P<subject>\w+) (?:принята|принято|принят)"))
def accepted(world: World, subject: str) -> None:
    _about(world, subject)
    assert world.last.ok, f"refused: {world.last.error.code if world.last.error else ''}: {world.last.error}"


@step(parsers.re(r"(?P<subject>\w+) (?:отклонена|отклонено|отклонён): (?P<reason>.+)"))
def refused(world: World, subject: str, reason: str) -> None:
    _about(world, subject)
    assert reason in REASONS, f"unknown reason «{reason}»; known: {sorted(REASONS)}"
    error = world.last.error
    assert error is not None, f"«{subject}» was accepted: {world.last.result}"
    assert isinstance(error, REASONS[reason]), f"refused for another reason: {error.code}: {error}"


@then(parsers.re(rf"сообщение об отказе не называет сумму {AMOUNT}"), converters={"amount": rub})
def refusal_keeps_secret(world: World, amount: Money) -> None:
    error = world.last.error
    assert error is not None
    told = f"{error.user_message()} {error.as_dict()}".replace(" ", "").replace("\u00a0", "")
    for spelling in (str(amount.amount), str(amount.amount.normalize()), f"{amount.amount:,.0f}".replace(",", "")):
        assert spelling not in told, f"the refusal reveals {spelling}: {told}"


@then("ответ на повтор совпадает с первым ответом и помечен как повтор")
def replay_matches(world: World) -> None:
    first, again = world.outcomes[-2], world.outcomes[-1]
    assert first.ok and again.ok
    assert not first.result.replayed and again.result.replayed
    assert (again.result.item_id, again.result.amount, again.result.at, again.result.kind) == (
        first.result.item_id, first.result.amount, first.result.at, first.result.kind)


# --- the state of the lot, as the organiser sees it --------------------------------------------

@step(parsers.re(rf"лидирует {ORG} со ставкой {AMOUNT}"), converters={"amount": rub})
def leads(world: World, org: str, amount: Money) -> None:
    valid = [b for b in world.admin_view().bids if b.valid]
    assert valid, "there is no valid bid"
    top = max(valid, key=lambda b: b.amount)
    assert (world.name_of(top.organization_id), roubles(top.amount)) == (org, roubles(amount.amount))
    seen = world.view(world.first_admitted())
    assert seen.leading_amount == amount.amount


@step("по лоту нет действующих ставок")
def no_valid_bids(world: World) -> None:
    assert not any(b.valid for b in world.admin_view().bids)
    assert world.view(world.first_admitted()).leading_amount is None


@then(parsers.re(r"по лоту (?P<count>\d+) действующ(?:ая|ие|их) ставк(?:а|и|ок)"), converters={"count": int})
def valid_bid_count(world: World, count: int) -> None:
    assert sum(b.valid for b in world.admin_view().bids) == count


@step(parsers.re(rf"следующая ставка должна быть не ниже {AMOUNT}"), converters={"amount": rub})
def next_minimum(world: World, amount: Money) -> None:
    assert world.view(world.first_admitted()).next_minimum_bid == amount.amount


@step(parsers.re(r"приём ценовых предложений (?P<state>открыт|закрыт)"))
def offers_state(world: World, state: str) -> None:
    assert world.view(world.first_admitted()).offers_open is (state == "открыт")


@step(parsers.re(rf"у {ORG} действующее предложение {AMOUNT}"), converters={"amount": rub})
def has_active_offer(world: World, org: str, amount: Money) -> None:
    org_id = world.org(org).id
    active = [o for o in world.admin_view().offers if o.organization_id == org_id and o.status == "active"]
    assert [roubles(o.amount) for o in active] == [roubles(amount.amount)]


@step(parsers.re(rf"у {ORG} нет действующего предложения"))
def has_no_active_offer(world: World, org: str) -> None:
    org_id = world.org(org).id
    assert not [o for o in world.admin_view().offers if o.organization_id == org_id and o.status == "active"]


@then(parsers.re(rf"предложение {ORG} заменено ставкой"))
def offer_replaced(world: World, org: str) -> None:
    org_id = world.org(org).id
    mine = [o for o in world.admin_view().offers if o.organization_id == org_id]
    assert mine and mine[-1].status == "replaced"


@step(parsers.re(rf"лот закрывается в {TIME}"), converters={"time": at})
def closes_at(world: World, time: datetime) -> None:
    actual = world.admin_view().closes_at
    assert actual == time, f"the lot closes at {hhmm(actual)}"
    assert world.view(world.first_admitted()).closes_at == time


@then(parsers.re(rf"исходное время закрытия — {TIME}"), converters={"time": at})
def original_close(world: World, time: datetime) -> None:
    assert world.admin_view().closes_at_original == time


@then("лот ещё открыт")
def still_open(world: World) -> None:
    view = world.admin_view()
    assert view.status == LotStatus.OPEN.value
    assert view.winner_organization_id is None


@then("лот закрыт")
def closed(world: World) -> None:
    assert world.admin_view().status in (LotStatus.CLOSED.value, LotStatus.APPROVED.value)


@step(parsers.re(rf"лот выигрывает {ORG} (?P<how>ставкой|ценовым предложением) {AMOUNT}"),
      converters={"amount": rub})
def wins(world: World, org: str, how: str, amount: Money) -> None:
    view = world.admin_view()
    assert view.status != LotStatus.OPEN.value, "the lot is still open"
    got = (world.name_of(view.winner_organization_id), view.winning_source, roubles(view.winning_amount))
    assert got == (org, "bid" if how == "ставкой" else "offer", roubles(amount.amount))


@then("лот не продан")
def unsold(world: World) -> None:
    view = world.admin_view()
    assert view.status != LotStatus.OPEN.value, "the lot is still open"
    assert (view.winner_organization_id, view.winning_amount) == (None, None)
