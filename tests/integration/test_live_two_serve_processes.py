"""Live updates across two real `omk serve` processes on PostgreSQL and RabbitMQ.

A participant watches a lot on process B; another bids through the API of process A; the bid
reaches the watcher — anonymised — through the broker, never through shared memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from omk_adapters.bootstrap import bootstrap
from omk_adapters.settings import Settings
from omk_domain.app.tokens import IssueToken
from omk_domain.identity.policy import Permission
from tests.contract.builders import STAFF, Market, open_market
from tests.web.livekit import free_port, watching

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.anyio,
              pytest.mark.slow]


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "omk_cli.main", "serve", "--port", str(port), "--no-migrate"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"omk serve exited {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"omk serve at {base} never became ready:\n{log.read_text(errors='replace')}")


@pytest.fixture()
def two_servers(postgres_url: str, amqp_url: str, tmp_path: Path) -> Iterator[tuple[str, str, Market, dict[str, str]]]:
    env = {**os.environ, "OMK_DATABASE_URL": postgres_url, "OMK_AMQP_URL": amqp_url,
           "OMK_AMQP_EXCHANGE": f"omk.test.serve.{uuid.uuid4().hex[:8]}", "OMK_DATA_DIR": str(tmp_path / "data"),
           "OMK_WEB_SECRET": "one-secret-for-every-web-process", "OMK_WEB_SCHEDULER": "0",
           "OMK_LOG_LEVEL": "WARNING"}
    env.pop("OMK_CONFIG", None)
    settings = Settings.load({k: v for k, v in env.items() if k.startswith("OMK_")})
    services = bootstrap(settings, migrate=True)
    try:
        # the auction runs now by the real clock: the servers use the system clock
        market = open_market(services.uow_factory, at=datetime.now(UTC) - timedelta(minutes=5))
        tokens = {}
        for name, actor in zip(("anna", "boris"), market.bidders, strict=True):
            tokens[name] = services.bus.handle(IssueToken(
                organization_id=actor.organization_id or "", name=name,
                permissions=frozenset({Permission.AUCTION_VIEW, Permission.AUCTION_BID}),
                expires_at=datetime.now(UTC) + timedelta(days=1)), STAFF).token
    finally:
        services.close()
    ports = free_port(), free_port()
    logs = tmp_path / "a.log", tmp_path / "b.log"
    processes = [_serve(env, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process, log in zip(bases, processes, logs, strict=True):
            _wait_ready(base, process, log)
        yield bases[0], bases[1], market, tokens
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


async def test_a_bid_through_one_serve_process_reaches_a_watcher_on_the_other(
        two_servers: tuple[str, str, Market, dict[str, str]]) -> None:
    base_a, base_b, market, tokens = two_servers
    lot = market.lot_ids[0]
    bidders = [{"authorization": f"Bearer {tokens[name]}"} for name in ("anna", "boris")]
    async with watching(base_b, f"/live/lots/{lot}", {"authorization": f"Bearer {tokens['boris']}"}) as watcher, \
            httpx.AsyncClient(base_url=base_a, timeout=10) as client:
        await watcher.next("heartbeat", timeout=20)
        connected = time.monotonic()
        placed: list[Decimal] = []
        got = None
        # process B binds its broker queue in the background as it starts: bid until a bid arrives
        for attempt in range(6):
            amount = Decimal(85000 + 500 * attempt)
            answer = await client.post(f"/api/v1/lots/{lot}/bids", json={"amount": str(amount)},
                                       headers=bidders[attempt % 2])  # nobody outbids itself
            assert answer.status_code == 201, answer.text
            placed.append(amount)
            try:
                got = await watcher.next("bid", timeout=3)
                break
            except TimeoutError:
                continue
        waited = time.monotonic() - connected
    assert got is not None, "no bid placed through process A ever reached the watcher on process B"
    # the hub's safety-net re-read of the database runs every 15 s: earlier, only the broker can have carried it
    assert waited < 14, waited
    bid = got["json"]["bid"]
    assert Decimal(bid["amount"]) in placed
    assert bid["alias"].startswith("Участник")
    assert market.bidders[0].organization_id.encode() not in watcher.raw
    assert "ООО Участник 0".encode() not in watcher.raw
