"""The organiser's and the scheduler's steps: publishing, time passing, annulments, results."""

from __future__ import annotations

from datetime import datetime

from pytest_bdd import given, parsers, step, then, when

from omk_domain.app import auctions as uc
from omk_domain.auctions.values import AuctionStatus
from omk_domain.shared.money import Money
from tests.bdd.steps.world import AMOUNT, ORG, TIME, World, at, rub

MONEY_AND_TIME = {"amount": rub, "time": at}


# --- time and the scheduler ------------------------------------------------------------------

@step(parsers.re(rf"(?:наступает|наступило) {TIME}"), converters={"time": at})
def time_comes(world: World, time: datetime) -> None:
    """The server clock reaches the moment and the scheduler does whatever has fallen due."""
    world.move_to(time)
    world.tick()


@when(parsers.re(rf"планировщик срабатывает дважды в {TIME}"), converters={"time": at})
def scheduler_twice(world: World, time: datetime) -> None:
    world.move_to(time)
    world.tick()
    world.tick()


@then("торги начаты ровно один раз")
def started_once(world: World) -> None:
    assert [t.kind for t in world.transitions].count("auction_started") == 1


@then("лот закрыт ровно один раз")
def closed_once(world: World) -> None:
    closes = [t for t in world.transitions if t.kind == "lot_closed" and t.lot_id == world.lot().id]
    assert len(closes) == 1
    with world.uow() as uow:
        kinds = [e.kind for e in uow.journal.entries(world.lot().id)]
    assert kinds.count("close") == 1


# --- lifecycle -------------------------------------------------------------------------------

@when(parsers.re(rf"организатор публикует аукцион в {TIME}"), converters={"time": at})
def publishes(world: World, time: datetime) -> None:
    world.move_to(time)
    world.attempt("publish", uc.PublishAuction(auction_id=world.auction().id))


@given(parsers.re(rf"организатор опубликовал аукцион в {TIME}"), converters={"time": at})
def has_published(world: World, time: datetime) -> None:
    world.move_to(time)
    world.must("publish", uc.PublishAuction(auction_id=world.auction().id))


@when(parsers.re(rf"организатор отменяет аукцион в {TIME} по причине «(?P<reason>[^»]*)»"),
      converters={"time": at})
def cancels(world: World, time: datetime, reason: str) -> None:
    world.move_to(time)
    world.attempt("cancel", uc.CancelAuction(auction_id=world.auction().id, reason=reason))


@step(parsers.re(r"аукцион в статусе «(?P<label>[^»]+)»"))
def auction_status(world: World, label: str) -> None:
    summary = world.run(uc.ShowAuction(auction_id=world.auction().id)).auction
    assert AuctionStatus(summary.status).label_ru == label


# --- admissions ------------------------------------------------------------------------------

@given(parsers.re(rf"организатор отозвал допуск {ORG} в {TIME}"), converters={"time": at})
def revoked(world: World, org: str, time: datetime) -> None:
    world.move_to(time)
    world.must("revoke", uc.RevokeAdmission(auction_id=world.auction().id, organization_id=world.org(org).id))


@given(parsers.re(rf"организатор допустил {ORG} в {TIME}"), converters={"time": at})
def admitted_later(world: World, org: str, time: datetime) -> None:
    world.move_to(time)
    world.must("admit", uc.AdmitOrganization(auction_id=world.auction().id,
                                             organization_id=world.register(org).id))


# --- annulment -------------------------------------------------------------------------------

def _annul(world: World, org: str, amount: Money, time: datetime, reason: str) -> None:
    world.move_to(time)
    world.attempt("annul", uc.AnnulBid(lot_id=world.lot().id, bid_id=world.bid_id(org, amount), reason=reason))


@when(parsers.re(rf"организатор аннулирует ставку {ORG} на {AMOUNT} в {TIME} по причине «(?P<reason>[^»]*)»"),
      converters=MONEY_AND_TIME)
def annuls(world: World, org: str, amount: Money, time: datetime, reason: str) -> None:
    _annul(world, org, amount, time, reason)


@when(parsers.re(rf"организатор аннулирует ставку {ORG} на {AMOUNT} в {TIME} без причины"),
      converters=MONEY_AND_TIME)
def annuls_without_reason(world: World, org: str, amount: Money, time: datetime) -> None:
    _annul(world, org, amount, time, "   ")


@given(parsers.re(rf"организатор аннулировал ставку {ORG} на {AMOUNT} в {TIME} по причине «(?P<reason>[^»]*)»"),
       converters=MONEY_AND_TIME)
def has_annulled(world: World, org: str, amount: Money, time: datetime, reason: str) -> None:
    _annul(world, org, amount, time, reason)
    assert world.last.ok, world.last.error


# --- results ---------------------------------------------------------------------------------

@when(parsers.re(rf"организатор утверждает итоги в {TIME}"), converters={"time": at})
def approves(world: World, time: datetime) -> None:
    world.move_to(time)
    world.attempt("approve", uc.ApproveResults(auction_id=world.auction().id))


@given(parsers.re(rf"организатор утвердил итоги в {TIME}"), converters={"time": at})
def has_approved(world: World, time: datetime) -> None:
    world.move_to(time)
    world.must("approve", uc.ApproveResults(auction_id=world.auction().id))


@when(parsers.re(rf"победитель отказывается, и организатор (?P<decision>передаёт лот следующему|"
                 rf"оставляет лот непроданным) в {TIME}"), converters={"time": at})
def winner_declines(world: World, decision: str, time: datetime) -> None:
    world.move_to(time)
    world.attempt("decline", uc.DeclineWinner(lot_id=world.lot().id, reason="победитель отказался от покупки",
                                              pass_to_next=decision == "передаёт лот следующему"))


@then("итоги утверждены автоматически")
def approved_automatically(world: World) -> None:
    kinds = [t.kind for t in world.transitions if t.auction_id == world.auction().id]
    assert "results_auto_approved" in kinds
    assert not [o for o in world.outcomes if o.kind == "approve"], "the organiser approved by hand"
