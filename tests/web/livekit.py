"""Serving the portal with uvicorn in a thread and reading its server-sent events with httpx.

Litestar's TestClient collects a response before returning it, so an endless event stream is
read from a real server on a free local port instead.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served on 127.0.0.1 until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class EventStream:
    """Reads one SSE response in the background: every event parsed, every byte kept."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.events: list[dict[str, Any]] = []
        self.raw = bytearray()
        self._new = anyio.Event()

    async def pump(self) -> None:
        block: dict[str, Any] = {}
        buffer = b""
        async for chunk in self.response.aiter_raw():
            self.raw.extend(chunk)
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode("utf-8").rstrip("\r")
                if not text:
                    if block:
                        if "data" in block:
                            block["json"] = json.loads(block["data"])
                        self.events.append(block)
                        block = {}
                        self._new.set()
                        self._new = anyio.Event()
                    continue
                name, _, value = text.partition(":")
                block[name] = value[1:] if value.startswith(" ") else value

    async def next(self, event: str, *, after: int = 0, timeout: float = 5.0) -> dict[str, Any]:
        """The first event named `event` at index ≥ `after` (waiting for it)."""
        with anyio.fail_after(timeout):
            while True:
                for e in self.events[after:]:
                    if e.get("event") == event:
                        return e
                await self._new.wait()

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == event]


@contextlib.asynccontextmanager
async def watching(base: str, path: str, headers: dict[str, str]) -> Any:
    """An open event stream of `path`, read in a task until the block ends."""
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10, read=None)))
        response = await stack.enter_async_context(
            client.stream("GET", path, headers={"accept": "text/event-stream", **headers}))
        assert response.status_code == 200, (await response.aread()).decode()
        stream = EventStream(response)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(stream.pump)
            try:
                yield stream
            finally:
                tasks.cancel_scope.cancel()
