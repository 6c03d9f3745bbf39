"""Style-specific rewards of the RL agents (documented in MultiAgentMarketEnv).

The base reward of every style is the step change of mark-to-market PnL (net of the spread paid
on every fill, as positions are marked at the mid) in units of
`order_size * initial_price * tick_size * 1e-3` (one order's value moving 10 bps), so rewards
are O(1). The momentum and mean-reversion styles add potential-based shaping
`F = phi(s') - phi(s)` with `phi = 0` at the end of the episode, so the shaping of a whole
episode sums to zero and the episode's best policy is the PnL-best one (Ng, Harada and Russell,
1999); the shaping only tells the agent earlier where its style expects the PnL:
- momentum: phi = trend_weight * position_fraction * tanh(trend signal) (positions along the
  medium-horizon trend are credited when opened, and charged back when the trend fades);
- mean_reversion: phi = -inventory_penalty * position_fraction**2 (inventory is charged while
  held and refunded when unwound);
- adaptive: base - risk_aversion * (risk / unit)**2, mean-variance with the ex-ante variance:
  `risk` is the position's expected one-step PnL volatility (|shares| * mid * the market's
  EWMA per-step volatility). Not shaping: it prefers smaller positions, more so when the market
  is volatile, but any position with a positive expected gain beats holding at a small enough
  size. (The realised base**2 used before was dominated by single crash steps: one 50-tick
  drop at a full position cost as much as a whole calm episode's PnL, so holding was optimal.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from market.config import AgentSpec

# columns of `RewardWeights.matrix()`
W_UNIT, W_TREND, W_INVENTORY, W_RISK = range(4)


@dataclass(frozen=True)
class RewardWeights:
    """Per-agent arrays of the reward unit and of each style's coefficient (0 for other styles)."""

    unit: np.ndarray
    trend: np.ndarray
    inventory: np.ndarray
    risk: np.ndarray

    @classmethod
    def of(cls, specs: list[AgentSpec], initial_price: int, tick_size: float) -> RewardWeights:
        """Weights of `specs`, in order."""

        def coef(style: str, field: str) -> np.ndarray:
            return np.array([getattr(s, field) if s.style == style else 0.0 for s in specs])

        unit = np.array([s.order_size * initial_price * tick_size * 1e-3 for s in specs])
        return cls(
            unit=unit,
            trend=coef("momentum", "trend_weight"),
            inventory=coef("mean_reversion", "inventory_penalty"),
            risk=coef("adaptive", "risk_aversion"),
        )

    def matrix(self) -> np.ndarray:
        """(n_agents, 4) float array, columns W_UNIT, W_TREND, W_INVENTORY, W_RISK."""
        return np.stack([self.unit, self.trend, self.inventory, self.risk], axis=1).reshape(-1, 4)


@njit(cache=True, inline="always")
def potential(trend_w: float, inventory_w: float, position: float, signal: float) -> float:
    """The shaping potential phi of one agent (position as a fraction of its limit)."""
    return trend_w * position * math.tanh(signal) - inventory_w * (position * position)


@njit(cache=True, inline="always")
def step_reward(
    w: np.ndarray, d_pnl: float, position: float, signal: float, phi0: float, done: bool,
    risk: float,
) -> tuple[float, float]:  # fmt: skip
    """(reward, new potential) of one agent with weights row `w` (see `shaped_rewards`)."""
    phi = 0.0 if done else potential(w[W_TREND], w[W_INVENTORY], position, signal)
    exposure = risk / w[W_UNIT]
    reward = d_pnl / w[W_UNIT] + (phi - phi0) - w[W_RISK] * exposure * exposure
    return reward, phi


@njit(cache=True)
def _rewards_kernel(
    w: np.ndarray, d_pnl: np.ndarray, position: np.ndarray, signal: np.ndarray,
    phi0: np.ndarray, done: bool, risk: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    n = w.shape[0]
    rewards, phi = np.empty(n), np.empty(n)
    for i in range(n):
        rewards[i], phi[i] = step_reward(w[i], d_pnl[i], position[i], signal[i], phi0[i], done,
                                         risk[i])  # fmt: skip
    return rewards, phi


def potentials(
    w: RewardWeights, position_fraction: np.ndarray, trend_signal: np.ndarray
) -> np.ndarray:
    """The shaping potential phi of every agent in its current state."""
    zeros = np.zeros_like(position_fraction, dtype=np.float64)
    _, phi = _rewards_kernel(w.matrix(), zeros, position_fraction.astype(np.float64),
                             trend_signal.astype(np.float64), zeros, False, zeros)  # fmt: skip
    return phi


def shaped_rewards(
    w: RewardWeights,
    d_pnl: np.ndarray,
    position_fraction: np.ndarray,
    trend_signal: np.ndarray,
    previous_potential: np.ndarray,
    done: bool,
    risk: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Rewards of one step and the new potentials (0 when `done`, closing the telescoping sum).

    `d_pnl` is the step's PnL change (currency), `position_fraction` position / limit after the
    step, `trend_signal` the agent's trend entry, `previous_potential` phi before the step,
    `risk` the position's expected one-step PnL volatility (currency). The env computes the
    same with `step_reward` inside its compiled step (market/agent_io.py).
    """
    f = [np.asarray(a, dtype=np.float64) for a in (d_pnl, position_fraction, trend_signal,
                                                    previous_potential, risk)]  # fmt: skip
    return _rewards_kernel(w.matrix(), f[0], f[1], f[2], f[3], bool(done), f[4])  # type: ignore[no-any-return]


class RewardTracker:
    """The RL agents' reward state within an episode: last PnL and shaping potential per agent.

    Shared by the RLlib env and the PettingZoo env (through market.agent_io.AgentIO), so both
    give the very same rewards; the compiled step updates both arrays in place.
    """

    def __init__(self) -> None:
        self.last_pnl = np.zeros(0)
        self.potential = np.zeros(0)

    def reset(self, n_agents: int) -> None:
        """A new episode with `n_agents` RL agents."""
        self.last_pnl = np.zeros(n_agents)
        self.potential = np.zeros(n_agents)

    def add_agent(self) -> None:
        """An RL agent joined (appended last, as in the simulator)."""
        self.last_pnl = np.append(self.last_pnl, 0.0)
        self.potential = np.append(self.potential, 0.0)

    def remove_agent(self, index: int) -> None:
        """The RL agent at `index` (simulator order) left."""
        self.last_pnl = np.delete(self.last_pnl, index)
        self.potential = np.delete(self.potential, index)
