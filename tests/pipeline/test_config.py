"""The Hydra config tree and its schemas: every experiment composes; bad configs fail fast."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException

from pipeline.config import (
    ConfigError,
    Counterfactual,
    EventType,
    as_dict,
    load,
)
from pipeline.dotted import flatten, set_dotted
from pipeline.envconf import check_env_config
from pipeline.hypotheses.design import check_study_can_reject
from pipeline.paths import PROJECT_ROOT
from tests.conftest import compose_config, store_overrides

EXPERIMENTS = ["smoke", "herding", "volatility", "liquidity"]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_composes_validates_and_names_itself(name: str) -> None:
    conf = load(compose_config([f"+experiment={name}"]))
    assert conf.name == name
    check_env_config(conf)
    header = (PROJECT_ROOT / "conf" / "experiment" / f"{name}.yaml").read_text().splitlines()
    assert header[0] == "# @package _global_"
    assert any(f"python -m pipeline +experiment={name}" in line for line in header[:6])


def test_defaults_match_the_issue() -> None:
    conf = load(compose_config([]))
    assert conf.ppo.lr == 5e-5
    assert conf.ppo.train_batch_size == 4000
    assert conf.ppo.rollout_fragment_length == 200
    assert conf.hypotheses.counterfactual is Counterfactual.noise
    assert conf.ray.address is None
    assert conf.sweep.name == "none"
    assert [a.name for a in conf.agents.rl] == ["momentum", "mean_reversion", "adaptive"]


@pytest.mark.parametrize(
    "events",
    [
        "none", "flash_crash", "flash_crashes", "liquidity_shock", "news_shock", "combined",
        "news_and_crashes", "combined_drawn",
    ],
)
def test_event_schedules_compose(events: str) -> None:
    tests = "[volatility_amplification,herding]" if events == "none" else "[herding]"
    conf = load(compose_config([f"events={events}", f"hypotheses.tests={tests}"]))
    assert conf.events.name == events
    assert all(isinstance(e.type, EventType) for e in conf.events.schedule)


@pytest.mark.parametrize(
    "override",
    ["ppo.lr=abc", "events.schedule.0.type=earthquake", "ppo.no_such_key=1", "agents.rl.0.style=x",
     "hypotheses.herding_reference=copycat", "replicates=two"],
)
def test_wrong_type_or_key_fails_at_composition(override: str) -> None:
    with pytest.raises(ConfigCompositionException):
        compose_config([override])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("ppo.train_batch_size=-5", "ppo.train_batch_size must be > 0, got -5"),
        ("ppo.rollout_fragment_length=3000", "ppo.rollout_fragment_length"),
        ("ppo.minibatch_size=5000", "ppo.minibatch_size (5000)"),
        ("events.schedule.0.step=5000", "events.schedule[flash_crash].step=5000"),
        ("hypotheses.eval_seeds=1", "hypotheses.eval_seeds must be >= 2"),
        ("events=none", "liquidity_impact, which needs stress events"),
        ("ray.address=nowhere", "ray.address"),
        ("agents.rl=[{name:solo,style:momentum}]", "herding, which needs >= 2 RL agents"),
        ("agents.rl=[]", "agents.rl must name at least one RL agent, got []"),
        ("agents.rl=[{name:a,style:momentum},{name:a,style:adaptive}]",
         "agents.rl names must be unique, got ['a', 'a']"),
        ("agents.rl.0.order_size=150", "agents.rl[momentum].max_position=100 must be >= "
         "order_size=150"),
        ("agents.rl.0.max_position=5", "agents.rl[momentum].max_position=5 must be >= "
         "order_size=10"),
        ("agents.rl.0.name=''", "agents.rl[].name must not be empty"),
        ("agents.rl.1.inventory_penalty=-1", "agents.rl[mean_reversion].inventory_penalty must "
         "be >= 0, got -1.0"),
        ("hypotheses.alpha=0", "hypotheses.alpha must be in (0, 1), got 0.0"),
        ("hypotheses.alpha=1.5", "hypotheses.alpha must be in (0, 1), got 1.5"),
        ("ppo.gamma=0", "ppo.gamma must be in (0, 1], got 0.0"),
        ("ppo.gae_lambda=1.5", "ppo.gae_lambda must be in (0, 1], got 1.5"),
        ("ppo.hidden_sizes=[64,0]", "ppo.hidden_sizes must be positive sizes, got [64, 0]"),
        ("ppo.hidden_sizes=[]", "ppo.hidden_sizes must be positive sizes, got []"),
        ("ppo.num_env_runners=-1", "ppo.num_env_runners must be >= 0, got -1"),
        ("ppo.entropy_coeff=-0.1", "ppo.entropy_coeff must be >= 0, got -0.1"),
        ("ppo.lr=0", "ppo.lr must be > 0, got 0.0"),
        ("ppo.iterations=0", "ppo.iterations must be > 0, got 0"),
        ("market.episode_length=0", "market.episode_length must be > 0, got 0"),
        ("name=''", "name (the experiment name) must not be empty"),
        ("seed=-1", "seed must be >= 0, got -1"),
        ("replicates=0", "replicates must be an int >= 1, got 0"),
        ("replicates=-3", "replicates must be an int >= 1, got -3"),
        ("ray.num_cpus=0", "ray.num_cpus must be > 0, got 0"),
        ("sweep.num_samples=0", "sweep.num_samples must be > 0, got 0"),
        ("sweep.name=custom", "sweep 'custom' has no sweep.params to search"),
        ("sweep=ppo_lr sweep.params=[{key:ppo.lr,type:uniform,low:0.1,high:0.01}]",
         "sweep.params[ppo.lr] needs low < high, got 0.1, 0.01"),
        ("sweep=ppo_lr sweep.params=[{key:ppo.lr,type:loguniform,low:0.1}]",
         "sweep.params[ppo.lr] needs low < high, got 0.1, None"),
        ("sweep=ppo_lr sweep.params=[{key:ppo.lr,type:grid}]",
         "sweep.params[ppo.lr] of type grid needs values"),
        ("sweep=ppo_lr sweep.params=[{key:ppo.lr,type:choice,values:[]}]",
         "sweep.params[ppo.lr] of type choice needs values"),
        ("sweep=ppo_lr sweep.params=[{key:'',type:grid,values:[1]}]",
         "sweep.params[].key must be a dotted config key, got ''"),
        ("hypotheses.eval_seed_offset=-1", "hypotheses.eval_seed_offset must be >= 0, got -1"),
        ("hypotheses.eval_episode_length=0", "hypotheses.eval_episode_length must be > 0, got 0"),
    ],
)
def test_bad_values_fail_validation_with_the_field_named(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(compose_config(override.split(" ")))


@pytest.mark.parametrize("name", ["herding", "volatility", "liquidity"])
def test_shipped_studies_are_replicated_and_powered(name: str) -> None:
    conf = load(compose_config([f"+experiment={name}"]))
    assert conf.replicates >= 5
    assert conf.hypotheses.allow_underpowered is False
    assert conf.hypotheses.herding_reference.value == "rule_based"


@pytest.mark.parametrize("name", ["herding", "volatility", "liquidity"])
def test_shipped_studies_draw_event_dates_and_signs(name: str) -> None:
    """A fixed date or sign is a calendar the policies learn to bet on (docs/training_trials.md);
    and the drawn windows never overlap, so each event is measured on its own."""
    schedule = load(compose_config([f"+experiment={name}"])).events.schedule
    assert len([e for e in schedule if e.type == EventType.flash_crash]) == 3
    assert all(e.step_jitter > 0 for e in schedule)
    assert all(e.random_sign for e in schedule if e.type == EventType.news_shock)
    for first, second in zip(schedule, schedule[1:], strict=False):
        assert first.step + first.step_jitter + first.duration <= second.step


def test_smoke_is_allowed_to_be_underpowered_and_defaults_are_one_replicate() -> None:
    assert load(compose_config(["+experiment=smoke"])).hypotheses.allow_underpowered is True
    assert load(compose_config([])).replicates == 1


def test_a_study_that_cannot_reject_fails_before_any_training() -> None:
    overrides = ["+experiment=herding", "replicates=1", "hypotheses.eval_seeds=3"]
    with pytest.raises(ConfigError, match="hypotheses.allow_underpowered"):
        load(compose_config(overrides))
    assert load(compose_config([*overrides, "hypotheses.allow_underpowered=true"]))
    for name in ("herding", "volatility", "liquidity"):
        conf = load(compose_config([f"+experiment={name}"]))
        check_study_can_reject(
            n_seeds=conf.hypotheses.eval_seeds, n_replicates=conf.replicates,
            n_tests=len(conf.hypotheses.tests), alpha=conf.hypotheses.alpha,
        )


def test_market_params_are_checked_by_the_market_before_any_work() -> None:
    conf = load(compose_config(["+market.params.no_such_field=1"]))
    with pytest.raises(ConfigError, match="no_such_field"):
        check_env_config(conf)


def test_plain_dict_round_trip_is_picklable_and_equal() -> None:
    conf = load(compose_config(["+experiment=herding", "sweep=agent_mix"]))
    plain = as_dict(conf)
    assert load(plain) == conf
    assert plain["hypotheses"]["counterfactual"] == "noise"


def test_flatten_gives_dotted_keys() -> None:
    flat = flatten({"ppo": {"lr": 1e-3, "hidden_sizes": [8, 8]}, "events": {"schedule": []}})
    assert flat == {"ppo.lr": 1e-3, "ppo.hidden_sizes.0": 8, "ppo.hidden_sizes.1": 8,
                    "events.schedule": []}


def test_set_dotted_rejects_unknown_keys() -> None:
    tree = {"ppo": {"lr": 1.0}}
    set_dotted(tree, "ppo.lr", 2.0)
    assert tree["ppo"]["lr"] == 2.0
    with pytest.raises(ConfigError, match="unknown field 'lrr'"):
        set_dotted(tree, "ppo.lrr", 2.0)
    with pytest.raises(ConfigError, match="'nope' is not a config section"):
        set_dotted(tree, "nope.lr", 2.0)


def _run_cli(args: list[str], root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THINKING_MARKET_OUTPUTS": str(root / "outputs")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "+experiment=smoke", *args, *store_overrides(root)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_cli_rejects_non_numeric_lr_before_any_work(tmp_path: Path) -> None:
    proc = _run_cli(["ppo.lr=abc"], tmp_path)
    assert proc.returncode != 0
    assert "ppo.lr" in proc.stderr
    assert "[train]" not in proc.stdout
    assert not (tmp_path / "mlflow.db").exists()


def test_cli_rejects_negative_batch_with_exit_code_2(tmp_path: Path) -> None:
    proc = _run_cli(["ppo.train_batch_size=-5"], tmp_path)
    assert proc.returncode == 2
    assert "config error: ppo.train_batch_size must be > 0, got -5" in proc.stderr
    assert "[train]" not in proc.stdout
    assert not (tmp_path / "mlflow.db").exists()
