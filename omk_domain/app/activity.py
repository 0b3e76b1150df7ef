"""The worker's event handler: keep the lot-activity projection, handling each message once."""

from __future__ import annotations

from datetime import datetime

from omk_domain.ports import LotActivity, OutboxMessage, UnitOfWork
from omk_domain.shared.clock import Clock

CONSUMER = "lot-activity"
HANDLED = frozenset({"lot.bid_placed", "lot.bid_annulled", "lot.extended", "lot.closed"})


def record_activity(message: OutboxMessage, *, uow: UnitOfWork, clock: Clock) -> bool:
    """Apply one event to the projection; False when it was already handled (a redelivery)."""
    if message.name not in HANDLED:
        return False
    with uow:
        if uow.inbox.seen(CONSUMER, message.id):
            return False
        p = message.payload
        activity = uow.activity.get(p["lot_id"]) or LotActivity(lot_id=p["lot_id"],
                                                                auction_id=p["auction_id"])
        if message.name == "lot.bid_placed":
            activity.bids += 1
            activity.bidders.add(p["organization_id"])
            activity.last_bid_at = datetime.fromisoformat(p["occurred_at"])
        elif message.name == "lot.bid_annulled":
            activity.annulled += 1
        elif message.name == "lot.extended":
            activity.extensions += 1
        else:
            activity.closed = True
        uow.activity.save(activity)
        uow.inbox.remember(CONSUMER, message.id, clock.now())
        uow.commit()
        return True
