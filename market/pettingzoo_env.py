"""The market as a PettingZoo `ParallelEnv`: `parallel_env(config)`.

The same market, observations and rewards as `market.env.MultiAgentMarketEnv` (the RLlib env;
see its docstring for the action space, the 15 observation entries and the reward styles),
built on the same `MarketSimulator` and `market.agent_io.AgentIO` (actions in, observations and
rewards out), so CleanRL, Stable-Baselines3 (through SuperSuit) and other PettingZoo users can
train in it. The same
config, seed and actions give the same market records as the RLlib env. Differences are only
PettingZoo's conventions: `observation_space(agent)` / `action_space(agent)` methods, and
`agents` empties when the episode is truncated. This module does not import Ray.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd
from pettingzoo import ParallelEnv

from market.agent_io import AgentIO
from market.config import AgentSpec, EnvConfig
from market.episodes import EpisodeSeeds
from market.observation import OBS_CLIP, OBS_DIM
from market.simulator import MarketSimulator


def parallel_env(config: Mapping[str, Any] | None = None) -> MarketParallelEnv:
    """The market as a PettingZoo ParallelEnv (`config`: the env config dict, all keys optional)."""
    return MarketParallelEnv(config)


class MarketParallelEnv(ParallelEnv):
    """RL traders in the limit-order-book market (PettingZoo parallel API); see module docstring.

    Every agent acts every step; an agent missing from the action dict HOLDs. No termination;
    truncation after `episode_length` steps, after which `agents` is empty until `reset`.
    """

    metadata = {"name": "thinking_market_v0", "render_modes": [], "is_parallelizable": True}

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.env_config = EnvConfig.from_dict(config)
        self.episode_length = self.env_config.episode_length
        self.simulator = MarketSimulator(
            self.env_config.market, events=self.env_config.events, agents=self.env_config.agents
        )
        self._specs: dict[str, AgentSpec] = {s.name: s for s in self.env_config.agents}
        self.possible_agents = [s.name for s in self.env_config.agents]
        self.agents: list[str] = []
        self.render_mode = None
        self._seeds = EpisodeSeeds(self.env_config.seed)
        self._io = AgentIO(self.simulator, self._specs, self.episode_length)

    @functools.cache  # noqa: B019  # one space object per agent, as the API asks
    def observation_space(self, agent: str) -> gym.Space:
        """Box(-10, 10, (15,), float32) for every agent."""
        return gym.spaces.Box(-OBS_CLIP, OBS_CLIP, (OBS_DIM,), np.float32)

    @functools.cache  # noqa: B019
    def action_space(self, agent: str) -> gym.Space:
        """Discrete(3): 0 HOLD, 1 BUY, 2 SELL a market order of the agent's order_size."""
        return gym.spaces.Discrete(3)

    def reset(
        self, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
        """Start an episode; seeds exactly as the RLlib env does (same seed -> same market)."""
        self.simulator.reset(self._seeds.next(seed))
        self.agents = list(self.possible_agents)
        self._io.reset()
        return self._io.observations(), {name: {} for name in self.agents}

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Execute the agents' actions (missing agents HOLD) and advance one market step."""
        if not self.agents:
            raise RuntimeError("call reset() before step() (the episode is over or not started)")
        obs, rewards, done = self._io.step(actions)
        truncations = dict.fromkeys(self.agents, done)
        terminations = dict.fromkeys(self.agents, False)
        infos: dict[str, dict] = {name: {} for name in self.agents}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def state(self) -> np.ndarray:
        """The shared market entries of the observation (3-10 and 14), as a global state."""
        obs = self._io.observation_array()
        return obs[0] if len(obs) else np.zeros(OBS_DIM, dtype=np.float32)

    def render(self) -> None:
        """No rendering (use `market_record()` or the API's dashboard)."""

    def close(self) -> None:
        """Nothing to release."""

    def accounts(self) -> pd.DataFrame:
        """Every trader's account (agent_id, type, cash, shares), background traders included."""
        return self.simulator.accounts()

    def market_record(self) -> pd.DataFrame:
        """Per-step market record of the current episode."""
        return self.simulator.market_record()

    def agent_record(self) -> pd.DataFrame:
        """Per-step RL agent record of the current episode."""
        return self.simulator.agent_record()
