"""The outbox relay's side: read unpublished messages in order, mark them published.

Each call is its own short transaction. A message is marked only after the broker confirmed it,
so a crash between the two sends it again (consumers are idempotent) but never loses it.
Reading `published_at IS NULL` rather than "after the last seq" means a transaction that
committed late with a lower seq is still picked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from omk_adapters.sql import mapping as m
from omk_adapters.sql import tables as t
from omk_domain.ports import OutboxMessage


class SqlAlchemyOutboxStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def pending(self, limit: int = 100) -> Sequence[OutboxMessage]:
        """Unpublished messages, oldest first."""
        o = t.outbox.c
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(o.id, o.name, o.payload, o.occurred_at)
                                .where(o.published_at.is_(None)).order_by(o.seq).limit(limit)).mappings()
            return [m.outbox_message_from(r) for r in rows]

    def mark_published(self, message_ids: Sequence[str], now: datetime) -> None:
        if not message_ids:
            return
        o = t.outbox.c
        with self.engine.begin() as conn:
            conn.execute(sa.update(t.outbox).where(o.id.in_(list(message_ids)), o.published_at.is_(None))
                         .values(published_at=now))
