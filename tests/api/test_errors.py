"""Error mapping: bad page tokens are 400, bugs are logged 500s, a dead store is a fast 503."""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pipeline.api.app import create_app
from pipeline.api.errors import INTERNAL_ERROR
from pipeline.api.settings import Settings
from pipeline.api.store import MAX_PAGE_OFFSET
from tests.api.conftest import FakeStore

# Generous bound on one request against a dead store: MLflow's own retries take ~100 s.
DEAD_STORE_BOUND_S = 10.0


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


MALFORMED_TOKENS = [
    b64("[]"),
    b64("null"),
    b64("0"),
    b64('"offset"'),
    b64('{"offset": 1e400}'),
    b64('{"offset": 99999999999999999999999}'),
    b64(json.dumps({"offset": MAX_PAGE_OFFSET + 1})),
    b64('{"offset": -1}'),
    b64('{"offset": 1.5}'),
    b64('{"offset": "2"}'),
    b64('{"offset": true}'),
    b64('{"offset": NaN}'),
    b64('{"offset": Infinity}'),
    b64('{"offset": null}'),
    b64('{"offset": 2, "extra": 1}'),
    b64("{}"),
    b64(b"\xff\xfe\x00"),
    b64("not json"),
    "garbage",
    "eyJvZmZzZXQiOiAyfQ",  # valid JSON inside, but the padding is missing
    "eyJvZmZzZXQiOiAy fQ==",
    "",
]


@pytest.mark.parametrize("token", MALFORMED_TOKENS)
def test_every_malformed_page_token_is_a_400(client: TestClient, token: str) -> None:
    response = client.get("/experiments/herding/runs", params={"page_token": token})
    assert response.status_code == 400, (token, response.text)
    assert "page_token" in response.json()["detail"]


def test_the_store_s_own_token_still_pages(client: TestClient, fake_store: FakeStore) -> None:
    token = b64(json.dumps({"offset": 2}))
    body = client.get("/experiments/herding/runs", params={"page_token": token}).json()
    assert [r["run_id"] for r in body["runs"]] == [fake_store.older_run]


def _broken_env_factory(config: dict[str, Any]) -> Any:
    raise ValueError("a bug inside the server, not a refused input")


def test_an_unexpected_exception_is_a_logged_500_not_a_4xx(
    fake_store: FakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        Settings(tracking_uri=fake_store.tracking_uri), env_factory=_broken_env_factory
    )
    with (
        caplog.at_level(logging.ERROR, logger="pipeline.api.errors"),
        TestClient(app, raise_server_exceptions=False) as client,
    ):
        response = client.post("/start_simulation", json={"seed": 1})
    assert response.status_code == 500
    assert response.json() == {"detail": INTERNAL_ERROR}
    logged = [r for r in caplog.records if r.name == "pipeline.api.errors"]
    assert logged and "/start_simulation" in logged[0].getMessage()
    assert logged[0].exc_info is not None and "a bug inside" in str(logged[0].exc_info[1])


def test_a_key_error_inside_the_market_is_no_longer_a_404(
    fake_store: FakeStore,
) -> None:
    def factory(config: dict[str, Any]) -> Any:
        raise KeyError("internal lookup")

    app = create_app(Settings(tracking_uri=fake_store.tracking_uri), env_factory=factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/start_simulation", json={}).status_code == 500


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback port that accepts connections but never answers (a hung tracking server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def closed_port() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("store", ["silent_server", "closed_port"])
@pytest.mark.parametrize(
    "path", ["/experiments", "/experiments/herding/runs", "/runs/abc/hypotheses"]
)
def test_an_unreachable_store_fails_fast_with_503(
    request: pytest.FixtureRequest, store: str, path: str
) -> None:
    uri = request.getfixturevalue(store)
    with TestClient(create_app(Settings(tracking_uri=uri))) as client:
        began = time.monotonic()
        response = client.get(path)
        elapsed = time.monotonic() - began
    print(f"{store} {path}: {response.status_code} after {elapsed:.2f} s")
    assert response.status_code == 503, response.text
    assert "unreachable" in response.json()["detail"]
    assert elapsed < DEAD_STORE_BOUND_S
