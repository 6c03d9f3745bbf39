"""PPO throughput: env steps/s of a training iteration, market env vs a trivial env.

An env step is one market step (each RL agent acts once, the market advances one step), so
4,000 env steps are 12,000 agent steps with the three default agents. Both envs run the same
RLlib config (pipeline.rllib.build_ppo_config) side by side; the ratio market/trivial shows
whether the market is the bottleneck (target >= 0.9).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from hydra import compose, initialize_config_dir
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from market.env import MultiAgentMarketEnv
from pipeline.config import ExperimentConf, load
from pipeline.paths import PROJECT_ROOT
from pipeline.rllib import build_ppo_config, ray_session, set_torch_threads

OBS_DIM = 15
TARGET_RATIO = 0.9
TARGET_STEPS = 4_000


class TrivialMarketEnv(MultiAgentEnv):
    """The market env's agents and spaces with no market behind them (constant obs, 0 reward)."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__()
        config = config or {}
        names = [agent["name"] for agent in config.get("agents", [])] or [
            "momentum",
            "mean_reversion",
            "adaptive",
        ]
        self.possible_agents = list(names)
        self.agents = list(names)
        box = gym.spaces.Box(-np.inf, np.inf, (OBS_DIM,), np.float32)
        self.observation_spaces = {name: box for name in names}
        self.action_spaces = {name: gym.spaces.Discrete(3) for name in names}
        self.episode_length = int(config.get("episode_length", 1000))
        self._obs = np.zeros(OBS_DIM, dtype=np.float32)
        self._t = 0

    def reset(  # type: ignore[override]
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        self._t = 0
        return {str(name): self._obs for name in self.agents}, {}

    def step(  # type: ignore[override]
        self, action_dict: dict[str, int]
    ) -> tuple[dict, dict, dict, dict, dict]:
        self._t += 1
        done = self._t >= self.episode_length
        obs = {name: self._obs for name in self.agents}
        rewards = {name: 0.0 for name in self.agents}
        return obs, rewards, {"__all__": False}, {"__all__": done}, {}

    # The market env's array face, so both envs run under the same (batched) env runner.
    def reset_array(self, *, seed: int | None = None) -> np.ndarray:
        self._t = 0
        return np.zeros((len(self.agents), OBS_DIM), dtype=np.float32)

    def step_array(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        self._t += 1
        n = len(self.agents)
        return np.zeros((n, OBS_DIM), np.float32), np.zeros(n), self._t >= self.episode_length


class DictOnlyMarketEnv(MultiAgentMarketEnv):
    """The market env without its array face: trains under RLlib's own (per-step) env runner."""

    reset_array = None  # type: ignore[assignment]
    step_array = None  # type: ignore[assignment]


@dataclass
class Rates:
    """Market steps per second of PPO iterations (wall clock and this process's CPU time)."""

    wall: list[float]
    cpu: list[float]
    sample_s: list[float]
    learn_s: list[float]


def steps_per_second(conf: ExperimentConf, env_cls: type | None, iterations: int) -> Rates:
    """Env steps/s of each training iteration (the first, warm-up one excluded).

    One env step is one market step: every RL agent acts once and the market advances one step.
    CPU time counts this process only, so it is meaningful with ppo.num_env_runners=0 (sampling
    and learning both in this process) and is less sensitive than wall time to other load.
    """
    algo = build_ppo_config(conf, env_cls).build_algo()
    rates = Rates([], [], [], [])
    try:
        algo.train()
        for _ in range(iterations):
            start, cpu = time.perf_counter(), time.process_time()
            result = algo.train()
            elapsed, used = time.perf_counter() - start, time.process_time() - cpu
            steps = result["env_runners"]["num_env_steps_sampled"]
            rates.wall.append(steps / elapsed)
            rates.cpu.append(steps / used)
            timers = result.get("timers", {})
            rates.sample_s.append(float(timers.get("env_runner_sampling_timer", float("nan"))))
            rates.learn_s.append(float(timers.get("learner_update_timer", float("nan"))))
    finally:
        algo.stop()
    return rates


def span(values: list[float]) -> str:
    """min-median-max of a list of figures."""
    return f"{min(values):,.0f} / {np.median(values):,.0f} / {max(values):,.0f}"


def composed_conf(*overrides: str) -> ExperimentConf:
    """The experiment config the CLI would compose from conf/ with these overrides."""
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
        return load(compose(config_name="config", overrides=list(overrides)))


def herding_conf() -> ExperimentConf:
    """The herding experiment's config (`make run`)."""
    return composed_conf("+experiment=herding")


def report(label: str, conf: ExperimentConf, iterations: int, rllib_runner: bool = False) -> None:
    """Print market env steps/s per PPO iteration of `conf` (min / median / max), vs trivial;
    `rllib_runner`: also under RLlib's own env runner, side by side."""
    with ray_session(conf.ray):
        market = steps_per_second(conf, None, iterations)
        trivial = steps_per_second(conf, TrivialMarketEnv, iterations)
        per_step = steps_per_second(conf, DictOnlyMarketEnv, iterations) if rllib_runner else None
    ppo = conf.ppo
    print(f"PPO iteration, {label} (batch {ppo.train_batch_size} market steps, "
          f"{ppo.num_epochs} epochs x minibatch {ppo.minibatch_size} = "
          f"{ppo.num_epochs * (ppo.train_batch_size // ppo.minibatch_size)} Adam steps per policy, "
          f"{ppo.num_env_runners} remote env runners x {ppo.num_envs_per_env_runner} envs, "
          f"local learner), {iterations} iterations, min / median / max:")
    print(f"  market env : {span(market.wall)} env steps/s wall  "
          f"({span(market.cpu)} per CPU second; target >= {TARGET_STEPS:,})")
    print(f"               sampling {np.median(market.sample_s):.2f} s + learner "
          f"{np.median(market.learn_s):.2f} s per iteration (RLlib's smoothed timers)")
    print(f"  trivial env: {span(trivial.wall)} env steps/s wall")
    if per_step is not None:
        print(f"  market env under RLlib's own env runner (LeanEnvRunner, dict per step): "
              f"{span(per_step.wall)} env steps/s wall; sampling "
              f"{np.median(per_step.sample_s):.2f} s per iteration")
    ratio = np.median(market.wall) / np.median(trivial.wall)
    print(f"  ratio market/trivial = {ratio:.2f}  (target >= {TARGET_RATIO})")


def main() -> None:
    """The default PPO config (conf/ppo/default.yaml, the issue's figure) and herding's."""
    conf = herding_conf()
    set_torch_threads(conf.ppo.torch_threads)
    report("default config (conf/ppo)", composed_conf(), iterations=5, rllib_runner=True)
    report("herding config (make run)", conf, iterations=5)


if __name__ == "__main__":
    main()
