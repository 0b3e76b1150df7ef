"""The live channel in process: server-sent events of one lot, anonymised, resumable, never sealed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from omk_domain.app.auctions import AnnulBid, EditOffer, ListLots, PlaceBid, ReplaceOfferWithBid, SubmitOffer
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.shared.money import Money
from omk_web.app import create_app
from tests.contract.builders import STAFF, inn
from tests.web.conftest import Portal
from tests.web.livekit import serving, watching

pytestmark = [pytest.mark.web, pytest.mark.anyio]

ANNA = "anna@uchastnik0.ru"
BORIS = "boris@uchastnik1.ru"


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def bid(portal: Portal, who: int, amount: str) -> Any:
    return portal.services.bus.handle(PlaceBid(lot_id=portal.market.lot_ids[0], amount=Money.rub(amount)),
                                      portal.market.bidders[who])


async def test_a_bid_by_boris_reaches_annas_stream_anonymised_with_the_new_leader_and_next_minimum(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    app = create_app(portal.services, scheduler=False)
    with serving(app) as base:
        async with watching(base, f"/live/lots/{lot}", bearer(portal.token(ANNA))) as anna:
            await anna.next("heartbeat")
            bid(portal, 1, "85000")
            got = await anna.next("bid")
            bid(portal, 0, "85500")
            mine = await anna.next("bid", after=anna.events.index(got) + 1)
    data = got["json"]
    assert got["id"] == "1"
    assert data["bid"]["alias"] == "Участник 2" and data["bid"]["mine"] is False
    assert Decimal(data["bid"]["amount"]) == 85000 and data["bid"]["placed_at"]
    assert data["leading_alias"] == "Участник 2" and Decimal(data["next_minimum_bid"]) == 85500
    assert mine["id"] == "2" and mine["json"]["bid"]["mine"] is True
    boris_org = portal.market.bidders[1].organization_id
    assert boris_org.encode() not in anna.raw and "ООО Участник 1".encode() not in anna.raw


async def test_a_watcher_reconnecting_with_last_event_id_gets_exactly_the_bids_it_missed(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with serving(create_app(portal.services, scheduler=False)) as base:
        token = portal.token(ANNA)
        async with watching(base, f"/live/lots/{lot}", bearer(token)) as first:
            await first.next("heartbeat")
            bid(portal, 1, "85000")
            await first.next("bid")
        # the connection dropped; two bids happen meanwhile
        bid(portal, 0, "85500")
        bid(portal, 1, "86000")
        async with watching(base, f"/live/lots/{lot}", {**bearer(token), "Last-Event-ID": "1"}) as again:
            await again.next("heartbeat")
            replayed = again.named("bid")
            assert not again.named("snapshot")
    assert [e["id"] for e in replayed] == ["2", "3"]
    assert [Decimal(e["json"]["bid"]["amount"]) for e in replayed] == [85500, 86000]
    assert [e["json"]["bid"]["mine"] for e in replayed] == [True, False]
    assert Decimal(replayed[-1]["json"]["next_minimum_bid"]) == 86500


async def test_after_an_annulment_in_the_gap_the_watcher_gets_a_snapshot_of_the_current_state(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    bid(portal, 1, "85000")
    bid(portal, 0, "85500")
    with serving(create_app(portal.services, scheduler=False)) as base:
        admin = portal.services.bus.handle(ListLots(auction_id=portal.market.auction_id), STAFF)[0]
        portal.services.bus.handle(AnnulBid(lot_id=lot, bid_id=admin.bids[1].bid_id, reason="Ошибка"), STAFF)
        async with watching(base, f"/live/lots/{lot}", {**bearer(portal.token(BORIS)), "Last-Event-ID": "2"}) as w:
            snap = await w.next("snapshot")
            current = await w.next("heartbeat")
    assert snap["id"] == "3" and current["json"]["version"] == 3
    assert [(b["alias"], Decimal(b["amount"]), b["mine"]) for b in snap["json"]["bids"]] == [
        ("Участник 2", Decimal(85000), True)]
    assert Decimal(snap["json"]["leading_amount"]) == 85000 and Decimal(snap["json"]["next_minimum_bid"]) == 85500


async def test_a_first_connection_without_an_event_id_starts_from_a_snapshot_and_one_up_to_date_gets_none(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    bid(portal, 1, "85000")
    with serving(create_app(portal.services, scheduler=False)) as base:
        async with watching(base, f"/live/lots/{lot}", bearer(portal.token(ANNA))) as fresh:
            await fresh.next("snapshot")
        async with watching(base, f"/live/lots/{lot}?since=1", bearer(portal.token(ANNA))) as current:
            await current.next("heartbeat")
            assert not current.named("snapshot") and not current.named("bid")


async def test_heartbeats_carry_the_server_time(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    app = create_app(portal.services, scheduler=False)
    with serving(app) as base:
        app.state.live_hub.heartbeat = 0.2
        async with watching(base, f"/live/lots/{lot}", bearer(portal.token(ANNA))) as w:
            first = await w.next("heartbeat")
            portal.clock.advance(timedelta(seconds=42))
            later = await w.next("heartbeat", after=w.events.index(first) + 1)
    assert first["json"]["server_time"] != later["json"]["server_time"]
    assert later["json"]["server_time"] == portal.clock.now().isoformat()


async def test_the_close_reaches_watchers_and_nothing_sealed_is_ever_sent(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    anna, boris = portal.market.bidders
    bus = portal.services.bus
    with serving(create_app(portal.services, scheduler=False)) as base:
        async with watching(base, f"/live/lots/{lot}", bearer(portal.token(ANNA))) as a_stream, \
                watching(base, f"/live/lots/{lot}", bearer(portal.token(BORIS))) as b_stream:
            await a_stream.next("heartbeat")
            await b_stream.next("heartbeat")
            offer = bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("79123.45")), boris)
            bus.handle(EditOffer(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("79234.56")), boris)
            other = bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("78111.11")), anna)
            bus.handle(ReplaceOfferWithBid(lot_id=lot, offer_id=offer.item_id, amount=Money.rub("85000")), boris)
            await a_stream.next("bid")
            portal.clock.set(portal.market.ends_at + timedelta(seconds=1))
            run_due_transitions(portal.services.uow_factory, portal.clock)
            portal.services.relay.pump()
            closed = await a_stream.next("closed")
            await b_stream.next("closed")
    assert closed["json"]["lot_status"] == "closed"
    sent = bytes(a_stream.raw) + bytes(b_stream.raw)
    for secret in ("79123", "79234", "78111", offer.item_id, other.item_id, anna.organization_id,
                   boris.organization_id, "ООО", "offer_id", "my_offer", "winner"):
        assert secret.encode() not in sent, secret


async def test_a_stranger_gets_the_404_of_a_missing_lot_and_a_visitor_must_sign_in(portal: Portal) -> None:
    stranger = portal.services.bus.handle(RegisterOrganization(name="ООО Посторонний", inn=inn(78)), STAFF)
    portal.add_person("eve@stranger.ru", stranger.id)
    lot = portal.market.lot_ids[0]
    with serving(create_app(portal.services, scheduler=False)) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            theirs = await client.get(f"/live/lots/{lot}", headers=bearer(portal.token("eve@stranger.ru")))
            missing = await client.get("/live/lots/nope", headers=bearer(portal.token("eve@stranger.ru")))
            anonymous = await client.get(f"/live/lots/{lot}", headers={"accept": "application/json"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"]
    assert anonymous.status_code == 401
