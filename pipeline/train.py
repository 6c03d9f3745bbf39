"""Training: RLlib PPO on the market env for the configured number of iterations.

``train(cfg)`` is testable on its own; it prints one progress line per iteration (iteration,
env steps, per-policy mean return, time) and saves a checkpoint loadable by pipeline.policy.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from pipeline.config import ExperimentConf, load
from pipeline.envconf import module_mapping, policy_ids
from pipeline.paths import outputs_dir
from pipeline.policy import MAPPING_FILE
from pipeline.rllib import build_ppo_config, ray_session, set_torch_threads

# RLlib result keys (new API stack) -> our metric names under train/<policy>/.
LEARNER_KEYS = {
    "policy_loss": "policy_loss",
    "entropy": "entropy",
    "mean_kl_loss": "kl",
    "vf_loss": "vf_loss",
}

IterationCallback = Callable[[int, dict[str, float]], None]


@dataclass
class TrainResult:
    """What training produced: the checkpoint, the modules and the per-iteration metrics."""

    checkpoint_dir: Path
    modules: list[str]
    agent_to_module: dict[str, str]
    history: list[dict[str, float]] = field(default_factory=list)
    wall_time_s: float = 0.0

    @property
    def final_metrics(self) -> dict[str, float]:
        """The last iteration's metrics (empty if no iteration ran)."""
        return self.history[-1] if self.history else {}


def iteration_metrics(result: Mapping[str, Any], modules: list[str]) -> dict[str, float]:
    """Flatten one RLlib result into train/<policy>/<metric> plus env steps and time."""
    runners = result.get("env_runners", {})
    returns = runners.get("module_episode_returns_mean", {}) or {}
    learners = result.get("learners", {})
    metrics: dict[str, float] = {
        "train/env_steps": float(result.get("num_env_steps_sampled_lifetime", 0)),
        "train/time_s": float(result.get("time_this_iter_s", math.nan)),
        "train/episode_len_mean": float(runners.get("episode_len_mean", math.nan)),
    }
    module_returns = []
    for module in modules:
        mean_return = float(returns.get(module, math.nan))
        metrics[f"train/{module}/episode_return_mean"] = mean_return
        module_returns.append(mean_return)
        for rllib_key, name in LEARNER_KEYS.items():
            value = learners.get(module, {}).get(rllib_key, math.nan)
            metrics[f"train/{module}/{name}"] = float(value)
    finite = [value for value in module_returns if math.isfinite(value)]
    metrics["train/episode_return_mean"] = sum(finite) / len(finite) if finite else math.nan
    return metrics


def carry_returns(metrics: dict[str, float], previous: Mapping[str, float] | None) -> None:
    """Keep the last mean return (and length) in iterations in which no episode ended.

    RLlib reports the mean return of the last 20 finished episodes only in iterations that
    finished one; with 1000-step episodes and 200-step fragments that is every 5th iteration.
    Between those the windowed mean is unchanged, so the previous value is the true one.
    """
    if previous is None:
        return
    for key, value in metrics.items():
        if key.endswith(("episode_return_mean", "episode_len_mean")) and math.isnan(value):
            metrics[key] = previous.get(key, math.nan)


def progress_line(
    iteration: int, total: int, metrics: Mapping[str, float], modules: list[str]
) -> str:
    """One console line: iteration, env steps, per-policy mean return, time."""
    returns = " ".join(
        f"{module}={metrics[f'train/{module}/episode_return_mean']:.3g}" for module in modules
    )
    return (
        f"[train] iter {iteration}/{total}  env_steps {int(metrics['train/env_steps'])}  "
        f"return {returns}  ({metrics['train/time_s']:.1f} s)"
    )


def train(
    cfg: DictConfig | ExperimentConf | dict[str, Any],
    checkpoint_dir: Path | None = None,
    *,
    on_iteration: IterationCallback | None = None,
    env_cls: type | None = None,
) -> TrainResult:
    """Train PPO per ``cfg.ppo``; the checkpoint goes to ``checkpoint_dir``.

    Default: outputs/checkpoints/<name>/<timestamp>.
    """
    conf = load(cfg)
    if checkpoint_dir is None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
        checkpoint_dir = outputs_dir() / "checkpoints" / conf.name / stamp
    set_torch_threads(conf.ppo.torch_threads)
    with ray_session(conf.ray):
        return train_with_ray(conf, Path(checkpoint_dir), on_iteration, env_cls)


def train_with_ray(
    conf: ExperimentConf,
    checkpoint_dir: Path,
    on_iteration: IterationCallback | None = None,
    env_cls: type | None = None,
) -> TrainResult:
    """The training loop proper; Ray must be up (a local session, a cluster or a Tune trial)."""
    mapping = module_mapping(conf)
    modules = policy_ids(conf)
    start = time.perf_counter()
    algo = build_ppo_config(conf, env_cls).build_algo()
    try:
        result = TrainResult(checkpoint_dir, modules, mapping)
        total = conf.ppo.iterations
        for iteration in range(1, total + 1):
            metrics = iteration_metrics(algo.train(), modules)
            carry_returns(metrics, result.history[-1] if result.history else None)
            result.history.append(metrics)
            print(progress_line(iteration, total, metrics, modules), flush=True)
            if on_iteration is not None:
                on_iteration(iteration, metrics)
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        algo.save_to_path(str(checkpoint_dir))
        # Which policy each RL agent uses, for pipeline.policy (evaluation, API).
        (checkpoint_dir / MAPPING_FILE).write_text(json.dumps(mapping, indent=2, sort_keys=True))
    finally:
        algo.stop()
    result.wall_time_s = time.perf_counter() - start
    return result
