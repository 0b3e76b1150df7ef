"""Live updates across processes: a bid taken by one web instance reaches a watcher on another.

Two app instances with their own services (engine, relay, RabbitMQ publisher, live hub with its
own exclusive queue) share one PostgreSQL database and one broker, as two `omk serve` workers do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from omk_adapters.bootstrap import Services, bootstrap
from omk_adapters.memory.clock import ManualClock
from omk_adapters.settings import Settings
from omk_domain.app.auctions import PlaceBid, SubmitOffer
from omk_domain.app.tokens import IssueToken
from omk_domain.identity.policy import Permission
from omk_domain.shared.money import Money
from omk_web.app import create_app
from tests.contract.builders import STAFF, T0, open_market
from tests.web.livekit import serving, watching

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.anyio]


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture()
def instances(postgres_url: str, amqp_url: str, tmp_path: Path) -> Iterator[tuple[Services, Services]]:
    exchange = f"omk.test.live.{uuid.uuid4().hex[:8]}"
    clock = ManualClock(T0 - timedelta(days=1))

    def make(name: str, migrate: bool) -> Services:
        settings = Settings.load({"OMK_DATA_DIR": str(tmp_path / name), "OMK_DATABASE_URL": postgres_url,
                                  "OMK_AMQP_URL": amqp_url, "OMK_AMQP_EXCHANGE": exchange,
                                  "OMK_WEB_SECRET": "the-same-secret-on-every-worker"})
        return bootstrap(settings, clock=clock, migrate=migrate)

    a = make("a", True)
    b = make("b", False)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


async def test_a_bid_through_instance_a_reaches_a_watcher_on_instance_b(instances: tuple[Services, Services]) -> None:
    a, b = instances
    market = open_market(a.uow_factory)
    a.clock.set(market.clock.now())  # type: ignore[attr-defined]
    lot = market.lot_ids[0]
    anna, boris = market.bidders
    token = b.bus.handle(IssueToken(organization_id=anna.organization_id, name="ERP",
                                    permissions=frozenset({Permission.AUCTION_VIEW}),
                                    expires_at=a.clock.now() + timedelta(days=1)), STAFF).token
    app_b = create_app(b, scheduler=False)
    with serving(create_app(a, scheduler=False)), serving(app_b) as base_b:
        assert app_b.state.live_hub.wait_ready(10), "instance B never bound its queue"
        async with watching(base_b, f"/live/lots/{lot}", {"authorization": f"Bearer {token}"}) as w:
            await w.next("heartbeat")
            a.bus.handle(SubmitOffer(lot_id=lot, amount=Money.rub("70707.07")), anna)
            a.bus.handle(PlaceBid(lot_id=lot, amount=Money.rub("85000")), boris)
            got = await w.next("bid", timeout=10)
    assert got["id"] == "1"
    assert got["json"]["bid"]["alias"] == "Участник 2" and Decimal(got["json"]["bid"]["amount"]) == 85000
    assert b"70707" not in w.raw and boris.organization_id.encode() not in w.raw
