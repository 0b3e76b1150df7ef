"""The live channel in process: server-sent events of one lot, anonymised, resumable, never sealed."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from omk_domain.app.auctions import (
    AnnulBid,
    EditOffer,
    ListLots,
    PlaceBid,
    ReplaceOfferWithBid,
    RevokeAdmission,
    SubmitOffer,
)
from omk_domain.app.identity import BlockOrganization, RegisterOrganization
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.app.signin import SignOut
from omk_domain.app.tokens import ListTokens, RevokeToken
from omk_domain.identity.model import Role
from omk_domain.shared.money import Money
from omk_web.app import create_app
from omk_web.auth import SESSION_COOKIE
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
    assert boris_org is not None
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
    for secret in ("79123", "79234", "78111", str(offer.item_id), str(other.item_id), str(anna.organization_id),
                   str(boris.organization_id), "ООО", "offer_id", "my_offer", "winner"):
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


# --- the watcher's authority, re-checked while it watches ---------------------------------------

def session_of(portal: Portal, email: str) -> dict[str, str]:
    """A browser's session cookie, got through the real sign-in pages."""
    with portal.client() as client:
        portal.sign_in(client, email)
        token = client.cookies.get(SESSION_COOKIE)
    assert token
    return {"cookie": f"{SESSION_COOKIE}={token}", "_token": token}


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.startswith("_")}


