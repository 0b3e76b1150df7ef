"""The portal served for real (uvicorn on a free port) and driven by Debian's chromium through Playwright.

One server and one browser per test session; each person gets a browser context of their own
(their own cookies), signed in through the real two-step pages with the code read from the
local outbox. Screenshots of every page visited are kept under `test-artifacts/screenshots/`.

Without /usr/bin/chromium (or the `playwright` package) the browser tests skip with the reason,
unless OMK_REQUIRE_SERVICES=1 (set by .ci/run, which installs chromium), where they fail.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from omk_adapters.bootstrap import Services, bootstrap
from omk_adapters.notify.local import LocalOutbox
from omk_adapters.settings import Settings
from omk_domain.app import auctions as A
from omk_domain.app.identity import RegisterUser
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
from omk_domain.identity.model import Role
from omk_domain.shared.clock import ensure_utc
from omk_domain.shared.money import Money, Quantity, Unit
from tests.conftest import service_unavailable
from tests.contract.builders import STAFF, T0, Market, open_market

CHROMIUM = Path("/usr/bin/chromium")
#: the flags verified on these machines (TOOLCHAIN.md): headless, no sandbox as root, nothing phoning home
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Зелёный-чайник-2026"
CODE = re.compile(r"\b(\d{6})\b")
ANNA, BORIS, OLGA = "anna@uchastnik0.ru", "boris@uchastnik1.ru", "olga@omk.example"
TIMEOUT_MS = 10_000


class LiveClock:
    """Server time for the live portal: stands still while the market is seeded, then runs at
    wall-clock speed from the seeded moment (countdowns move, letters are ordered by time)."""

    def __init__(self, start: datetime) -> None:
        self._base = ensure_utc(start)
        self._since: float | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self._since is None:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._since)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._base = ensure_utc(moment)
            if self._since is not None:
                self._since = time.monotonic()

    def run(self) -> None:
        with self._lock:
            self._since = time.monotonic()


@attrs.define
class LivePortal:
    """The served portal and what was seeded into it."""

    url: str
    services: Services
    clock: LiveClock
    data_dir: Path
    #: auction A-1: running, lots open for bids and offers, two admitted organisations
    market: Market
    #: auction A-2: closed with a bid, its results waiting for approval
    closed_auction_id: str
    #: auction A-3: a draft with no lots yet (the organiser uploads them)
    draft_auction_id: str
    people: dict[str, str | None] = attrs.field(factory=dict)

    def last_code(self, email: str, after: int = 0) -> str:
        """The code of the newest letter to `email` (waiting for it to be written if need be)."""
        outbox = LocalOutbox.in_data_dir(self.data_dir)
        deadline = time.monotonic() + 5
        while True:
            letters = outbox.emails(email)
            if len(letters) > after:
                found = CODE.search(letters[-1].text)
                assert found, letters[-1].text
                return found.group(1)
            assert time.monotonic() < deadline, f"no new letter to {email}"
            time.sleep(0.05)

    def letters_to(self, email: str) -> int:
        return len(LocalOutbox.in_data_dir(self.data_dir).emails(email))


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _seed(services: Services, clock: LiveClock) -> tuple[Market, str, str, dict[str, str | None]]:
    """A-1 running (4 lots), A-2 closed with a winning bid, A-3 a draft; two bidders and an organiser."""
    market = open_market(services.uow_factory, lots=4, duration=timedelta(hours=6))
    bus, manual = market.bus, market.clock
    orgs = [b.organization_id for b in market.bidders]
    closed = bus.handle(A.CreateAuction(number="A-2", title="Трубы обсадные", format=AuctionFormat.OPEN,
                                        starts_at=T0 + timedelta(minutes=2), ends_at=T0 + timedelta(minutes=12),
                                        soft_close=SoftClose()), STAFF)
    lot = bus.handle(A.AddLots(auction_id=closed.id, drafts=(LotDraft(
        row=2, number=1, title="Труба обсадная 245x10", product=ProductSpec(product_type="труба", diameter_mm=245.0,
                                                                            wall_mm=10.0),
        quantity=Quantity(Decimal("40"), Unit.TONNE), start_price=Money.rub("97000"), bid_step=Money.rub("1000"),
        floor_price=None),)), STAFF)[0]
    for org in orgs:
        bus.handle(A.AdmitOrganization(auction_id=closed.id, organization_id=org), STAFF)
    bus.handle(A.PublishAuction(auction_id=closed.id), STAFF)
    manual.set(T0 + timedelta(minutes=3))
    run_due_transitions(services.uow_factory, manual)
    bus.handle(A.PlaceBid(lot_id=lot.lot_id, amount=Money.rub("98000")), market.bidders[0])
    manual.set(T0 + timedelta(minutes=13))
    run_due_transitions(services.uow_factory, manual)
    draft = bus.handle(A.CreateAuction(number="A-3", title="Трубы электросварные", format=AuctionFormat.MIXED,
                                       starts_at=T0 + timedelta(days=3), ends_at=T0 + timedelta(days=3, hours=2),
                                       soft_close=SoftClose()), STAFF)
    clock.set(manual.now())
    people: dict[str, str | None] = {}
    for email, org, role in ((ANNA, orgs[0], Role.BIDDER), (BORIS, orgs[1], Role.BIDDER),
                             (OLGA, None, Role.ORGANISER)):
        services.bus.handle(RegisterUser(email=email, full_name=_name(email), role=role, organization_id=org,
                                         password=PASSWORD), STAFF)
        people[email] = org
    return market, closed.id, draft.id, people


def _name(email: str) -> str:
    return {ANNA: "Анна Сергеевна Лебедева", BORIS: "Борис Петрович Кузнецов",
            OLGA: "Ольга Викторовна Соколова"}[email]


@pytest.fixture(scope="package")  # package: closed before the rest of the suite (its own event loops) runs
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    """The real app (`omk_web.app.create_app`) under uvicorn in a background thread, scheduler off."""
    import uvicorn

    from omk_web.app import create_app

    root = tmp_path_factory.mktemp("live-portal")
    data_dir = root / "data"
    settings = Settings.load({"OMK_DATA_DIR": str(data_dir), "OMK_DATABASE_URL": f"sqlite:///{root / 'omk.sqlite3'}",
                              "OMK_WEB_SCHEDULER": "0", "OMK_ARGON2_TIME_COST": "1",
                              "OMK_ARGON2_MEMORY_KIB": "256", "OMK_ARGON2_PARALLELISM": "1"})
    clock = LiveClock(T0 - timedelta(days=1))
    services = bootstrap(settings, clock=clock, migrate=True)
    market, closed_id, draft_id, people = _seed(services, clock)
    clock.run()
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(services, scheduler=False), log_level="warning",
                                           access_log=False, lifespan="on", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            services.close()
            pytest.fail("the portal did not start under uvicorn")
        time.sleep(0.02)
    try:
        yield LivePortal(url=f"http://127.0.0.1:{port}", services=services, clock=clock, data_dir=data_dir,
                         market=market, closed_auction_id=closed_id, draft_auction_id=draft_id, people=people)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        services.close()


@pytest.fixture(scope="package")  # Playwright's sync API holds an event loop while it lives
def browser() -> Iterator[Any]:
    """One headless chromium for the whole session (Debian's package, never a downloaded browser)."""
    if not CHROMIUM.exists():
        service_unavailable("chromium", f"{CHROMIUM} not found — install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        service_unavailable("chromium", f"the playwright package is missing ({exc}); `pip install -e '.[dev]'`")
    if SCREENSHOTS.exists():  # this run's screenshots only
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@attrs.define
class People:
    """Browser contexts for one test: `people.page(email)` is that person's signed-in tab."""

    portal: LivePortal
    browser: Any
    test_name: str
    contexts: list[Any] = attrs.field(factory=list)
    shots: int = 0

    def anonymous(self) -> Any:
        context = self.browser.new_context(base_url=self.portal.url, locale="ru-RU", timezone_id="Europe/Moscow",
                                           viewport={"width": 1280, "height": 900}, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    def page(self, email: str) -> Any:
        page = self.anonymous()
        self.sign_in(page, email)
        return page

    def sign_in(self, page: Any, email: str, *, shoot: bool = False) -> None:
        """Step 1: email and password; step 2: the code from the newest letter in the local outbox."""
        before = self.portal.letters_to(email)
        page.goto("/signin")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        if shoot:
            self.shot(page, "signin")
        page.click("button[type=submit].primary")
        page.wait_for_selector("input[name=code]")
        if shoot:
            self.shot(page, "signin-code")
        page.fill("input[name=code]", self.portal.last_code(email, after=before))
        with page.expect_navigation():
            page.click("button[type=submit].primary")
        assert "/signin" not in page.url, page.content()

    def shot(self, page: Any, step: str) -> Path:
        """A full-page screenshot kept as a test artifact: <test>-<nn>-<step>.png."""
        self.shots += 1
        path = SCREENSHOTS / f"{self.test_name}-{self.shots:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture()
def people(browser: Any, live_portal: LivePortal, request: pytest.FixtureRequest) -> Iterator[People]:
    crowd = People(portal=live_portal, browser=browser, test_name=re.sub(r"\W+", "_", request.node.name))
    try:
        yield crowd
    finally:
        crowd.close()

