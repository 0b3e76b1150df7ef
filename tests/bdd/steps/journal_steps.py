"""The tamper-evident journal: what it records, and tampering the verification must catch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
from pytest_bdd import parsers, step, then, when

from omk_domain.app import auctions as uc
from omk_domain.auctions.journal import JournalEntry
from tests.bdd.steps.world import World

KINDS = {
    "bid": "ставка",
    "offer": "ценовое предложение",
    "offer_edit": "изменение предложения",
    "offer_withdrawal": "отзыв предложения",
    "offer_replaced": "замена предложения ставкой",
    "extension": "продление",
    "annulment": "аннулирование",
    "result_recomputed": "пересчёт итогов",
    "close": "закрытие",
    "winner_declined": "отказ победителя",
    "approval": "утверждение итогов",
}


def _entries(world: World) -> list[JournalEntry]:
    """The stored chain itself: the steps below play someone with access to the database."""
    return world.store.journal[world.lot().id]


@then("журнал лота содержит записи:")
def journal_holds(world: World, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["№", "событие"], header
    with world.uow() as uow:
        entries = uow.journal.entries(world.lot().id)
    assert [[str(e.seq), KINDS.get(e.kind, e.kind)] for e in entries] == [
        [cell.strip() for cell in row] for row in rows]


@step("проверка журнала проходит")
def journal_verifies(world: World) -> None:
    report = world.run(uc.VerifyJournal(auction_id=world.auction().id))
    assert report.ok, report


@then(parsers.re(r"проверка журнала находит нарушение в записи № (?P<seq>\d+)"), converters={"seq": int})
def journal_broken_at(world: World, seq: int) -> None:
    report = world.run(uc.VerifyJournal(auction_id=world.auction().id))
    assert not report.ok
    (verdict,) = report.lots
    assert verdict.first_broken_seq == seq, verdict


@when(parsers.re(r"кто-то меняет сумму в записи № (?P<seq>\d+) журнала"), converters={"seq": int})
def alters_amount(world: World, seq: int) -> None:
    entries = _entries(world)
    entry = entries[seq - 1]
    assert "amount" in entry.data, f"entry {seq} ({entry.kind}) has no amount"
    forged = dict(entry.data, amount=str(Decimal(entry.data["amount"]) - 1000))
    entries[seq - 1] = attrs.evolve(entry, data=forged)


@when(parsers.re(r"кто-то меняет время в записи № (?P<seq>\d+) журнала"), converters={"seq": int})
def alters_time(world: World, seq: int) -> None:
    entries = _entries(world)
    entries[seq - 1] = attrs.evolve(entries[seq - 1], recorded_at=entries[seq - 1].recorded_at - timedelta(minutes=1))


@when(parsers.re(r"кто-то удаляет запись № (?P<seq>\d+) журнала"), converters={"seq": int})
def deletes_entry(world: World, seq: int) -> None:
    del _entries(world)[seq - 1]


@when(parsers.re(r"кто-то меняет местами записи № (?P<a>\d+) и № (?P<b>\d+) журнала"),
      converters={"a": int, "b": int})
def swaps_entries(world: World, a: int, b: int) -> None:
    entries = _entries(world)
    entries[a - 1], entries[b - 1] = entries[b - 1], entries[a - 1]


@when(parsers.re(r"кто-то удаляет из журнала записи, начиная с № (?P<seq>\d+)"), converters={"seq": int})
def truncates_from(world: World, seq: int) -> None:
    del _entries(world)[seq - 1:]


@when("кто-то удаляет из журнала последнюю запись")
def drops_last(world: World) -> None:
    _entries(world).pop()