async def test_a_signed_out_watcher_gets_a_revoked_event_and_nothing_after_while_another_keeps_receiving(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    anna_session = session_of(portal, ANNA)
    app = create_app(portal.services, scheduler=False)
    with serving(app) as base:
        app.state.live_hub.recheck = 0.2  # re-checked every 0.2 s instead of every heartbeat
        async with watching(base, f"/live/lots/{lot}", cookie_only(anna_session)) as anna, \
                watching(base, f"/live/lots/{lot}", bearer(portal.token(BORIS))) as boris:
            await anna.next("heartbeat")
            await boris.next("heartbeat")
            portal.services.bus.handle(SignOut(token=anna_session["_token"]), None)
            ended = await anna.next("revoked")
            bid(portal, 1, "85000")
            await boris.next("bid")
        async with httpx.AsyncClient(base_url=base) as client:
            again = await client.get(f"/live/lots/{lot}",
                                     headers={**cookie_only(anna_session), "accept": "application/json"})
    assert ended["json"]["code"] == "session_invalid" and ended["json"]["sign_in"] is True
    assert "Войдите" in ended["json"]["message"]
    assert anna.events[-1] is ended and not anna.named("bid")  # the stream ended with it
    assert again.status_code == 401


async def test_revoking_an_admission_ends_that_organisations_stream_at_once_and_not_the_others(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    anna_org = portal.market.bidders[0].organization_id
    assert anna_org is not None
    anna_token = portal.token(ANNA)
    app = create_app(portal.services, scheduler=False)
    with serving(app) as base:
        app.state.live_hub.recheck = 3600.0  # no periodic re-check: the revocation's event does it
        async with watching(base, f"/live/lots/{lot}", bearer(anna_token)) as anna, \
                watching(base, f"/live/lots/{lot}", bearer(portal.token(BORIS))) as boris:
            await anna.next("heartbeat")
            await boris.next("heartbeat")
            portal.services.bus.handle(RevokeAdmission(auction_id=portal.market.auction_id,
                                                       organization_id=anna_org), STAFF)
            ended = await anna.next("revoked")
            bid(portal, 1, "85000")
            got = await boris.next("bid")
            assert not boris.named("revoked")
        async with httpx.AsyncClient(base_url=base) as client:
            again = await client.get(f"/live/lots/{lot}", headers=bearer(anna_token))
    assert ended["json"]["code"] == "organisation_not_admitted" and ended["json"]["sign_in"] is False
    assert ended["json"]["message"] == "Организация не допущена к торгам этого аукциона."
    assert anna.events[-1] is ended and not anna.named("bid")
    assert Decimal(got["json"]["bid"]["amount"]) == 85000
    assert again.status_code == 403 and again.json()["code"] == "organisation_not_admitted"


async def test_a_blocked_organisations_person_is_cut_off_at_the_next_recheck(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    anna_session = session_of(portal, ANNA)
    app = create_app(portal.services, scheduler=False)
    with serving(app) as base:
        app.state.live_hub.recheck = 0.2
        async with watching(base, f"/live/lots/{lot}", cookie_only(anna_session)) as anna:
            await anna.next("heartbeat")
            portal.services.bus.handle(BlockOrganization(organization_id=portal.people[ANNA][1] or "",
                                                         reason="Проверка службы безопасности"), STAFF)
            ended = await anna.next("revoked")
    assert ended["json"]["code"] == "organization_not_active" and ended["json"]["sign_in"] is False


async def test_a_revoked_api_token_is_cut_off_at_the_next_recheck(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    token = portal.token(ANNA)
    token_id = portal.services.bus.handle(ListTokens(organization_id=portal.market.bidders[0].organization_id),
                                          STAFF)[0].id
    app = create_app(portal.services, scheduler=False)
    with serving(app) as base:
        app.state.live_hub.recheck = 0.2
        async with watching(base, f"/live/lots/{lot}", bearer(token)) as anna:
            await anna.next("heartbeat")
            portal.services.bus.handle(RevokeToken(token_id=token_id), STAFF)
            ended = await anna.next("revoked")
    assert ended["json"]["code"] == "token_invalid" and ended["json"]["sign_in"] is True


# --- staff: the cabinet's notices --------------------------------------------------------------

OLGA = "olga@omk.ru"


async def naming(stream: Any, lot: str, *, after: int = 0) -> dict[str, Any]:
    """The first `changed` notice from index `after` on that names the lot."""
    while True:
        notice: dict[str, Any] = await stream.next("changed", after=after)
        if lot in notice["json"]["lots"]:
            return notice
        after = stream.events.index(notice) + 1


async def test_the_staff_stream_names_the_lots_that_changed_and_nothing_else(portal: Portal) -> None:
    portal.add_person(OLGA, None, role=Role.ORGANISER)
    lot = portal.market.lot_ids[0]
    olga = session_of(portal, OLGA)
    path = f"/live/admin/auctions/{portal.market.auction_id}"
    portal.services.relay.pump()  # the set-up's events (the auction's start concerns every lot) are out first
    with serving(create_app(portal.services, scheduler=False)) as base:
        async with watching(base, path, cookie_only(olga)) as staff:
            await staff.next("heartbeat")
            portal.services.bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("79123.45")),
                                       portal.market.bidders[0])
            first = await naming(staff, lot)
            bid(portal, 1, "85000")
            second = await naming(staff, lot, after=staff.events.index(first) + 1)
    assert first["json"]["lots"] == second["json"]["lots"] == [lot]
    for secret in ("79123", "85000", portal.people[ANNA][1] or "?", portal.people[BORIS][1] or "?", "ООО"):
        assert secret.encode() not in staff.raw, secret


async def test_the_staff_stream_refuses_clients_and_visitors(portal: Portal) -> None:
    path = f"/live/admin/auctions/{portal.market.auction_id}"
    with serving(create_app(portal.services, scheduler=False)) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            client_token = await client.get(path, headers=bearer(portal.token(ANNA)))
            client_session = await client.get(path, headers={**cookie_only(session_of(portal, BORIS)),
                                                              "accept": "application/json"})
            anonymous = await client.get(path, headers={"accept": "application/json"})
    assert client_token.status_code == client_session.status_code == 403
    assert client_token.json()["code"] == "forbidden"
    assert anonymous.status_code == 401


def test_the_cabinets_bids_page_wires_the_staff_stream(portal: Portal) -> None:
    portal.add_person(OLGA, None, role=Role.ORGANISER)
    auction = portal.market.auction_id
    with portal.client() as client:
        portal.sign_in(client, OLGA)
        page = client.get(f"/admin/auctions/{auction}/bids")
    assert page.status_code == 200
    assert f'data-live-staff="/live/admin/auctions/{auction}"' in page.text
    assert '<script src="/static/admin_live.js" defer></script>' in page.text
    for lot in portal.market.lot_ids:
        assert f'id="lot-{lot}"' in page.text


def test_the_organisers_view_of_a_lot_page_wires_the_staff_stream_around_its_tables(portal: Portal) -> None:
    portal.add_person(OLGA, None, role=Role.ORGANISER)
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, OLGA)
        page = client.get(f"/lots/{lot}")
    assert page.status_code == 200
    assert f'data-live-staff="/live/admin/auctions/{portal.market.auction_id}"' in page.text
    assert '<script src="/static/admin_live.js" defer></script>' in page.text
    # the one section the script swaps holds the terms, the bids and the offers
    section = page.text.split(f'<section class="lot-bids" id="lot-{lot}">', 1)[1]
    assert section.index("<h2>Ставки</h2>") < section.index("<h2>Ценовые предложения</h2>")


# --- the lot page's first-visit tour ----------------------------------------------------------

def test_the_lot_page_carries_the_tour_of_price_countdown_forms_and_feed(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get(f"/lots/{lot}")
    assert page.status_code == 200
    assert 'data-tour="lot"' in page.text
    steps = dict(re.findall(r'data-tour-step="(\d+)" data-tour-text="([^"]+)"', page.text))
    assert sorted(steps, key=int) == ["1", "2", "3", "4", "5"]
    assert "шаг" in steps["1"] and "Стартовая" in steps["1"]
    assert "продлева" in steps["2"] and "исходное" in steps["2"]
    assert "ставк" in steps["3"].lower()
    assert "предложени" in steps["4"].lower() and "закрыт" in steps["4"].lower()
    assert "обезличен" in steps["5"].lower()
