"""Bids over HTTP on one hot lot: `omk serve --workers 2` on PostgreSQL, N concurrent API clients.

Run: python -m bench.bench_http_bids [--clients 32] [--seconds 10] [--workers 2]

Creates a fresh database on 127.0.0.1:5432, migrates it, seeds a running auction with one lot
and one admitted organisation (with its own API token) per client, starts `omk serve` as a
separate process (the scheduler off, logging as in production), then N clients — a small
asyncio HTTP/1.1 keep-alive client, lighter than a full library so the 2-core machine's CPU goes
to the server — place rising bids (`POST /api/v1/lots/{id}/bids`, each a higher ticket from one
shared counter) for the given time. Prints accepted bids/s and the p50/p95/p99 latency of every
attempt and of the accepted ones. Beside it, the ceiling: `GET /health` (a bare Litestar route
behind the same middleware, no database) on the same server with the same number of clients.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.hot_lot import STAFF, valid_inn

POSTGRES_ADMIN = os.environ.get("OMK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START, STEP = 85000, 100  # the hot lot's start price and bid step (see bench.hot_lot.prepare)


class Http:
    """One keep-alive HTTP/1.1 connection; enough of the protocol for JSON answers from uvicorn."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> Http:
        reader, writer = await asyncio.open_connection(host, port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer, f"{host}:{port}")

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        data = b""
        while (size := int((await self.reader.readline()).strip(), 16)) > 0:
            data += await self.reader.readexactly(size + 2)
        await self.reader.readline()
        return status, data

    def close(self) -> None:
        self.writer.close()


