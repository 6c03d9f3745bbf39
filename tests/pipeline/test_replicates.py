"""Replicated training end to end: `+experiment=smoke replicates=2` (slow: trains PPO twice).

Two child runs with their own curves, seeds and checkpoints; every replicate evaluated on the
same paired seeds (the `replicate` column, baseline rows repeated per replicate); replicate-level
hypothesis results; the learning comparison with replicates as units; convergence flags.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from pipeline.experiment import run
from pipeline.postrun import ExperimentResult
from pipeline.replicates import replicate_seed
from pipeline.tracking import KIND_TAG
from pipeline.tuning import REPLICATE_TAG, TRAINING_SEED_TAG
from tests.conftest import compose_config, store_overrides
from tests.pipeline.test_smoke_experiment import POLICIES, replicate_runs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExperimentResult]:
    root = tmp_path_factory.mktemp("replicates")
    saved = os.environ.get("THINKING_MARKET_OUTPUTS")
    os.environ["THINKING_MARKET_OUTPUTS"] = str(root / "outputs")
    try:
        yield run(compose_config(["+experiment=smoke", "replicates=2", "hypotheses.eval_seeds=3",
                                  *store_overrides(root)]))
    finally:
        if saved is None:
            os.environ.pop("THINKING_MARKET_OUTPUTS", None)
        else:
            os.environ["THINKING_MARKET_OUTPUTS"] = saved


@pytest.mark.timeout(600)
def test_two_child_runs_with_their_own_seeds_curves_and_checkpoints(
    replicated: ExperimentResult,
) -> None:
    client = MlflowClient(replicated.tracking_uri)
    children = replicate_runs(client, replicated.run_id)
    assert [c.data.tags[REPLICATE_TAG] for c in children] == ["0", "1"]
    seeds = [int(c.data.tags[TRAINING_SEED_TAG]) for c in children]
    assert seeds == [replicate_seed(7, 0), replicate_seed(7, 1)] and seeds[0] != seeds[1]
    assert [int(c.data.params["seed"]) for c in children] == seeds
    curves = []
    for child in children:
        assert child.info.status == "FINISHED" and child.data.tags[KIND_TAG] == "replicate"
        assert "checkpoint" in {a.path for a in client.list_artifacts(child.info.run_id)}
        assert child.data.metrics["train/momentum/converged"] in (0.0, 1.0)
        history = client.get_metric_history(child.info.run_id, "train/momentum/policy_loss")
        assert [m.step for m in history] == [1, 2]
        curves.append([m.value for m in history])
    parent = client.get_metric_history(replicated.run_id, "train/momentum/policy_loss")
    assert [m.value for m in parent] == pytest.approx(np.mean(curves, axis=0).tolist())
    assert curves[0] != curves[1]  # different training seeds, different training


@pytest.mark.timeout(300)
def test_every_replicate_is_evaluated_on_the_same_paired_seeds(
    replicated: ExperimentResult, tmp_path: Path
) -> None:
    client = MlflowClient(replicated.tracking_uri)
    folder = Path(client.download_artifacts(replicated.run_id, "evaluation", str(tmp_path)))
    market = pd.read_parquet(folder / "market.parquet")
    actions = pd.read_parquet(folder / "actions.parquet")
    assert sorted(market["replicate"].unique()) == [0, 1]
    seeds = market.groupby("replicate")["seed"].unique().apply(sorted)
    assert seeds[0] == seeds[1] and len(seeds[0]) == 3
    key = ["condition", "seed", "step"]
    base = market[market["scenario"] == "baseline"].set_index(["replicate", *key]).sort_index()
    pd.testing.assert_frame_equal(base.loc[0], base.loc[1])  # counterfactual: once per seed
    rl = market[market["scenario"] == "rl"].set_index(["replicate", *key]).sort_index()
    assert not rl.loc[0]["mid"].equals(rl.loc[1]["mid"])  # each replicate's own policies
    reference = actions[actions["scenario"] == "baseline"]
    ref = reference.set_index(["replicate", *key, "agent"]).sort_index()["action"]
    pd.testing.assert_series_equal(ref.loc[0], ref.loc[1])
    assert set(actions["replicate"]) == {0, 1}
    learning = pd.read_parquet(folder / "learning.parquet")
    assert learning.groupby(["replicate", "policy", "arm"]).size().eq(3).all()


@pytest.mark.timeout(300)
def test_replicate_level_hypotheses_and_learning(
    replicated: ExperimentResult, tmp_path: Path
) -> None:
    client = MlflowClient(replicated.tracking_uri)
    local = client.download_artifacts(replicated.run_id, "hypotheses.json", str(tmp_path))
    records = json.loads(Path(local).read_text())
    primary = [r for r in records if r["family"] == "primary"]
    assert len(primary) == 3
    metrics = client.get_run(replicated.run_id).data.metrics
    for policy in POLICIES:
        # 2 replicates: the exact sign-flip floor is 1/4, so no policy can be shown to learn
        assert metrics[f"learning/{policy}/random/p_value"] >= 0.25
        assert metrics[f"learning/{policy}/learned"] == 0.0
    assert all(r["extra"]["n_replicates"] == 2 for r in primary)
    assert all(len(r["extra"]["replicate_effects"]) == 2 for r in primary)
    assert all(r["n"] == 2 for r in primary)
    report = Path(replicated.report_path).read_text()
    assert "| 1 | momentum |" in report  # the training table has a row per replicate
    assert "over 2 replicates" in report
