"""A lot traded at random through the real use cases, checked against a model kept by the test.

Hypothesis drives one lot of one auction on the in-memory adapters: bids (valid and not),
price offers, edits, withdrawals, annulments, retries with idempotency keys, time moving
(into the soft-close window, onto and past the close), scheduler runs, and the organiser's
review. The test keeps its own model of what the rules say — written here, independently of
`omk_domain.auctions.rules` — predicts whether each command must be accepted, and after every
step compares the lot, its winner, its journal and what every organisation sees.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from omk_adapters.memory.clock import ManualClock
from omk_adapters.memory.uow import MemoryStore, MemoryUnitOfWork
from omk_domain.app import auctions as uc
from omk_domain.app import usecases  # noqa: F401  (registers every use case)
from omk_domain.app.bus import MessageBus
from omk_domain.app.identity import RegisterOrganization
from omk_domain.app.lot_import import LotDraft
from omk_domain.app.scheduler import run_due_transitions
from omk_domain.auctions.journal import verify_chain
from omk_domain.auctions.values import AuctionFormat, ProductSpec, SoftClose
from omk_domain.auctions.views import lot_view_for
from omk_domain.identity.model import Actor, Role
from omk_domain.shared.errors import DomainError
from omk_domain.shared.money import Money, Quantity, Unit
from tests.unit.auction_builders import OPENS

pytestmark = pytest.mark.unit

START = Decimal("85000.00")
STEP = Decimal("500.00")
FLOOR = Decimal("70000.00")
DURATION = timedelta(minutes=30)
ORG_NAMES = ("ООО «Альфа»", "ООО «Бета»", "ООО «Гамма»", "ООО «Чужие»")  # the last is never admitted
INNS = ("7707083893", "7736207543", "7830002293", "500100732259")
STAFF = Actor(user_id="staff", role=Role.ORGANISER)

orgs = st.sampled_from([0, 1, 2])  # the admitted ones; 3 is never admitted
keys = st.none() | st.sampled_from(["k1", "k2"])
bid_offsets = st.sampled_from(["0", "0", "0.01", "500", "1250", "-0.01", "-500.01", "-85000"])
picks = st.integers(min_value=0, max_value=7)
seconds = st.integers(min_value=0, max_value=420)
time_targets = st.sampled_from(["later"] * 4 + ["last minutes"] * 2 + ["close", "past close", "now"])
decisions = st.sampled_from(["pass on", "pass on", "leave unsold", "approve"])
offer_amounts = st.sampled_from(["80000", "75000", "80000", "70000", "84999.99", "69999.99", "85000", "90000",
                                 "1", "0", "-1"])


@attrs.define
class MBid:
    id: str
    org: int
    amount: Decimal
    valid: bool = True


@attrs.define
class MOffer:
    id: str
    org: int
    amount: Decimal
    at: datetime
    order: int
    status: str = "active"


@attrs.define
class Model:
    """What the rules say the lot must look like, recomputed from the recorded history."""

    fmt: AuctionFormat
    soft_close: SoftClose
    auto_approve: bool
    starts_at: datetime
    closes_at: datetime
    original: datetime
    auction: str = "scheduled"
    lot: str = "open"
    bids: list[MBid] = attrs.field(factory=list)
    offers: list[MOffer] = attrs.field(factory=list)
    declined: list[int] = attrs.field(factory=list)
    result: tuple[int, Decimal, str, str] | None = None  # winner, amount, bid/offer, which one
    keys: dict[tuple[int, str], tuple[str, Decimal]] = attrs.field(factory=dict)
    order: int = 0

    def valid_bids(self, excluded: tuple[int, ...] = ()) -> list[MBid]:
        return [b for b in self.bids if b.valid and b.org not in excluded]

    def top_bid(self, excluded: tuple[int, ...] = ()) -> MBid | None:
        return max(self.valid_bids(excluded), key=lambda b: b.amount, default=None)

    def active_offer(self, org: int) -> MOffer | None:
        return next((o for o in self.offers if o.org == org and o.status == "active"), None)

    def last_offer(self, org: int) -> MOffer | None:
        return self.active_offer(org) or next((o for o in reversed(self.offers) if o.org == org), None)

    def trading(self, now: datetime) -> bool:
        return (self.lot == "open" and self.auction in ("scheduled", "running")
                and self.starts_at <= now < self.closes_at)

    def winner(self) -> tuple[int, Decimal, str, str] | None:
        """Highest valid bid; else the highest active offer, earliest current amount first; else unsold."""
        excluded = tuple(self.declined)
        top = self.top_bid(excluded)
        if top is not None:
            return top.org, top.amount, "bid", top.id
        offers = [o for o in self.offers if o.status == "active" and o.org not in excluded]
        if offers:
            best = sorted(offers, key=lambda o: (-o.amount, o.at, o.order))[0]
            return best.org, best.amount, "offer", best.id
        return None

    def offer_amount_ok(self, amount: Decimal) -> bool:
        return Decimal(0) < amount < START and amount >= FLOOR


def random_decision(args: list[object]) -> str:
    """A review decision derived from whatever the step drew, so shrinking still works."""
    return ["pass on", "pass on", "pass on", "leave unsold", "approve"][zlib.crc32(repr(args).encode()) % 5]


class AuctionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = MemoryStore()
        self.clock = ManualClock(OPENS - timedelta(hours=1))
        self.bus = MessageBus(uow_factory=lambda: MemoryUnitOfWork(self.store), clock=self.clock)
        self.org_ids = [self.bus.handle(RegisterOrganization(name=name, inn=inn), STAFF).id
                        for name, inn in zip(ORG_NAMES, INNS, strict=True)]
        self.model: Model
        self.lot_id = ""
        self.auction_id = ""

    # --- set-up -------------------------------------------------------------------------------
    @initialize(fmt=st.sampled_from([AuctionFormat.MIXED, AuctionFormat.MIXED, AuctionFormat.OPEN,
                                     AuctionFormat.CLOSED]),
                window=st.sampled_from([0, 2, 5]), extension=st.sampled_from([0, 3, 5]),
                cap=st.none() | st.sampled_from([0, 4, 10]), auto_approve=st.sampled_from([False, False, False, True]),
                early=st.sampled_from([0, 0, 0, 30, 120]))
    def open_the_auction(self, *, fmt: AuctionFormat, window: int, extension: int, cap: int | None,
                         auto_approve: bool, early: int) -> None:
        policy = SoftClose(window=timedelta(minutes=window), extension=timedelta(minutes=extension),
                           cap=None if cap is None else timedelta(minutes=cap))
        summary = self.bus.handle(uc.CreateAuction(number="А-1", title="Трубы", format=fmt, starts_at=OPENS,
                                                   ends_at=OPENS + DURATION, soft_close=policy,
                                                   auto_approve=auto_approve), STAFF)
        self.auction_id = summary.id
        draft = LotDraft(row=2, number=1, title="Труба 530×8", product=ProductSpec(product_type="труба"),
                         quantity=Quantity(Decimal(100), Unit.TONNE), start_price=Money(START),
                         bid_step=Money(STEP), floor_price=Money(FLOOR))
        (lot,) = self.bus.handle(uc.AddLots(auction_id=summary.id, drafts=(draft,)), STAFF)
        self.lot_id = lot.lot_id
        for org_id in self.org_ids[:3]:
            self.bus.handle(uc.AdmitOrganization(auction_id=summary.id, organization_id=org_id), STAFF)
        self.bus.handle(uc.PublishAuction(auction_id=summary.id), STAFF)
        self.clock.set(OPENS - timedelta(seconds=early))  # sometimes a little before the start
        self.model = Model(fmt=fmt, soft_close=policy, auto_approve=auto_approve, starts_at=OPENS,
                           closes_at=OPENS + DURATION, original=OPENS + DURATION)

    # --- helpers ------------------------------------------------------------------------------
    def member(self, org: int) -> Actor:
        return Actor(user_id=f"user-{org}", role=Role.BIDDER, organization_id=self.org_ids[org])

    def attempt(self, command: object, actor: Actor) -> object | None:
        try:
            return self.bus.handle(command, actor)  # type: ignore[arg-type]
        except DomainError as exc:
            return exc

    def agree(self, what: str, expected: bool, outcome: object) -> bool:
        accepted = not isinstance(outcome, DomainError)
        assert accepted == expected, (
            f"{what} at {self.clock.now():%H:%M:%S}: the rules say "
            f"{'accept' if expected else 'refuse'}, the system said {outcome!r}")
        return accepted

    def replayed(self, org: int, key: str | None, kind: str, amount: Decimal, outcome: object) -> bool | None:
        """Handle a retried key: None when the key is new; else whether the retry had to be accepted."""
        if key is None or (org, key) not in self.model.keys:
            return None
        expected = self.model.keys[(org, key)] == (kind, amount)
        if self.agree(f"retry of «{key}»", expected, outcome):
            assert outcome.replayed  # type: ignore[attr-defined]
            event("a retry was replayed")
        return True

    # --- trading ------------------------------------------------------------------------------
    def bid(self, org: int, offset: str, key: str | None) -> None:
        m, now = self.model, self.clock.now()
        top = m.top_bid()
        minimum = START if top is None else top.amount + STEP
        amount = minimum + Decimal(offset)
        if amount <= 0:
            amount = Decimal("1.00")
        outcome = self.attempt(uc.PlaceBid(lot_id=self.lot_id, amount=Money(amount), client_key=key),
                               self.member(org))
        if self.replayed(org, key, "bid", amount, outcome) is not None:
            return
        expected = (m.trading(now) and m.fmt.allows_bids
                    and (top is None or top.org != org) and amount >= minimum)
        if not self.agree(f"bid {amount} by {org}", expected, outcome):
            return
        event("a bid was accepted")
        m.bids.append(MBid(id=outcome.item_id, org=org, amount=amount))  # type: ignore[attr-defined]
        own = m.active_offer(org)
        if own is not None:
            own.status = "replaced"
        policy = m.soft_close
        if policy.window > timedelta(0) and policy.extension > timedelta(0) and m.closes_at - now <= policy.window:
            new_close = max(m.closes_at, now + policy.extension)
            if policy.cap is not None:
                new_close = min(new_close, m.original + policy.cap)
            if new_close > m.closes_at:
                event("a bid extended the lot")
            m.closes_at = max(m.closes_at, new_close)
        assert outcome.closes_at == m.closes_at  # type: ignore[attr-defined]
        if key is not None:
            m.keys[(org, key)] = ("bid", amount)

    def offer(self, org: int, amount: str, key: str | None) -> None:
        m, now, value = self.model, self.clock.now(), Decimal(amount).quantize(Decimal("0.01"))
        had_valid_bid = bool(m.valid_bids())
        outcome = self.attempt(uc.SubmitOffer(lot_id=self.lot_id, amount=Money(value), client_key=key),
                               self.member(org))
        if self.replayed(org, key, "offer", value, outcome) is not None:
            return
        expected = (m.trading(now) and m.fmt.allows_offers and not had_valid_bid
                    and m.offer_amount_ok(value) and m.active_offer(org) is None)
        if not self.agree(f"offer {value} by {org}", expected, outcome):
            return
        assert not had_valid_bid, "a new offer was accepted while a valid open bid exists"
        event("an offer was accepted")
        m.order += 1
        m.offers.append(MOffer(id=outcome.item_id, org=org, amount=value, at=now,  # type: ignore[attr-defined]
                               order=m.order))
        if key is not None:
            m.keys[(org, key)] = ("offer", value)

    def offerer(self, pick: int) -> int:
        authors = sorted({o.org for o in self.model.offers})
        return authors[pick % len(authors)]

    def edit_offer(self, pick: int, amount: str) -> None:
        if not self.model.offers:
            return
        m, now, value, org = self.model, self.clock.now(), Decimal(amount).quantize(Decimal("0.01")), self.offerer(pick)
        mine = m.last_offer(org)
        assert mine is not None
        outcome = self.attempt(uc.EditOffer(lot_id=self.lot_id, offer_id=mine.id, amount=Money(value)),
                               self.member(org))
        expected = mine.status == "active" and m.trading(now) and m.offer_amount_ok(value) and value != mine.amount
        if self.agree(f"edit to {value} by {org}", expected, outcome):
            event("an offer was edited")
            m.order += 1
            mine.amount, mine.at, mine.order = value, now, m.order

    def withdraw_offer(self, pick: int) -> None:
        if not self.model.offers:
            return
        m, now, org = self.model, self.clock.now(), self.offerer(pick)
        mine = m.last_offer(org)
        assert mine is not None
        outcome = self.attempt(uc.WithdrawOffer(lot_id=self.lot_id, offer_id=mine.id), self.member(org))
        if self.agree(f"withdrawal by {org}", mine.status == "active" and m.trading(now), outcome):
            event("an offer was withdrawn")
            mine.status = "withdrawn"

    def a_stranger_tries(self, what: str) -> None:
        """An organisation that was never admitted, or an offer that does not exist, changes nothing."""
        lot_id, offer_id = self.lot_id, "no-such-offer"
        command = {"bid": uc.PlaceBid(lot_id=lot_id, amount=Money(START)),
                   "offer": uc.SubmitOffer(lot_id=lot_id, amount=Money(Decimal("80000.00"))),
                   "edit": uc.EditOffer(lot_id=lot_id, offer_id=offer_id, amount=Money(Decimal("80000.00"))),
                   "withdraw": uc.WithdrawOffer(lot_id=lot_id, offer_id=offer_id)}[what]
        self.agree(f"{what} by a stranger", False, self.attempt(command, self.member(3)))
        if what in ("edit", "withdraw"):
            self.agree(f"{what} of a missing offer", False, self.attempt(command, self.member(0)))

    # --- the organiser --------------------------------------------------------------------------
    def annul(self, pick: int, newest: bool) -> None:
        m = self.model
        if not m.bids:
            return
        bid = m.bids[-1] if newest else m.bids[pick % len(m.bids)]
        outcome = self.attempt(uc.AnnulBid(lot_id=self.lot_id, bid_id=bid.id, reason="нарушение регламента"), STAFF)
        expected = bid.valid and m.lot != "approved" and m.auction not in ("approved", "cancelled")
        if self.agree("annulment", expected, outcome):
            bid.valid = False
            event("a bid was annulled")
            if m.lot == "closed" and m.result is not None and m.result[3] == bid.id:
                event("the winning bid was annulled after the close")
                m.result = m.winner()  # only the winning bid's annulment changes a reviewed result

    def organiser_reviews(self, decision: str) -> None:
        m = self.model
        if decision == "approve":
            outcome = self.attempt(uc.ApproveResults(auction_id=self.auction_id), STAFF)
            if self.agree("approval", m.auction == "finished", outcome):
                m.lot, m.auction = "approved", "approved"
            return
        pass_to_next = decision == "pass on"
        outcome = self.attempt(uc.DeclineWinner(lot_id=self.lot_id, reason="отказ от покупки",
                                                pass_to_next=pass_to_next), STAFF)
        expected = m.auction == "finished" and m.lot == "closed" and m.result is not None
        if self.agree("decline", expected, outcome):
            assert m.result is not None
            m.declined.append(m.result[0])
            event(f"a winner declined and the organiser chose to {decision}")
            m.result = m.winner() if pass_to_next else None

    # --- time and the scheduler ---------------------------------------------------------------
    def time_moves(self, to: str, seconds: int, scheduler_runs: bool) -> None:
        """Time moves on (a little, into the soft-close window, onto or past the close); the scheduler may run."""
        m, now = self.model, self.clock.now()
        target = {"later": now + timedelta(seconds=seconds % 150 + 1),
                  "last minutes": m.closes_at - timedelta(seconds=seconds),
                  "close": m.closes_at,
                  "past close": m.closes_at + timedelta(seconds=seconds % 90 + 1),
                  "now": now}[to]
        self.clock.set(max(target, now))
        if scheduler_runs:
            self.scheduler_runs()

    def scheduler_runs(self) -> None:
        m, now = self.model, self.clock.now()
        run_due_transitions(lambda: MemoryUnitOfWork(self.store), self.clock)
        if m.auction == "scheduled" and now >= m.starts_at:
            m.auction = "running"
        if m.lot == "open" and m.auction == "running" and now >= m.closes_at:
            m.lot, m.result = "closed", m.winner()
            event(f"the lot closed: {m.result[2] if m.result else 'unsold'}")
        if m.auction == "running" and m.lot != "open":
            m.auction = "finished"
            if m.auto_approve:
                m.lot, m.auction = "approved", "approved"

    # --- one step of the story --------------------------------------------------------------
    @rule(action=st.one_of(
        st.tuples(st.just("bid"), orgs, bid_offsets, keys),
        st.tuples(st.just("bid"), orgs, bid_offsets, st.none()),
        st.tuples(st.just("offer"), orgs, offer_amounts, keys),
        st.tuples(st.just("offer"), orgs, offer_amounts, st.none()),
        st.tuples(st.just("edit_offer"), picks, offer_amounts),
        st.tuples(st.just("withdraw_offer"), picks),
        st.tuples(st.just("annul"), picks, st.booleans()),
        st.tuples(st.just("time_moves"), time_targets, seconds, st.booleans()),
        st.tuples(st.just("time_moves"), time_targets, seconds, st.just(True)),
        st.tuples(st.just("organiser_reviews"), decisions),
        st.tuples(st.just("a_stranger_tries"), st.sampled_from(["bid", "offer", "edit", "withdraw"])),
    ))
    def step(self, action: tuple[object, ...]) -> None:
        """One thing happens. A single rule keeps every step drawn from the same mix of actions."""
        name, *args = action
        if self.model.lot != "open" and name != "time_moves" and len(self.model.declined) < 3:
            name, args = "organiser_reviews", [random_decision(args)]  # after the close, the review matters
        getattr(self, str(name))(*args)
        self.store.outbox.clear()  # the relay has published every event (and copies of the store stay small)

    # --- invariants -------------------------------------------------------------------------
    def lot(self):  # type: ignore[no-untyped-def]
        return self.store.lots[self.lot_id]

    @invariant()
    def the_lot_is_what_the_rules_say(self) -> None:
        if not hasattr(self, "model"):
            return
        m, lot, auction = self.model, self.lot(), self.store.auctions[self.auction_id]
        assert [(b.id, self.org_ids.index(b.organization_id), b.amount.amount, b.valid) for b in lot.bids] == [
            (b.id, b.org, b.amount, b.valid) for b in m.bids]
        assert [(o.id, self.org_ids.index(o.organization_id), o.amount.amount, o.status.value, o.submitted_at)
                for o in lot.offers] == [(o.id, o.org, o.amount, o.status, o.at) for o in m.offers]
        assert (lot.closes_at, lot.closes_at_original) == (m.closes_at, m.original)
        assert lot.status.value == m.lot
        assert auction.status.value == {"approved": "results_approved"}.get(m.auction, m.auction)

    @invariant()
    def the_leader_is_the_highest_valid_open_bid(self) -> None:
        if not hasattr(self, "model"):
            return
        top, leader = self.model.top_bid(), self.lot().leader
        assert (leader.id if leader else None) == (top.id if top else None)

    @invariant()
    def the_winner_is_exactly_what_the_rules_say(self) -> None:
        if not hasattr(self, "model") or self.model.lot == "open":
            return
        result, expected = self.lot().result, self.model.result
        assert result is not None
        got = (None if result.winner_organization_id is None else
               (self.org_ids.index(result.winner_organization_id), result.amount.amount, result.source.value,
                result.source_id))
        assert got == expected

    @invariant()
    def the_journal_verifies_and_tells_the_same_story(self) -> None:
        if not hasattr(self, "model"):
            return
        lot = self.lot()
        entries = self.store.journal.get(self.lot_id, [])
        assert verify_chain(self.lot_id, entries, head_hash=lot.journal_hash).ok
        valid: dict[str, Decimal] = {}
        for entry in entries:
            if entry.kind == "bid":
                amount = Decimal(entry.data["amount"])
                assert all(amount >= other + STEP for other in valid.values()), "a bid did not beat every valid bid"
                valid[entry.data["bid_id"]] = amount
            elif entry.kind == "annulment":
                valid.pop(entry.data["bid_id"])
            elif entry.kind == "offer":
                assert not valid, "a new offer was accepted while a valid open bid existed"
        bids = [Decimal(e.data["amount"]) for e in entries if e.kind == "bid"]
        if not any(e.kind == "annulment" for e in entries):
            assert bids == sorted(set(bids)), "accepted bids did not strictly increase"

    @invariant()
    def no_organisation_sees_anything_of_the_others(self) -> None:
        if not hasattr(self, "model"):
            return
        lot, auction = self.lot(), self.store.auctions[self.auction_id]
        for org_id in self.org_ids[:3]:
            view = lot_view_for(auction, lot, org_id)
            shown = repr(view)
            others = [o for o in self.org_ids if o != org_id]
            traces = others + [o.id for o in lot.offers if o.organization_id != org_id] + [b.id for b in lot.bids]
            assert not [t for t in traces if t in shown]
            alone = attrs.evolve(lot, offers=[o for o in lot.offers if o.organization_id == org_id])
            if lot.status.value != "approved":  # once approved, «lost» is the one thing others' offers may tell
                assert view == lot_view_for(auction, alone, org_id)


AuctionMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None)
TestAuctionMachine = AuctionMachine.TestCase
