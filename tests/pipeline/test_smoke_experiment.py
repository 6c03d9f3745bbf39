"""The smoke experiment end to end, read back from the real MLflow store (slow: trains PPO)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from market.env import MultiAgentMarketEnv
from pipeline.policy import agent_to_module, download_checkpoint, load_policies
from pipeline.tracking import AGENTS_TAG, KIND_TAG
from tests.conftest import SmokeRun

pytestmark = pytest.mark.slow

POLICIES = ["adaptive", "mean_reversion", "momentum"]
HYPOTHESES = ["volatility_amplification", "liquidity_impact", "herding"]


@pytest.fixture(scope="module")
def client(smoke_run: SmokeRun) -> MlflowClient:
    return MlflowClient(tracking_uri=smoke_run.tracking_uri)


def test_run_finished_in_experiment_named_after_hydra_experiment(
    smoke_run: SmokeRun, client: MlflowClient
) -> None:
    run = client.get_run(smoke_run.run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "smoke"
    assert run.info.status == "FINISHED"
    assert experiment.artifact_location.startswith((smoke_run.root / "mlartifacts").as_uri())
    assert run.data.tags[KIND_TAG] == "pipeline"
    assert run.data.tags[AGENTS_TAG] == ",".join(POLICIES)


def test_params_are_the_flattened_resolved_config(
    smoke_run: SmokeRun, client: MlflowClient
) -> None:
    params = client.get_run(smoke_run.run_id).data.params
    assert float(params["ppo.lr"]) == pytest.approx(5e-5)
    assert params["ppo.train_batch_size"] == "400"
    assert params["ppo.rollout_fragment_length"] == "200"
    assert params["name"] == "smoke"
    assert params["events.schedule.0.type"] == "flash_crash"
    assert params["agents.rl.0.name"] == "momentum"


def test_training_curves_per_policy_per_iteration(
    smoke_run: SmokeRun, client: MlflowClient
) -> None:
    for policy in POLICIES:
        for metric in ("episode_return_mean", "policy_loss", "entropy", "kl", "vf_loss"):
            history = client.get_metric_history(smoke_run.run_id, f"train/{policy}/{metric}")
            assert [m.step for m in history] == [1, 2], (policy, metric)
            assert all(np.isfinite(m.value) for m in history)


def test_hypothesis_and_eval_metrics(smoke_run: SmokeRun, client: MlflowClient) -> None:
    metrics = client.get_run(smoke_run.run_id).data.metrics
    for name in HYPOTHESES:
        effect = metrics[f"hypothesis/{name}/effect"]
        low, high = metrics[f"hypothesis/{name}/ci_low"], metrics[f"hypothesis/{name}/ci_high"]
        assert low <= effect <= high
        assert 0.0 <= metrics[f"hypothesis/{name}/p_value"] <= 1.0
        assert metrics[f"hypothesis/{name}/p_adjusted"] >= metrics[f"hypothesis/{name}/p_value"]
        assert metrics[f"hypothesis/{name}/reject"] in (0.0, 1.0)
    assert any(key.startswith("eval/stress/rl/momentum/") for key in metrics)
    assert any(key.startswith("eval/calm/baseline/market/") for key in metrics)
    assert any(key.startswith("eval/stress/rl/stylized/") for key in metrics)


def test_artifacts_written(smoke_run: SmokeRun, client: MlflowClient, tmp_path: Path) -> None:
    top = {a.path for a in client.list_artifacts(smoke_run.run_id)}
    expected = {"checkpoint", "config.yaml", "hypotheses.json", "plots", "evaluation", "report.md"}
    assert expected <= top
    plots = {Path(a.path).name for a in client.list_artifacts(smoke_run.run_id, "plots")}
    assert plots == {
        "price_spread_stress.png",
        "training_curves.png",
        "action_agreement.png",
        "return_distribution.png",
    }
    local = Path(client.download_artifacts(smoke_run.run_id, "hypotheses.json", str(tmp_path)))
    records = json.loads(local.read_text())
    assert [r["name"] for r in records] == HYPOTHESES
    assert all("p_adjusted" in r and "method" in r for r in records)


def test_evaluation_tables_follow_the_hypotheses_contract(
    smoke_run: SmokeRun, client: MlflowClient, tmp_path: Path
) -> None:
    folder = Path(client.download_artifacts(smoke_run.run_id, "evaluation", str(tmp_path)))
    market = pd.read_parquet(folder / "market.parquet")
    actions = pd.read_parquet(folder / "actions.parquet")
    assert {"scenario", "seed", "step", "mid", "spread", "depth", "stress"} <= set(market.columns)
    assert set(market["scenario"]) == {"rl", "baseline"}
    assert set(market["condition"]) == {"stress", "calm"}
    assert market["seed"].nunique() == 5
    assert (market["mid"] > 0).all() and (market["spread"] >= 0).all()
    assert {"seed", "step", "agent", "action"} <= set(actions.columns)
    assert set(actions["action"].unique()) <= {-1, 0, 1}
    assert set(actions["agent"]) == set(POLICIES)


def test_checkpoint_restores_policies_for_inference(
    smoke_run: SmokeRun, tmp_path: Path
) -> None:
    checkpoint = download_checkpoint(smoke_run.tracking_uri, smoke_run.run_id, tmp_path)
    policies = load_policies(checkpoint)
    assert sorted(policies) == POLICIES
    mapping = agent_to_module(checkpoint)
    env = MultiAgentMarketEnv({"episode_length": 20, "seed": 3})
    obs, _ = env.reset(seed=3)
    for _ in range(5):
        actions = {agent: policies[mapping[agent]].act(o) for agent, o in obs.items()}
        assert all(a in (0, 1, 2) for a in actions.values())
        obs, *_ = env.step(actions)


def test_report_mentions_setup_hypotheses_and_plots(smoke_run: SmokeRun) -> None:
    text = smoke_run.report_path.read_text()
    assert "# Experiment `smoke`" in text
    for name in HYPOTHESES:
        assert name in text
    assert "plots/price_spread_stress.png" in text
