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
    flatten,
    load,
    set_dotted,
)
from pipeline.envconf import check_env_config
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
    "events", ["none", "flash_crash", "liquidity_shock", "news_shock", "combined"]
)
def test_event_schedules_compose(events: str) -> None:
    tests = "[volatility_amplification,herding]" if events == "none" else "[herding]"
    conf = load(compose_config([f"events={events}", f"hypotheses.tests={tests}"]))
    assert conf.events.name == events
    assert all(isinstance(e.type, EventType) for e in conf.events.schedule)


@pytest.mark.parametrize(
    "override",
    ["ppo.lr=abc", "events.schedule.0.type=earthquake", "ppo.no_such_key=1", "agents.rl.0.style=x"],
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
    ],
)
def test_bad_values_fail_validation_with_the_field_named(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(compose_config([override]))


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
