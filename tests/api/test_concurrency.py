"""The live simulation under real concurrency: client threads race against uvicorn.

Several threads, each with its own seeded mix of requests, race step, start, reset, add/remove,
run/pause, inject and reads against ``python -m pipeline.api`` for a bounded time. Afterwards:
no 5xx, no step counter that went backwards within a session (as each thread saw it), accounts
conserved, and the server still answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import numpy as np
import pytest

from market.config import MarketConfig
from tests.api.conftest import FakeStore
from tests.api.test_server import running_server

THREADS = 6
RACE_S = 8.0
BACKGROUND = {"noise": 20, "fundamentalist": 4, "momentum": 3, "market_maker": 3}


@pytest.fixture(scope="module")
def server(fake_store: FakeStore) -> Iterator[str]:
    with running_server(fake_store.tracking_uri) as base_url:
        yield base_url


@dataclass
class Seen:
    """What one client thread saw."""

    statuses: list[tuple[str, int]] = field(default_factory=list)
    backwards: list[str] = field(default_factory=list)
    last_step: dict[int, int] = field(default_factory=dict)  # session -> last step seen
    errors: list[str] = field(default_factory=list)

    def observe(self, what: str, response: httpx.Response) -> None:
        self.statuses.append((what, response.status_code))
        if response.status_code != 200:
            return
        body = response.json()
        state = body.get("state", body)
        if not isinstance(state, dict) or "session" not in state or "step" not in state:
            return
        session, step = int(state["session"]), int(state["step"])
        previous = self.last_step.get(session)
        if previous is not None and step < previous:
            self.backwards.append(f"{what}: session {session} step {previous} -> {step}")
        self.last_step[session] = max(step, previous or 0)


def _one_request(
    http: httpx.Client, rng: np.random.Generator, added: list[str], seen: Seen
) -> None:
    choice = rng.choice(
        ["step", "state", "agents", "start", "reset", "add", "remove", "run", "pause", "inject"],
        p=[0.3, 0.2, 0.1, 0.04, 0.06, 0.1, 0.07, 0.04, 0.04, 0.05],
    )
    if choice == "step":
        r = http.post("/step_simulation", json={"steps": int(rng.integers(1, 30))})
    elif choice == "state":
        r = http.get("/market_state")
    elif choice == "agents":
        r = http.get("/agents")
    elif choice == "start":
        body = {"seed": int(rng.integers(0, 100)), "background": BACKGROUND}
        r = http.post("/start_simulation", json=body)
    elif choice == "reset":
        r = http.post("/reset_simulation", json={"seed": int(rng.integers(0, 100))})
    elif choice == "add":
        r = http.post("/add_agent", json={"type": "noise", "params": {"p_act": 0.4}})
        if r.status_code == 200:
            added.append(r.json()["id"])
    elif choice == "remove":
        target = added.pop() if added else "momentum"
        r = http.delete(f"/agents/{target}")
    elif choice == "run":
        r = http.post("/run_simulation", json={"speed": float(rng.integers(50, 500))})
    elif choice == "pause":
        r = http.post("/pause_simulation")
    else:
        r = http.post("/inject_event", json={"type": "flash_crash", "params": {"duration": 3}})
    seen.observe(str(choice), r)


def _client_thread(base_url: str, seed: int, deadline: float, seen: Seen) -> None:
    rng = np.random.default_rng(seed)
    added: list[str] = []
    try:
        with httpx.Client(base_url=base_url, timeout=60.0) as http:
            while time.monotonic() < deadline:
                _one_request(http, rng, added, seen)
    except Exception as exc:  # noqa: BLE001 - reported by the test, not swallowed
        seen.errors.append(repr(exc))


def test_racing_clients_get_no_5xx_and_the_market_stays_consistent(server: str) -> None:
    started = httpx.post(
        f"{server}/start_simulation", json={"seed": 1, "background": BACKGROUND}, timeout=60
    )
    assert started.status_code == 200
    deadline = time.monotonic() + RACE_S
    seen = [Seen() for _ in range(THREADS)]
    threads = [
        threading.Thread(target=_client_thread, args=(server, 100 + i, deadline, seen[i]))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_S + 120)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    statuses = [s for one in seen for s in one.statuses]
    print(f"{len(statuses)} requests from {THREADS} threads in {RACE_S:.0f} s")
    assert [e for one in seen for e in one.errors] == []
    assert [s for s in statuses if s[1] >= 500] == []
    assert {code for _, code in statuses} <= {200, 400, 404, 409}
    assert sum(code == 200 for _, code in statuses) > len(statuses) / 2
    assert [b for one in seen for b in one.backwards] == []

    with httpx.Client(base_url=server, timeout=60.0) as http:
        http.post("/pause_simulation")
        agents = http.get("/agents").json()["agents"]
        config = MarketConfig()
        # Every account starts with initial_cash and initial_shares; trades only move them.
        assert sum(a["position"] for a in agents) == len(agents) * config.initial_shares
        assert sum(a["cash"] for a in agents) == pytest.approx(
            len(agents) * config.initial_cash, abs=1e-3
        )
        assert http.get("/health").json()["simulation"] is True
        stepped = http.post("/step_simulation", json={"steps": 1})
        assert stepped.status_code in (200, 409)  # 409 only if a thread ran it to the end
        assert http.post("/reset_simulation", json={}).status_code == 200
        assert http.post("/step_simulation", json={"steps": 3}).json()["step"] == 3
