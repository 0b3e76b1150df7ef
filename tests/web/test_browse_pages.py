"""A client's auction page and the lot list with search, and their JSON counterparts: what an admitted
organisation sees, that a stranger gets exactly a missing id's 404, and that bad input is a 4xx."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from omk_domain.app.auctions import AddLots, AdmitOrganization, CreateAuction, PublishAuction
from omk_domain.app.lot_import import LotDraft
from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
from omk_domain.identity.model import Role
from omk_domain.identity.policy import Permission
from omk_domain.shared.money import Money, Quantity, Unit
from tests.contract.builders import STAFF, T0
from tests.web.conftest import Portal
from tests.web.test_calendar import ANNA, BORIS, auction, org_of, stranger

pytestmark = pytest.mark.web


def bearer(portal: Portal, email: str, permissions: frozenset[Permission] | None = None) -> dict[str, str]:
    return {"authorization": f"Bearer {portal.token(email, permissions)}"}


def seamless_auction(portal: Portal, admit: list[str]) -> str:
    """Two lots: seamless pipe (Ø219×10, 09Г2С, ГОСТ 8732-78, Челябинск) and welded (Ø530×8, Выкса)."""
    bus = portal.services.bus
    made = bus.handle(CreateAuction(number="S-77", title="Трубы для нефтегаза", format=AuctionFormat.OPEN,
                                    starts_at=T0 + timedelta(days=2), ends_at=T0 + timedelta(days=2, hours=3),
                                    soft_close=SoftClose(window=timedelta(minutes=5),
                                                         extension=timedelta(minutes=10))), STAFF)
    lots = (
        LotDraft(row=2, number=1, title="Трубы бесшовные горячедеформированные",
                 product=ProductSpec(product_type="Труба бесшовная", diameter_mm=219.0, wall_mm=10.0,
                                     steel_grade="09Г2С", standard="ГОСТ 8732-78", warehouse="Челябинск"),
                 quantity=Quantity(Decimal("40"), Unit.TONNE), start_price=Money.rub("120000"),
                 bid_step=Money.rub("1000"), floor_price=None),
        LotDraft(row=3, number=2, title="Трубы электросварные прямошовные",
                 product=ProductSpec(product_type="Труба электросварная", diameter_mm=530.0, wall_mm=8.0,
                                     steel_grade="17Г1С", standard="ГОСТ 20295-85", warehouse="Выкса"),
                 quantity=Quantity(Decimal("60"), Unit.TONNE), start_price=Money.rub("95000"),
                 bid_step=Money.rub("500"), floor_price=None),
    )
    bus.handle(AddLots(auction_id=made.id, drafts=lots), STAFF)
    for org in admit:
        bus.handle(AdmitOrganization(auction_id=made.id, organization_id=org), STAFF)
    bus.handle(PublishAuction(auction_id=made.id), STAFF)
    return str(made.id)


def lot_links(html: str) -> list[str]:
    return re.findall(r'href="/lots/([0-9a-f]+)"', html)


def titles(html: str) -> list[str]:
    """The titles of the lots listed (their links)."""
    return re.findall(r'href="/lots/[0-9a-f]+">([^<]+)</a>', html)


# --- the auction page ---------------------------------------------------------------------------


def test_an_admitted_client_sees_the_terms_and_every_lot_with_its_own_position(portal: Portal) -> None:
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=bearer(portal, ANNA))
        portal.sign_in(client, ANNA)
        page = client.get(f"/auctions/{portal.market.auction_id}")
    assert page.status_code == 200, page.text
    assert "Аукцион № A-1" in page.text
    assert "смешанная" in page.text and "открытые ставки и, пока их нет, закрытые ценовые предложения" in page.text
    assert "Мягкое закрытие выключено" in page.text
    assert lot_links(page.text) == portal.market.lot_ids
    assert "лидирую" in page.text
    assert "85\u202f000,00" in page.text
    assert "1 ч 58 мин" in page.text  # the clock: a minute and the sign-in's seconds after a two-hour auction began


def test_the_soft_close_rules_are_explained(portal: Portal) -> None:
    auction_id = seamless_auction(portal, [org_of(portal, ANNA)])
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get(f"/auctions/{auction_id}")
    assert "в последние 5 мин до закрытия лота" in page.text
    assert "момент ставки + 10 мин" in page.text
    assert "Труба бесшовная Ø219×10 мм, сталь 09Г2С, ГОСТ 8732-78" in page.text


def test_an_organisation_not_admitted_gets_the_same_404_as_for_a_missing_auction(portal: Portal) -> None:
    email = stranger(portal)
    with portal.client() as client:
        portal.sign_in(client, email)
        hidden = client.get(f"/auctions/{portal.market.auction_id}")
        missing = client.get("/auctions/0123456789abcdef0123456789abcdef")
        api_hidden = client.get(f"/api/v1/auctions/{portal.market.auction_id}", headers=bearer(portal, email))
        api_missing = client.get("/api/v1/auctions/0123456789abcdef0123456789abcdef", headers=bearer(portal, email))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text == missing.text
    assert api_hidden.status_code == api_missing.status_code == 404
    # the same problem; only the echo of the id asked for differs
    assert {k: v for k, v in api_hidden.json().items() if k not in ("instance", "context")} == \
        {k: v for k, v in api_missing.json().items() if k not in ("instance", "context")}
    assert api_hidden.json()["context"] == {"auction_id": portal.market.auction_id}


def test_the_organisers_staff_see_drafts_and_the_lots_in_full(portal: Portal) -> None:
    draft = auction(portal, "D-9", starts=T0 + timedelta(days=4), ends=T0 + timedelta(days=4, hours=2), admit=[],
                    publish=False)
    portal.add_person("organiser@omk.ru", None, role=Role.ORGANISER)
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        client.post(f"/api/v1/lots/{lot}/offers", json={"amount": "80000"}, headers=bearer(portal, ANNA))
        portal.sign_in(client, "organiser@omk.ru")
        month = client.get("/auctions", params={"year": 2026, "month": 12})
        page = client.get(f"/auctions/{portal.market.auction_id}")
        draft_page = client.get(f"/auctions/{draft}")
    assert f"/auctions/{draft}" in month.text
    assert page.status_code == draft_page.status_code == 200
    assert lot_links(page.text) == portal.market.lot_ids
    assert re.search(r'<td class="num">0 / 1</td>', page.text)  # no bids, one sealed offer: staff only


def test_the_auction_api_gives_the_clients_lot_views(portal: Portal) -> None:
    lot = portal.market.lot_ids[1]
    with portal.client() as client:
        client.post(f"/api/v1/lots/{lot}/bids", json={"amount": "85000"}, headers=bearer(portal, BORIS))
        mine = client.get(f"/api/v1/auctions/{portal.market.auction_id}", headers=bearer(portal, ANNA))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["auction"]["number"] == "A-1"
    assert body["admin_lots"] == []
    assert [v["lot_id"] for v in body["lots"]] == portal.market.lot_ids
    second = body["lots"][1]
    assert second["i_lead"] is False
    assert Decimal(second["leading_amount"]) == Decimal("85000")
    assert second["bids"][0]["mine"] is False
    assert "organization_id" not in str(second["bids"])


# --- the lot list -------------------------------------------------------------------------------


def test_searching_for_a_word_form_finds_the_lot_in_another_form(portal: Portal) -> None:
    auction_id = seamless_auction(portal, [org_of(portal, ANNA)])
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/lots", params={"q": "труба бесшовная"})
    assert page.status_code == 200, page.text
    assert titles(page.text) == ["Трубы бесшовные горячедеформированные"]
    assert re.search(r"Найдено лотов: <span class=\"count\">1</span>", page.text)
    assert f"/auctions/{auction_id}" in page.text


def test_filters_narrow_the_lots(portal: Portal) -> None:
    seamless_auction(portal, [org_of(portal, ANNA)])
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        found = {name: titles(client.get("/lots", params=params).text) for name, params in {
            "diameter": {"diameter_from": "500", "diameter_to": "600"}, "wall": {"wall_from": "9,5"},
            "grade": {"steel_grade": "09г2с"}, "warehouse": {"warehouse": "Выкса"},
            "standard": {"standard": "ГОСТ 8732-78"}, "type": {"product_type": "Труба электросварная"}}.items()}
    seamless, welded = ["Трубы бесшовные горячедеформированные"], ["Трубы электросварные прямошовные"]
    market = ["Труба 530x8, партия 1", "Труба 530x8, партия 2"]  # the running market's lots: Ø530×8 too
    assert found == {"diameter": market + welded, "wall": seamless, "grade": seamless, "warehouse": welded,
                     "standard": seamless, "type": welded}


def test_the_lot_list_pages_with_a_total(portal: Portal) -> None:
    seamless_auction(portal, [org_of(portal, ANNA)])  # 2 + the market's 2 = 4 lots; 20 a page
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        first = client.get("/lots", params={"sort": "number"})
        beyond = client.get("/lots", params={"sort": "number", "page": 2})
    assert re.search(r"Найдено лотов: <span class=\"count\">4</span>", first.text)
    assert len(lot_links(first.text)) == 4
    assert lot_links(beyond.text) == []


def test_a_stranger_finds_no_lot_of_an_auction_it_is_not_admitted_to(portal: Portal) -> None:
    seamless_auction(portal, [org_of(portal, ANNA)])
    email = stranger(portal)
    with portal.client() as client:
        portal.sign_in(client, email)
        page = client.get("/lots", params={"q": "труба"})
        api = client.get("/api/v1/lots", params={"q": "труба"}, headers=bearer(portal, email))
    assert lot_links(page.text) == []
    assert api.json()["total"] == 0 and api.json()["items"] == []


@pytest.mark.parametrize(("params", "message"), [
    ({"diameter_from": "600", "diameter_to": "500"}, "Нижняя граница"),
    ({"wall_from": "толстая"}, "Размер в фильтре"),
    ({"q": "-сварная"}, "хотя бы одно искомое слово"),
])
def test_a_bad_search_is_shown_beside_the_form_with_a_4xx(portal: Portal, params: dict[str, str], message: str) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/lots", params=params)
    assert page.status_code == 422, page.text
    assert message in page.text
    assert 'action="/lots"' in page.text


@pytest.mark.parametrize("params", [{"page": "0"}, {"sort": "cheapest"}, {"q": "т" * 201}])
def test_malformed_lot_list_parameters_are_4xx(portal: Portal, params: dict[str, str]) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/lots", params=params)
    assert 400 <= page.status_code < 500


# --- the lot search API -------------------------------------------------------------------------


def test_the_lot_search_api_finds_pages_and_counts(portal: Portal) -> None:
    seamless_auction(portal, [org_of(portal, ANNA)])
    with portal.client() as client:
        found = client.get("/api/v1/lots", params={"q": "бесшовная труба", "limit": 1}, headers=bearer(portal, ANNA))
        page_two = client.get("/api/v1/lots", params={"sort": "number", "limit": 3, "offset": 3},
                              headers=bearer(portal, ANNA))
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["total"] == 1 and body["limit"] == 1
    assert body["items"][0]["title"] == "Трубы бесшовные горячедеформированные"
    assert body["items"][0]["start_price"] in ("120000", "120000.00")
    assert page_two.json()["total"] == 4 and len(page_two.json()["items"]) == 1


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "101"}, {"offset": "-1"}, {"diameter_from": "x"}, {"diameter_from": "-1"},
    {"diameter_from": "600", "diameter_to": "500"}, {"sort": "nope"}, {"q": "-одно"},
])
def test_bad_lot_search_api_parameters_are_4xx_problems(portal: Portal, params: dict[str, str]) -> None:
    with portal.client() as client:
        answer = client.get("/api/v1/lots", params=params, headers=bearer(portal, ANNA))
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
