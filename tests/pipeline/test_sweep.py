"""Ray Tune sweeps: the search space, the sampled configs, and real smoke sweeps logged as
child runs (a trial per config, a replicate run per training), including a trial that fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray
from mlflow.tracking import MlflowClient

from pipeline.config import ConfigError, as_dict, load
from pipeline.experiment import run
from pipeline.postrun import trial_conf
from pipeline.replicates import ReplicateOutcome
from pipeline.sweep import BEST_RUN_TAG, FAILED_TRIALS_TAG, _best
from pipeline.tracking import KIND_TAG, PARENT_TAG
from pipeline.tuning import REPLICATE_TAG, sample_variants, search_space
from tests.conftest import compose_config, store_overrides

TWO_LRS = "sweep.params=[{key:ppo.lr,type:grid,values:[0.0001,0.00005]}]"


SPACES = [
    {"key": "ppo.lr", "type": "loguniform", "low": 1e-5, "high": 1e-3},
    {"key": "ppo.num_epochs", "type": "randint", "low": 1, "high": 4},
    {"key": "ppo.gamma", "type": "uniform", "low": 0.9, "high": 0.99},
    {"key": "ppo.clip_param", "type": "choice", "values": [0.1, 0.2]},
    {"key": "hypotheses.counterfactual", "type": "grid", "values": ["noise", "removed"]},
]


def test_search_space_covers_every_space_type() -> None:
    space = search_space(load({"sweep": {"name": "s", "params": SPACES}}))
    assert space["hypotheses.counterfactual"] == {"grid_search": ["noise", "removed"]}
    rng = np.random.default_rng(0)
    lrs = np.array([space["ppo.lr"].sample(random_state=rng) for _ in range(400)])
    assert lrs.min() >= 1e-5 and lrs.max() <= 1e-3
    assert np.mean(lrs < 1e-4) == pytest.approx(0.5, abs=0.1)  # log-uniform: half below 1e-4
    epochs = {space["ppo.num_epochs"].sample(random_state=rng) for _ in range(200)}
    assert epochs == {1, 2, 3}  # randint: high excluded
    gammas = np.array([space["ppo.gamma"].sample(random_state=rng) for _ in range(400)])
    assert gammas.min() >= 0.9 and gammas.max() <= 0.99
    assert gammas.mean() == pytest.approx(0.945, abs=0.01)  # uniform, not log-uniform
    assert {space["ppo.clip_param"].sample(random_state=rng) for _ in range(50)} == {0.1, 0.2}


def test_sampled_variants_expand_the_grid_and_are_reproducible() -> None:
    conf = load({"seed": 3, "sweep": {"name": "s", "params": SPACES, "num_samples": 2}})
    variants = sample_variants(conf)
    assert len(variants) == 4  # 2 grid values x 2 samples
    assert [v["hypotheses.counterfactual"] for v in variants] == ["noise", "removed"] * 2
    assert len({v["ppo.lr"] for v in variants}) == 4  # sampled afresh per grid point
    assert all(isinstance(v["ppo.num_epochs"], int) for v in variants)
    assert sample_variants(conf) == variants
    other = sample_variants(load({"seed": 4, "sweep": {"name": "s", "params": SPACES}}))
    assert other[0]["ppo.lr"] != variants[0]["ppo.lr"]


def test_trial_conf_applies_and_validates_overrides() -> None:
    base = as_dict(load(compose_config(["+experiment=smoke", "sweep=agent_mix"])))
    mix = [{"name": "x", "style": "momentum"}, {"name": "y", "style": "adaptive"}]
    conf = trial_conf(base, {"agents.rl": mix, "ppo.lr": 1e-3})
    assert [a.name for a in conf.agents.rl] == ["x", "y"] and conf.ppo.lr == 1e-3
    assert conf.sweep.name == "none"
    with pytest.raises(ConfigError, match="ppo.train_batch_size must be > 0"):
        trial_conf(base, {"ppo.train_batch_size": -5})


def check_sweep_runs(uri: str, parent_id: str) -> list[Any]:
    """A finished parent sweep run with two finished, correctly nested trial runs."""
    client = MlflowClient(uri)
    parent = client.get_run(parent_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.tags[KIND_TAG] == "sweep"
    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{parent_id}'"
    )
    assert len(children) == 2
    assert {float(c.data.params["ppo.lr"]) for c in children} == {1e-4, 5e-5}
    for child in children:
        assert child.info.status == "FINISHED"
        assert child.data.tags[KIND_TAG] == "trial"
        history = client.get_metric_history(child.info.run_id, "train/episode_return_mean")
        assert [m.step for m in history] == [1, 2]
        (replicate,) = client.search_runs(
            [parent.info.experiment_id],
            filter_string=f"tags.`{PARENT_TAG}` = '{child.info.run_id}'",
        )
        assert replicate.data.tags[KIND_TAG] == "replicate"
        assert replicate.data.tags[REPLICATE_TAG] == "0"
        assert replicate.data.params["ppo.lr"] == child.data.params["ppo.lr"]
        assert "checkpoint" in {a.path for a in client.list_artifacts(replicate.info.run_id)}
    # The best trial has the highest final mean return (deterministic training can tie two lrs
    # over the smoke's 2 iterations; the sweep then keeps the first variant).
    top = max(c.data.metrics["train/episode_return_mean"] for c in children)
    (best,) = [c for c in children if c.info.run_id == parent.data.tags[BEST_RUN_TAG]]
    assert best.data.metrics["train/episode_return_mean"] == top
    assert parent.data.metrics["best/train/episode_return_mean"] == pytest.approx(
        best.data.metrics["train/episode_return_mean"]
    )
    assert "hypothesis/herding/p_adjusted" in parent.data.metrics
    artifacts = {a.path for a in client.list_artifacts(parent_id)}
    assert {"hypotheses.json", "report.md", "evaluation"} <= artifacts
    assert "checkpoint" not in artifacts  # checkpoints live on the replicate runs
    return children


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_smoke_sweep_logs_each_trial_as_a_child_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINKING_MARKET_OUTPUTS", str(tmp_path / "outputs"))
    if ray.is_initialized():  # a Ray left over by another test may lack the CPUs a trial needs
        ray.shutdown()
    cfg = compose_config([
        "+experiment=smoke", "sweep=ppo_lr", TWO_LRS, "ray.num_cpus=2", "hypotheses.eval_seeds=2",
        f"sweep.storage_path={tmp_path / 'ray_results'}", *store_overrides(tmp_path),
    ])
    result = run(cfg)
    check_sweep_runs(result.tracking_uri, result.run_id)
    files = [f.name for f in (tmp_path / "ray_results").rglob("*") if f.is_file()]
    assert files.count("result.json") >= 2 and files.count("progress.csv") >= 2, files
    # no TensorBoardX logger (its writer thread can hang a SIGTERM'd run: pipeline.tuning)
    assert not [name for name in files if "tfevents" in name], files


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_sweep_trial_that_raises_ends_failed_and_the_parent_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINKING_MARKET_OUTPUTS", str(tmp_path / "outputs"))
    if ray.is_initialized():
        ray.shutdown()
    # Valid for the config schema, refused by torch when the trial builds its RLModule.
    bad = "sweep.params=[{key:ppo.activation,type:grid,values:[tanh,no_such_activation]}]"
    cfg = compose_config([
        "+experiment=smoke", "sweep=ppo_lr", bad, "ppo.iterations=1", "ray.num_cpus=2",
        "sweep.evaluate_best=false", f"sweep.storage_path={tmp_path / 'ray_results'}",
        *store_overrides(tmp_path),
    ])
    result = run(cfg)
    client = MlflowClient(result.tracking_uri)
    parent = client.get_run(result.run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["sweep/num_failed"] == 1.0
    assert parent.data.metrics["sweep/num_trials"] == 2.0
    trials = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{result.run_id}'"
    )
    status = {c.data.params["ppo.activation"]: c for c in trials}
    failed, ok = status["no_such_activation"], status["tanh"]
    assert failed.info.status == "FAILED" and ok.info.status == "FINISHED"
    assert failed.data.tags["thinking_market.error"].startswith("replicate 0: ")
    assert parent.data.tags[FAILED_TRIALS_TAG] == failed.info.run_id
    assert parent.data.tags[BEST_RUN_TAG] == ok.info.run_id
    (failed_replicate,) = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`{PARENT_TAG}` = '{failed.info.run_id}'",
    )
    assert failed_replicate.info.status == "FAILED"
    assert failed_replicate.data.tags["thinking_market.error"]


def test_a_sweep_config_the_market_refuses_fails_before_any_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINKING_MARKET_OUTPUTS", str(tmp_path / "outputs"))
    bad = "sweep.params=[{key:market.params,type:grid,values:[{},{no_such_param:1}]}]"
    cfg = compose_config(["+experiment=smoke", "sweep=ppo_lr", bad, *store_overrides(tmp_path)])
    with pytest.raises(ConfigError, match="no_such_param"):
        run(cfg)
    assert not (tmp_path / "mlflow.db").exists()


def _outcome(final: float, status: str = "FINISHED") -> ReplicateOutcome:
    return ReplicateOutcome(index=0, seed=1, status=status,
                            history=[{"train/episode_return_mean": final}])


def test_the_best_trial_has_the_best_mean_final_metric_over_its_finished_replicates() -> None:
    grid = [
        [_outcome(1.0), _outcome(3.0)],  # mean 2
        [_outcome(5.0), _outcome(0.5)],  # mean 2.75: the best when maximising
        [_outcome(9.0), _outcome(9.0, status="FAILED")],  # a failed replicate: never the best
        [_outcome(-4.0), _outcome(-2.0)],  # mean -3: the best when minimising
    ]
    assert _best(load({}), grid) == 1
    assert _best(load({"sweep": {"mode": "min"}}), grid) == 3
    assert _best(load({}), [[_outcome(2.0)], [_outcome(2.0)]]) == 0  # a tie keeps the first
    with pytest.raises(RuntimeError, match="all 1 sweep trials failed"):
        _best(load({}), [[_outcome(1.0, status="FAILED")]])
