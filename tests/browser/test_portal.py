"""The portal in a real browser: Debian's chromium driving the served app (see conftest.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest

from tests.browser.conftest import ANNA, BORIS, CODE, OLGA, PASSWORD, People

Page = Any  # playwright.sync_api.Page (imported lazily: the package may be absent on a newcomer's machine)

pytestmark = pytest.mark.browser


def test_a_person_signs_in_with_the_code_emailed_to_the_local_outbox(people: People) -> None:
    page = people.anonymous()
    page.goto("/")
    people.shot(page, "home")
    page.click("a.button.primary[href='/signin']")
    page.fill("input[name=email]", ANNA)
    page.fill("input[name=password]", PASSWORD)
    people.shot(page, "signin")
    page.click("button[type=submit].primary")
    page.wait_for_selector("input[name=code]")
    assert "Шаг 2 из 2" in page.inner_text("main")
    people.shot(page, "signin-code")

    # the newcomer's way to the code: the local outbox page, in another tab of the same browser
    outbox = page.context.new_page()
    outbox.goto("/dev/outbox")
    letter = outbox.locator("article.mail", has_text=ANNA).first
    code = CODE.search(letter.inner_text())
    assert code, letter.inner_text()
    people.shot(outbox, "outbox")
    outbox.close()

    page.fill("input[name=code]", code.group(1))
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert urlsplit(page.url).path == "/"
    assert page.inner_text("p.flash[role=status]") == "Вы вошли в систему."
    assert "Анна Сергеевна Лебедева" in page.inner_text("header.top")
    assert "ООО Участник 0" in page.inner_text("header.top")
    assert re.search(r"Идут торги\s*1", page.inner_text("main")), page.inner_text("main")
    people.shot(page, "dashboard")
    # the session cookie is out of the scripts' reach
    session = next(c for c in page.context.cookies() if c["name"] == "omk_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"


def test_a_wrong_code_is_refused_in_russian_and_the_person_stays_signed_out(people: People) -> None:
    page = people.anonymous()
    page.goto("/signin")
    page.fill("input[name=email]", ANNA)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("input[name=code]")
    code = people.portal.last_code(ANNA)
    page.fill("input[name=code]", "000000" if code != "000000" else "111111")
    page.click("button[type=submit].primary")
    error = page.wait_for_selector("p.error[role=alert]")
    assert re.search("[а-яА-Я]", error.inner_text())
    people.shot(page, "wrong-code")
    assert not any(c["name"] == "omk_session" for c in page.context.cookies())


def test_a_participant_sees_the_calendar_of_the_auctions_it_is_admitted_to(people: People) -> None:
    page = people.page(ANNA)
    page.click("nav.menu a[href='/auctions']")
    page.wait_for_selector("table.cal-month")
    # the server's month (December 2026), the running auction on its first day, no organiser's draft
    assert "Декабрь 2026" in page.inner_text(".cal-nav h2")
    first_day = page.locator("td[data-day='2026-12-01']")
    assert "A-1" in first_day.inner_text()
    assert "A-2" in first_day.inner_text()
    assert "A-3" not in page.inner_text("main")
    people.shot(page, "calendar-month")

    page.click("nav.cal-views a:has-text('Список')")
    page.wait_for_selector("section.card h2:has-text('Аукционы')")
    assert "A-1" in page.inner_text("main")
    people.shot(page, "calendar-list")

    page.click("a:has-text('A-1')")
    page.wait_for_load_state()
    assert "Трубы стальные" in page.inner_text("main")
    people.shot(page, "auction")


def _open_lot(page: Page, lot_id: str) -> None:
    page.goto(f"/lots/{lot_id}")
    page.wait_for_selector("[data-field=live-state]:has-text('подключены')")


def test_a_bid_appears_live_and_anonymised_on_another_participants_lot_page(people: People) -> None:
    lot_id = people.portal.market.lot_ids[0]
    anna, boris = people.page(ANNA), people.page(BORIS)
    _open_lot(anna, lot_id)
    _open_lot(boris, lot_id)
    people.shot(anna, "lot-before")
    anna.evaluate("window.omkNotReloaded = true")
    rows_before = anna.locator("tbody[data-feed] tr").count()

    amount = boris.input_value("#bid-amount")
    boris.click("form[data-api=bid] button[type=submit]")
    boris.wait_for_selector("p.flash[role=status]")
    assert boris.inner_text("p.flash[role=status]") == "Ставка принята."
    people.shot(boris, "lot-bid-placed")

    price = Decimal(amount)
    row = anna.locator(f"tbody[data-feed] tr[data-amount='{price:.2f}']")
    row.wait_for()
    assert anna.evaluate("window.omkNotReloaded === true"), "the page was reloaded"
    assert anna.locator("tbody[data-feed] tr").count() == rows_before + 1
    feed = anna.inner_text("tbody[data-feed]")
    assert "ООО Участник 1" not in feed and "Кузнецов" not in feed  # an alias, never the organisation
    assert re.match(r"Участник \d+", row.locator("td").first.inner_text()), row.inner_text()
    assert "вы" not in row.locator("td").first.inner_text()
    leader = anna.inner_text("[data-field=leader]")  # the leader changed live too
    assert re.search(f"{int(price):,}".replace(",", r"\s") + ",00", leader), leader
    people.shot(anna, "lot-live-update")


def test_a_participant_makes_edits_and_cancels_a_price_offer(people: People) -> None:
    lot_id = people.portal.market.lot_ids[1]
    page = people.page(ANNA)
    _open_lot(page, lot_id)
    people.shot(page, "lot-offer-empty")

    page.fill("#offer-amount", "84000")
    page.click("form[data-api=offer] button[type=submit]")
    page.wait_for_selector("[data-field=my-offer]")
    assert page.inner_text("p.flash[role=status]") == "Ценовое предложение сохранено."
    assert re.search(r"84\s000,00", page.inner_text("[data-field=my-offer]"))
    assert "действует" in page.inner_text("[data-field=my-offer]")
    people.shot(page, "lot-offer-made")

    # a price at or above the start price is refused in plain Russian, nothing changes
    page.fill("#edit-amount", "90000")
    page.click("form[data-api=edit] button[type=submit]")
    refusal = page.locator("form[data-api=edit] [data-form-status].bad")
    refusal.wait_for()
    assert re.search("[а-яА-Я]", refusal.inner_text())
    people.shot(page, "lot-offer-refused")

    page.fill("#edit-amount", "83500")
    page.click("form[data-api=edit] button[type=submit]")
    page.locator("[data-field=my-offer]", has_text=re.compile(r"83\s500,00")).wait_for()
    people.shot(page, "lot-offer-edited")

    page.click("form[data-api=withdraw] button[type=submit]")
    page.wait_for_selector("form[data-api=offer]")
    assert page.inner_text("p.flash[role=status]") == "Ценовое предложение отозвано."
    assert "отозвано" in page.inner_text("[data-field=my-offer]")
    people.shot(page, "lot-offer-withdrawn")


def _lot_file(rows: list[list[str]]) -> bytes:
    header = ["№ лота", "Наименование", "Вид продукции", "Диаметр, мм", "Толщина стенки, мм", "Марка стали",
              "Стандарт", "Склад", "Количество", "Ед. изм.", "Стартовая цена", "Шаг аукциона", "Скрытый минимум"]
    return "\r\n".join(";".join(row) for row in [header, *rows]).encode("utf-8-sig")


GOOD_ROWS = [["1", "Труба 219x6", "труба", "219", "6", "09Г2С", "ГОСТ 8732-78", "Выкса", "25", "т", "91000", "500", ""],
             ["2", "Труба 325x8", "труба", "325", "8", "17Г1С", "ГОСТ 8732-78", "Выкса", "40", "т", "88000", "500", ""]]
BAD_ROW = ["3", "Труба 426x9", "труба", "426", "9", "17Г1С", "ГОСТ 8732-78", "Выкса", "30", "т", "дорого", "500", ""]


def test_the_organiser_uploads_lots_sees_the_row_report_approves_results_and_downloads_the_protocol(
        people: People, tmp_path: Path) -> None:
    portal = people.portal
    page = people.page(OLGA)
    page.on("dialog", lambda dialog: dialog.accept())  # the cabinet asks before irreversible actions
    page.click("nav.menu a[href='/admin']")
    page.wait_for_load_state()
    people.shot(page, "admin")

    page.goto(f"/admin/auctions/{portal.draft_auction_id}")
    page.set_input_files("form.upload-form input[type=file]", files=[{
        "name": "lots.csv", "mimeType": "text/csv", "buffer": _lot_file([*GOOD_ROWS, BAD_ROW])}])
    page.click("form.upload-form button[type=submit]")
    report = page.wait_for_selector(".upload-report[role=alert]")
    errors = page.locator(".upload-report tr.row-error")
    assert errors.count() == 1
    assert errors.first.locator("td").first.inner_text() == "4"  # the header is row 1
    assert re.search("[а-яА-Я]", report.inner_text())
    assert "Лотов пока нет" in page.inner_text("main")  # all or nothing
    people.shot(page, "admin-upload-report")

    page.set_input_files("form.upload-form input[type=file]", files=[{
        "name": "lots.csv", "mimeType": "text/csv", "buffer": _lot_file(GOOD_ROWS)}])
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector("section[aria-label='Лоты'] h2 .count:has-text('2')")
    people.shot(page, "admin-upload-done")

    page.goto(f"/admin/auctions/{portal.closed_auction_id}/results")
    page.click("form[action$='/approve'] button[type=submit]")
    page.wait_for_url(re.compile(r"/results\?flash="))
    assert "Утвердить итоги" not in page.inner_text("main")
    people.shot(page, "admin-results-approved")

    with page.expect_download() as download_info:
        page.click("a[href$='/protocol?format=xlsx']")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(saved).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("Труба обсадная 245x10" in c for c in cells), cells
    assert any(c in {"98000", "98000.0", "98000.00"} for c in cells), cells
