"""PPO throughput: env steps/s of a training iteration, market env vs a trivial env.

Both run the same RLlib config (pipeline.rllib.build_ppo_config) side by side; the ratio
market/trivial shows whether the market is the bottleneck (target >= 0.9).
"""

from __future__ import annotations

import time
from typing import Any

import gymnasium as gym
import numpy as np
from hydra import compose, initialize_config_dir
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from pipeline.config import ExperimentConf, load
from pipeline.paths import PROJECT_ROOT
from pipeline.rllib import build_ppo_config, ray_session, set_torch_threads

OBS_DIM = 15
TARGET_RATIO = 0.9


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


def steps_per_second(conf: ExperimentConf, env_cls: type | None, iterations: int) -> float:
    """Median env steps/s over training iterations (the first, warm-up one excluded)."""
    algo = build_ppo_config(conf, env_cls).build_algo()
    try:
        algo.train()
        rates = []
        for _ in range(iterations):
            start = time.perf_counter()
            result = algo.train()
            elapsed = time.perf_counter() - start
            rates.append(result["env_runners"]["num_env_steps_sampled"] / elapsed)
    finally:
        algo.stop()
    return float(np.median(rates))


def herding_conf() -> ExperimentConf:
    """The herding experiment's config (`make run`), composed from conf/ like the CLI does."""
    with initialize_config_dir(config_dir=str(PROJECT_ROOT / "conf"), version_base="1.3"):
        return load(compose(config_name="config", overrides=["+experiment=herding"]))


def main() -> None:
    """Print env steps/s per PPO iteration for both envs and their ratio vs the 0.9 target."""
    conf = herding_conf()
    set_torch_threads(conf.ppo.torch_threads)
    iterations = 3
    with ray_session(conf.ray):
        trivial = steps_per_second(conf, TrivialMarketEnv, iterations)
        market = steps_per_second(conf, None, iterations)
    ppo = conf.ppo
    print(f"PPO iteration (batch {ppo.train_batch_size}, {ppo.num_epochs} epochs, ", end="")
    print(f"{ppo.num_env_runners} env runner x {ppo.num_envs_per_env_runner} envs, local learner),"
          f" median of {iterations}:")
    print(f"  trivial env : {trivial:8.0f} env steps/s")
    print(f"  market env  : {market:8.0f} env steps/s")
    print(f"  ratio market/trivial = {market / trivial:.2f}  (target >= {TARGET_RATIO})")


if __name__ == "__main__":
    main()
