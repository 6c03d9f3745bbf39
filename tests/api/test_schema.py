"""Schemathesis against the app's own OpenAPI schema: no generated request may get a 5xx.

In process (every operation, schema conformance checked), then the schemathesis CLI against the
real server under uvicorn with every phase, the stateful one included.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from pipeline.api.app import app as default_app
from pipeline.api.app import create_app
from pipeline.api.settings import Settings
from tests.api.conftest import SMALL, FakeStore
from tests.api.test_server import running_server

CLI_MAX_EXAMPLES = 8
CLI_MAX_TIME_S = 60  # fuzzing and stateful phases repeat until the budget is spent

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


# The schema is the app's own; generating it touches neither the store nor the market.
# GET /stream never ends by itself: it is tested in test_live.py and by the browser tests.
schema = schemathesis.openapi.from_dict(default_app.openapi()).exclude(path="/stream")


@pytest.fixture(scope="module")
def live_app(fake_store: FakeStore) -> FastAPI:
    """An app on the fake store whose simulation is running, so the simulation routes do work."""
    app = create_app(Settings(tracking_uri=fake_store.tracking_uri))
    with TestClient(app) as client:
        assert client.post("/start_simulation", json={"seed": 0, "background": SMALL}).is_success
    return app


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_generated_requests_never_get_a_server_error(
    live_app: FastAPI, case: schemathesis.Case
) -> None:
    case.call_and_validate(app=live_app, checks=CHECKS)


@pytest.fixture(scope="module")
def server(fake_store: FakeStore) -> Iterator[str]:
    """The real server on the fake store, its simulation started."""
    with running_server(fake_store.tracking_uri) as base_url:
        started = httpx.post(
            f"{base_url}/start_simulation", json={"seed": 0, "background": SMALL}, timeout=60
        )
        assert started.status_code == 200, started.text
        yield base_url


@pytest.mark.slow
def test_schemathesis_cli_every_phase_against_uvicorn_finds_no_server_error(
    server: str, tmp_path: Path
) -> None:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{server}/openapi.json",
        "--checks", "not_a_server_error",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(CLI_MAX_EXAMPLES), "--max-time", str(CLI_MAX_TIME_S),
        "--exclude-path", "/stream", "--seed", "1", "--workers", "1",
        "--request-timeout", "30", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=CLI_MAX_TIME_S + 120, cwd=tmp_path
    )
    print(done.stdout[-3000:])
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Stateful" in done.stdout  # the stateful phase ran (it is skipped without links)
    assert httpx.get(f"{server}/health", timeout=10).status_code == 200