def _proc_stats() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds so far) of every process, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        out[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return out


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by `omk serve` (with its worker processes) and by PostgreSQL."""
    if not Path("/proc/self/stat").exists():
        return float("nan"), float("nan")
    stats = _proc_stats()
    tree, grew = {server_pid}, True
    while grew:
        grown = tree | {pid for pid, (ppid, _, _) in stats.items() if ppid in tree}
        grew, tree = grown != tree, grown
    server = sum(stats[pid][2] for pid in tree if pid in stats)
    postgres = sum(cpu for _, name, cpu in stats.values() if name.startswith("postgres"))
    return server, postgres


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.50) * 1000:.1f} ms, p95 {percentile(values, 0.95) * 1000:.1f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.1f} ms")


async def bid_storm(port: int, lot_id: str, tokens: list[str], seconds: float) -> dict[str, object]:
    tickets = itertools.count(1)
    attempts: list[float] = []
    accepted: list[float] = []
    statuses: dict[int, int] = {}
    stop_at = time.perf_counter() + seconds

    async def client(token: str) -> None:
        http = await Http.open("127.0.0.1", port)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            while time.perf_counter() < stop_at:
                amount = START + STEP * next(tickets)
                body = json.dumps({"amount": f"{amount}.00"}).encode()
                began = time.perf_counter()
                status, _ = await http.request("POST", f"/api/v1/lots/{lot_id}/bids", headers, body)
                took = time.perf_counter() - began
                attempts.append(took)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    accepted.append(took)
        finally:
            http.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(token) for token in tokens))
    elapsed = time.perf_counter() - began
    return {"elapsed": elapsed, "attempts": attempts, "accepted": accepted, "statuses": statuses}


async def health_storm(port: int, clients: int, seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        http = await Http.open("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                status, _ = await http.request("GET", "/health")
                assert status == 200, status
                latencies.append(time.perf_counter() - began)
        finally:
            http.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - began, latencies


def seed(services: Any, clients: int) -> tuple[str, list[str]]:
    """A running auction with one lot (start 85,000, step 100) and `clients` admitted organisations,
    each with an API token allowed to bid."""
    from omk_domain.app import auctions as uc
    from omk_domain.app import identity as idc
    from omk_domain.app.lot_import import parse_rows
    from omk_domain.app.scheduler import run_due_transitions
    from omk_domain.app.tokens import IssueToken
    from omk_domain.auctions.values import AuctionFormat, SoftClose
    from omk_domain.identity.policy import Permission

    bus = services.bus
    orgs = [bus.handle(idc.RegisterOrganization(name=f"ООО Участник {i}", inn=valid_inn(i + 1)), STAFF).id
            for i in range(clients)]
    expires = datetime.now(UTC) + timedelta(days=1)
    tokens = [str(bus.handle(IssueToken(organization_id=org, name="bench", expires_at=expires, permissions=frozenset(
        {Permission.AUCTION_VIEW, Permission.AUCTION_BID})), STAFF).token) for org in orgs]
    now = datetime.now(UTC)
    auction = bus.handle(uc.CreateAuction(
        number=f"BENCH-{uuid.uuid4().hex[:6]}", title="Горячий лот", format=AuctionFormat.MIXED,
        starts_at=now + timedelta(seconds=5), ends_at=now + timedelta(hours=2),
        soft_close=SoftClose(window=timedelta(minutes=5), extension=timedelta(minutes=5))), STAFF)
    header = ["number", "title", "product_type", "quantity", "unit", "start_price", "bid_step"]
    (lot,) = bus.handle(uc.AddLots(auction_id=auction.id, drafts=tuple(parse_rows(
        header, [["1", "Труба 530×8 мм, ст. 17Г1С", "труба", "100", "т", str(START), str(STEP)]]))), STAFF)
    for org in orgs:
        bus.handle(uc.AdmitOrganization(auction_id=auction.id, organization_id=org), STAFF)
    bus.handle(uc.PublishAuction(auction_id=auction.id), STAFF)
    time.sleep(max(0.0, (auction.starts_at - datetime.now(UTC)).total_seconds()) + 0.1)
    run_due_transitions(services.uow_factory, services.clock)
    return lot.lot_id, tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"omk serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("omk serve did not answer /health in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.settings import Settings

    name = f"omk_bench_http_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name
    data_dir = Path(tempfile.mkdtemp(prefix="omk-bench-http-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMK_")}
        env.update({"OMK_DATABASE_URL": url, "OMK_DATA_DIR": str(data_dir), "OMK_WEB_SCHEDULER": "0"})
        services = bootstrap(Settings.load(env), migrate=True)
        print(f"seeding {args.clients} admitted organisations with API tokens …", flush=True)
        lot_id, tokens = seed(services, args.clients)
        services.close()

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "omk_cli.main", "serve", "--port", str(port), "--workers", str(args.workers),
             "--no-migrate"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(port, server)
        asyncio.run(health_storm(port, 4, 1.0))  # warm both workers' imports and connections

        cpu_before = cpu_seconds(server.pid)
        result = asyncio.run(bid_storm(port, lot_id, tokens, args.seconds))
        cpu_after = cpu_seconds(server.pid)
        elapsed = float(result["elapsed"])  # type: ignore[arg-type]
        attempts: list[float] = result["attempts"]  # type: ignore[assignment]
        accepted: list[float] = result["accepted"]  # type: ignore[assignment]
        health_elapsed, health = asyncio.run(health_storm(port, args.clients, args.seconds))

        print(f"\n{platform.node()} · {os.cpu_count()} CPUs · PostgreSQL · omk serve --workers {args.workers} · "
              f"{args.clients} clients · {args.seconds:.0f} s")
        print(f"bids over HTTP: {len(attempts) / elapsed:,.0f} requests/s, "
              f"accepted {len(accepted) / elapsed:,.0f} bids/s ({len(accepted)} of {len(attempts)}); "
              f"statuses {dict(sorted(result['statuses'].items()))}")  # type: ignore[attr-defined]
        print(f"  every attempt: {describe(attempts)}")
        print(f"  accepted bids: {describe(accepted)}")
        print(f"ceiling, GET /health on the same server: {len(health) / health_elapsed:,.0f} requests/s, "
              f"{describe(health)}")
        if attempts:
            print(f"  mean bid attempt {statistics.fmean(attempts) * 1000:.1f} ms")
            web_cpu, db_cpu = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
            per = 1000 / len(attempts)
            print(f"CPU per bid request: omk serve {web_cpu * per:.1f} ms, PostgreSQL {db_cpu * per:.1f} ms "
                  f"(of {os.cpu_count()} CPUs × {elapsed:.0f} s = {os.cpu_count() * elapsed:.0f} CPU-seconds, "
                  f"these two used {web_cpu + db_cpu:.1f})")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
