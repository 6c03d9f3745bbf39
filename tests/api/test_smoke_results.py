"""The smoke experiment's real results, read back through the API (slow: runs the pipeline once)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mlflow import MlflowClient

from pipeline.api.app import create_app
from pipeline.api.models import HypothesisName
from pipeline.api.settings import Settings
from pipeline.api.store import ResultsStore

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
    assert {"hypotheses.json", "config.yaml", "report.md"} <= paths
    # The checkpoint is the run's own (old layout) or its replicate children's (contract C5).
    store = ResultsStore(smoke_run.tracking_uri)
    source = store.checkpoint_run(smoke_run.run_id)
    assert (
        source == smoke_run.run_id
        or MlflowClient(smoke_run.tracking_uri).get_run(source).data.tags.get("mlflow.parentRunId")
        == smoke_run.run_id
    )
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
    # (field-by-field equality with MLflow: test_smoke_results_through_the_api_equal_...)
    names = {h["name"] for h in stored["hypotheses"]}
    assert {k.split("/")[1] for k in run["metrics"] if k.startswith("hypothesis/")} <= names


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


FIELDS = ("effect", "ci_low", "ci_high", "p_value", "p_adjusted")


def _same(api_value: float | None, mlflow_value: float) -> bool:
    """Equal, with NaN and MLflow's stored +-inf both read back as null by the API."""
    if api_value is None:
        return not math.isfinite(mlflow_value) or abs(mlflow_value) >= sys.float_info.max
    return api_value == pytest.approx(mlflow_value, rel=1e-12, abs=0.0)


def test_smoke_results_through_the_api_equal_the_mlflow_values(
    smoke_client: TestClient, smoke_run: Any, tmp_path: Path
) -> None:
    mlflow = MlflowClient(smoke_run.tracking_uri)
    run = mlflow.get_run(smoke_run.run_id)
    metrics = run.data.metrics
    # Every hypothesis metric, as the API's run view and its run list show it.
    body = smoke_client.get(f"/runs/{smoke_run.run_id}").json()
    for key, value in metrics.items():
        assert _same(body["metrics"][key], value), key
    page = smoke_client.get(f"/experiments/{smoke_run.experiment_name}/runs").json()
    listed = next(r for r in page["runs"] if r["run_id"] == smoke_run.run_id)
    compared = 0
    for h in listed["hypotheses"]:
        for field in FIELDS:
            assert _same(h[field], metrics[f"hypothesis/{h['name']}/{field}"]), (h["name"], field)
        assert h["reject"] == (metrics[f"hypothesis/{h['name']}/reject"] >= 0.5)
        compared += 1
    assert compared >= 1
    # The hypotheses endpoint returns hypotheses.json as MLflow stores it, field by field.
    local = mlflow.download_artifacts(smoke_run.run_id, "hypotheses.json", str(tmp_path))
    stored = json.loads(Path(local).read_text())
    stored = stored if isinstance(stored, list) else stored.get("results", stored)
    served = smoke_client.get(f"/runs/{smoke_run.run_id}/hypotheses").json()["hypotheses"]
    assert [h["name"] for h in served] == [r["name"] for r in stored]
    for api, raw in zip(served, stored, strict=True):
        for field in FIELDS:
            if raw.get(field) is not None:
                assert _same(api[field], float(raw[field])), (raw["name"], field)
        for field in ("method", "n", "condition", "reject", "reject_adjusted"):
            if field in raw:
                assert api[field] == raw[field], (raw["name"], field)
        for key, value in (raw.get("extra") or {}).items():
            if isinstance(value, str | int | bool):
                assert api["extra"][key] == value, (raw["name"], key)
    # A training curve: every logged point, in order.
    key = next(k for k in metrics if k.startswith("train/"))
    history = smoke_client.get(
        f"/runs/{smoke_run.run_id}/metrics/{key}", params={"max_points": 10_000}
    ).json()
    logged = sorted(mlflow.get_metric_history(smoke_run.run_id, key), key=lambda m: m.step)
    assert [p["step"] for p in history["points"]] == [m.step for m in logged]
    assert all(_same(p["value"], m.value) for p, m in zip(history["points"], logged, strict=True))
