"""The live pages in a real browser: the organiser's bids table fills in by itself, the lot page's
first-visit tour, and a lot page whose session ends stops its live updates and says why."""

from __future__ import annotations

from typing import Any

import pytest

from omk_domain.app.auctions import PlaceBid
from omk_domain.shared.money import Money
from tests.browser.conftest import ANNA, BORIS, OLGA, People

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("where", "lot_index"), [("bids", 3), ("lot", 2)])
def test_a_bid_appears_live_in_the_organisers_bids_table(people: People, where: str, lot_index: int) -> None:
    """On the cabinet's bids page and on the organiser's view of the lot page alike."""
    portal = people.portal
    lot_id = portal.market.lot_ids[lot_index]
    page = people.page(OLGA)
    page.goto(f"/admin/auctions/{portal.market.auction_id}/bids" if where == "bids" else f"/lots/{lot_id}")
    page.wait_for_selector("[data-live-staff][data-state=open]")
    page.evaluate("window.omkNotReloaded = true")
    section = page.locator(f"section#lot-{lot_id}")
    assert "Ставок нет" in section.inner_text()

    boris: Any = portal.market.bidders[1]
    portal.services.bus.handle(PlaceBid(lot_id=lot_id, amount=Money.rub("85000")), boris)

    section.locator("td.num:has-text('85')").wait_for()
    assert page.evaluate("window.omkNotReloaded === true"), "the page was reloaded"
    assert "Участник 2" in section.inner_text()
    people.shot(page, f"staff-{where}-live")


def test_the_lot_page_shows_its_tour_once(people: People) -> None:
    page = people.page(BORIS)
    page.goto(f"/lots/{people.portal.market.lot_ids[2]}")
    tour = page.locator(".omk-tour[role=dialog]")
    tour.wait_for()
    assert "Подсказка 1 из 5" in tour.inner_text() and "шаг аукциона" in tour.inner_text()
    for _ in range(4):
        page.click(".omk-tour button:has-text('Далее')")
    assert "Подсказка 5 из 5" in tour.inner_text() and "обезличены" in tour.inner_text()
    people.shot(page, "lot-tour-last")
    page.click(".omk-tour button:has-text('Готово')")
    page.reload()
    page.wait_for_selector("[data-field=live-state]:has-text('подключены')")
    assert page.locator(".omk-tour").count() == 0


def test_a_lot_page_whose_session_ended_stops_its_live_updates_and_says_so(people: People) -> None:
    page = people.page(ANNA)
    page.goto(f"/lots/{people.portal.market.lot_ids[2]}")
    page.wait_for_selector("[data-field=live-state]:has-text('подключены')")
    other = page.context.new_page()
    other.goto("/")
    other.locator("form[action='/signout'] button").first.click()  # the same session, signed out in another tab
    state = page.locator("[data-field=live-state][data-code=session_invalid]")
    state.wait_for(timeout=30_000)  # the next re-check (every 15 s)
    assert "остановлены" in state.inner_text()
    people.shot(page, "lot-live-revoked")
