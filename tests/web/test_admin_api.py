"""The organiser's JSON API (/api/v1/admin/...): the same use cases as the cabinet pages, refused to clients."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from omk_domain.app.auctions import ListAdmissions, ShowAuction
from omk_domain.identity.model import Role
from tests.contract.builders import STAFF
from tests.web.cabinet import (
    ANNA,
    GOOD_ROWS,
    HEADER,
    draft_auction,
    lot_csv,
    lots_of,
    sealed_offers,
    sign_in_anna,
    sign_in_organiser,
    trade_and_finish,
)
from tests.web.conftest import Portal

pytestmark = pytest.mark.web

API = "/api/v1/admin"
NEW_AUCTION = {"number": "N-7", "title": "Трубы бесшовные 2027", "format": "mixed",
               "starts_at": "2026-12-10T10:00", "ends_at": "2026-12-10T12:00",
               "soft_close_window_min": 5, "soft_close_extension_min": 3}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["code"]
    assert any("а" <= ch <= "я" for ch in body["detail"].lower()), body["detail"]
    return body


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def auction_count(client: Any) -> int:
    return int(client.get(f"{API}/auctions", params={"limit": 1}).json()["total"])


# --- auctions --------------------------------------------------------------------------------


def test_the_organiser_creates_edits_fills_admits_and_publishes_an_auction(portal: Portal) -> None:
    orgs = [b.organization_id for b in portal.market.bidders]
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        created = client.post(f"{API}/auctions", json=NEW_AUCTION, headers=h)
        assert created.status_code == 201, created.text
        auction = created.json()
        assert auction["status"] == "draft"
        assert auction["starts_at"] == "2026-12-10T07:00:00Z"  # Moscow time in, UTC out
        assert auction["soft_close_window_min"] == 5

        edited = client.patch(f"{API}/auctions/{auction['id']}", json={"title": "Трубы ВГП", "ends_at":
                                                                       "2026-12-10T13:00"}, headers=h)
        assert edited.status_code == 200, edited.text
        assert edited.json()["title"] == "Трубы ВГП"
        assert edited.json()["ends_at"] == "2026-12-10T10:00:00Z"

        added = client.post(f"{API}/auctions/{auction['id']}/lots", headers=h, json={"lots": [
            {"number": 1, "title": "Труба 530x8", "product_type": "труба", "quantity": "100", "unit": "т",
             "start_price": "85000.00", "bid_step": "500", "diameter_mm": 530, "wall_mm": 8},
            {"number": 2, "title": "Труба 720x10", "product_type": "труба", "quantity": "20", "unit": "т",
             "start_price": "90000", "bid_step": "1000", "floor_price": "80000"}]})
        assert added.status_code == 201, added.text
        assert [lot["number"] for lot in added.json()] == [1, 2]
        assert added.json()[1]["floor_price"] == "80000.00"

        admitted = client.post(f"{API}/auctions/{auction['id']}/admissions", json={"organization_id": orgs[0]},
                               headers=h)
        assert admitted.status_code == 201, admitted.text
        assert admitted.json()["alias"]

        published = client.post(f"{API}/auctions/{auction['id']}/publish", headers=h)
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "scheduled"

        shown = client.get(f"{API}/auctions/{auction['id']}").json()
        found = client.get(f"{API}/auctions", params={"q": "ВГП", "status": "scheduled"}).json()
    assert len(shown["lots"]) == 2
    assert [a["number"] for a in found["items"]] == ["N-7"]
    assert found["total"] == 1


def test_the_list_is_paged_filtered_and_shows_drafts_to_the_organiser(portal: Portal) -> None:
    for n in range(3):
        draft_auction(portal, f"D-{n}")
    with portal.client() as client:
        sign_in_organiser(portal, client)
        first = client.get(f"{API}/auctions", params={"limit": 2, "offset": 0}).json()
        second = client.get(f"{API}/auctions", params={"limit": 2, "offset": 2}).json()
        drafts = client.get(f"{API}/auctions", params={"status": "draft"}).json()
        running = client.get(f"{API}/auctions", params={"status": "running"}).json()
        later = client.get(f"{API}/auctions", params={"from": "2026-12-02T00:00:00Z"}).json()
        bad = client.get(f"{API}/auctions", params={"status": "nonsense"})
    assert first["total"] == second["total"] == 4
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    assert {a["number"] for a in first["items"] + second["items"]} == {"A-1", "D-0", "D-1", "D-2"}
    assert drafts["total"] == 3
    assert [a["number"] for a in running["items"]] == ["A-1"]
    assert {a["number"] for a in later["items"]} == {"D-0", "D-1", "D-2"}
    assert bad.status_code == 400


@pytest.mark.parametrize("params", [{"status": "nonsense"}, {"from": "01.12.2026"}, {"until": "завтра"},
                                    {"q": "т" * 201}, {"limit": "1001"}, {"offset": "-1"}])
def test_a_bad_filter_of_the_organisers_list_is_a_400_problem(portal: Portal, params: dict[str, str]) -> None:
    with portal.client() as client:
        sign_in_organiser(portal, client)
        answer = client.get(f"{API}/auctions", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"starts_at": "10.12.2026 10:00"}, 422, "ISO 8601"),
    ({"starts_at": "2026-13-45T10:00"}, 422, "ISO 8601"),
    ({"ends_at": "2026-12-10T09:00"}, 422, "Окончание торгов должно быть позже начала"),
    ({"title": "Т" * 301}, 400, "300"),
    ({"title": "   "}, 422, "Название обязательно"),
    ({"number": "A-1"}, 422, "уже есть"),
    ({"soft_close_window_min": -1}, 400, ">= 0"),
    ({"format": "auction"}, 400, "format"),
    ({"unknown": 1}, 400, "unknown"),
])
def test_bad_auction_input_is_a_4xx_problem_and_creates_nothing(portal: Portal, change: dict[str, Any],
                                                               status: int, words: str) -> None:
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        before = auction_count(client)
        answer = client.post(f"{API}/auctions", json=NEW_AUCTION | change, headers=h)
        after = auction_count(client)
    body = problem(answer, status)
    assert words in body["detail"], body
    assert after == before


def test_bad_edits_are_refused_and_change_nothing(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        before = client.get(f"{API}/auctions/{auction_id}").json()["auction"]
        inverted = client.patch(f"{API}/auctions/{auction_id}", json={"ends_at": "2020-01-01T10:00"}, headers=h)
        bad_date = client.patch(f"{API}/auctions/{auction_id}", json={"starts_at": "завтра"}, headers=h)
        running = client.patch(f"{API}/auctions/{portal.market.auction_id}", json={"title": "Новое"}, headers=h)
        after = client.get(f"{API}/auctions/{auction_id}").json()["auction"]
    assert "позже начала" in problem(inverted, 422)["detail"]
    assert problem(bad_date, 422)["code"] == "moment_invalid"
    assert problem(running, 409)["code"]
    assert after == before


def test_cancelling_needs_a_reason_and_then_cancels(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        missing = client.post(f"{API}/auctions/{auction_id}/cancel", json={}, headers=h)
        blank = client.post(f"{API}/auctions/{auction_id}/cancel", json={"reason": "   "}, headers=h)
        long = client.post(f"{API}/auctions/{auction_id}/cancel", json={"reason": "x" * 1001}, headers=h)
        unchanged = client.get(f"{API}/auctions/{auction_id}").json()["auction"]["status"]
        done = client.post(f"{API}/auctions/{auction_id}/cancel", json={"reason": "Перенос сроков"}, headers=h)
    assert problem(missing, 400)["code"] == "request_invalid"
    assert "причин" in problem(blank, 422)["detail"].lower()
    assert problem(long, 400)["code"] == "request_invalid"
    assert unchanged == "draft"
    assert done.status_code == 200
    assert done.json()["status"] == "cancelled"
    assert done.json()["cancel_reason"] == "Перенос сроков"


def test_publishing_an_auction_without_lots_is_refused(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"{API}/auctions/{auction_id}/publish", headers=h)
        status = client.get(f"{API}/auctions/{auction_id}").json()["auction"]["status"]
    assert "ни одного лота" in problem(answer, 422)["detail"]
    assert status == "draft"


# --- lots --------------------------------------------------------------------------------------


def test_a_good_csv_and_a_good_xlsx_add_every_lot(portal: Portal) -> None:
    first, second = draft_auction(portal, "F-1"), draft_auction(portal, "F-2")
    book = xlsx([HEADER.split(";"), [1, "Труба 530x8", "труба", 530, 8, 100, "т", 85000, 500, None]])
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        from_csv = client.post(f"{API}/auctions/{first}/lots/file", headers=h,
                               files={"file": ("лоты.csv", lot_csv(*GOOD_ROWS), "text/csv")})
        from_xlsx = client.post(f"{API}/auctions/{second}/lots/file", headers=h,
                                files={"file": ("lots.xlsx", book, "application/octet-stream")})
    assert from_csv.status_code == 201, from_csv.text
    assert from_csv.json()["imported"] == 2
    assert from_xlsx.status_code == 201, from_xlsx.text
    assert from_xlsx.json()["lots"][0]["title"] == "Труба 530x8"
    assert [lot.number for lot in lots_of(portal, first)] == [1, 2]


def test_a_lot_file_with_one_bad_row_is_a_422_naming_the_row_and_adds_nothing(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    data = lot_csv(GOOD_ROWS[0], "2;Труба 720x10;труба;720;10;50;кг;90000;1000;", GOOD_ROWS[1].replace("2;", "3;", 1))
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"{API}/auctions/{auction_id}/lots/file", headers=h,
                             files={"file": ("lots.csv", data, "text/csv")})
    body = problem(answer, 422)
    assert body["code"] == "lot_file_rejected"
    assert body["errors"] == [{"row": 3, "column": "unit", "code": "unit_unknown",
                               "reason": "Единица измерения должна быть одной из: т, м, шт."}]
    assert lots_of(portal, auction_id) == []


def test_every_bad_row_is_listed(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    data = lot_csv("1;Труба;труба;;;100;т;abc;500;", "1;Труба;труба;;;100;т;85000;500;90000")
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        body = problem(client.post(f"{API}/auctions/{auction_id}/lots/file", headers=h,
                                   files={"file": ("lots.csv", data, "text/csv")}), 422)
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "start_price"), (3, "floor_price"),
                                                               (3, "number")}


@pytest.mark.parametrize(("name", "content", "words"), [
    ("lots.pdf", b"%PDF-1.4 not a lot list", "нужен файл .csv или .xlsx"),
    ("lots.csv", b"", "Файл пуст"),
    ("lots.csv", b"   \n  ", "Файл пуст"),
    ("lots.xlsx", b"this is not a workbook", "не является книгой Excel"),
    ("lots.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Старый формат Excel"),
    ("lots.csv", HEADER.encode() + b"\n", "нет ни одного лота"),
], ids=["pdf", "empty", "blank", "fake-xlsx", "old-xls", "header-only"])
def test_a_file_that_is_not_a_readable_lot_list_is_a_422_and_adds_nothing(portal: Portal, name: str,
                                                                           content: bytes, words: str) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"{API}/auctions/{auction_id}/lots/file", headers=h,
                             files={"file": (name, content, "application/octet-stream")})
    body = problem(answer, 422)
    assert words in body["detail"] + str(body.get("errors", "")), body
    assert lots_of(portal, auction_id) == []


def test_an_upload_without_a_file_is_a_400(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"{API}/auctions/{auction_id}/lots/file", headers=h, data={"other": "x"},
                             files={"nothing": ("a.txt", b"x", "text/plain")})
    assert 400 <= answer.status_code < 500
    assert lots_of(portal, auction_id) == []


@pytest.mark.parametrize("lot", [
    {"number": 1, "title": "Т", "product_type": "труба", "quantity": "100", "unit": "кг", "start_price": "1",
     "bid_step": "1"},
    {"number": 1, "title": "Т", "product_type": "труба", "quantity": "-1", "unit": "т", "start_price": "1",
     "bid_step": "1"},
    {"number": 1, "title": "Т", "product_type": "труба", "quantity": "1", "unit": "т", "start_price": "1e5",
     "bid_step": "1"},
    {"number": 1, "title": "Т", "product_type": "труба", "quantity": "1", "unit": "т", "start_price": "100",
     "bid_step": "1", "floor_price": "200"},
    {"number": 0, "title": "Т", "product_type": "труба", "quantity": "1", "unit": "т", "start_price": "1",
     "bid_step": "1"},
    {"number": 1, "title": "Т" * 301, "product_type": "труба", "quantity": "1", "unit": "т", "start_price": "1",
     "bid_step": "1"},
])
def test_a_bad_json_lot_adds_no_lot(portal: Portal, lot: dict[str, Any]) -> None:
    auction_id = draft_auction(portal)
    good = {"number": 2, "title": "Хорошая", "product_type": "труба", "quantity": "1", "unit": "т",
            "start_price": "100", "bid_step": "1"}
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"{API}/auctions/{auction_id}/lots", json={"lots": [good, lot]}, headers=h)
    problem(answer, answer.status_code)
    assert 400 <= answer.status_code < 500
    assert lots_of(portal, auction_id) == []


def test_lots_cannot_be_added_once_trading_started(portal: Portal) -> None:
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"{API}/auctions/{portal.market.auction_id}/lots/file", headers=h,
                             files={"file": ("lots.csv", lot_csv("9;Труба;труба;;;1;т;1;1;"), "text/csv")})
    assert problem(answer, 409)["code"]
    assert len(lots_of(portal, portal.market.auction_id)) == 2


# --- admissions, bids ----------------------------------------------------------------------------


def test_admissions_are_listed_paged_revoked_and_admitted_again(portal: Portal) -> None:
    auction_id = portal.market.auction_id
    org = portal.market.bidders[1].organization_id
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        listed = client.get(f"{API}/auctions/{auction_id}/admissions", params={"limit": 1}).json()
        revoked = client.delete(f"{API}/auctions/{auction_id}/admissions/{org}", headers=h)
        again = client.delete(f"{API}/auctions/{auction_id}/admissions/{org}", headers=h)
        unknown = client.post(f"{API}/auctions/{auction_id}/admissions", json={"organization_id": "nope"},
                              headers=h)
        readmitted = client.post(f"{API}/auctions/{auction_id}/admissions", json={"organization_id": org},
                                 headers=h)
    assert listed["total"] == 2 and len(listed["items"]) == 1
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert 400 <= again.status_code < 500
    assert problem(unknown, 404)["code"]
    assert readmitted.status_code == 201, readmitted.text
    lines = portal.services.bus.handle(ListAdmissions(auction_id=auction_id), STAFF)
    assert all(line.active for line in lines)


def test_annulling_a_bid_needs_a_reason_and_recomputes_the_leader(portal: Portal) -> None:
    ids = _bids(portal)
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        no_reason = client.post(f"{API}/lots/{lot}/bids/{ids['boris_bid']}/annul", json={"reason": ""}, headers=h)
        missing = client.post(f"{API}/lots/{lot}/bids/{ids['boris_bid']}/annul", json={}, headers=h)
        unknown = client.post(f"{API}/lots/{lot}/bids/nope/annul", json={"reason": "Ошибка"}, headers=h)
        before = client.get(f"{API}/auctions/{portal.market.auction_id}/bids").json()
        annulled = client.post(f"{API}/lots/{lot}/bids/{ids['boris_bid']}/annul",
                               json={"reason": "Техническая ошибка участника"}, headers=h)
    assert problem(no_reason, 400)["code"] == "request_invalid"
    assert problem(missing, 400)["code"] == "request_invalid"
    assert problem(unknown, 404)["code"]
    assert all(b["valid"] for b in before["items"][0]["bids"])
    assert annulled.status_code == 200, annulled.text
    bids = {b["bid_id"]: b for b in annulled.json()["bids"]}
    assert bids[ids["boris_bid"]]["valid"] is False
    assert bids[ids["boris_bid"]]["annul_reason"] == "Техническая ошибка участника"


def _bids(portal: Portal) -> dict[str, str]:
    from omk_domain.app.auctions import PlaceBid
    from omk_domain.shared.money import Money

    anna, boris = portal.market.bidders
    lot = portal.market.lot_ids[0]
    first = portal.services.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85000")), anna)
    second = portal.services.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("90000")), boris)
    return {"anna_bid": first.item_id, "boris_bid": second.item_id}


# --- results ------------------------------------------------------------------------------------


def test_results_are_reviewed_a_winner_declined_then_approved(portal: Portal) -> None:
    trade_and_finish(portal)
    lot = portal.market.lot_ids[0]
    anna_org = portal.market.bidders[0].organization_id
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        no_reason = client.post(f"{API}/lots/{lot}/decline-winner", json={"reason": " "}, headers=h)
        declined = client.post(f"{API}/lots/{lot}/decline-winner", json={"reason": "Отказ от оплаты"}, headers=h)
        approved = client.post(f"{API}/auctions/{portal.market.auction_id}/results/approve", headers=h)
        twice = client.post(f"{API}/auctions/{portal.market.auction_id}/results/approve", headers=h)
        late = client.post(f"{API}/lots/{lot}/decline-winner", json={"reason": "Ещё раз"}, headers=h)
    assert "причин" in problem(no_reason, 422)["detail"].lower()
    assert declined.status_code == 200, declined.text
    assert declined.json()["winner_organization_id"] == anna_org  # passed to the next-best bid
    assert approved.status_code == 200, approved.text
    assert approved.json()["auction"]["status"] == "results_approved"
    assert problem(twice, 409)["code"]
    assert problem(late, 409)["code"]


def test_the_protocol_downloads_as_xlsx_that_opens_and_as_csv_with_a_russian_file_name(portal: Portal) -> None:
    trade_and_finish(portal)
    with portal.client() as client:
        sign_in_organiser(portal, client)
        book = client.get(f"{API}/auctions/{portal.market.auction_id}/protocol")
        text = client.get(f"{API}/auctions/{portal.market.auction_id}/protocol", params={"format": "csv"})
        bad = client.get(f"{API}/auctions/{portal.market.auction_id}/protocol", params={"format": "pdf"})
    assert book.status_code == 200, book.text
    assert book.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    disposition = book.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="protocol-' in disposition
    assert "filename*=UTF-8''" + quote("Протокол итогов аукциона A-1.xlsx", safe="") in disposition
    sheet = load_workbook(io.BytesIO(book.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Протокол итогов аукциона № A-1" in cells
    assert "Труба 530x8, партия 1" in cells
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/csv")
    assert quote("Протокол итогов аукциона A-1.csv", safe="") in text.headers["content-disposition"]
    assert text.content.decode("utf-8-sig").splitlines()[0].startswith("Аукцион;№ лота")
    assert bad.status_code == 400


def test_the_protocol_of_an_auction_still_running_is_a_409(portal: Portal) -> None:
    with portal.client() as client:
        sign_in_organiser(portal, client)
        answer = client.get(f"{API}/auctions/{portal.market.auction_id}/protocol")
    assert "после завершения" in problem(answer, 409)["detail"]


def test_journal_verification_names_the_first_broken_entry(portal: Portal) -> None:
    trade_and_finish(portal)
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        sign_in_organiser(portal, client)
        whole = client.get(f"{API}/auctions/{portal.market.auction_id}/journal").json()
        with portal.services.engine.begin() as connection:
            seq = connection.execute(sa.text("SELECT seq FROM journal WHERE lot_id = :lot AND data LIKE '%90000%' "
                                             "ORDER BY seq LIMIT 1"), {"lot": lot}).scalar_one()
            connection.execute(sa.text("UPDATE journal SET data = replace(data, '90000', '99000') "
                                       "WHERE lot_id = :lot AND seq = :seq"), {"lot": lot, "seq": seq})
        broken = client.get(f"{API}/auctions/{portal.market.auction_id}/journal").json()
    assert whole["ok"] is True and whole["first_broken"] is None
    assert broken["ok"] is False
    assert broken["first_broken"]["lot_id"] == lot
    assert broken["first_broken"]["first_broken_seq"] == seq
    assert broken["first_broken"]["message"] == "содержимое записи изменено: хеш не совпадает"


def test_uplift_per_lot_and_weighted_for_the_auction(portal: Portal) -> None:
    trade_and_finish(portal)
    with portal.client() as client:
        sign_in_organiser(portal, client)
        uplift = client.get(f"{API}/auctions/{portal.market.auction_id}/uplift").json()
    lots = {lot["lot_number"]: lot for lot in uplift["lots"]}
    assert lots[1]["final_price"] == "90000.00"
    assert lots[1]["uplift_percent"] == "5.88"  # 85 000 → 90 000
    assert lots[2]["final_price"] == "80000.00"  # the offer below the start
    assert lots[2]["uplift_percent"] == "-5.88"
    assert uplift["lots_sold"] == 2
    assert uplift["weighted_uplift_percent"] == "0.00"  # the same quantity both ways
    assert (lots[1]["bids"], lots[1]["bidders"], lots[1]["offers"]) == (2, 2, 0)  # Anna, then Boris
    assert (uplift["bids_total"], uplift["bidders_total"], uplift["offers_total"]) == (2, 2, 1)


# --- who may ------------------------------------------------------------------------------------


def _admin_calls(auction_id: str, lot_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"{API}/auctions", {}),
        ("POST", f"{API}/auctions", {"json": NEW_AUCTION}),
        ("GET", f"{API}/auctions/{auction_id}", {}),
        ("PATCH", f"{API}/auctions/{auction_id}", {"json": {"title": "Чужое"}}),
        ("POST", f"{API}/auctions/{auction_id}/publish", {}),
        ("POST", f"{API}/auctions/{auction_id}/cancel", {"json": {"reason": "Чужая отмена"}}),
        ("POST", f"{API}/auctions/{auction_id}/lots", {"json": {"lots": [
            {"number": 9, "title": "Т", "product_type": "труба", "quantity": "1", "unit": "т", "start_price": "1",
             "bid_step": "1"}]}}),
        ("POST", f"{API}/auctions/{auction_id}/lots/file",
         {"files": {"file": ("lots.csv", lot_csv("9;Труба;труба;;;1;т;1;1;"), "text/csv")}}),
        ("GET", f"{API}/auctions/{auction_id}/admissions", {}),
        ("POST", f"{API}/auctions/{auction_id}/admissions", {"json": {"organization_id": "x"}}),
        ("DELETE", f"{API}/auctions/{auction_id}/admissions/x", {}),
        ("GET", f"{API}/auctions/{auction_id}/bids", {}),
        ("POST", f"{API}/lots/{lot_id}/bids/x/annul", {"json": {"reason": "Чужая"}}),
        ("POST", f"{API}/lots/{lot_id}/decline-winner", {"json": {"reason": "Чужой"}}),
        ("POST", f"{API}/auctions/{auction_id}/results/approve", {}),
        ("GET", f"{API}/auctions/{auction_id}/protocol", {}),
        ("GET", f"{API}/auctions/{auction_id}/journal", {}),
        ("GET", f"{API}/auctions/{auction_id}/uplift", {}),
    ]


def _state(portal: Portal) -> Any:
    details = portal.services.bus.handle(ShowAuction(auction_id=portal.market.auction_id), STAFF)
    return details, portal.services.bus.handle(ListAdmissions(auction_id=portal.market.auction_id), STAFF)


@pytest.mark.parametrize("index", range(len(_admin_calls("a", "l"))))
def test_a_client_is_refused_every_admin_endpoint_alike_for_real_and_missing_ids(portal: Portal,
                                                                                index: int) -> None:
    before = _state(portal)
    token = portal.token(ANNA)
    real = _admin_calls(portal.market.auction_id, portal.market.lot_ids[0])[index]
    missing = _admin_calls("no-such-auction", "no-such-lot")[index]
    with portal.client() as client:
        with_token = client.request(real[0], real[1], headers=bearer(token), **real[2])
        with_token_missing = client.request(missing[0], missing[1], headers=bearer(token), **missing[2])
        h = sign_in_anna(portal, client)
        with_session = client.request(real[0], real[1], headers=h, **real[2])
    assert with_token.status_code == 403, (real[1], with_token.text)
    assert (with_token_missing.status_code, with_token_missing.json()["code"]) == \
        (with_token.status_code, with_token.json()["code"])  # the refusal tells nothing about existence
    assert with_session.status_code == 403, with_session.text
    assert _state(portal) == before


def test_nobody_signed_in_gets_401_and_unknown_ids_are_404_for_the_organiser(portal: Portal) -> None:
    with portal.client() as client:
        anonymous = client.get(f"{API}/auctions")
        sign_in_organiser(portal, client)
        unknown = client.get(f"{API}/auctions/no-such-auction")
        unknown_journal = client.get(f"{API}/auctions/no-such-auction/journal")
    assert problem(anonymous, 401)["code"] == "unauthenticated"
    assert problem(unknown, 404)["code"]
    assert problem(unknown_journal, 404)["code"]


def test_unsafe_admin_requests_with_the_session_need_the_csrf_header(portal: Portal) -> None:
    with portal.client() as client:
        sign_in_organiser(portal, client)
        before = auction_count(client)
        answer = client.post(f"{API}/auctions", json=NEW_AUCTION)
        after = auction_count(client)
    assert answer.status_code == 403
    assert after == before


def test_every_admin_route_has_an_operation_id_and_the_schema_builds() -> None:
    from litestar import Litestar, Router
    from litestar.di import Provide
    from litestar.openapi import OpenAPIConfig

    from omk_web.api.admin import AdminAuctionsApi, AdminLotsApi
    from omk_web.auth import provide_actor

    app = Litestar(route_handlers=[Router(path="/api/v1", route_handlers=[AdminAuctionsApi, AdminLotsApi])],
                   dependencies={"actor": Provide(provide_actor, sync_to_thread=True)},
                   openapi_config=OpenAPIConfig(title="admin", version="1"))
    schema = app.openapi_schema.to_schema()
    admin = {path: ops for path, ops in schema["paths"].items() if path.startswith("/api/v1/admin")}
    ids = [op["operationId"] for ops in admin.values() for method, op in ops.items()
           if method in ("get", "post", "patch", "put", "delete")]
    assert len(ids) == 18
    assert len(set(ids)) == len(ids)
    assert all(ids)
    upload = admin["/api/v1/admin/auctions/{auction_id}/lots/file"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    listing = admin["/api/v1/admin/auctions"]["get"]
    assert {"limit", "offset"} <= {p["name"] for p in listing["parameters"]}


# --- staff who may only view ------------------------------------------------------------------------


def test_staff_who_may_only_view_get_the_auction_as_json_without_the_sealed_offers(portal: Portal) -> None:
    sealed_offers(portal)
    portal.add_person("support@omk.ru", None, Role.SUPPORT)
    auction = portal.market.auction_id
    with portal.client() as viewer, portal.client() as organiser:
        portal.sign_in(viewer, "support@omk.ru")
        sign_in_organiser(portal, organiser)
        cabinet, browse = viewer.get(f"{API}/auctions/{auction}"), viewer.get(f"/api/v1/auctions/{auction}")
        refused = viewer.get(f"{API}/auctions/{auction}/bids")
        full = organiser.get(f"{API}/auctions/{auction}")
        full_browse = organiser.get(f"/api/v1/auctions/{auction}")
    assert cabinet.status_code == 200 and browse.status_code == 200, (cabinet.text, browse.text)
    assert cabinet.json()["view_only"] is True and browse.json()["view_only"] is True
    assert all(lot["offers"] == [] for lot in cabinet.json()["lots"] + browse.json()["admin_lots"])
    for answer in (cabinet, browse):
        assert "77123" not in answer.text and "76543" not in answer.text
    problem(refused, 403)  # every bid and offer of the auction: still the organiser's
    assert full.json()["view_only"] is False
    for answer in (full, full_browse):
        assert "77123" in answer.text and "76543" in answer.text


def test_a_client_system_sees_only_its_own_sealed_offer(portal: Portal) -> None:
    lot = sealed_offers(portal)
    with portal.client() as client:
        answer = client.get(f"/api/v1/lots/{lot}", headers=bearer(portal.token(ANNA)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["my_offer"]["amount"] in ("77123", "77123.00")
    assert "76543" not in answer.text
