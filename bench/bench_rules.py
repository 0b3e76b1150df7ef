"""Rule decisions per second in pure Python, on one core.

Run: python -m bench.bench_rules [--seconds 3]

Three figures:
* bare decisions — the rule checks a bid goes through (trading window, bid rules, soft close),
  alternating accepted and rejected amounts;
* aggregate rejections — `Lot.place_bid` refusing a bid below the step (what a losing bidder costs);
* aggregate acceptances — `Lot.place_bid` accepting a bid, with its journal hash and events.
Aim: ≥ 50,000 decisions/s on one core.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import time
from datetime import UTC, datetime, timedelta

from omk_domain.auctions import rules
from omk_domain.auctions.errors import DomainError
from omk_domain.auctions.model import Auction, Lot
from omk_domain.auctions.values import AuctionFormat, AuctionStatus, OpenBid, ProductSpec, SoftClose
from omk_domain.shared.money import Money, Quantity, Unit

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _setup(orgs: int = 32) -> tuple[Auction, Lot, list[str]]:
    auction = Auction.create(number="B-1", title="bench", format=AuctionFormat.MIXED, starts_at=T0,
                             ends_at=T0 + timedelta(hours=2), now=T0 - timedelta(days=1),
                             soft_close=SoftClose(window=timedelta(minutes=5), extension=timedelta(minutes=5)))
    ids = [f"org{i}" for i in range(orgs)]
    for org in ids:
        auction.admit(org, T0 - timedelta(days=1))
    auction.status = AuctionStatus.RUNNING
    lot = Lot.create(auction, number=1, title="Труба 530×8", product=ProductSpec(product_type="труба"),
                     quantity=Quantity.parse("100", Unit.TONNE), start_price=Money.rub("85000"),
                     bid_step=Money.rub("500"))
    return auction, lot, ids


def bare_decisions(seconds: float) -> float:
    auction, lot, ids = _setup()
    now = T0 + timedelta(minutes=30)
    leader = OpenBid(id="b", organization_id=ids[0], placed_by="u", amount=Money.rub("90000"), placed_at=now)
    amounts = [Money.rub("90500"), Money.rub("90100")]  # one accepted, one rejected (below step)
    step, start, sc = lot.bid_step, lot.start_price, auction.soft_close
    count, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for i in range(1000):
            try:
                rules.check_trading_window(auction.status, auction.starts_at, lot.closes_at, True, now)
                rules.check_open_bid(amounts[i & 1], ids[1], leader, start, step)
                rules.soft_close_extension(sc, accepted_at=now, closes_at=lot.closes_at,
                                           closes_at_original=lot.closes_at_original)
            except DomainError:
                pass
        count += 1000
    return count / (time.perf_counter() - started)


def aggregate(seconds: float, *, accept: bool) -> float:
    auction, lot, ids = _setup()
    now = T0 + timedelta(minutes=30)
    lot.place_bid(auction, organization_id=ids[0], user_id="u", amount=Money.rub("85000"), now=now)
    count, amount = 0, Money.rub("85000")
    step = lot.bid_step
    low = Money.rub("85100")
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(200):
            if accept:
                amount = amount + step
                lot.place_bid(auction, organization_id=ids[(count + 1) % len(ids)], user_id="u",
                              amount=amount, now=now)
                lot.new_journal_entries.clear()
                lot.events.clear()
            else:
                with contextlib.suppress(DomainError):
                    lot.place_bid(auction, organization_id=ids[1], user_id="u", amount=low, now=now)
            count += 1
        if accept and len(lot.bids) > 5000:  # keep the lot realistic: a hot lot, not a million bids
            auction, lot, ids = _setup()
            lot.place_bid(auction, organization_id=ids[0], user_id="u", amount=Money.rub("85000"), now=now)
            amount = Money.rub("85000")
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"bare rule decisions:        {bare_decisions(args.seconds):>12,.0f} /s")
    print(f"aggregate rejections:       {aggregate(args.seconds, accept=False):>12,.0f} /s")
    print(f"aggregate acceptances:      {aggregate(args.seconds, accept=True):>12,.0f} /s")


if __name__ == "__main__":
    main()
