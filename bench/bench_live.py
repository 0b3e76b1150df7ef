"""Live fan-out: time from an accepted bid to its arrival at N watchers of the lot (server-sent events).

Run: python -m bench.bench_live [--watchers 500] [--bids 40] [--interval 0.25] [--only inprocess|rabbitmq]

Two set-ups, each with a fresh database and `omk serve` as separate processes (scheduler off):
  in-process  SQLite, one worker: the relay hands events to the in-process broker → live hub;
  RabbitMQ    PostgreSQL + RabbitMQ, two workers: every worker's hub reads its own exclusive queue,
              so a bid taken by one worker reaches watchers connected to the other.
N watchers (one admitted organisation's API token) hold `GET /live/lots/{id}` open; two other
organisations then place rising bids over the API, one every `--interval` seconds. For every
(bid, watcher) pair the latency is the watcher's receipt time minus the bid's `placed_at` (the
server's clock, the same machine). Prints p50/p95/p99 and how many deliveries arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bench.bench_http_bids import POSTGRES_ADMIN, START, STEP, Http, free_port, percentile, seed, wait_healthy

AMQP = os.environ.get("OMK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


class Watcher:
    """One SSE connection read with asyncio streams (lighter than an HTTP library for 500 of them)."""

    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.latencies: dict[str, float] = {}  # bid amount → seconds from placed_at to receipt

    async def run(self, port: int, lot_id: str, token: str, stop: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        writer.write((f"GET /live/lots/{lot_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"watcher refused: {status!r}")
        event = b""
        try:
            while not stop.is_set():
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"event: "):
                    event = line[7:].strip()
                    if event == b"heartbeat":
                        self.connected.set()
                elif line.startswith(b"data: ") and event == b"bid":
                    received = time.time()
                    data = json.loads(line[6:])
                    placed = datetime.fromisoformat(data["bid"]["placed_at"]).timestamp()
                    self.latencies[data["bid"]["amount"]] = received - placed
        finally:
            writer.close()


async def scenario(ports: list[int], lot_id: str, watcher_token: str, bidder_tokens: list[str], *,
                   watchers: int, bids: int, interval: float) -> tuple[list[float], int]:
    stop = asyncio.Event()
    crowd = [Watcher() for _ in range(watchers)]
    tasks = [asyncio.create_task(w.run(ports[i % len(ports)], lot_id, watcher_token, stop))
             for i, w in enumerate(crowd)]
    try:
        await asyncio.wait_for(asyncio.gather(*(w.connected.wait() for w in crowd)), timeout=120)
        print(f"  {watchers} watchers connected", flush=True)
        http = [await Http.open("127.0.0.1", port) for port in ports]
        for n in range(1, bids + 1):
            token = bidder_tokens[n % 2]
            body = json.dumps({"amount": f"{START + STEP * n}.00"}).encode()
            status, answer = await http[n % len(http)].request(
                "POST", f"/api/v1/lots/{lot_id}/bids",
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, body)
            if status != 201:
                raise RuntimeError(f"bid refused: {status} {answer[:200]!r}")
            await asyncio.sleep(interval)
        await asyncio.sleep(2.0)  # let the last deliveries arrive
        for h in http:
            h.close()
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [v for w in crowd for v in w.latencies.values()]
    return latencies, len(latencies)


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "omk_cli.main", "serve", "--port", str(port), "--workers", str(workers),
         "--no-migrate"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(port, server)
    return server, port


def run_setup(label: str, env: dict[str, str], *, workers: int, args: argparse.Namespace) -> None:
    from omk_adapters.bootstrap import bootstrap
    from omk_adapters.settings import Settings

    services = bootstrap(Settings.load(env), migrate=True)
    lot_id, tokens = seed(services, 3)
    services.close()
    server, port = serve(env, workers)
    try:
        started = time.perf_counter()
        latencies, delivered = asyncio.run(scenario([port], lot_id, tokens[0], tokens[1:], watchers=args.watchers,
                                                    bids=args.bids, interval=args.interval))
        expected = args.watchers * args.bids
        print(f"{label}: {delivered} of {expected} deliveries "
              f"({args.bids} bids × {args.watchers} watchers, {time.perf_counter() - started:.0f} s)")
        print(f"  bid accepted → received: p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
              f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
              f"max {max(latencies, default=float('nan')) * 1000:.1f} ms", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--bids", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--only", choices=["inprocess", "rabbitmq"])
    args = parser.parse_args()
    print(f"{platform.node()} · {os.cpu_count()} CPUs · {args.watchers} watchers · {args.bids} bids "
          f"every {args.interval} s", flush=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("OMK_")}
    base["OMK_WEB_SCHEDULER"] = "0"

    if args.only in (None, "inprocess"):
        data_dir = Path(tempfile.mkdtemp(prefix="omk-bench-live-"))
        env = {**base, "OMK_DATA_DIR": str(data_dir), "OMK_DATABASE_URL": f"sqlite:///{data_dir / 'omk.sqlite3'}"}
        run_setup("in-process (SQLite, 1 worker)", env, workers=1, args=args)

    if args.only in (None, "rabbitmq"):
        name = f"omk_bench_live_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            env = {**base, "OMK_DATA_DIR": tempfile.mkdtemp(prefix="omk-bench-live-"),
                   "OMK_DATABASE_URL": POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name,
                   "OMK_AMQP_URL": AMQP, "OMK_AMQP_EXCHANGE": f"omk.bench.{uuid.uuid4().hex[:8]}"}
            run_setup("RabbitMQ (PostgreSQL, 2 workers: bids and watchers spread over both)", env, workers=2,
                      args=args)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
