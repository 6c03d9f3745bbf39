"""Ray Tune sweeps: the search space, and a real two-trial smoke sweep logged as child runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import ray
from mlflow.tracking import MlflowClient

from pipeline.config import ConfigError, as_dict, load
from pipeline.experiment import run
from pipeline.sweep import BEST_RUN_TAG, search_space, trial_conf
from pipeline.tracking import KIND_TAG, PARENT_TAG
from tests.conftest import compose_config, store_overrides

TWO_LRS = "sweep.params=[{key:ppo.lr,type:grid,values:[0.0001,0.00005]}]"


def test_search_space_covers_every_space_type() -> None:
    conf = load({"sweep": {"name": "s", "params": [
        {"key": "ppo.lr", "type": "loguniform", "low": 1e-5, "high": 1e-3},
        {"key": "ppo.num_epochs", "type": "randint", "low": 1, "high": 4},
        {"key": "ppo.gamma", "type": "uniform", "low": 0.9, "high": 0.99},
        {"key": "ppo.clip_param", "type": "choice", "values": [0.1, 0.2]},
        {"key": "hypotheses.counterfactual", "type": "grid", "values": ["noise", "removed"]},
    ]}})
    space = search_space(conf)
    assert space["hypotheses.counterfactual"] == {"grid_search": ["noise", "removed"]}
    assert 1e-5 <= space["ppo.lr"].sample() <= 1e-3
    assert space["ppo.clip_param"].sample() in (0.1, 0.2)


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
    best = max(children, key=lambda c: c.data.metrics["train/episode_return_mean"])
    assert parent.data.tags[BEST_RUN_TAG] == best.info.run_id
    assert parent.data.metrics["best/train/episode_return_mean"] == pytest.approx(
        best.data.metrics["train/episode_return_mean"]
    )
    assert "hypothesis/herding/p_adjusted" in parent.data.metrics
    artifacts = {a.path for a in client.list_artifacts(parent_id)}
    assert {"checkpoint", "hypotheses.json", "report.md"} <= artifacts
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
        "+experiment=smoke", "sweep=ppo_lr", TWO_LRS, "ray.num_cpus=2",
        f"sweep.storage_path={tmp_path / 'ray_results'}", *store_overrides(tmp_path),
    ])
    result = run(cfg)
    check_sweep_runs(result.tracking_uri, result.run_id)
    assert any((tmp_path / "ray_results").iterdir())
