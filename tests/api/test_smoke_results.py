"""The smoke experiment's real results, read back through the API (slow: runs the pipeline once)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pipeline.api.app import create_app
from pipeline.api.models import HypothesisName
from pipeline.api.settings import Settings

pytestmark = pytest.mark.slow

HYPOTHESIS_NAMES = {h.value for h in HypothesisName}


@pytest.fixture(scope="module")
def smoke_client(smoke_run: Any) -> Iterator[TestClient]:
    """A client on an app reading the store the smoke experiment wrote."""
    with TestClient(create_app(Settings(tracking_uri=smoke_run.tracking_uri))) as client:
        yield client


def test_smoke_run_is_listed_with_outcomes(smoke_client: TestClient, smoke_run: Any) -> None:
    names = {e["name"] for e in smoke_client.get("/experiments").json()["experiments"]}
    assert smoke_run.experiment_name in names
    page = smoke_client.get(f"/experiments/{smoke_run.experiment_name}/runs").json()
    run = next(r for r in page["runs"] if r["run_id"] == smoke_run.run_id)
    assert run["status"] == "FINISHED" and run["kind"] == "pipeline"
    assert run["hypotheses"] and {h["name"] for h in run["hypotheses"]} <= HYPOTHESIS_NAMES
    assert all(h["reject"] in (True, False) for h in run["hypotheses"])


def test_smoke_run_details_and_training_curve(smoke_client: TestClient, smoke_run: Any) -> None:
    body = smoke_client.get(f"/runs/{smoke_run.run_id}").json()
    assert body["params"]["name"] == "smoke"
    assert "ppo.lr" in body["params"] and "ppo.train_batch_size" in body["params"]
    paths = {a["path"] for a in body["artifacts"]}
    assert {"checkpoint", "hypotheses.json", "config.yaml", "report.md"} <= paths
    curve_keys = [k for k in body["metrics"] if k.endswith("/episode_return_mean")]
    assert curve_keys
    history = smoke_client.get(f"/runs/{smoke_run.run_id}/metrics/{curve_keys[0]}").json()
    assert history["total"] >= 1 and history["points"][0]["step"] >= 0


def test_smoke_hypotheses_match_the_tracked_metrics(
    smoke_client: TestClient, smoke_run: Any
) -> None:
    run = smoke_client.get(f"/runs/{smoke_run.run_id}").json()
    stored = smoke_client.get(f"/runs/{smoke_run.run_id}/hypotheses").json()
    assert stored["source"] == "artifact" and stored["hypotheses"]
    for result in stored["hypotheses"]:
        assert result["method"] and result["n"], result
        assert result["reject_adjusted"] in (True, False)
        latest = smoke_client.get(
            f"/hypothesis_test/{result['name']}", params={"experiment": smoke_run.experiment_name}
        ).json()
        assert latest["run_id"] == smoke_run.run_id and latest["method"]
        p_adjusted = run["metrics"].get(f"hypothesis/{result['name']}/p_adjusted")
        if p_adjusted is not None and latest["p_adjusted"] is not None:
            assert latest["p_adjusted"] == pytest.approx(p_adjusted)


def test_live_market_from_the_smoke_checkpoint(smoke_client: TestClient, smoke_run: Any) -> None:
    started = smoke_client.post("/start_simulation", json={"run_id": smoke_run.run_id, "seed": 1})
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["source"] == "run" and body["experiment"] == "smoke"
    assert body["rl_agents"] and {a["policy"] for a in body["rl_agents"]} == {"checkpoint"}
    stepped = smoke_client.post("/step_simulation", json={"steps": 20}).json()
    assert stepped["steps_done"] == 20
    policy = body["rl_agents"][0]["name"]
    added = smoke_client.post(
        "/add_agent", json={"type": "rl", "run_id": smoke_run.run_id, "policy": policy}
    ).json()
    assert added["policy"] == "checkpoint"
    assert smoke_client.post("/step_simulation", json={"steps": 5}).status_code == 200
    missing = smoke_client.post(
        "/add_agent", json={"type": "rl", "run_id": smoke_run.run_id, "policy": "nobody"}
    )
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]
