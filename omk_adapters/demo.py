"""A realistic demo of OMK Auctions, seeded only through the use cases.

Five client organisations, their users, and seven auctions of steel pipe in every state of the
lifecycle: a draft, a scheduled one, one running now (with bids, sealed offers and soft close),
one finished and awaiting review, one with approved results (a winner declined, the lot passed
to the next bidder), one approved automatically, and a cancelled one.

Past states are reached honestly: a ManualClock starts ten days ago and is moved forward to the
present, placing each bid at its moment and running the scheduler's `run_due_transitions` so that
auctions start and lots close exactly as they would have.

Idempotent: when the demo auctions exist, nothing is written and the summary is shown again.
`reset=True` wipes the database (every table, through the migrations: downgrade to base, then
upgrade) and seeds anew; it refuses when the database holds anything that is not demo data,
unless `force=True`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import attrs

from omk_adapters.files.moscow import MOSCOW
from omk_adapters.memory.clock import ManualClock
from omk_domain.app import auctions as A
from omk_domain.app import identity as I
from omk_domain.app.lot_import import LotDraft, parse_rows
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.values import AuctionFormat, SoftClose
from omk_domain.identity.model import Actor, Role
from omk_domain.ports import AuctionFilter
from omk_domain.shared.clock import Clock
from omk_domain.shared.errors import Conflict
from omk_domain.shared.money import Money

PREFIX = "DEMO-"
SAMPLE_FILE = "demo-lots.csv"


class DemoIncomplete(Conflict):
    code = "demo_incomplete"
    message_ru = "Демонстрационные данные загружены не полностью: выполните `omk demo --reset`."


class ResetRefused(Conflict):
    code = "demo_reset_refused"
    message_ru = ("В базе есть не только демонстрационные данные: сброс удалил бы их. "
                  "Используйте отдельную базу или `--force`.")


# --- organisations with valid INNs -----------------------------------------------------------

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn10(prefix: str) -> str:
    """A legal entity's INN: nine digits and their check digit."""
    return prefix + _digit(prefix, _W10)


def inn12(prefix: str) -> str:
    """A sole trader's INN: ten digits and their two check digits."""
    eleven = prefix + _digit(prefix, _W11)
    return eleven + _digit(eleven, _W12)


def ogrn(prefix: str) -> str:
    """A legal entity's OGRN: twelve digits and their check digit."""
    return prefix + str(int(prefix) % 11 % 10)


def ogrnip(prefix: str) -> str:
    """A sole trader's OGRNIP: fourteen digits and their check digit."""
    return prefix + str(int(prefix) % 13 % 10)


@attrs.frozen(kw_only=True)
class DemoOrg:
    key: str
    name: str
    inn: str
    kpp: str | None
    email: str
    person: str
    ogrn: str | None = None
    ogrnip: str | None = None
    sap: str | None = None


ORGS = (
    DemoOrg(key="ural", name="ООО «НефтеГазСтрой-Урал»", inn=inn10("667104538"), kpp="667101001",
            email="zakupki@ngs-ural.example", person="Сергей Петрович Ковалёв",
            ogrn=ogrn("102660000123"), sap="100234"),
    DemoOrg(key="sib", name="АО «СибТрубоКомплект»", inn=inn10("540632178"), kpp="540601001",
            email="tender@sibtk.example", person="Елена Игоревна Мельникова",
            ogrn=ogrn("105540000456"), sap="100871"),
    DemoOrg(key="volga", name="ООО «ВолгаТрейдМеталл»", inn=inn10("631582904"), kpp="631501001",
            email="snab@vtm.example", person="Алексей Николаевич Фролов"),
    DemoOrg(key="nw", name="ООО «Северо-Западный трубный альянс»", inn=inn10("781047265"), kpp="781001001",
            email="trade@szta.example", person="Ольга Викторовна Соболева"),
    DemoOrg(key="ip", name="ИП Кузнецов Андрей Викторович", inn=inn12("5260183749"), kpp=None,
            email="kuznetsov.av@mail.example", person="Андрей Викторович Кузнецов",
            ogrnip=ogrnip("31452600001234")),
)
#: an organisation that applied and awaits approval, and one that OMK has blocked
APPLICANT = DemoOrg(key="applicant", name="ООО «УралТрубСнаб»", inn=inn10("745301234"), kpp="745301001",
                    email="info@uts.example", person="Павел Андреевич Гришин")
