"""The organiser's cabinet pages (/admin): lists, forms with messages beside fields, lot upload report,
admissions, bids with annulment, results review, protocol, journal, uplift; refused to clients."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from omk_domain.app.auctions import ListAdmissions, ShowAuction
from omk_domain.identity.model import Role
from tests.contract.builders import STAFF
from tests.web.cabinet import (
    GOOD_ROWS,
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

FORM = {"number": "P-1", "title": "Трубы для теплосетей", "format": "open", "starts_at": "2026-12-10T10:00",
        "ends_at": "2026-12-10T12:00", "soft_close_window_min": "5", "soft_close_extension_min": "3",
        "soft_close_cap_min": "", "description": "Поставка в 2027 году"}


def text(answer: Any) -> str:
    return html.unescape(answer.text)


def field_error(answer: Any, name: str) -> str:
    """The message shown beside the field `name` (inside its label)."""
    page = text(answer)
    start = page.index(f'name="{name}"')
    label = page[start:page.index("</label>", start)]
    found = re.search(r'<span class="field-error"[^>]*>([^<]+)</span>', label)
    assert found, f"no message beside {name}"
    return found.group(1)


def count_auctions(portal: Portal) -> int:
    with portal.services.uow_factory() as uow:
        from omk_domain.ports import AuctionFilter

        return int(uow.auctions.count(AuctionFilter()))


# --- list --------------------------------------------------------------------------------------


def test_the_cabinet_lists_every_auction_with_filters_and_pages(portal: Portal) -> None:
    for n in range(22):
        draft_auction(portal, f"D-{n:02}")
    with portal.client() as client:
        sign_in_organiser(portal, client)
        first = client.get("/admin")
        second = client.get("/admin", params={"page": 2})
        running = client.get("/admin", params={"status": "running"})
        by_text = client.get("/admin", params={"q": "d-07"})
        by_date = client.get("/admin", params={"from": "2026-12-02", "until": "2026-12-31"})
    assert first.status_code == 200
    assert "Страница 1 из 2" in text(first)
    assert 'rel="next"' in first.text
    assert text(second).count("/admin/auctions/") - text(second).count("/admin/auctions/new") == 3
    assert ">A-1<" in running.text and "D-00" not in running.text
    assert ">D-07<" in by_text.text and "D-08" not in by_text.text and ">A-1<" not in by_text.text
    assert ">D-00<" in by_date.text and ">A-1<" not in by_date.text


@pytest.mark.parametrize(("params", "field"), [({"from": "32.13.2026"}, "from"), ({"until": "вчера"}, "until"),
                                               ({"status": "deleted"}, "status")])
def test_a_bad_filter_is_a_422_with_the_message_beside_it(portal: Portal, params: dict[str, str],
                                                         field: str) -> None:
    with portal.client() as client:
        sign_in_organiser(portal, client)
        answer = client.get("/admin", params=params)
    assert answer.status_code == 422
    assert re.search(r"[а-я]", field_error(answer, field))


# --- who may ------------------------------------------------------------------------------------


def _pages(auction_id: str, lot_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/admin/auctions/{auction_id}"
    return [
        ("GET", "/admin", {}), ("GET", "/admin/auctions/new", {}), ("POST", "/admin/auctions/new", {"data": FORM}),
        ("GET", base, {}), ("GET", f"{base}/edit", {}), ("POST", f"{base}/edit", {"data": FORM}),
        ("POST", f"{base}/publish", {}), ("POST", f"{base}/cancel", {"data": {"reason": "Чужая"}}),
        ("POST", f"{base}/lots", {"files": {"file": ("l.csv", lot_csv("9;Т;труба;;;1;т;1;1;"), "text/csv")}}),
        ("GET", f"{base}/admissions", {}), ("POST", f"{base}/admissions", {"data": {"organization_id": "x"}}),
        ("POST", f"{base}/admissions/x/revoke", {}), ("GET", f"{base}/bids", {}),
        ("POST", f"{base}/lots/{lot_id}/bids/x/annul", {"data": {"reason": "Чужая"}}),
        ("GET", f"{base}/results", {}), ("POST", f"{base}/lots/{lot_id}/decline", {"data": {"reason": "Чужой"}}),
        ("POST", f"{base}/approve", {}), ("GET", f"{base}/protocol", {}), ("GET", f"{base}/journal", {}),
        ("GET", f"{base}/uplift", {}),
    ]


@pytest.mark.parametrize("index", range(len(_pages("a", "l"))))
def test_a_client_gets_the_403_page_and_a_stranger_is_sent_to_sign_in(portal: Portal, index: int) -> None:
    before = (portal.services.bus.handle(ShowAuction(auction_id=portal.market.auction_id), STAFF),
              portal.services.bus.handle(ListAdmissions(auction_id=portal.market.auction_id), STAFF),
              count_auctions(portal))
    method, url, kwargs = _pages(portal.market.auction_id, portal.market.lot_ids[0])[index]
    _, missing_url, _ = _pages("no-such-auction", "no-such-lot")[index]
    with portal.client() as client:
        if method == "GET":
            stranger = client.get(url, follow_redirects=False)
            assert stranger.status_code == 303
            assert stranger.headers["location"].startswith("/signin?next=")
        h = sign_in_anna(portal, client)
        refused = client.request(method, url, headers=h, **kwargs)
        refused_missing = client.request(method, missing_url, headers=h, **kwargs)
    assert refused.status_code == 403, (url, refused.status_code)
    assert refused_missing.status_code == 403  # the same answer whether the auction exists or not
    assert "Недостаточно прав" in text(refused)
    after = (portal.services.bus.handle(ShowAuction(auction_id=portal.market.auction_id), STAFF),
             portal.services.bus.handle(ListAdmissions(auction_id=portal.market.auction_id), STAFF),
             count_auctions(portal))
    assert after == before


def test_the_menu_shows_the_cabinet_to_the_organiser_only(portal: Portal) -> None:
    with portal.client() as organiser, portal.client() as anna:
        sign_in_organiser(portal, organiser)
        sign_in_anna(portal, anna)
        assert 'href="/admin"' in organiser.get("/").text
        assert 'href="/admin"' not in anna.get("/").text


# --- create / edit ----------------------------------------------------------------------------------


def test_the_organiser_creates_an_auction_with_the_form(portal: Portal) -> None:
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        assert client.get("/admin/auctions/new").status_code == 200
        done = client.post("/admin/auctions/new", data=FORM | {"auto_approve": "on"}, headers=h,
                           follow_redirects=False)
        assert done.status_code == 303
        page = client.get(done.headers["location"])
    assert "Аукцион сохранён." in text(page)
    assert "№ P-1 — Трубы для теплосетей" in text(page)
    assert "10.12.2026 10:00" in text(page)  # Moscow time in, Moscow time shown
    assert "черновик" in text(page)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"starts_at": "10-12-2026"}, "starts_at", "московское время"),
    ({"starts_at": ""}, "starts_at", "Укажите начало торгов"),
    ({"ends_at": "2026-12-45T10:00"}, "ends_at", "московское время"),
    ({"soft_close_window_min": "пять"}, "soft_close_window_min", "число минут"),
    ({"soft_close_extension_min": "-3"}, "soft_close_extension_min", "от 0 до 1440"),
    ({"format": "auction"}, "format", "Выберите форму торгов"),
])
def test_a_form_with_a_bad_value_shows_the_message_beside_the_field_and_creates_nothing(
        portal: Portal, change: dict[str, str], field: str, words: str) -> None:
    before = count_auctions(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post("/admin/auctions/new", data=FORM | change, headers=h)
    assert answer.status_code == 422
    assert words in field_error(answer, field)
    assert 'value="Трубы для теплосетей"' in answer.text  # what was typed stays in the form
    assert count_auctions(portal) == before


@pytest.mark.parametrize(("change", "words"), [
    ({"ends_at": "2026-12-10T09:00"}, "Окончание торгов должно быть позже начала."),
    ({"title": "Т" * 301}, "не длиннее 300 символов"),
    ({"title": "  "}, "Название обязательно"),
    ({"number": "A-1"}, "Аукцион с номером A-1 уже есть."),
])
def test_a_form_the_rules_refuse_is_shown_again_with_the_reason_and_creates_nothing(
        portal: Portal, change: dict[str, str], words: str) -> None:
    before = count_auctions(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post("/admin/auctions/new", data=FORM | change, headers=h)
    assert answer.status_code == 422
    assert words in text(answer)
    assert 'role="alert"' in answer.text
    assert count_auctions(portal) == before


def test_the_organiser_edits_a_draft_and_a_bad_edit_changes_nothing(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        form = client.get(f"/admin/auctions/{auction_id}/edit")
        assert 'value="Трубы бесшовные"' in form.text
        bad = client.post(f"/admin/auctions/{auction_id}/edit", data=FORM | {"ends_at": "2026-12-01T00:00"},
                          headers=h)
        unchanged = portal.services.bus.handle(ShowAuction(auction_id=auction_id), STAFF).auction.title
        done = client.post(f"/admin/auctions/{auction_id}/edit", data=FORM, headers=h, follow_redirects=False)
    assert bad.status_code == 422
    assert "позже начала" in text(bad)
    assert unchanged == "Трубы бесшовные"
    assert done.status_code == 303
    edited = portal.services.bus.handle(ShowAuction(auction_id=auction_id), STAFF).auction
    assert edited.title == "Трубы для теплосетей"
    assert edited.number == "D-1"  # the number never changes
    assert edited.soft_close_window_min == 5


# --- publish, cancel, lots ---------------------------------------------------------------------------


def test_publishing_without_lots_is_refused_then_lots_are_uploaded_and_it_is_published(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    base = f"/admin/auctions/{auction_id}"
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        refused = client.post(f"{base}/publish", headers=h)
        uploaded = client.post(f"{base}/lots", headers=h, follow_redirects=False,
                               files={"file": ("лоты.csv", lot_csv(*GOOD_ROWS), "text/csv")})
        page = client.get(uploaded.headers["location"])
        published = client.post(f"{base}/publish", headers=h, follow_redirects=False)
        after = client.get(published.headers["location"])
    assert refused.status_code == 422
    assert "В аукционе нет ни одного лота." in text(refused)
    assert uploaded.status_code == 303
    assert "Лоты загружены." in text(page)
    assert "Труба 720x10" in text(page)
    assert "объявлен" in text(after)


def test_a_lot_file_with_one_bad_row_shows_the_row_and_the_reason_and_adds_nothing(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    data = lot_csv(GOOD_ROWS[0], "2;Труба 720x10;труба;720;10;50;т;90000;0;")
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"/admin/auctions/{auction_id}/lots", headers=h,
                             files={"file": ("lots.csv", data, "text/csv")})
    assert answer.status_code == 422
    page = text(answer)
    assert "Файл лотов содержит ошибки; ни один лот не загружен." in page
    rows = re.findall(r'<tr class="row-error"><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]+)</td>', page)
    assert len(rows) == 1
    assert rows[0][:2] == ("3", "шаг")
    assert re.search(r"[а-я]", rows[0][2])
    assert lots_of(portal, auction_id) == []


@pytest.mark.parametrize(("name", "content", "words"), [
    ("lots.docx", b"PK\x03\x04 a word document", "нужен файл .csv или .xlsx"),
    ("lots.csv", b"", "Файл пуст."),
    ("", b"", "Приложите файл лотов"),
    ("lots.xlsx", b"plain text", "не является книгой Excel"),
], ids=["docx", "empty", "no-file-chosen", "fake-xlsx"])
def test_a_file_that_is_not_a_lot_list_is_refused_with_a_russian_message(portal: Portal, name: str,
                                                                         content: bytes, words: str) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        answer = client.post(f"/admin/auctions/{auction_id}/lots", headers=h,
                             files={"file": (name, content, "application/octet-stream")})
    assert answer.status_code == 422
    assert words in text(answer)
    assert lots_of(portal, auction_id) == []


def test_cancelling_needs_a_reason_shown_beside_the_field(portal: Portal) -> None:
    auction_id = draft_auction(portal)
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        refused = client.post(f"/admin/auctions/{auction_id}/cancel", data={"reason": "  "}, headers=h)
        still = portal.services.bus.handle(ShowAuction(auction_id=auction_id), STAFF).auction.status
        done = client.post(f"/admin/auctions/{auction_id}/cancel", data={"reason": "Перенос поставки"}, headers=h)
    assert refused.status_code == 422
    assert re.search(r"[Пп]ричин", field_error(refused, "reason"))
    assert still == "draft"
    assert "Аукцион отменён. Причина: Перенос поставки" in text(done)


# --- admissions, bids ----------------------------------------------------------------------------------


def test_the_organiser_revokes_and_admits_an_organisation(portal: Portal) -> None:
    base = f"/admin/auctions/{portal.market.auction_id}"
    org = portal.market.bidders[1].organization_id
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        page = client.get(f"{base}/admissions")
        revoked = client.post(f"{base}/admissions/{org}/revoke", headers=h)
        unknown = client.post(f"{base}/admissions", data={"organization_id": "nope"}, headers=h)
        admitted = client.post(f"{base}/admissions", data={"organization_id": org}, headers=h)
    assert "ООО Участник 0" in text(page) and "ООО Участник 1" in text(page)
    assert "Допуск отозван." in text(revoked)
    assert f'<option value="{org}">' in revoked.text  # now among those that can be admitted
    assert unknown.status_code == 404
    assert "Организация допущена к аукциону." in text(admitted)
    lines = portal.services.bus.handle(ListAdmissions(auction_id=portal.market.auction_id), STAFF)
    assert all(line.active for line in lines)


def test_every_bid_and_offer_is_shown_and_a_bid_is_annulled_with_a_reason(portal: Portal) -> None:
    from omk_domain.app.auctions import PlaceBid, SubmitOffer
    from omk_domain.shared.money import Money

    anna, boris = portal.market.bidders
    lot = portal.market.lot_ids[0]
    portal.services.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85000")), anna)
    top = portal.services.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("90000")), boris)
    portal.services.bus.handle(SubmitOffer(lot_id=portal.market.lot_ids[1], amount=Money.rub("70000")), anna)
    base = f"/admin/auctions/{portal.market.auction_id}"
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        page = client.get(f"{base}/bids")
        refused = client.post(f"{base}/lots/{lot}/bids/{top.item_id}/annul", data={"reason": ""}, headers=h)
        still_valid = all(b.valid for b in lots_of(portal, portal.market.auction_id)[0].bids)
        done = client.post(f"{base}/lots/{lot}/bids/{top.item_id}/annul", data={"reason": "Сбой у участника"},
                           headers=h)
    shown = text(page)
    assert "90 000,00" in shown.replace("\u202f", " ").replace("\u00a0", " ")
    assert "70 000,00" in shown.replace("\u202f", " ").replace("\u00a0", " ")  # sealed offers: OMK sees them
    assert "Участник 1" in shown
    assert refused.status_code == 422
    assert re.search(r"[Пп]ричин", text(refused))
    assert still_valid
    assert "Ставка аннулирована." in text(done)
    assert "аннулирована: Сбой у участника" in text(done)


# --- results, protocol, journal, uplift --------------------------------------------------------------


def test_results_wait_for_the_end_of_trading(portal: Portal) -> None:
    with portal.client() as client:
        sign_in_organiser(portal, client)
        page = client.get(f"/admin/auctions/{portal.market.auction_id}/results")
    assert page.status_code == 200
    assert "Итоги появятся после завершения торгов." in text(page)


def test_the_organiser_reviews_declines_a_winner_approves_and_downloads_the_protocol(portal: Portal) -> None:
    trade_and_finish(portal)
    base = f"/admin/auctions/{portal.market.auction_id}"
    lot = portal.market.lot_ids[0]
    with portal.client() as client:
        h = sign_in_organiser(portal, client)
        review = client.get(f"{base}/results")
        refused = client.post(f"{base}/lots/{lot}/decline", data={"reason": " ", "pass_to_next": "yes"}, headers=h)
        declined = client.post(f"{base}/lots/{lot}/decline", data={"reason": "Отказ от оплаты",
                                                                   "pass_to_next": "yes"}, headers=h)
        approved = client.post(f"{base}/approve", headers=h)
        again = client.post(f"{base}/approve", headers=h)
        book = client.get(f"{base}/protocol")
        csv_file = client.get(f"{base}/protocol", params={"format": "csv"})
    assert "ООО Участник 1" in text(review)  # Boris leads lot 1
    assert refused.status_code == 422 and re.search(r"[Пп]ричин", text(refused))
    assert declined.status_code == 200
    assert "Отказ победителя оформлен." in text(declined)
    assert "Итоги утверждены." in text(approved)
    assert again.status_code == 409
    assert book.status_code == 200
    assert "filename*=UTF-8''%D0%9F%D1%80%D0%BE%D1%82%D0%BE%D0%BA%D0%BE%D0%BB" in book.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(book.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "ООО Участник 0" in values  # lot 1 passed to Anna's bid after Boris declined
    assert csv_file.content.decode("utf-8-sig").startswith("Аукцион;№ лота")


def test_the_journal_page_names_the_first_broken_entry(portal: Portal) -> None:
    trade_and_finish(portal)
    lot = portal.market.lot_ids[0]
    url = f"/admin/auctions/{portal.market.auction_id}/journal"
    with portal.client() as client:
        sign_in_organiser(portal, client)
        whole = client.get(url)
        with portal.services.engine.begin() as connection:
            seq = connection.execute(sa.text("SELECT seq FROM journal WHERE lot_id = :lot AND data LIKE '%85000%' "
                                             "AND kind = 'bid' ORDER BY seq LIMIT 1"), {"lot": lot}).scalar_one()
            connection.execute(sa.text("UPDATE journal SET data = replace(data, '85000', '95000') "
                                       "WHERE lot_id = :lot AND seq = :seq"), {"lot": lot, "seq": seq})
        broken = client.get(url)
    assert 'data-journal="ok"' in whole.text
    assert 'data-journal="broken"' in broken.text
    assert (f"Первая нарушенная запись: лот № 1, запись № {seq} — содержимое записи изменено: хеш не совпадает"
            in text(broken))


def test_the_uplift_page_shows_each_lot_the_weighted_figure_and_the_competition(portal: Portal) -> None:
    trade_and_finish(portal)
    with portal.client() as client:
        sign_in_organiser(portal, client)
        page = client.get(f"/admin/auctions/{portal.market.auction_id}/uplift")
    shown = text(page)
    assert page.status_code == 200
    assert "5.88 %" in shown and "-5.88 %" in shown
    assert re.search(r'data-figure="weighted">0\.00 %<', shown)
    assert re.search(r'data-figure="sold">2 из 2<', shown)
    assert re.search(r'data-figure="bids">2<', shown) and re.search(r'data-figure="bidders">2<', shown)
    assert re.search(r'data-figure="offers">1<', shown)


# --- the rules explained, the CSP kept ---------------------------------------------------------------------


def test_every_rule_bearing_control_has_a_tooltip_and_no_page_breaks_the_csp(portal: Portal) -> None:
    draft = draft_auction(portal)
    trade_and_finish(portal)
    base = f"/admin/auctions/{portal.market.auction_id}"
    with portal.client() as client:
        sign_in_organiser(portal, client)
        pages = {url: client.get(url) for url in [
            "/admin", "/admin/auctions/new", f"/admin/auctions/{draft}", f"/admin/auctions/{draft}/edit",
            f"{base}/admissions", f"{base}/bids", f"{base}/results", f"{base}/journal", f"{base}/uplift"]}
    for url, page in pages.items():
        assert page.status_code == 200, url
        body = page.text
        assert 'data-tip="' in body, url
        for button in re.findall(r"<button[^>]*>", body):
            if 'type="submit"' in button and "Выйти" not in button and "link" not in button.split("class=")[-1][:8]:
                assert 'title="' in button, (url, button)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert " style=" not in body and not re.search(r"\son[a-z]+=", body), url
    assert "/static/admin.css" in pages["/admin"].text


# --- staff who may only view ------------------------------------------------------------------------

ANNAS_OFFER, BORIS_OFFER = "77 123", "76 543"  # two sealed price offers on lot 2, as a page prints them


def _plain(answer: Any) -> str:
    return text(answer).replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.ACCOUNT_MANAGER])
def test_staff_who_may_only_view_read_the_auction_and_the_lot_without_offers_or_actions(portal: Portal,
                                                                                       role: Role) -> None:
    lot = sealed_offers(portal)
    portal.add_person("viewer@omk.ru", None, role)
    base = f"/admin/auctions/{portal.market.auction_id}"
    with portal.client() as client:
        portal.sign_in(client, "viewer@omk.ru")
        pages = {url: client.get(url) for url in (base, f"{base}/bids", f"/lots/{lot}",
                                                  f"/auctions/{portal.market.auction_id}")}
    for url, page in pages.items():
        assert page.status_code == 200, (url, page.status_code)
        shown = _plain(page)
        assert ANNAS_OFFER not in shown and BORIS_OFFER not in shown, url
        assert not re.search(r"<h[23]>Ценовые предложения", shown), url  # no offers section
        assert not re.search(r'action="/(admin|lots)/', shown), url  # no form acts on the auction or a lot
        assert "data-live-staff" not in shown, url  # nor the organiser's live notices of bids and offers
    assert "Только просмотр" in _plain(pages[base]) and "Труба" in _plain(pages[base])
    # their way back is a list they may read, not the organiser's cabinet (403 for them)
    assert 'href="/admin"' not in pages[base].text and 'href="/auctions">Аукционы</a> ›' in pages[base].text


def test_the_organiser_still_sees_every_sealed_offer_and_a_client_only_its_own(portal: Portal) -> None:
    lot = sealed_offers(portal)
    base = f"/admin/auctions/{portal.market.auction_id}"
    with portal.client() as organiser, portal.client() as anna:
        sign_in_organiser(portal, organiser)
        sign_in_anna(portal, anna)
        bids, lot_page = _plain(organiser.get(f"{base}/bids")), _plain(organiser.get(f"/lots/{lot}"))
        detail = _plain(organiser.get(base))
        own = _plain(anna.get(f"/lots/{lot}"))
    assert f'action="{base}/cancel"' in detail and "Только просмотр" not in detail
    assert ANNAS_OFFER in bids and BORIS_OFFER in bids
    assert ANNAS_OFFER in lot_page and BORIS_OFFER in lot_page
    assert ANNAS_OFFER in own and BORIS_OFFER not in own
