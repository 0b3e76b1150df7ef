"""The lot page: terms, feed and forms; each action allowed or refused with its reason; PRG flows."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from omk_domain.app.auctions import AnnulBid, ViewLot
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions import errors
from omk_domain.auctions.actions import CLOSED, NO_ACTIVE_OFFER
from omk_domain.identity.model import Role
from tests.contract.builders import STAFF, inn
from tests.web.conftest import Portal, csrf

pytestmark = pytest.mark.web

ANNA = "anna@uchastnik0.ru"
BORIS = "boris@uchastnik1.ru"
BORIS_ORG_NAME = "ООО Участник 1"


def key_of(page: str, form: str) -> str:
    found = re.search(rf'action="[^"]*/{form}"[^>]*>.*?name="client_key" value="([^"]+)"', page, re.S)
    assert found, page
    return found.group(1)


def reason_beside(page: str, form: str) -> str | None:
    """The refusal shown inside the form posting to `form` (visible text, not a tooltip)."""
    body = re.search(rf'<form method="post" action="[^"]*/{form}".*?</form>', page, re.S)
    assert body, f"no form {form}"
    reason = re.search(r'<p class="reason" data-reason>(.*?)</p>', body.group(0), re.S)
    return reason.group(1).strip() if reason else None


def unescape(text: str) -> str:
    return text.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")


def post(client: Any, path: str, data: dict[str, str]) -> Any:
    return client.post(path, data=data, headers=csrf(client), follow_redirects=False)


def test_the_page_shows_the_terms_server_time_and_the_next_minimum_bid_prefilled(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get(f"/lots/{lot}")
    assert page.status_code == 200
    text = page.text
    assert "85\u202f000,00\u00a0₽" in text and "500,00\u00a0₽" in text  # start price and step
    assert "100 т" in text or "100" in text
    assert f'data-server-now="{portal.clock.now().isoformat()}"' in text
    assert 'data-closes-at-original="' in text
    assert re.search(r'id="bid-amount"[^>]*value="85000', text)
    assert reason_beside(text, "bid") is None and reason_beside(text, "offer") is None
    assert "<script>" not in text and 'src="/static/lot.js"' in text


def test_a_bid_through_the_form_redirects_with_a_flash_and_shows_as_mine(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get(f"/lots/{lot}").text
        done = post(client, f"/lots/{lot}/bid", {"amount": "85000", "client_key": key_of(page, "bid")})
        assert done.status_code == 303
        assert done.headers["location"] == f"/lots/{lot}?flash=bid_placed"
        after = client.get(done.headers["location"]).text
    assert "Ставка принята." in after
    assert re.search(r'class="mine">\s*<td>Участник 1 <span class="you">вы</span>', after)
    assert unescape(reason_beside(after, "bid") or "") == errors.LeaderCannotOutbidItself.message_ru
    assert re.search(r'id="bid-amount"[^>]*value="85500', after)


def test_a_double_submitted_bid_form_places_one_bid(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        key = key_of(client.get(f"/lots/{lot}").text, "bid")
        first = post(client, f"/lots/{lot}/bid", {"amount": "85000", "client_key": key})
        second = post(client, f"/lots/{lot}/bid", {"amount": "85000", "client_key": key})
    assert first.status_code == second.status_code == 303
    view = portal.services.bus.handle(ViewLot(lot_id=lot), portal.market.bidders[0])
    assert len(view.bids) == 1


def test_a_refused_bid_shows_the_form_again_with_the_reason_and_the_entered_amount(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get(f"/lots/{lot}").text
        low = post(client, f"/lots/{lot}/bid", {"amount": "84000", "client_key": key_of(page, "bid")})
        junk = post(client, f"/lots/{lot}/bid", {"amount": "много", "client_key": "k2"})
    assert low.status_code == 422
    assert errors.BidBelowStartPrice.message_ru in unescape(low.text)
    assert re.search(r'id="bid-amount"[^>]*value="84000"', low.text)
    assert junk.status_code == 422 and 'role="alert"' in junk.text


def test_the_others_page_shows_the_bid_under_an_alias_and_refuses_a_new_offer_saying_why(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as anna:
        portal.sign_in(anna, ANNA)
        page = anna.get(f"/lots/{lot}").text
        post(anna, f"/lots/{lot}/bid", {"amount": "85000", "client_key": key_of(page, "bid")})
    with portal.client() as boris:
        portal.sign_in(boris, BORIS)
        seen = boris.get(f"/lots/{lot}").text
    assert "Участник 1" in seen and "ООО Участник 0" not in seen
    assert unescape(reason_beside(seen, "offer") or "") == errors.OffersClosedByOpenBid.message_ru
    assert re.search(r'id="offer-amount"[^>]*disabled', seen)
    assert reason_beside(seen, "bid") is None


def test_an_offer_is_made_edited_and_withdrawn_through_the_forms(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, BORIS)
        page = client.get(f"/lots/{lot}").text
        made = post(client, f"/lots/{lot}/offer", {"amount": "80000", "client_key": key_of(page, "offer")})
        assert made.headers["location"].endswith("flash=offer_saved")
        page = client.get(made.headers["location"]).text
        assert "80\u202f000,00\u00a0₽" in page and "действует" in page
        assert unescape(reason_beside(page, "offer/edit") or "") == ""
        offer_id = re.search(r'name="offer_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        edited = post(client, f"/lots/{lot}/offer/edit", {"offer_id": offer_id, "amount": "81000",
                                                          "client_key": key_of(page, "offer/edit")})
        page = client.get(edited.headers["location"]).text
        assert "81\u202f000,00\u00a0₽" in page
        gone = post(client, f"/lots/{lot}/offer/withdraw", {"offer_id": offer_id,
                                                            "client_key": key_of(page, "offer/withdraw")})
        assert gone.headers["location"].endswith("flash=offer_withdrawn")
        page = client.get(gone.headers["location"]).text
    assert "Ценовое предложение отозвано." in page and "отозвано" in page
    assert reason_beside(page, "offer") is None  # a new offer may be made again


def test_an_offer_at_the_start_price_is_refused_beside_the_form_in_russian(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, BORIS)
        page = client.get(f"/lots/{lot}").text
        refused = post(client, f"/lots/{lot}/offer", {"amount": "85000", "client_key": key_of(page, "offer")})
    assert refused.status_code == 422
    assert "строго ниже стартовой цены" in unescape(refused.text)


def test_an_offer_is_replaced_by_a_bid_in_one_step(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, BORIS)
        page = client.get(f"/lots/{lot}").text
        page = client.get(post(client, f"/lots/{lot}/offer", {"amount": "80000", "client_key": key_of(page, "offer")})
                          .headers["location"]).text
        offer_id = re.search(r'name="offer_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        done = post(client, f"/lots/{lot}/offer/replace", {"offer_id": offer_id, "amount": "85000",
                                                           "client_key": key_of(page, "offer/replace")})
        assert done.headers["location"].endswith("flash=offer_replaced")
        page = client.get(done.headers["location"]).text
    assert "Ценовое предложение заменено ставкой." in page and "заменено ставкой" in page
    view = portal.services.bus.handle(ViewLot(lot_id=lot), portal.market.bidders[1])
    assert view.i_lead and view.my_offer is not None and view.my_offer.status == "replaced"


def test_without_an_offer_there_is_nothing_to_edit_and_after_the_close_every_action_says_trading_is_over(
        portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        assert NO_ACTIVE_OFFER not in client.get(f"/lots/{lot}").text  # no edit form shown at all
        portal.clock.set(portal.market.ends_at + timedelta(seconds=1))
        run_due_transitions(portal.services.uow_factory, portal.clock)
        portal.sign_in(client, ANNA)  # two hours later the session has idled out
        page = client.get(f"/lots/{lot}").text
        late = post(client, f"/lots/{lot}/bid", {"amount": "85000", "client_key": "late"})
    assert reason_beside(page, "bid") == CLOSED and reason_beside(page, "offer") == CLOSED
    assert late.status_code == 409 and errors.BiddingClosed.message_ru in late.text


def test_an_annulled_bid_disappears_from_the_feed(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get(f"/lots/{lot}").text
        post(client, f"/lots/{lot}/bid", {"amount": "85000", "client_key": key_of(page, "bid")})
        admin = portal.services.bus.handle(ViewLot(lot_id=lot, on_behalf_of=portal.market.bidders[0].organization_id),
                                           STAFF)
        assert len(admin.bids) == 1
        from omk_domain.app.auctions import ListLots

        bid_id = portal.services.bus.handle(ListLots(auction_id=portal.market.auction_id), STAFF)[0].bids[0].bid_id
        portal.services.bus.handle(AnnulBid(lot_id=lot, bid_id=bid_id, reason="Ошибка оператора"), STAFF)
        page = client.get(f"/lots/{lot}").text
    assert "Открытых ставок пока нет." in page and 'data-alias="Участник 1"' not in page


def test_a_member_of_another_organisation_gets_the_same_404_as_for_a_missing_lot(portal: Portal) -> None:
    stranger_org = portal.services.bus.handle(RegisterOrganization(name="ООО Посторонний", inn=inn(77)), STAFF)
    portal.add_person("eve@stranger.ru", stranger_org.id)
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        portal.sign_in(client, "eve@stranger.ru")
        seen = client.get(f"/lots/{lot}")
        missing = client.get("/lots/no-such-lot")
        tries = [post(client, f"/lots/{lot}/{form}", {"amount": "85000", "offer_id": "x", "client_key": "k"})
                 for form in ("bid", "offer", "offer/edit", "offer/withdraw", "offer/replace")]
    assert seen.status_code == missing.status_code == 404
    assert [t.status_code for t in tries] == [404] * 5


def test_signed_out_visitors_are_sent_to_sign_in(portal: Portal) -> None:
    with portal.client() as client:
        page = client.get(f"/lots/{portal.market.lot_ids[0]}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin?next=")


def test_staff_see_the_organisers_view_read_only_with_offers(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    portal.add_person("olga@omk.ru", None, role=Role.ORGANISER)
    with portal.client() as client:
        portal.sign_in(client, BORIS)
        page = client.get(f"/lots/{lot}").text
        post(client, f"/lots/{lot}/offer", {"amount": "80000", "client_key": key_of(page, "offer")})
    with portal.client() as client:
        portal.sign_in(client, "olga@omk.ru")
        page = client.get(f"/lots/{lot}")
    assert page.status_code == 200
    assert "просмотр организатора" in page.text and "80\u202f000,00\u00a0₽" in page.text
    assert "<form method=\"post\" action=\"/lots/" not in page.text


def test_the_api_replaces_an_offer_by_a_bid_and_hides_the_lot_from_a_stranger(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    stranger = portal.services.bus.handle(RegisterOrganization(name="ООО Чужой", inn=inn(79)), STAFF)
    portal.add_person("mallory@chuzhoy.ru", stranger.id)
    auth = {"authorization": f"Bearer {portal.token(BORIS)}"}
    with portal.client() as client:
        offer = client.post(f"/api/v1/lots/{lot}/offers", json={"amount": "80000"}, headers=auth).json()
        theirs = client.post(f"/api/v1/lots/{lot}/offers/{offer['item_id']}/replace", json={"amount": "85000"},
                             headers={"authorization": f"Bearer {portal.token('mallory@chuzhoy.ru')}"})
        done = client.post(f"/api/v1/lots/{lot}/offers/{offer['item_id']}/replace", json={"amount": "85000"},
                           headers={**auth, "Idempotency-Key": "replace-1"})
        again = client.post(f"/api/v1/lots/{lot}/offers/{offer['item_id']}/replace", json={"amount": "85000"},
                            headers={**auth, "Idempotency-Key": "replace-1"})
        bad = client.post(f"/api/v1/lots/{lot}/offers/{offer['item_id']}/replace", json={"amount": "дорого"},
                          headers=auth)
        view = client.get(f"/api/v1/lots/{lot}", headers=auth).json()
    assert theirs.status_code == 404 and theirs.json()["code"] == "lot_not_found"
    assert done.status_code == 201 and done.json()["kind"] == "bid"
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert 400 <= bad.status_code < 500
    assert view["my_offer"]["status"] == "replaced" and view["i_lead"] is True and len(view["bids"]) == 1