BLOCKED = DemoOrg(key="blocked", name="ООО «ТрубИнвестГрупп»", inn=inn10("502401235"), kpp="502401001",
                  email="office@tig.example", person="Инна Романовна Лебедева")
BLOCK_REASON = "Просроченная дебиторская задолженность свыше 90 дней"
ALL_ORGS = (*ORGS, APPLICANT, BLOCKED)
ORGANISER = ("organiser@omk.example", "Ирина Сергеевна Волкова")
#: every demo user signs in with this password (and the code from the local outbox folder)
DEMO_PASSWORD = "Demo-пароль-2026"
#: OMK staff in the other staff roles, and client users in the other client roles (at НефтеГазСтрой-Урал)
STAFF_USERS = (("admin@omk.example", "Максим Андреевич Орлов", Role.SYSTEM_ADMIN),
               ("manager@omk.example", "Татьяна Юрьевна Белова", Role.ACCOUNT_MANAGER),
               ("support@omk.example", "Олег Ильич Зайцев", Role.SUPPORT))
URAL_USERS = (("analyst@ngs-ural.example", "Дмитрий Олегович Захаров", Role.VIEWER),
              ("admin@ngs-ural.example", "Марина Львовна Ершова", Role.ADMINISTRATOR),
              ("finance@ngs-ural.example", "Виктор Павлович Гусев", Role.FINANCE),
              ("buyer@ngs-ural.example", "Юлия Андреевна Комарова", Role.BUYER),
              ("logistics@ngs-ural.example", "Роман Сергеевич Титов", Role.LOGISTICS))


# --- pipe -----------------------------------------------------------------------------------

#: product type, name, diameter mm, wall mm, steel grade, standard, warehouse
CATALOGUE: tuple[tuple[str, str, float, float, str, str, str], ...] = (
    ("труба бесшовная", "Труба стальная бесшовная", 530, 8, "17Г1С", "ГОСТ 8732-78", "Выкса"),
    ("труба электросварная", "Труба стальная электросварная прямошовная", 1420, 21.6, "К60",
     "ГОСТ Р 52079-2003", "Выкса"),
    ("труба электросварная", "Труба стальная электросварная прямошовная", 720, 10, "13Г1С-У",
     "ГОСТ 20295-85", "Выкса"),
    ("труба бесшовная", "Труба стальная бесшовная горячедеформированная", 325, 10, "09Г2С",
     "ГОСТ 8732-78", "Чусовой"),
    ("труба бесшовная", "Труба стальная бесшовная горячедеформированная", 219, 8, "20", "ГОСТ 8732-78",
     "Чусовой"),
    ("труба обсадная", "Труба обсадная с резьбой ОТТМ", 168.3, 8.9, "Д", "ГОСТ 632-80", "Альметьевск"),
    ("труба НКТ", "Труба насосно-компрессорная гладкая", 73, 5.5, "К", "ГОСТ 633-80", "Альметьевск"),
    ("труба электросварная", "Труба стальная электросварная", 114, 4.5, "Ст3сп", "ГОСТ 10705-80",
     "Альметьевск"),
    ("труба электросварная", "Труба стальная электросварная прямошовная", 1020, 12, "К52", "ГОСТ 20295-85",
     "Выкса"),
    ("труба бесшовная", "Труба стальная бесшовная холоднодеформированная", 57, 4, "20", "ГОСТ 8734-75",
     "Чусовой"),
)
LOT_HEADER = ("№ лота", "Наименование", "Вид продукции", "Диаметр, мм", "Толщина стенки, мм", "Марка стали",
              "Стандарт", "Склад", "Количество", "Ед. изм.", "Стартовая цена", "Шаг аукциона", "Скрытый минимум")


