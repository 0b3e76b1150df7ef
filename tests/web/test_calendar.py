"""The auction calendar: the month grid and the paged list, the iCalendar feed with its view-only
tokens, and the calendar's JSON counterpart."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar

from omk_domain.app.auctions import (
    AddLots,
    AdmitOrganization,
    CancelAuction,
    CreateAuction,
    EditAuction,
    PublishAuction,
)
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.auctions.values import AuctionFormat, ProductSpec
from omk_domain.identity.model import Role
from omk_domain.identity.policy import Permission
from omk_domain.shared.money import Money, Quantity, Unit
from tests.contract.builders import STAFF, T0, inn
from tests.web.conftest import Portal, csrf

pytestmark = pytest.mark.web

ANNA = "anna@uchastnik0.ru"
BORIS = "boris@uchastnik1.ru"
VIEW_ONLY = frozenset({Permission.AUCTION_VIEW})


def auction(portal: Portal, number: str, *, starts: datetime, ends: datetime, admit: list[str],
            fmt: AuctionFormat = AuctionFormat.OPEN, title: str = "Трубы профильные", publish: bool = True) -> str:
    bus = portal.services.bus
    made = bus.handle(CreateAuction(number=number, title=title, format=fmt, starts_at=starts, ends_at=ends), STAFF)
    bus.handle(AddLots(auction_id=made.id, drafts=(LotDraft(
        row=2, number=1, title="Труба 159x6", product=ProductSpec(product_type="труба", diameter_mm=159.0, wall_mm=6.0),
        quantity=Quantity(Decimal("20"), Unit.TONNE), start_price=Money.rub("90000"), bid_step=Money.rub("500"),
        floor_price=None),)), STAFF)
    for org in admit:
        bus.handle(AdmitOrganization(auction_id=made.id, organization_id=org), STAFF)
    if publish:
        bus.handle(PublishAuction(auction_id=made.id), STAFF)
    return str(made.id)


def org_of(portal: Portal, email: str) -> str:
    org = portal.people[email][1]
    assert org is not None
    return org


def stranger(portal: Portal) -> str:
    """A person of an organisation admitted to nothing."""
    org = portal.services.bus.handle(RegisterOrganization(name="ООО Посторонние", inn=inn(7)), STAFF)
    portal.add_person("olga@postoronnie.ru", org.id)
    return "olga@postoronnie.ru"


def days_of(html: str, auction_id: str) -> list[str]:
    """The days (data-day of the grid's cells) whose cell links to the auction."""
    cells = re.findall(r'<td[^>]*data-day="([\d-]+)"[^>]*>(.*?)</td>', html, flags=re.S)
    return [day for day, body in cells if f"/auctions/{auction_id}\"" in body]


# --- month and list ---------------------------------------------------------------------------


def test_the_month_grid_shows_a_multi_day_auction_on_every_day_it_runs_in_moscow_time(portal: Portal) -> None:
    # 2026-12-05 22:00 UTC is already the 6th in Moscow; it ends on the 8th at 12:00 Moscow
    long = auction(portal, "M-1", starts=datetime(2026, 12, 5, 22, 0, tzinfo=UTC),
                   ends=datetime(2026, 12, 8, 9, 0, tzinfo=UTC), admit=[org_of(portal, ANNA)])
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/auctions", params={"year": 2026, "month": 12})
    assert page.status_code == 200, page.text
    assert days_of(page.text, long) == ["2026-12-06", "2026-12-07", "2026-12-08"]
    assert days_of(page.text, portal.market.auction_id) == ["2026-12-01"]
    assert "Декабрь 2026" in page.text
    assert 'href="/auctions?year=2026&amp;month=11"' in page.text
    assert 'href="/auctions?year=2027&amp;month=1"' in page.text


def test_today_is_highlighted_in_the_current_month(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/auctions")
    today = portal.clock.now().astimezone(UTC) + timedelta(hours=3)
    assert re.search(rf'class="[^"]*cal-today[^"]*"\s+data-day="{today.date().isoformat()}"', page.text), page.text


def test_filters_narrow_the_month_and_the_list(portal: Portal) -> None:
    orgs = [org_of(portal, ANNA)]
    closed = auction(portal, "F-closed", starts=T0 + timedelta(days=2), ends=T0 + timedelta(days=2, hours=3),
                     admit=orgs, fmt=AuctionFormat.CLOSED, title="Трубы обсадные")
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        by_format = client.get("/auctions", params={"year": 2026, "month": 12, "format": "closed"})
        by_text = client.get("/auctions", params={"view": "list", "q": "обсадные"})
        by_status = client.get("/auctions", params={"view": "list", "status": "running"})
    assert days_of(by_format.text, closed) and not days_of(by_format.text, portal.market.auction_id)
    assert f"/auctions/{closed}" in by_text.text and f"/auctions/{portal.market.auction_id}\"" not in by_text.text
    assert f"/auctions/{portal.market.auction_id}\"" in by_status.text and f"/auctions/{closed}" not in by_status.text


def test_the_list_pages_through_the_auctions(portal: Portal) -> None:
    orgs = [org_of(portal, ANNA)]
    ids = [auction(portal, f"L-{n:02d}", starts=T0 + timedelta(days=1, hours=n),
                   ends=T0 + timedelta(days=1, hours=n + 1), admit=orgs) for n in range(26)]
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        first = client.get("/auctions", params={"view": "list"})
        second = client.get("/auctions", params={"view": "list", "page": 2})
    assert first.status_code == second.status_code == 200
    assert "Страница 1 из 2" in first.text and "Страница 2 из 2" in second.text
    shown = [i for i in [portal.market.auction_id, *ids] if f"/auctions/{i}\"" in first.text]
    rest = [i for i in [portal.market.auction_id, *ids] if f"/auctions/{i}\"" in second.text]
    assert len(shown) == 25 and len(rest) == 2 and not set(shown) & set(rest)
    assert 'href="/auctions?view=list&amp;page=2"' in first.text


def test_a_client_never_sees_drafts_or_auctions_it_is_not_admitted_to(portal: Portal) -> None:
    draft = auction(portal, "D-1", starts=T0 + timedelta(days=3), ends=T0 + timedelta(days=3, hours=2),
                    admit=[org_of(portal, ANNA)], publish=False)
    others = auction(portal, "B-1", starts=T0 + timedelta(days=3), ends=T0 + timedelta(days=3, hours=2),
                     admit=[org_of(portal, BORIS)])
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        month = client.get("/auctions", params={"year": 2026, "month": 12}).text
        listing = client.get("/auctions", params={"view": "list"}).text
    for html in (month, listing):
        assert draft not in html and others not in html
        assert portal.market.auction_id in html


@pytest.mark.parametrize("params", [
    {"month": "13", "year": "2026"}, {"month": "0", "year": "2026"}, {"month": "x"}, {"year": "99999", "month": "1"},
    {"view": "week"}, {"status": "nonsense"}, {"format": "sealed"}, {"page": "0"},
    {"view": "list", "from": "2026-12-10", "until": "2026-12-01"}, {"view": "list", "from": "10.12.2026"},
])
def test_bad_calendar_parameters_are_a_4xx_page_never_a_500(portal: Portal, params: dict[str, str]) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/auctions", params=params)
    assert 400 <= page.status_code < 500, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Календарь" in page.text or "Некорректный запрос" in page.text


def test_a_backwards_range_tells_why_in_russian(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/auctions", params={"view": "list", "from": "2026-12-10", "until": "2026-12-01"})
    assert page.status_code == 422
    assert "Начало периода должно быть раньше его конца" in page.text


def test_the_calendar_needs_sign_in(portal: Portal) -> None:
    with portal.client() as client:
        page = client.get("/auctions", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/signin?next=")


# --- the iCalendar feed -----------------------------------------------------------------------


def parse(body: bytes) -> dict[str, object]:
    """The feed's events by UID."""
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_a_view_only_token_opens_the_feed_with_one_event_per_auction_in_utc(portal: Portal) -> None:
    later = auction(portal, "I-1", starts=datetime(2026, 12, 10, 7, 0, tzinfo=UTC),
                    ends=datetime(2026, 12, 12, 11, 30, tzinfo=UTC), admit=[org_of(portal, ANNA)])
    token = portal.token(ANNA, VIEW_ONLY)
    with portal.client() as client:
        feed = client.get("/auctions/calendar.ics", params={"token": token})
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    events = parse(feed.content)
    assert set(events) == {f"auction-{portal.market.auction_id}@auctions.omk.ru", f"auction-{later}@auctions.omk.ru"}
    event = events[f"auction-{later}@auctions.omk.ru"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 12, 11, 30, tzinfo=UTC)
    assert b"DTSTART:20261210T070000Z" in feed.content
    assert str(event["SUMMARY"]) == "Аукцион I-1: Трубы профильные"
    assert "Форма торгов: открытая — участники повышают цену открытыми ставками" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/auctions/{later}")
    assert str(event["STATUS"]) == "CONFIRMED"


def test_uids_are_stable_and_a_cancelled_auction_is_cancelled_with_a_higher_sequence(portal: Portal) -> None:
    doomed = auction(portal, "C-1", starts=T0 + timedelta(days=5), ends=T0 + timedelta(days=5, hours=2),
                     admit=[org_of(portal, ANNA)])
    token = portal.token(ANNA, VIEW_ONLY)
    uid = f"auction-{doomed}@auctions.omk.ru"
    with portal.client() as client:
        before = parse(client.get("/auctions/calendar.ics", params={"token": token}).content)[uid]
        portal.services.bus.handle(EditAuction(auction_id=doomed, ends_at=T0 + timedelta(days=5, hours=4)), STAFF)
        moved = parse(client.get("/auctions/calendar.ics", params={"token": token}).content)[uid]
        portal.services.bus.handle(CancelAuction(auction_id=doomed, reason="Перенос сроков поставки"), STAFF)
        cancelled = parse(client.get("/auctions/calendar.ics", params={"token": token}).content)[uid]
    assert str(before["STATUS"]) == str(moved["STATUS"]) == "CONFIRMED"
    assert moved.decoded("DTEND") == T0 + timedelta(days=5, hours=4)
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Перенос сроков поставки" in str(cancelled["DESCRIPTION"])
    assert int(before["SEQUENCE"]) < int(moved["SEQUENCE"]) < int(cancelled["SEQUENCE"])


def test_a_token_that_can_bid_is_refused_for_the_feed(portal: Portal) -> None:
    bidding = portal.token(ANNA, frozenset({Permission.AUCTION_VIEW, Permission.AUCTION_BID}))
    with portal.client() as client:
        refused = client.get("/auctions/calendar.ics", params={"token": bidding}, headers={"accept": "text/calendar"})
        unknown = client.get("/auctions/calendar.ics", params={"token": "omk_not-a-token"},
                             headers={"accept": "text/calendar"})
    assert refused.status_code == 403
    assert b"BEGIN:VCALENDAR" not in refused.content
    assert "только ключ" in refused.text
    assert unknown.status_code == 401
    assert b"BEGIN:VCALENDAR" not in unknown.content


def test_a_strangers_feed_holds_no_auction_it_is_not_admitted_to(portal: Portal) -> None:
    auction(portal, "S-1", starts=T0 + timedelta(days=2), ends=T0 + timedelta(days=2, hours=2),
            admit=[org_of(portal, ANNA)])
    email = stranger(portal)
    token = portal.token(email, VIEW_ONLY)
    with portal.client() as client:
        feed = client.get("/auctions/calendar.ics", params={"token": token})
    assert feed.status_code == 200
    assert parse(feed.content) == {}


def test_the_session_downloads_the_feed_once_and_no_session_or_token_is_refused(portal: Portal) -> None:
    with portal.client() as client:
        anonymous = client.get("/auctions/calendar.ics", headers={"accept": "text/calendar"}, follow_redirects=False)
        portal.sign_in(client, BORIS)
        feed = client.get("/auctions/calendar.ics")
    assert anonymous.status_code in (303, 401)
    assert feed.status_code == 200
    assert set(parse(feed.content)) == {f"auction-{portal.market.auction_id}@auctions.omk.ru"}


def test_the_feed_token_never_reaches_the_access_log(portal: Portal, capsys: pytest.CaptureFixture[str]) -> None:
    token = portal.token(ANNA, VIEW_ONLY)
    with portal.client() as client:
        client.get("/auctions/calendar.ics", params={"token": token})
    # the server's structured log goes to stdout (the test client's own request log, on stderr, is not the server's)
    server_log = capsys.readouterr().out
    assert "route=/auctions/calendar.ics" in server_log
    assert token not in server_log
    assert token.split("_", 1)[-1][:12] not in server_log


# --- the subscription page ----------------------------------------------------------------------


def test_an_administrator_issues_a_view_only_subscription_address_that_works(portal: Portal) -> None:
    portal.add_person("ivan@uchastnik0.ru", org_of(portal, ANNA), role=Role.ADMINISTRATOR)
    with portal.client() as client:
        portal.sign_in(client, "ivan@uchastnik0.ru")
        form = client.get("/auctions/calendar")
        issued = client.post("/auctions/calendar", headers=csrf(client))
    assert "Выпустить ключ" in form.text
    assert issued.status_code == 200, issued.text
    found = re.search(r'id="feed-url" value="([^"]+)"', issued.text)
    assert found
    url = found.group(1).replace("&amp;", "&")
    token = url.split("token=", 1)[1]
    assert token.startswith("omk_")
    with portal.client() as calendar_app:
        feed = calendar_app.get("/auctions/calendar.ics", params={"token": token})
        bid = calendar_app.post(f"/api/v1/lots/{portal.market.lot_ids[0]}/bids", json={"amount": "85000"},
                                headers={"authorization": f"Bearer {token}"})
    assert feed.status_code == 200
    assert bid.status_code == 403


def test_a_bidder_is_told_whom_to_ask_for_a_subscription_address(portal: Portal) -> None:
    with portal.client() as client:
        portal.sign_in(client, ANNA)
        page = client.get("/auctions/calendar")
        refused = client.post("/auctions/calendar", headers=csrf(client))
    assert "администратор вашей организации" in page.text
    assert "Выпустить ключ" not in page.text
    assert refused.status_code == 403
    assert "feed-url" not in refused.text


# --- JSON ---------------------------------------------------------------------------------------


def test_the_calendar_api_pages_auctions_overlapping_a_range(portal: Portal) -> None:
    orgs = [org_of(portal, ANNA)]
    ids = [auction(portal, f"R-{n}", starts=T0 + timedelta(days=n + 1), ends=T0 + timedelta(days=n + 1, hours=30),
                   admit=orgs) for n in range(3)]
    headers = {"authorization": f"Bearer {portal.token(ANNA, VIEW_ONLY)}"}
    window = {"from": (T0 + timedelta(days=2, hours=1)).isoformat(),
              "until": (T0 + timedelta(days=2, hours=12)).isoformat()}
    with portal.client() as client:
        first = client.get("/api/v1/calendar", params={**window, "limit": 1}, headers=headers)
        second = client.get("/api/v1/calendar", params={**window, "limit": 1, "offset": 1}, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["total"] == 2
    assert [first.json()["items"][0]["id"], second.json()["items"][0]["id"]] == [ids[0], ids[1]]


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}, {"from": "yesterday"}, {"status": "nonsense"},
    {"from": "2026-12-10T00:00:00+03:00", "until": "2026-12-01T00:00:00+03:00"}, {"format": "x"},
    {"from": "2026-12-01T00:00:00"}, {"until": "2026-12-01T00:00:00"},
])
def test_bad_calendar_api_parameters_are_4xx_problems(portal: Portal, params: dict[str, str]) -> None:
    headers = {"authorization": f"Bearer {portal.token(ANNA, VIEW_ONLY)}"}
    with portal.client() as client:
        answer = client.get("/api/v1/calendar", params=params, headers=headers)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
