"""The real server: ``python -m pipeline.api`` under uvicorn on a free loopback port, over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from pipeline.paths import PROJECT_ROOT
from tests.api.conftest import FakeStore

STARTUP_TIMEOUT_S = 90.0


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll /health until the server answers (fail early if the process died)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"server at {base_url} not up after {STARTUP_TIMEOUT_S} s")


@contextmanager
def running_server(tracking_uri: str, *extra: str) -> Iterator[str]:
    """Base URL of a running ``python -m pipeline.api`` on ``tracking_uri``; stopped afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "pipeline.api", "--port", str(port),
        "--tracking-uri", tracking_uri, "--log-level", "warning", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(fake_store: FakeStore) -> Iterator[str]:
    """The real server on the fake store."""
    with running_server(fake_store.tracking_uri) as base_url:
        yield base_url


def test_server_answers_results_and_simulation_over_http(
    server: str, fake_store: FakeStore
) -> None:
    with httpx.Client(base_url=server, timeout=30.0) as http:
        health = http.get("/health").json()
        assert health["status"] == "ok" and health["tracking_uri"] == fake_store.tracking_uri
        assert "/start_simulation" in http.get("/openapi.json").json()["paths"]
        assert http.get("/docs").status_code == 200
        runs = http.get("/experiments/herding/runs").json()["runs"]
        assert runs[0]["run_id"] == fake_store.newest_run
        assert http.post("/step_simulation", json={"steps": 1}).status_code == 409
        started = http.post("/start_simulation", json={"seed": 3, "background": {"noise": 20}})
        assert started.status_code == 200
        stepped = http.post("/step_simulation", json={"steps": 5}).json()
        assert http.get("/market_state").json() == {
            k: v for k, v in stepped.items() if k != "steps_done"
        }
        assert http.post("/step_simulation", json={"steps": 0}).status_code == 422
        assert http.get("/market_state").status_code == 200  # still serving after a bad request
