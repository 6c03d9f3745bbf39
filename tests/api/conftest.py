"""API test fixtures: a real temporary MLflow sqlite store, filled as the pipeline fills it."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from pipeline.api.app import create_app

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a project dependency
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from pipeline.api.settings import Settings

HYPOTHESES = [
    {
        "name": "volatility_amplification",
        "effect": 0.12,
        "ci_low": 0.05,
        "ci_high": 0.2,
        "p_value": 0.004,
        "p_adjusted": 0.012,
        "reject": True,
        "method": "wilcoxon signed-rank on paired seeds",
        "n": 8,
        "extra": {"ratio": 1.3},
    },
    {
        "name": "liquidity_impact",
        "effect": -0.3,
        "ci_low": -0.6,
        "ci_high": 0.1,
        "p_value": 0.2,
        "p_adjusted": 0.3,
        "reject": False,
        "method": "paired bootstrap",
        "n": 8,
        "extra": {"resiliency": 12.0},
    },
    {
        "name": "herding",
        "effect": 0.02,
        "ci_low": -0.01,
        "ci_high": 0.05,
        "p_value": float("nan"),
        "p_adjusted": 0.6,
        "reject": False,
        "method": "permutation test of LSV",
        "n": 8,
        "extra": {},
    },
]
CURVE_LENGTH = 50
SMALL = {"noise": 30, "fundamentalist": 8, "momentum": 4, "market_maker": 3}


@dataclass(frozen=True)
class FakeStore:
    """A temporary MLflow store with runs laid out like the pipeline's."""

    tracking_uri: str
    newest_run: str
    older_run: str
    metrics_only_run: str
    trial_run: str
    running_run: str


def _hypothesis_metrics(results: list[dict], timestamp: int) -> list[Metric]:
    metrics = []
    for r in results:
        for field in ("effect", "ci_low", "ci_high", "p_value", "p_adjusted"):
            metrics.append(Metric(f"hypothesis/{r['name']}/{field}", r[field], timestamp, 0))
        metrics.append(Metric(f"hypothesis/{r['name']}/reject", float(r["reject"]), timestamp, 0))
    return metrics


def _pipeline_run(
    client: MlflowClient, experiment_id: str, start: int, results: list[dict], *, artifact: bool
) -> str:
    """One finished parent run: params, curves, hypothesis metrics and artifacts."""
    run = client.create_run(
        experiment_id,
        start_time=start,
        tags={"thinking_market.kind": "pipeline", "thinking_market.agents": "momentum,adaptive"},
    )
    run_id = run.info.run_id
    params = [Param("ppo.lr", "5e-05"), Param("ppo.train_batch_size", "4000"), Param("seed", "0")]
    curve = [
        Metric("train/momentum/episode_return_mean", float(i), start + i, i)
        for i in range(CURVE_LENGTH)
    ]
    curve.append(Metric("eval/market/realized_volatility", float("inf"), start, 0))
    client.log_batch(run_id, metrics=curve + _hypothesis_metrics(results, start), params=params)
    client.log_batch(run_id, tags=[RunTag("note", "fake but real")])
    if artifact:
        client.log_text(run_id, json.dumps(results), "hypotheses.json")
        client.log_text(run_id, "name: herding\nseed: 0\n", "config.yaml")
        client.log_text(run_id, "not really a png", "plots/training_curves.png")
        client.log_text(run_id, "# report", "report.md")
    client.set_terminated(run_id, "FINISHED", end_time=start + 1000)
    return run_id


@pytest.fixture(scope="session")
def fake_store(tmp_path_factory: pytest.TempPathFactory) -> FakeStore:
    """Two experiments, five runs: newest/older pipeline run, metrics-only, sweep trial, running."""
    root: Path = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    herding = client.create_experiment("herding", artifact_location=(root / "art").as_uri())
    volatility = client.create_experiment("volatility", artifact_location=(root / "art2").as_uri())
    older_results = [dict(r, effect=-1.0) for r in HYPOTHESES]
    older = _pipeline_run(client, herding, 1_700_000_000_000, older_results, artifact=True)
    newest = _pipeline_run(client, herding, 1_700_000_100_000, HYPOTHESES, artifact=True)
    metrics_only = _pipeline_run(
        client, volatility, 1_700_000_050_000, HYPOTHESES[:1], artifact=False
    )
    trial = client.create_run(
        herding,
        start_time=1_700_000_000_500,
        tags={"thinking_market.kind": "trial", "mlflow.parentRunId": older},
    ).info.run_id
    client.set_terminated(trial, "FAILED", end_time=1_700_000_000_900)
    running = client.create_run(volatility, start_time=1_700_000_200_000).info.run_id
    return FakeStore(uri, newest, older, metrics_only, trial, running)


@pytest.fixture(scope="module")
def client(fake_store: FakeStore) -> Iterator[TestClient]:
    """A TestClient on an app reading the fake store (one app, one simulation, per module)."""
    app = create_app(Settings(tracking_uri=fake_store.tracking_uri))
    with TestClient(app) as test_client:
        yield test_client


def start(client: TestClient, seed: int = 1, **extra: object) -> dict:
    """Start a small live market (fewer background traders, so tests stay quick); its answer."""
    response = client.post("/start_simulation", json={"seed": seed, "background": SMALL, **extra})
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body