def _ru(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def lot_row(number: int, item: int, tonnes: int, price: int, step: int, *, floor: int | None = None) -> list[str]:
    """A lot-file row for catalogue item `item` (prices in roubles per tonne)."""
    kind, name, diameter, wall, grade, standard, warehouse = CATALOGUE[item]
    title = f"{name} {_ru(diameter)}×{_ru(wall)} мм, ст. {grade}, {standard}"
    return [str(number), title, kind, _ru(diameter), _ru(wall), grade, standard, warehouse, str(tonnes), "т",
            f"{price:,}".replace(",", " "), str(step), f"{floor:,}".replace(",", " ") if floor else ""]


def lot_drafts(rows: list[list[str]]) -> tuple[LotDraft, ...]:
    return tuple(parse_rows(list(LOT_HEADER), rows))


# --- the summary ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DemoSummary:
    created: bool
    reset: bool
    now: datetime
    organizations: tuple[dict[str, Any], ...]
    auctions: tuple[A.AuctionSummary, ...]
    sample_file: str | None
    try_next: tuple[str, ...]
    #: the demo users (email, role, organisation) and the password they all sign in with
    users: tuple[dict[str, Any], ...] = ()
    demo_password: str = DEMO_PASSWORD


Build = Callable[[Clock | None], Any]  # returns omk_adapters.bootstrap.Services, migrated


def seed_demo(build: Build, *, reset: bool = False, force: bool = False) -> DemoSummary:
    """Seed the demo unless it is there; `build(clock)` gives migrated services (None: the real clock)."""
    services = build(None)
    staff = Actor(user_id="demo", role=Role.ORGANISER)
    if reset:
        _refuse_foreign_data(services, staff, force)
        _wipe(services.engine)
    existing = _demo_auctions(services, staff)
    if existing:
        if len(existing) < len(_PLAN_NUMBERS):
            raise DemoIncomplete(found=len(existing), expected=len(_PLAN_NUMBERS))
        return _summary(services, staff, created=False, reset=False)
    now = services.clock.now().replace(second=0, microsecond=0)
    clock = ManualClock(now - timedelta(days=10))
    _Seeder(build(clock), clock, now).run()
    return _summary(services, staff, created=True, reset=reset)


_PLAN_NUMBERS = tuple(f"{PREFIX}{n:02d}" for n in range(1, 8))


def _demo_auctions(services: Any, staff: Actor) -> list[A.AuctionSummary]:
    found = services.bus.handle(A.ListAuctions(filter=AuctionFilter(text=PREFIX, limit=1000)), staff)
    return [a for a in found if a.number.startswith(PREFIX)]


def _refuse_foreign_data(services: Any, staff: Actor, force: bool) -> None:
    if force:
        return
    from omk_adapters.sql.migrate import current

    if current(services.engine) is None:
        return
    inns = {o.inn for o in ALL_ORGS}
    foreign_orgs = [o for o in services.bus.handle(I.ListOrganizations(), staff) if o.inn not in inns]
    offset, foreign_auctions = 0, 0
    while True:
        page = services.bus.handle(A.ListAuctions(filter=AuctionFilter(limit=1000, offset=offset)), staff)
        foreign_auctions += sum(1 for a in page if not a.number.startswith(PREFIX))
        if len(page) < 1000:
            break
        offset += 1000
    if foreign_orgs or foreign_auctions:
        raise ResetRefused(organizations=len(foreign_orgs), auctions=foreign_auctions)


def _wipe(engine: Any) -> None:
    """Drop every table through the migrations (downgrade to base), then build the schema again."""
    from alembic import command

    from omk_adapters.sql.migrate import alembic_config, upgrade

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    upgrade(engine)


def _summary(services: Any, staff: Actor, *, created: bool, reset: bool) -> DemoSummary:
    auctions = sorted(_demo_auctions(services, staff), key=lambda a: a.number)
    inns = {o.inn for o in ALL_ORGS}
    orgs = tuple({"id": o.id, "name": o.name, "inn": o.inn}
                 for o in services.bus.handle(I.ListOrganizations(), staff) if o.inn in inns)
    by_number = {a.number: a for a in auctions}
    sample = Path(services.settings.data_dir) / SAMPLE_FILE
    if not sample.exists():
        _write_sample(sample)
    running_lot = ""
    if f"{PREFIX}03" in by_number:
        lots = services.bus.handle(A.ListLots(auction_id=by_number[f"{PREFIX}03"].id), staff)
        if lots:
            running_lot = lots[0].lot_id
    emails = {ORGANISER[0], *(o.email for o in ORGS), *(u[0] for u in STAFF_USERS + URAL_USERS)}
    with services.uow_factory() as uow:
        users = tuple({"email": u.email, "name": u.full_name, "role": u.role.value,
                       "organization_id": u.organization_id} for u in uow.users.list() if u.email in emails)
    return DemoSummary(
        created=created, reset=reset, now=services.clock.now(), organizations=orgs, auctions=tuple(auctions),
        sample_file=str(sample), users=users,
        try_next=(
            "omk auctions list",
            f"omk auctions show {PREFIX}03",
            f"omk bids place {running_lot or 'LOT'} 137000 --org {ORGS[3].inn}",
            f"omk bids list {PREFIX}03",
            f"omk auctions results {PREFIX}04",
            f"omk auctions approve {PREFIX}04",
            f"omk auctions export {PREFIX}05 --format xlsx --output itogi-{PREFIX}05.xlsx",
            f"omk lots import {PREFIX}01 {sample}",
            f"omk journal verify {PREFIX}04",
            f"omk orgs approve {APPLICANT.inn}",
            "omk audit list",
            "omk scheduler",
        ))


def _write_sample(path: Path) -> None:
    """A lot file for `omk lots import DEMO-01 …`: three more lots, `;`-separated, UTF-8 with BOM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(LOT_HEADER)
        writer.writerow(lot_row(4, 4, 36, 114000, 1000))
        writer.writerow(lot_row(5, 6, 80, 91500, 500, floor=86000))
        writer.writerow(lot_row(6, 7, 120, 81000, 500))


# --- the timeline ---------------------------------------------------------------------------


class _Seeder:
    """Replays ten days of auction life on a manual clock, through the bus and the scheduler."""

    def __init__(self, services: Any, clock: ManualClock, now: datetime) -> None:
        self.s, self.clock, self.now = services, clock, now
        self.staff = Actor(user_id="demo", role=Role.ORGANISER)
        self.events: list[tuple[datetime, int, Callable[[], Any]]] = []
        self.org: dict[str, str] = {}
        self.bidder: dict[str, Actor] = {}

    # helpers
    def do(self, command: Any, actor: Actor | None = None) -> Any:
        return self.s.bus.handle(command, actor or self.staff)

    def tick(self) -> None:
        run_due_transitions(self.s.uow_factory, self.clock)

    def at(self, moment: datetime, action: Callable[[], Any] = lambda: None) -> None:
        self.events.append((moment, len(self.events), action))

    def msk(self, days: int, hour: int) -> datetime:
        """`hour`:00 Moscow time, `days` from today (Moscow)."""
        day = self.now.astimezone(MOSCOW).date() + timedelta(days=days)
        return datetime.combine(day, time(hour), MOSCOW).astimezone(self.now.tzinfo)

    def bid(self, when: datetime, lot: Callable[[], str], org: str, amount: int) -> None:
        self.at(when, lambda: self.do(A.PlaceBid(lot_id=lot(), amount=Money.rub(amount)), self.bidder[org]))

    def offer(self, when: datetime, lot: Callable[[], str], org: str, amount: int) -> None:
        self.at(when, lambda: self.do(A.SubmitOffer(lot_id=lot(), amount=Money.rub(amount)), self.bidder[org]))

    def create(self, number: int, title: str, fmt: AuctionFormat, starts: datetime, hours: float, *,
               rows: list[list[str]], admit: str = "ural sib volga nw ip", publish: bool = True,
               soft: tuple[int, int, int | None] = (0, 0, None), auto_approve: bool = False,
               description: str = "") -> list[str]:
        """Create an auction with its lots and admissions; the list is filled with the lot ids."""
        window, extension, cap = soft
        auction = self.do(A.CreateAuction(
            number=f"{PREFIX}{number:02d}", title=title, format=fmt, starts_at=starts,
            ends_at=starts + timedelta(hours=hours), auto_approve=auto_approve, description=description,
            soft_close=SoftClose(window=timedelta(minutes=window), extension=timedelta(minutes=extension),
                                 cap=timedelta(minutes=cap) if cap is not None else None)))
        lots = self.do(A.AddLots(auction_id=auction.id, drafts=lot_drafts(rows)))
        for key in admit.split():
            self.do(A.AdmitOrganization(auction_id=auction.id, organization_id=self.org[key]))
        if publish:
            self.do(A.PublishAuction(auction_id=auction.id))
        self.auction_ids[number] = auction.id
        return [lot.lot_id for lot in lots]

    def register(self) -> None:
        email, name = ORGANISER
        user = self._user(email, name, Role.ORGANISER, None)
        self.staff = Actor(user_id=user, role=Role.ORGANISER)
        for org in ORGS:
            try:
                created = self.do(I.RegisterOrganization(name=org.name, inn=org.inn, kpp=org.kpp, ogrn=org.ogrn,
                                                         ogrnip=org.ogrnip, sap_customer_no=org.sap,
                                                         manager_user_id=self.staff.user_id))
                self.org[org.key] = created.id
            except I.OrganizationExists:
                with self.s.uow_factory() as uow:
                    self.org[org.key] = uow.organizations.by_inn(org.inn).id
            user = self._user(org.email, org.person, Role.BIDDER, self.org[org.key])
            self.bidder[org.key] = Actor(user_id=user, role=Role.BIDDER, organization_id=self.org[org.key])
        for email, name, role in URAL_USERS:
            self._user(email, name, role, self.org["ural"])
        for email, name, role in STAFF_USERS:
            self._user(email, name, role, None)
        for org, applies in ((APPLICANT, True), (BLOCKED, False)):
            try:
                self.org[org.key] = self.do(I.RegisterOrganization(
                    name=org.name, inn=org.inn, kpp=org.kpp, as_application=applies)).id
                if org is BLOCKED:
                    self.do(I.BlockOrganization(organization_id=self.org[org.key], reason=BLOCK_REASON))
            except I.OrganizationExists:
                pass

    def _user(self, email: str, name: str, role: Role, org: str | None) -> str:
        try:
            return str(self.do(I.RegisterUser(email=email, full_name=name, role=role, organization_id=org,
                                              password=DEMO_PASSWORD)).id)
        except I.UserExists:
            with self.s.uow_factory() as uow:
                return str(uow.users.by_email(email).id)

    def run(self) -> None:
        self.auction_ids: dict[int, str] = {}
        self.register()
        self.plan()
        for moment, _, action in sorted(self.events, key=lambda e: (e[0], e[1])):
            self.clock.set(moment)
            self.tick()
            action()
        self.clock.set(self.now)
        self.tick()

    def plan(self) -> None:
        n = self.now
        m = timedelta(minutes=1)
        # DEMO-05: open auction, six days ago; a winner declines, the lot passes on; results approved
        s5 = self.msk(-6, 11)
        l5 = self.create(5, "Бесшовные трубы со склада Чусовой — недельная сессия", AuctionFormat.OPEN, s5, 2,
                         rows=[lot_row(1, 3, 40, 118000, 1000), lot_row(2, 4, 25, 112000, 1000),
                          lot_row(3, 9, 12, 156000, 2000)], soft=(5, 5, None))
        self.bid(s5 + 10 * m, lambda: l5[0], "ural", 118000)
        self.bid(s5 + 25 * m, lambda: l5[0], "sib", 120000)
        self.bid(s5 + 40 * m, lambda: l5[0], "volga", 122000)
        self.bid(s5 + 70 * m, lambda: l5[0], "ural", 125000)
        self.bid(s5 + 15 * m, lambda: l5[1], "sib", 112000)
        self.bid(s5 + 50 * m, lambda: l5[1], "nw", 114000)
        self.bid(s5 + 30 * m, lambda: l5[2], "ip", 156000)
        self.at(s5 + 2 * 60 * m + m)
        self.at(s5 + 5 * 60 * m, lambda: self.do(A.DeclineWinner(
            lot_id=l5[1], reason="Победитель отказался от заключения договора (письмо № 118 от сегодняшнего дня)",
            pass_to_next=True)))
        self.at(s5 + 24 * 60 * m, lambda: self.do(A.ApproveResults(auction_id=self.auction_ids[5])))

        # DEMO-06: closed auction (sealed offers only), approved automatically
        s6 = self.msk(-4, 11)
        l6 = self.create(6, "Обсадные и насосно-компрессорные трубы — закрытая форма", AuctionFormat.CLOSED, s6, 2,
                         rows=[lot_row(1, 5, 60, 98000, 500), lot_row(2, 6, 35, 92000, 500, floor=85000)],
                         admit="ural sib volga nw", auto_approve=True,
                         description="Приём ценовых предложений ниже стартовой цены.")
        self.offer(s6 + 10 * m, lambda: l6[0], "ural", 95000)
        self.offer(s6 + 20 * m, lambda: l6[0], "volga", 96500)

        def edit_ural_offer() -> None:
            own = [o for o in self.do(A.ListLots(auction_id=self.auction_ids[6]))[0].offers
                   if o.organization_id == self.org["ural"] and o.status == "active"]
            self.do(A.EditOffer(lot_id=l6[0], offer_id=own[0].offer_id, amount=Money.rub(97000)),
                    self.bidder["ural"])

        self.at(s6 + 35 * m, edit_ural_offer)
        self.offer(s6 + 45 * m, lambda: l6[1], "sib", 90000)
        self.offer(s6 + 55 * m, lambda: l6[1], "nw", 88000)

        def withdraw_nw_offer() -> None:
            own = [o for o in self.do(A.ListLots(auction_id=self.auction_ids[6]))[1].offers
                   if o.organization_id == self.org["nw"] and o.status == "active"]
            self.do(A.WithdrawOffer(lot_id=l6[1], offer_id=own[0].offer_id), self.bidder["nw"])

        self.at(s6 + 80 * m, withdraw_nw_offer)
        self.at(s6 + 2 * 60 * m + m)

        # DEMO-04: mixed, two days ago: soft close extended lot 1, offers won lot 2, lot 3 unsold,
        # a bid annulled on lot 4; finished, awaiting the organiser's review
        s4 = self.msk(-2, 11)
        e4 = s4 + timedelta(hours=2)
        l4 = self.create(4, "Трубы большого диаметра для магистральных газопроводов", AuctionFormat.MIXED, s4, 2,
                         rows=[lot_row(1, 1, 120, 145000, 1000), lot_row(2, 2, 80, 128000, 1000),
                          lot_row(3, 8, 60, 132000, 1000), lot_row(4, 7, 45, 82000, 500)],
                         soft=(10, 10, 30))
        self.offer(s4 + 5 * m, lambda: l4[0], "sib", 140000)
        self.bid(s4 + 20 * m, lambda: l4[0], "ural", 145000)
        self.bid(s4 + 45 * m, lambda: l4[0], "volga", 147000)
        self.bid(e4 - 6 * m, lambda: l4[0], "ural", 149000)  # within the last 10 min: close moves to e4 + 4
        self.bid(e4 + 2 * m, lambda: l4[0], "volga", 151000)  # extended again: close at e4 + 12
        self.offer(s4 + 15 * m, lambda: l4[1], "nw", 121000)
        self.offer(s4 + 30 * m, lambda: l4[1], "ip", 124500)
        self.offer(s4 + 50 * m, lambda: l4[1], "sib", 124500)  # same amount, later: ranks after «ip»
        self.bid(s4 + 10 * m, lambda: l4[3], "ip", 82000)
        self.bid(s4 + 35 * m, lambda: l4[3], "sib", 83000)

        def annul_sib_bid() -> None:
            bids = [b for b in self.do(A.ListLots(auction_id=self.auction_ids[4]))[3].bids
                    if b.organization_id == self.org["sib"] and b.valid]
            self.do(A.AnnulBid(lot_id=l4[3], bid_id=bids[-1].bid_id,
                               reason="Ставка подана по ошибке: заявка организации о её отзыве"))

        self.at(s4 + 60 * m, annul_sib_bid)
        self.bid(s4 + 70 * m, lambda: l4[3], "ural", 83500)
        self.at(e4 + m)
        self.at(e4 + 13 * m)

        # DEMO-07: announced, then cancelled yesterday
        s7 = self.msk(5, 11)
        self.create(7, "Трубы электросварные малого диаметра — Альметьевск", AuctionFormat.OPEN, s7, 2,
                    rows=[lot_row(1, 7, 90, 81000, 500), lot_row(2, 6, 40, 93000, 500)])
        self.at(n - timedelta(days=1), lambda: self.do(A.CancelAuction(
            auction_id=self.auction_ids[7], reason="Перенос сроков отгрузки по заявке склада Альметьевск")))

        # DEMO-03: running now (mixed, soft close 10/10, cap 60): bids, sealed offers, an offer replaced by a bid
        s3 = (n - timedelta(hours=1)).replace(minute=(n - timedelta(hours=1)).minute // 5 * 5)
        l3 = self.create(3, "Трубы нефтегазового сортамента — текущие торги", AuctionFormat.MIXED, s3, 4,
                         rows=[lot_row(1, 0, 150, 132000, 1000), lot_row(2, 3, 30, 121000, 1000),
                          lot_row(3, 5, 50, 99000, 500), lot_row(4, 9, 10, 158000, 2000)],
                         soft=(10, 10, 60))
        self.bid(s3 + 5 * m, lambda: l3[0], "ural", 132000)
        self.bid(s3 + 12 * m, lambda: l3[0], "sib", 133000)
        self.bid(s3 + 30 * m, lambda: l3[0], "ural", 135000)
        self.bid(s3 + 50 * m, lambda: l3[0], "volga", 136000)
        self.offer(s3 + 8 * m, lambda: l3[1], "nw", 116000)
        self.offer(s3 + 20 * m, lambda: l3[1], "ip", 118000)
        self.offer(s3 + 15 * m, lambda: l3[2], "sib", 95000)
        self.bid(s3 + 35 * m, lambda: l3[2], "sib", 99000)  # replaces its own offer

        # DEMO-02: announced for three days from now
        self.create(2, "Бесшовные трубы 219–530 мм — объявленные торги", AuctionFormat.OPEN, self.msk(3, 11), 2,
                    rows=[lot_row(1, 0, 100, 129000, 1000), lot_row(2, 4, 45, 111000, 1000),
                     lot_row(3, 3, 20, 119500, 1000)], admit="ural sib volga nw", soft=(5, 5, None))

        # DEMO-01: a draft for the next month, not yet published
        self.create(1, "Трубы большого диаметра — сессия следующего месяца", AuctionFormat.MIXED, self.msk(14, 11),
                    3, rows=[lot_row(1, 1, 200, 146000, 1000), lot_row(2, 8, 80, 133000, 1000),
                        lot_row(3, 2, 60, 127000, 1000)], admit="ural", publish=False, soft=(10, 10, None))


@attrs.frozen(kw_only=True)
class DemoHint:
    """What the portal's first page tells a newcomer: whom to sign in as, and where the codes arrive."""

    users: tuple[dict[str, str], ...]
    password: str
    outbox: str


def demo_hint(services: Any) -> DemoHint | None:
    """The demo users with their organisation and role in Russian, when the demo data is there; else None."""
    staff = Actor(user_id="demo", role=Role.ORGANISER)
    if not _demo_auctions(services, staff):
        return None
    names = {o.id: o.name for o in services.bus.handle(I.ListOrganizations(), staff)}
    emails = {ORGANISER[0], *(o.email for o in ORGS), *(u[0] for u in STAFF_USERS + URAL_USERS)}
    with services.uow_factory() as uow:
        users = tuple({"email": u.email, "name": u.full_name, "role": u.role.label_ru,
                       "organization": names.get(u.organization_id or "", "ОМК")}
                      for u in uow.users.list() if u.email in emails)
    return DemoHint(users=users, password=DEMO_PASSWORD,
                    outbox=str(Path(services.settings.data_dir) / "outbox"))
