"""Live simulation endpoints: start, step, state, reset, with happy paths and bad input."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pipeline.api.app import create_app
from pipeline.api.models import MAX_STEPS
from pipeline.api.settings import Settings
from tests.api.conftest import SMALL, FakeStore, start


@pytest.fixture(scope="module")
def sim(fake_store: FakeStore) -> Iterator[TestClient]:
    """A client on its own app, so this module's simulation is not shared."""
    with TestClient(create_app(Settings(tracking_uri=fake_store.tracking_uri))) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/step_simulation", {"steps": 1}),
        ("get", "/market_state", None),
        ("post", "/reset_simulation", {}),
        ("get", "/agents", None),
        ("post", "/add_agent", {"type": "noise"}),
        ("delete", "/agents/noise_0", None),
        ("get", "/performance_metrics", None),
        ("get", "/market_analysis", None),
        ("post", "/inject_event", {"type": "flash_crash"}),
    ],
)
def test_everything_before_start_is_409(
    fake_store: FakeStore, method: str, path: str, body: dict | None
) -> None:
    with TestClient(create_app(Settings(tracking_uri=fake_store.tracking_uri))) as fresh:
        response = fresh.request(method, path, json=body)
    assert response.status_code == 409
    assert "start_simulation" in response.json()["detail"]


def test_start_with_defaults_says_agents_are_stand_ins(sim: TestClient) -> None:
    body = start(sim, seed=5)
    assert body["source"] == "defaults" and body["seed"] == 5
    assert [a["name"] for a in body["rl_agents"]] == ["momentum", "mean_reversion", "adaptive"]
    assert {a["policy"] for a in body["rl_agents"]} == {"rule_based"}
    assert "stand-in" in body["note"]
    assert body["background"] == SMALL
    state = body["state"]
    assert state["step"] == 0 and state["done"] is False and state["episode_length"] == 1000
    assert state["best_bid"] < state["best_ask"] and state["spread"] > 0
    assert len(state["bids"]) == 5 and len(state["asks"]) == 5


def test_start_from_experiment_config(sim: TestClient) -> None:
    body = start(sim, experiment="smoke")
    assert body["source"] == "experiment" and body["experiment"] == "smoke"
    assert body["state"]["episode_length"] == 200
    assert "stand-in" in body["note"]


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"seed": -1}, 422, "seed"),
        ({"seed": "abc"}, 422, "seed"),
        ({"seed": 2**40}, 422, "seed"),
        ({"background": {"whale": 3}}, 422, "background"),
        ({"background": {"noise": 100_000}}, 422, "background"),
        ({"background": {"noise": -1}}, 422, "background"),
        ({"sede": 1}, 422, "sede"),
        ({"experiment": "../../etc/passwd"}, 422, "experiment"),
        ({"experiment": "nope"}, 404, "nope"),
        ({"run_id": "0" * 32}, 404, "not found"),
        ({"run_id": "0" * 32, "experiment": "smoke"}, 400, "not both"),
    ],
)
def test_start_bad_input(sim: TestClient, body: dict, status: int, word: str) -> None:
    response = sim.post("/start_simulation", json=body)
    assert response.status_code == status
    assert word in str(response.json()["detail"])


def test_start_malformed_json_is_422(sim: TestClient) -> None:
    response = sim.post(
        "/start_simulation", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_step_advances_and_returns_state(sim: TestClient) -> None:
    start(sim)
    body = sim.post("/step_simulation", json={"steps": 25}).json()
    assert body["step"] == 25 and body["steps_done"] == 25
    assert sim.post("/step_simulation").json()["step"] == 26  # no body: one step
    assert sim.get("/market_state").json()["step"] == 26


@pytest.mark.parametrize("steps", [0, -3, MAX_STEPS + 1, "many", 1.5, None])
def test_step_bad_input(sim: TestClient, steps: object) -> None:
    start(sim)
    response = sim.post("/step_simulation", json={"steps": steps})
    assert response.status_code == 422
    assert "steps" in str(response.json()["detail"])


def test_step_stops_at_episode_end_then_409(sim: TestClient) -> None:
    start(sim, experiment="smoke")
    body = sim.post("/step_simulation", json={"steps": MAX_STEPS}).json()
    assert body["steps_done"] == 200 and body["done"] is True and body["step"] == 200
    response = sim.post("/step_simulation", json={"steps": 1})
    assert response.status_code == 409 and "reset_simulation" in response.json()["detail"]
    assert sim.post("/reset_simulation", json={}).json()["state"]["step"] == 0
    assert sim.post("/step_simulation", json={"steps": 1}).status_code == 200


def test_market_state_fields(sim: TestClient) -> None:
    start(sim)
    sim.post("/step_simulation", json={"steps": 10})
    state = sim.get("/market_state").json()
    for key in ("mid", "best_bid", "best_ask", "spread", "bids", "asks", "last_trades"):
        assert key in state
    assert state["mid"] == pytest.approx((state["best_bid"] + state["best_ask"]) / 2)
    assert all(t["step"] == 9 and t["qty"] > 0 for t in state["last_trades"])
    assert state["active_events"] == []


def test_reset_same_seed_replays_and_new_seed_differs(sim: TestClient) -> None:
    start(sim, seed=11)
    first = sim.post("/step_simulation", json={"steps": 40}).json()
    assert sim.post("/reset_simulation", json={"seed": None}).json()["seed"] == 11
    again = sim.post("/step_simulation", json={"steps": 40}).json()
    assert again["session"] == first["session"] + 1  # a reset is a new session ...
    assert again == {**first, "session": again["session"]}  # ... replaying the same market
    assert sim.post("/reset_simulation", json={"seed": 12}).json()["seed"] == 12
    other = sim.post("/step_simulation", json={"steps": 40}).json()
    assert {**other, "session": 0} != {**first, "session": 0}


@pytest.mark.parametrize("body", [{"seed": -5}, {"seed": "x"}, {"seed": 1, "extra": 2}])
def test_reset_bad_input(sim: TestClient, body: dict) -> None:
    start(sim)
    assert sim.post("/reset_simulation", json=body).status_code == 422


def test_concurrent_steps_and_reads_are_safe(sim: TestClient) -> None:
    start(sim)
    errors: list[str] = []

    def stepper() -> None:
        for _ in range(10):
            response = sim.post("/step_simulation", json={"steps": 2})
            if response.status_code != 200:
                errors.append(response.text)

    def reader() -> None:
        for path in ["/market_state", "/agents", "/market_analysis", "/performance_metrics"] * 5:
            response = sim.get(path)
            if response.status_code != 200:
                errors.append(response.text)

    threads = [threading.Thread(target=f) for f in (stepper, stepper, reader, reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sim.get("/market_state").json()["step"] == 40
