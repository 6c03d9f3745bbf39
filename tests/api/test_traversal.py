"""Path traversal: ``..``, ``%2e%2e``, absolute paths and over-long names to every path parameter
get a 4xx, and no file outside the MLflow store is opened while they are served.

Requests go straight to the ASGI app with the raw path a client sent (HTTP clients, httpx
included, would normalise ``..`` away before sending), decoded as uvicorn decodes it. Files opened
are recorded with an audit hook (``sys.addaudithook``, event ``open``), so the check sees every
open by the app, MLflow and SQLite's Python side, whatever path it took.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from pipeline.api.app import create_app
from pipeline.api.settings import Settings
from tests.api.conftest import FakeStore, start

SECRET = "the-secret-outside-the-store"
_RECORDING = threading.Event()
_OPENED: list[str] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _RECORDING.is_set() and args and isinstance(args[0], str | bytes):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records while a test asks


@pytest.fixture(scope="module")
def secret_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("outside")
    (root / "secret.txt").write_text(SECRET)
    (root / "secret.png").write_text(SECRET)
    return root


@pytest.fixture(scope="module")
def app_client(fake_store: FakeStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(tracking_uri=fake_store.tracking_uri))) as client:
        start(client)
        yield client


async def _call(app: Any, method: str, raw_path: str) -> tuple[int, bytes]:
    """One request to the ASGI app, the path exactly as sent on the wire."""
    raw = raw_path.encode("latin-1")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": unquote(raw_path), "raw_path": raw, "root_path": "",
        "query_string": b"", "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    status, body = 0, b""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(scope, receive, send)
    return status, body


def send_all(app: Any, requests: list[tuple[str, str]]) -> list[tuple[str, int, bytes]]:
    async def run() -> list[tuple[str, int, bytes]]:
        return [(path, *(await _call(app, method, path))) for method, path in requests]

    return asyncio.run(run())


def attacks(secret: Path) -> list[str]:
    """Path segments that try to leave the store, in the spellings a client can send."""
    absolute = str(secret / "secret.txt")
    return [
        "..",
        "../..",
        "../../../../../../" + str(secret / "secret.txt").lstrip("/"),
        "%2e%2e",
        "%2e%2e/%2e%2e/secret.txt",
        "%2e%2e%2f%2e%2e%2fsecret.txt",
        "..%2f..%2f..%2f" + absolute.lstrip("/").replace("/", "%2f"),
        absolute.replace("/", "%2f"),
        "%2F" + absolute.lstrip("/").replace("/", "%2F"),
        "..%5c..%5csecret.txt",
        "%252e%252e%252fsecret.txt",
        "x" * 5000,
    ]


def templates(store: FakeStore) -> list[str]:
    """Every route with a path parameter; {} is where the attack goes."""
    run = store.newest_run
    return [
        "/experiments/{}/runs",
        "/runs/{}",
        "/runs/{}/hypotheses",
        "/runs/{}/metrics/train/momentum/episode_return_mean",
        f"/runs/{run}/metrics/{{}}",
        f"/runs/{run}/metrics/train/{{}}",
        f"/runs/{run}/metrics/{{}}/secret.txt",
        "/runs/{}/plots/forest.png",
        f"/runs/{run}/plots/{{}}",
        f"/runs/{run}/plots/{{}}.png",
        "/hypothesis_test/{}",
    ]


def test_traversal_to_every_path_parameter_is_a_4xx_and_reads_nothing_outside(
    app_client: TestClient, fake_store: FakeStore, secret_dir: Path
) -> None:
    requests = [
        ("GET", template.replace("{}", attack))
        for template in templates(fake_store)
        for attack in attacks(secret_dir)
    ]
    requests += [("DELETE", f"/agents/{attack}") for attack in attacks(secret_dir)]
    control = f"/runs/{fake_store.newest_run}/plots/training_curves.png"  # a legitimate read
    _OPENED.clear()
    _RECORDING.set()
    try:
        answers = send_all(app_client.app, requests)
        [(_, control_status, _)] = send_all(app_client.app, [("GET", control)])
    finally:
        _RECORDING.clear()
    # The hook sees the app's file reads: the legitimate plot was opened, from inside the store.
    assert control_status == 200
    assert any(p.endswith("training_curves.png") for p in _OPENED), _OPENED[:20]
    wrong = [(url[:120], status) for url, status, _ in answers if not 400 <= status < 500]
    assert wrong == []
    assert not any(SECRET.encode() in body for _, _, body in answers)
    outside = [p for p in _OPENED if str(secret_dir) in p or p.endswith("secret.txt")]
    assert outside == []
    assert len(answers) == len(requests)


def test_traversal_in_bodies_is_refused(app_client: TestClient, secret_dir: Path) -> None:
    for body in [
        {"run_id": "../x"},
        {"run_id": str(secret_dir)},
        {"experiment": "../../outside"},
        {"experiment": "/etc/passwd"},
        {"experiment": "x" * 500},
    ]:
        response = app_client.post("/start_simulation", json=body)
        assert response.status_code == 422, (body, response.text)
    for body in [
        {"type": "rl", "run_id": "../x"},
        {"type": "rl", "policy": "../../x"},
        {"type": "rl", "run_id": "a" * 65},
    ]:
        assert app_client.post("/add_agent", json=body).status_code == 422, body
