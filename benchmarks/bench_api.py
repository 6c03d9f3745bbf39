"""API throughput: GET /market_state and POST /step_simulation under uvicorn, over loopback.

Starts ``python -m pipeline.api`` on a free port (a throw-away MLflow store), drives it with a
light asyncio HTTP/1.1 keep-alive client (raw sockets, so the load generator costs little CPU
next to the server on this 2-core machine), prints requests/s and latency percentiles, then
stops the server. Target: GET /market_state >= 1,000 requests/s with p99 < 20 ms, also with a
dashboard connected to ``GET /stream`` while the market runs (``POST /run_simulation``); the
stream's message rate is printed too (target >= 10 messages/s).
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from pipeline.paths import PROJECT_ROOT

TARGET_RPS = 1_000
TARGET_P99_MS = 20.0
STATE_REQUESTS = 6_000
STEP_REQUESTS = 900  # stays inside one 1000-step episode
CONNECTIONS = 8
WARMUP_REQUESTS = 300
DASHBOARD_SPEED = 50  # steps per second while a dashboard watches (the page's default)
TARGET_STREAM_RATE = 10.0


@dataclass
class LoadResult:
    """Figures of one load run."""

    requests: int
    seconds: float
    latencies_ms: np.ndarray
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q))


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raw_request(method: str, path: str, body: dict | None, port: int) -> bytes:
    """The bytes of one keep-alive HTTP/1.1 request."""
    payload = b"" if body is None else json.dumps(body).encode()
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length framed); return its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _worker(
    port: int, request: bytes, count: int, out: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            start = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            out.append((time.perf_counter() - start) * 1000.0)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()
        await writer.wait_closed()


async def _load(port: int, request: bytes, total: int, connections: int) -> LoadResult:
    latencies: list[float] = []
    errors: list[int] = []
    per = [total // connections + (1 if i < total % connections else 0) for i in range(connections)]
    start = time.perf_counter()
    await asyncio.gather(*(_worker(port, request, n, latencies, errors) for n in per if n))
    seconds = time.perf_counter() - start
    return LoadResult(total, seconds, np.asarray(latencies), len(errors))


def load(port: int, request: bytes, total: int, connections: int = CONNECTIONS) -> LoadResult:
    """Send ``total`` copies of ``request`` over ``connections`` keep-alive connections."""
    return asyncio.run(_load(port, request, total, connections))


def start_server(port: int, tracking_uri: str) -> subprocess.Popen[bytes]:
    """``python -m pipeline.api`` on ``port``; returns once /health answers."""
    command = [
        sys.executable, "-m", "pipeline.api", "--port", str(port),
        "--tracking-uri", tracking_uri, "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT)
    deadline = time.monotonic() + 90.0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2.0).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise TimeoutError("server did not come up in 90 s")


def report(name: str, result: LoadResult, target: bool) -> None:
    """Print one line of figures (and the target where there is one)."""
    line = (
        f"{name}: {result.requests} requests over {CONNECTIONS} connections in "
        f"{result.seconds:.2f} s -> {result.rps:,.0f} req/s; latency p50 {result.pct(50):.2f} ms, "
        f"p99 {result.pct(99):.2f} ms; non-200: {result.errors}"
    )
    if target:
        ok = result.rps >= TARGET_RPS and result.pct(99) < TARGET_P99_MS
        line += (
            f"  [target >= {TARGET_RPS:,} req/s and p99 < {TARGET_P99_MS:.0f} ms: "
            f"{'met' if ok else 'NOT met'}]"
        )
    print(line, flush=True)


class StreamClient(threading.Thread):
    """A dashboard: reads ``GET /stream`` and counts its ``market`` messages until stopped."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.messages = 0
        self._halt = threading.Event()

    def run(self) -> None:
        with httpx.stream("GET", f"{self.base}/stream", timeout=None) as response:
            for line in response.iter_lines():
                if line.startswith("event: market"):
                    self.messages += 1
                if self._halt.is_set():
                    break

    def stop(self) -> None:
        """Stop reading (after the next message)."""
        self._halt.set()
        self.join(timeout=15)


def with_dashboard(base: str, port: int) -> None:
    """GET /market_state while a dashboard reads the stream: market paused, then running."""
    httpx.post(f"{base}/reset_simulation", json={"seed": 1}, timeout=60).raise_for_status()
    dashboard = StreamClient(base)
    dashboard.start()
    state = raw_request("GET", "/market_state", None, port)
    try:
        idle = load(port, state, STATE_REQUESTS)
        httpx.post(f"{base}/run_simulation", json={"speed": DASHBOARD_SPEED}, timeout=60)
        sent_before, began = dashboard.messages, time.perf_counter()
        running = load(port, state, STATE_REQUESTS)
        rate = (dashboard.messages - sent_before) / (time.perf_counter() - began)
    finally:
        httpx.post(f"{base}/pause_simulation", timeout=60)
        dashboard.stop()
    report("GET /market_state, a dashboard on /stream, market paused", idle, target=True)
    report(
        f"GET /market_state, a dashboard on /stream, market running at {DASHBOARD_SPEED} steps/s",
        running,
        target=True,
    )
    ok = rate >= TARGET_STREAM_RATE
    print(
        f"GET /stream while running: {rate:.1f} messages/s  "
        f"[target >= {TARGET_STREAM_RATE:.0f}/s: {'met' if ok else 'NOT met'}]",
        flush=True,
    )


def main() -> None:
    """Start the server, measure both endpoints, stop the server."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        process = start_server(port, f"sqlite:///{Path(tmp) / 'mlflow.db'}")
        try:
            base = f"http://127.0.0.1:{port}"
            started = httpx.post(f"{base}/start_simulation", json={"seed": 0}, timeout=60.0)
            started.raise_for_status()
            state = raw_request("GET", "/market_state", None, port)
            load(port, state, WARMUP_REQUESTS)
            report("GET /market_state", load(port, state, STATE_REQUESTS), target=True)
            step = raw_request("POST", "/step_simulation", {"steps": 1}, port)
            report("POST /step_simulation (steps=1)", load(port, step, STEP_REQUESTS), target=False)
            with_dashboard(base, port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
