"""What the dashboard reads: the SSE stream, run/pause, the event log, plots, checkpoints (C5)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from pipeline.api.app import create_app
from pipeline.api.errors import NotFoundError
from pipeline.api.settings import Settings
from pipeline.api.store import ResultsStore
from tests.api.conftest import FakeStore, start


@pytest.fixture(scope="module")
def live(fake_store: FakeStore) -> Iterator[TestClient]:
    """A client on its own app (its own simulation)."""
    with TestClient(create_app(Settings(tracking_uri=fake_store.tracking_uri))) as client:
        yield client


def read_messages(client: TestClient, limit: int) -> list[dict]:
    """The first ``limit`` ``market`` messages of GET /stream."""
    messages = []
    with client.stream("GET", "/stream", params={"limit": limit}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                assert event == "market"
                messages.append(json.loads(line[len("data: ") :]))
    return messages


def test_stream_sends_the_whole_history_then_only_new_quotes(live: TestClient) -> None:
    start(live)
    live.post("/step_simulation", json={"steps": 25})
    [first] = read_messages(live, 1)
    assert first["state"]["step"] == 25
    ticks = first["ticks"]
    assert ticks["first"] == 0 and ticks["step"] == list(range(26))  # step 0 .. 25
    assert ticks["mid"][-1] == first["state"]["mid"]
    assert ticks["best_bid"][-1] == first["state"]["best_bid"]
    assert first["agents"]["step"] == 25  # the first message carries the agents


def test_stream_pushes_at_least_ten_messages_a_second_while_running(live: TestClient) -> None:
    start(live)
    running = live.post("/run_simulation", json={"speed": 200}).json()
    assert running["running"] is True and running["speed"] == 200
    began = time.monotonic()
    messages = read_messages(live, 20)
    elapsed = time.monotonic() - began
    live.post("/pause_simulation")
    print(f"20 stream messages in {elapsed:.2f} s ({20 / elapsed:.1f}/s) at 200 steps/s")
    steps = [m["state"]["step"] for m in messages]
    assert steps == sorted(steps) and steps[-1] > steps[0]
    # Together the messages hold every step exactly once: no quote is lost between messages.
    all_steps = [s for m in messages for s in m["ticks"]["step"]]
    assert all_steps == list(range(all_steps[0], all_steps[-1] + 1))
    assert all(m["state"]["running"] for m in messages)


def test_run_then_pause_stops_the_market(live: TestClient) -> None:
    start(live)
    live.post("/run_simulation", json={"speed": 500})
    time.sleep(0.4)
    paused = live.post("/pause_simulation").json()
    assert paused["running"] is False and paused["step"] > 0
    time.sleep(0.2)
    assert live.get("/market_state").json()["step"] == paused["step"]


def test_running_stops_by_itself_at_the_end_of_the_episode(fake_store: FakeStore) -> None:
    app = create_app(Settings(tracking_uri=fake_store.tracking_uri))
    with TestClient(app) as client:
        client.post("/start_simulation", json={"seed": 2, "background": {"noise": 10}})
        client.post("/step_simulation", json={"steps": 990})
        client.post("/run_simulation", json={"speed": 1000})
        deadline = time.monotonic() + 20
        while client.get("/market_state").json()["running"] and time.monotonic() < deadline:
            time.sleep(0.05)
        state = client.get("/market_state").json()
    assert state["done"] is True and state["running"] is False and state["step"] == 1000


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/run_simulation", {"speed": 0}, 422),
        ("/run_simulation", {"speed": 1e9}, 422),
        ("/run_simulation", {"speed": "fast"}, 422),
        ("/run_simulation", {"speed": 5, "x": 1}, 422),
    ],
)
def test_run_bad_input(live: TestClient, path: str, body: dict, status: int) -> None:
    start(live)
    response = live.post(path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_run_pause_and_events_before_start_are_409(fake_store: FakeStore) -> None:
    with TestClient(create_app(Settings(tracking_uri=fake_store.tracking_uri))) as client:
        for method, path in [
            ("POST", "/run_simulation"),
            ("POST", "/pause_simulation"),
            ("GET", "/events"),
        ]:
            response = client.request(method, path)
            assert response.status_code == 409 and "start_simulation" in response.json()["detail"]


def test_event_log_lists_scheduled_active_and_past_events(live: TestClient) -> None:
    start(live)
    live.post("/step_simulation", json={"steps": 5})
    live.post("/inject_event", json={"type": "flash_crash", "params": {"duration": 3}})
    live.post("/inject_event", json={"type": "news_shock", "at_step": 40, "params": {"jump": 0.01}})
    log = live.get("/events").json()
    assert [(e["type"], e["status"]) for e in log["events"]] == [
        ("flash_crash", "active"),
        ("news_shock", "scheduled"),
    ]
    live.post("/step_simulation", json={"steps": 10})
    log = live.get("/events").json()
    assert [e["status"] for e in log["events"]] == ["over", "scheduled"]
    assert log["events"][0]["start_step"] == 5 and log["events"][0]["end_step"] == 8
    assert log["events"][0]["params"]["qty_per_step"] > 0  # the market's default, filled in
    [message] = read_messages(live, 1)
    assert message["events"] == log["events"]


def test_a_run_s_plots_are_served_by_file_name_only(
    client: TestClient, fake_store: FakeStore
) -> None:
    ok = client.get(f"/runs/{fake_store.newest_run}/plots/training_curves.png")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/png"
    assert ok.content == b"not really a png"
    for name in ["missing.png", "report.md", "hypotheses.json"]:
        response = client.get(f"/runs/{fake_store.newest_run}/plots/{name}")
        assert response.status_code in (404, 422), (name, response.text)


def _run_with_checkpoint(client: MlflowClient, experiment_id: str, tags: dict) -> str:
    run_id = client.create_run(experiment_id, tags=tags).info.run_id
    client.log_text(run_id, run_id, "checkpoint/marker.txt")
    client.set_terminated(run_id)
    return run_id


def test_checkpoints_resolve_to_the_run_s_own_then_its_replicate_children(
    fake_store: FakeStore,
) -> None:
    mlflow = MlflowClient(tracking_uri=fake_store.tracking_uri)
    experiment = mlflow.create_experiment("c5_layout")  # its own: the other tests count runs
    old_layout = _run_with_checkpoint(mlflow, experiment, {"thinking_market.kind": "pipeline"})
    parent = mlflow.create_run(experiment, tags={"thinking_market.kind": "pipeline"}).info.run_id
    children = [
        _run_with_checkpoint(
            mlflow,
            experiment,
            {
                "mlflow.parentRunId": parent,
                "thinking_market.replicate": str(k),
                "thinking_market.kind": "replicate",
            },
        )
        for k in range(2)
    ]
    store = ResultsStore(fake_store.tracking_uri)
    assert store.checkpoint_run(old_layout) == old_layout
    assert store.checkpoint_run(parent) == children[0]
    assert store.checkpoint_run(parent, replicate=1) == children[1]
    with pytest.raises(NotFoundError, match="replicate 5"):
        store.checkpoint_run(parent, replicate=5)
    with pytest.raises(NotFoundError, match="checkpoint"):
        store.checkpoint_run(fake_store.metrics_only_run)
