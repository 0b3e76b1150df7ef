"""Help in a real browser: the first-visit tour on the dashboard (shown once, skippable), tooltips that
open on keyboard focus, and a request sent to an OMK service from the help section."""

from __future__ import annotations

from typing import Any

import pytest

from omk_domain.app.identity import RegisterUser
from omk_domain.identity.model import Role
from tests.browser.conftest import PASSWORD, People
from tests.contract.builders import STAFF

pytestmark = pytest.mark.browser

VERA = "vera@uchastnik0.ru"


def buyer(people: People) -> str:
    """A buyer of the first organisation: the role that may write to OMK."""
    portal = people.portal
    if VERA not in portal.people:
        org = portal.market.bidders[0].organization_id
        portal.services.bus.handle(RegisterUser(email=VERA, full_name="Вера Андреевна Морозова", role=Role.BUYER,
                                                organization_id=org, password=PASSWORD), STAFF)
        portal.people[VERA] = org
    return VERA


def csp_violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def test_the_dashboard_shows_a_short_tour_once_and_skipping_it_is_remembered(people: People) -> None:
    page = people.page(buyer(people))
    violations = csp_violations(page)
    page.goto("/")
    tour = page.locator(".omk-tour[role=dialog]")
    tour.wait_for()
    assert "Подсказка 1 из" in tour.inner_text()
    assert page.locator(".omk-tour-target").count() == 1
    people.shot(page, "tour-step-1")

    page.click(".omk-tour button:has-text('Далее')")
    assert "Подсказка 2 из" in tour.inner_text()
    people.shot(page, "tour-step-2")
    page.click(".omk-tour button:has-text('Пропустить')")
    assert tour.count() == 0 and page.locator(".omk-tour-target").count() == 0

    page.reload()
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.locator(".omk-tour").count() == 0
    assert violations == []


def test_a_tooltip_opens_on_keyboard_focus_and_escape_closes_it(people: People) -> None:
    page = people.page(buyer(people))
    violations = csp_violations(page)
    page.goto("/help/request")
    select = page.locator("select[name=service]")
    tip_id = select.get_attribute("aria-describedby")
    assert tip_id and tip_id.startswith("omk-tip-")
    tip = page.locator(f"#{tip_id}")
    assert tip.get_attribute("role") == "tooltip" and tip.is_hidden()

    select.focus()
    assert tip.is_visible() and "Аукционы" in tip.inner_text()
    people.shot(page, "tooltip")
    page.keyboard.press("Escape")
    assert tip.is_hidden()
    assert violations == []


def test_a_buyer_sends_a_request_from_the_help_section(people: People) -> None:
    page = people.page(buyer(people))
    page.goto("/help")
    people.shot(page, "help")
    page.click("a:has-text('Правила торгов')")
    assert "Лидер не может перебить собственную ставку" in page.inner_text("main")
    people.shot(page, "help-rules")

    page.goto("/help/request")
    page.select_option("select[name=service]", "auctions")
    page.fill("input[name=subject]", "Допуск к аукциону A-3")
    page.fill("textarea[name=text]", "Просим допустить ООО Участник 0 к аукциону A-3 по электросварным трубам.")
    people.shot(page, "request-form")
    with page.expect_navigation():
        page.click("form[action='/help/request'] button[type=submit]")

    assert "/help/requests/" in page.url
    assert "Обращение отправлено" in page.inner_text("p.flash[role=status]")
    assert "Допуск к аукциону A-3" in page.inner_text("main") and "новое" in page.inner_text("main")
    people.shot(page, "request-sent")
