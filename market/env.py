"""RLlib multi-agent environment around `MarketSimulator` (thin adapter: spaces, obs, rewards)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from market.agent_io import AgentIO
from market.config import AgentSpec, EnvConfig
from market.episodes import EpisodeSeeds
from market.observation import OBS_CLIP, OBS_DIM
from market.simulator import MarketSimulator


class MultiAgentMarketEnv(MultiAgentEnv):
    """RL traders in a limit-order-book market with rule-based background traders and stress events.

    `MultiAgentMarketEnv()` has three RL agents, "momentum", "mean_reversion" and "adaptive"
    (style = name), 100 background traders and 1000-step episodes; `config` (dict, all keys
    optional) is `{"seed", "episode_length", "market", "agents", "events"}` (market/config.py).

    ## Action Space
    `Discrete(3)` per agent: 0 HOLD, 1 BUY, 2 SELL a market order of `order_size` shares
    (immediate-or-cancel; an unfilled rest is dropped). An order that would take |position| above
    `max_position` is executed as HOLD and recorded as action 0 in `agent_record()`.

    ## Observation Space
    `Box(-10, 10, (15,), float32)` per agent; every entry is clipped to [-10, 10].
    REF_VOL = 5e-5 (a reference per-step log-return volatility); p0 = initial price.

    | idx | name         | meaning                                                              |
    |-----|--------------|----------------------------------------------------------------------|
    | 0   | ret_h1       | log-mid return over horizon h1 / (REF_VOL * sqrt(h1))                |
    | 1   | ret_h2       | same over horizon h2                                                 |
    | 2   | ret_h3       | same over horizon h3                                                 |
    | 3   | ma_deviation | (log mid - EMA(log mid, span 10)) / (REF_VOL * sqrt(10))             |
    | 4   | volatility   | EWMA of |one-step log return| / REF_VOL                              |
    | 5   | spread       | (best ask - best bid) / mid in units of 10 bps (10 if a side empty)  |
    | 6   | imbalance    | (bid depth - ask depth) / (bid + ask depth), top 5 levels, in [-1, 1]|
    | 7   | depth        | top-5 depth of both sides / 500 shares                               |
    | 8   | volume       | shares traded in the last step / 50                                  |
    | 9   | flow         | signed taker volume / volume of the last step, in [-1, 1]            |
    | 10  | price_level  | 1000 * log(mid / p0) (10 bps above the initial price -> 1)          |
    | 11  | position     | shares held / max_position, in [-1, 1]                               |
    | 12  | cash         | cash change since start / (max_position * p0)                        |
    | 13  | pnl          | mark-to-market PnL / (max_position * p0 * 1%)                        |
    | 14  | time         | step / episode_length, in [0, 1]                                     |

    Horizons (h1, h2, h3) give each style its emphasis: momentum (5, 20, 50), mean_reversion
    (1, 5, 20), adaptive (1, 10, 50).

    ## Rewards
    Base: the step change of the agent's mark-to-market PnL in units of one order's value moving
    10 bps (`order_size * p0 * tick_size * 1e-3`); positions are marked at the mid, so crossing
    the spread costs at once (the reward is PnL net of trading costs).
    momentum and mean_reversion add potential-based shaping phi(s') - phi(s), with phi = 0 at
    the episode's last step, so the shaping of an episode sums to zero and cannot change which
    policy is best; it credits early what the style expects to earn:
    momentum: phi = trend_weight * position/max_position * tanh(obs[1]) (trend-following prior);
    mean_reversion: phi = -inventory_penalty * (position/max_position)**2 (inventory charged
    while held, refunded when unwound);
    adaptive: base - risk_aversion * (risk / unit)**2 (mean-variance PnL with the ex-ante
    variance: risk = |shares| * mid * the market's EWMA per-step volatility, obs[4] * REF_VOL).
    Defaults (per agent in config): trend_weight 0.05, inventory_penalty 0.02; risk_aversion
    comes from the agent spec (conf/agents sets it explicitly).

    ## Episode End
    No termination. Truncation after `episode_length` steps: every agent then gets its final
    observation and reward with `truncateds[agent] = True` and `truncateds["__all__"] = True`.

    ## Reproducibility
    `reset(seed=s)` seeds everything first; the same seed and actions give identical
    observations, rewards and records. Background randomness does not depend on RL actions.
    """

    metadata = {"render_modes": []}

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.env_config = EnvConfig.from_dict(config)
        self.episode_length = self.env_config.episode_length
        self.simulator = MarketSimulator(
            self.env_config.market, events=self.env_config.events, agents=self.env_config.agents
        )
        self._specs: dict[str, AgentSpec] = {}
        # RLlib types these AgentID-keyed and Optional; ours are str-keyed and never None.
        self.possible_agents: list[str] = []  # type: ignore[assignment]
        self.agents: list[str] = []  # type: ignore[assignment]
        self.observation_spaces: dict[str, gym.Space] = {}  # type: ignore[assignment]
        self.action_spaces: dict[str, gym.Space] = {}  # type: ignore[assignment]
        for spec in self.env_config.agents:
            self._register(spec)
        self._seeds = EpisodeSeeds(self.env_config.seed)
        self._io = AgentIO(self.simulator, self._specs, self.episode_length)
        self._started = False

    def _register(self, spec: AgentSpec) -> None:
        self._specs[spec.name] = spec
        self.possible_agents.append(spec.name)
        self.observation_spaces[spec.name] = gym.spaces.Box(
            -OBS_CLIP, OBS_CLIP, (OBS_DIM,), np.float32
        )
        self.action_spaces[spec.name] = gym.spaces.Discrete(3)

    # ------------------------------------------------------------------ gym API
    def reset(  # type: ignore[override]  # RLlib's multi-agent signature, not gymnasium's
        self, *, seed: int | None = None, options: dict | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Start an episode; `seed` (else the config seed on first reset) makes it reproducible."""
        self.simulator.reset(self._seeds.next(seed))
        self.agents = list(self.possible_agents)
        self._io.reset()
        self._started = True
        return self._io.observations(), {name: {} for name in self.agents}

    def step(  # type: ignore[override]  # RLlib's multi-agent signature, not gymnasium's
        self, action_dict: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Execute the agents' actions (missing agents HOLD), advance one market step."""
        if not self._started:
            raise RuntimeError("call reset() before step()")
        obs, rewards, done = self._io.step(action_dict)
        terminateds = dict.fromkeys(self.agents, False)
        terminateds["__all__"] = False
        truncateds = dict.fromkeys(self.agents, done)
        truncateds["__all__"] = done
        return obs, rewards, terminateds, truncateds, {name: {} for name in self.agents}

    # ------------------------------------------------------------------ array face
    def reset_array(self, *, seed: int | None = None) -> np.ndarray:
        """`reset` without dicts: the (n_agents, 15) float32 observations in `agents` order."""
        self.reset(seed=seed)
        return self._io.observation_array()

    def step_array(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """`step` without dicts, for batched samplers (pipeline/env_runners.py).

        `actions[i]` (0 HOLD, 1 BUY, 2 SELL) is agent `agents[i]`'s. Returns the (n, 15) float32
        observations, the (n,) rewards and whether the episode is truncated, in `agents` order;
        the same market, records and numbers as `step` with the same actions.
        """
        if not self._started:
            raise RuntimeError("call reset() before step_array()")
        return self._io.step_array(actions)

    # ------------------------------------------------------------------ extras
    def observe(self, name: str) -> np.ndarray:
        """The current observation of RL agent `name` (KeyError if not live)."""
        if name not in self.simulator.rl_names:
            raise KeyError(name)
        return self._io.observations()[name]

    def add_rl_agent(self, name: str, style: str, order_size: int = 10, **params: Any) -> None:
        """Add an RL agent to the running episode (and to later episodes)."""
        if name in self._specs:
            raise ValueError(f"name={name!r}: an RL agent with this name already exists")
        spec = AgentSpec.from_dict(
            {"name": name, "style": style, "order_size": order_size, **params},
            prefix=f"agent {name!r}",
        )
        self.simulator.add_rl_agent(spec)
        self._register(spec)
        self.agents.append(name)
        self._io.add_agent()

    def remove_rl_agent(self, name: str) -> None:
        """Remove an RL agent from the running episode and later ones (KeyError if unknown)."""
        if name not in self._specs:
            raise KeyError(name)
        if name in self.simulator.rl_names:
            self._io.remove_agent(self.simulator.rl_names.index(name))
            self.simulator.remove_rl_agent(name)
        del self._specs[name]
        self.possible_agents.remove(name)
        if name in self.agents:
            self.agents.remove(name)
        del self.observation_spaces[name]
        del self.action_spaces[name]
        self._io.sync()

    def accounts(self) -> pd.DataFrame:
        """Every trader's account (agent_id, type, cash, shares), background traders included."""
        return self.simulator.accounts()

    def market_record(self) -> pd.DataFrame:
        """Per-step market record of the current episode."""
        return self.simulator.market_record()

    def agent_record(self) -> pd.DataFrame:
        """Per-step RL agent record of the current episode."""
        return self.simulator.agent_record()
