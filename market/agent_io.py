"""The RL agents' side of a step, shared by the RLlib env and the PettingZoo env.

An action dict becomes the simulator's sides (one array, no per-agent simulator calls); after the
fused market step ONE more compiled call computes every agent's observation (market/observation.py)
and reward (market/rewards.py) from the market's state arrays (market/state.py) and the accounts,
and updates the reward state in place; the dicts out are built once. No Ray here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numba import njit

from market._bundle import entry
from market.config import AgentSpec
from market.episodes import ACTION_TO_SIDE
from market.observation import K_TICK, OBS_DIM, constants, fill_observations, horizons
from market.rewards import RewardTracker, RewardWeights, step_reward
from market.simulator import MarketSimulator
from market.state import ABS_RET_EWMA, MID

OBSERVE, REWARD, REWARD_LAST = 0, 1, 2  # kernel modes: observations only, + rewards, last step
_SIDES = np.array(ACTION_TO_SIDE, dtype=np.int64)  # action -> simulator side, vectorised


@njit(cache=True)
def _obs_and_rewards(
    s: Any, lags: np.ndarray, weights: np.ndarray, last_pnl: np.ndarray, potential: np.ndarray,
    k: np.ndarray, mode: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(observations (n, 15) float32, rewards (n,)) of the live RL agents after the last step.

    `s` is the simulator's pack of state arrays (market/_bundle.py). In modes REWARD and
    REWARD_LAST the step's rewards are computed and `last_pnl`/`potential` advanced
    (REWARD_LAST: the potential is 0, closing the shaping's telescoping sum).
    """
    fs, ist, history, cash, shares = s.fs, s.ist, s.hist, s.cash, s.shares
    owner, max_pos, value0 = s.rl_owner, s.rl_max, s.rl_value0
    n = owner.shape[0]
    mid, tick = fs[MID], k[K_TICK]
    pnl = np.empty(n)
    for i in range(n):  # mark-to-market PnL (currency), as the simulator's step computes it
        o = owner[i]
        pnl[i] = (cash[o] + shares[o] * mid - value0[i]) * tick
    obs = np.empty((n, OBS_DIM), dtype=np.float32)
    fill_observations(fs, ist, history, k, lags, shares, cash, owner, max_pos, pnl, obs)
    rewards = np.zeros(n)
    if mode == OBSERVE:
        return obs, rewards
    vol = mid * tick * fs[ABS_RET_EWMA]
    for i in range(n):
        held = shares[owner[i]]
        d_pnl = pnl[i] - last_pnl[i]
        last_pnl[i] = pnl[i]
        risk = abs(held) * vol  # the position's expected one-step PnL volatility (currency)
        rewards[i], potential[i] = step_reward(
            weights[i], d_pnl, held / max_pos[i], np.float64(obs[i, 1]), potential[i],
            mode == REWARD_LAST, risk,
        )  # fmt: skip
    return obs, rewards


class AgentIO:
    """Actions in, observations and rewards out, for the live RL agents of `sim` (in its order).

    `specs` (name -> AgentSpec) must hold every live agent; call `sync` after agents change.
    """

    def __init__(
        self, sim: MarketSimulator, specs: Mapping[str, AgentSpec], episode_length: int
    ) -> None:
        self.sim = sim
        self.episode_length = episode_length
        self._specs = specs
        self.reward_state = RewardTracker()
        cfg = sim.config
        self._k = constants(cfg.initial_cash, cfg.initial_price, cfg.tick_size, episode_length)
        self.sync()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: the compiled entry point and its arguments are rebound on first use."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("_kernel", "_args")}
        return {**state, "_version": -1}

    def sync(self) -> None:
        """Rebuild the per-agent arrays (horizons, reward weights) in simulator order."""
        sim = self.sim
        specs = [self._specs[n] for n in sim.rl_names]
        self.names = list(sim.rl_names)
        self._index = {name: i for i, name in enumerate(self.names)}
        self._lags = horizons([s.style for s in specs])
        cfg = sim.config
        self._weights = RewardWeights.of(specs, cfg.initial_price, cfg.tick_size).matrix()
        self._version = -1  # rebind the kernel's arguments on the next call

    def reset(self) -> None:
        """A new episode (call after the simulator's reset)."""
        self.reward_state.reset(len(self.sim.rl_names))
        self.sync()

    def add_agent(self) -> None:
        """An RL agent was appended to the simulator."""
        self.reward_state.add_agent()
        self.sync()

    def remove_agent(self, index: int) -> None:
        """The RL agent at `index` (simulator order) leaves; `sync` after the simulator drops it."""
        self.reward_state.remove_agent(index)

    def _call(self, mode: int) -> tuple[np.ndarray, np.ndarray]:
        sim = self.sim
        if sim.layout_version != self._version:
            r = self.reward_state
            pack = sim.packed_arrays()
            self._args = (pack, self._lags, self._weights, r.last_pnl, r.potential, self._k)
            self._kernel = entry(_obs_and_rewards, *self._args, mode)
            self._version = sim.layout_version
        return self._kernel(*self._args, mode)  # type: ignore[no-any-return]

    def observation_array(self) -> np.ndarray:
        """(n_agents, 15) float32 observations now, in simulator order."""
        return self._call(OBSERVE)[0]

    def observations(self) -> dict[str, np.ndarray]:
        """name -> observation now."""
        return dict(zip(self.names, self._call(OBSERVE)[0], strict=True))

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[dict[str, np.ndarray], dict[str, float], bool]:
        """Run one market step with the Discrete(3) `actions` (missing agents HOLD).

        Returns (observations, rewards, truncated). KeyError for an agent that is not live,
        ValueError for an action outside 0/1/2.
        """
        sides = np.zeros(len(self.names), dtype=np.int64)
        index = self._index
        for name, action in actions.items():
            i = index.get(name)
            if i is None:
                raise KeyError(f"unknown agent {name!r}; agents: {self.names}")
            a = int(action)
            if not 0 <= a <= 2 or a != action:
                raise ValueError(f"action[{name!r}]={action!r}: must be 0 HOLD, 1 BUY or 2 SELL")
            sides[i] = ACTION_TO_SIDE[a]
        obs, rewards, done = self._advance(sides)
        names = self.names
        obs_out = dict(zip(names, obs, strict=True))
        return obs_out, dict(zip(names, rewards.tolist(), strict=True)), done

    def step_array(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """`step` without dicts: `actions[i]` (0/1/2) is agent `names[i]`'s.

        Returns ((n, 15) float32 observations, (n,) float64 rewards, truncated), in simulator
        order. ValueError for a wrong shape or an action outside 0/1/2.
        """
        acts = np.asarray(actions)
        n = len(self.names)
        if acts.shape != (n,) or acts.dtype.kind not in "iu":
            raise ValueError(
                f"actions: need an integer array of shape ({n},) (one per agent {self.names}),"
                f" got {acts.dtype} {acts.shape}"
            )
        if n and (acts.min() < 0 or acts.max() > 2):
            raise ValueError(f"actions={acts.tolist()}: each must be 0 HOLD, 1 BUY or 2 SELL")
        return self._advance(_SIDES[acts])

    def _advance(self, sides: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        sim = self.sim
        sim.step_sides(sides)
        done = sim.step_count >= self.episode_length
        obs, rewards = self._call(REWARD_LAST if done else REWARD)
        return obs, rewards, done
