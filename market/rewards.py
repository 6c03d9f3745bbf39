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

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from market.config import AgentSpec

if TYPE_CHECKING:
    from market.simulator import MarketSimulator


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


def potentials(
    w: RewardWeights, position_fraction: np.ndarray, trend_signal: np.ndarray
) -> np.ndarray:
    """The shaping potential phi of every agent in its current state."""
    out: np.ndarray = w.trend * position_fraction * np.tanh(trend_signal)
    return out - w.inventory * position_fraction**2


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
    `risk` the position's expected one-step PnL volatility (currency).
    """
    phi = np.zeros_like(previous_potential) if done else potentials(
        w, position_fraction, trend_signal
    )
    rewards = _reward_kernel(w.unit, w.risk, d_pnl, phi, previous_potential, risk)
    return rewards, phi


@njit(cache=True)
def _reward_kernel(
    unit: np.ndarray, aversion: np.ndarray, d_pnl: np.ndarray, phi: np.ndarray,
    phi0: np.ndarray, risk: np.ndarray,
) -> np.ndarray:  # fmt: skip
    out = np.empty(unit.shape[0])
    for i in range(unit.shape[0]):
        exposure = risk[i] / unit[i]
        out[i] = d_pnl[i] / unit[i] + (phi[i] - phi0[i]) - aversion[i] * exposure * exposure
    return out



class RewardTracker:
    """The RL agents' reward state within an episode (last PnL, shaping potential).

    Shared by the RLlib env and the PettingZoo env, so both give the very same rewards.
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

    def step(
        self, sim: MarketSimulator, weights: RewardWeights, trend: np.ndarray, done: bool
    ) -> np.ndarray:
        """Every RL agent's reward for the step the simulator just made (simulator order)."""
        pnl = sim.rl_pnl()
        d_pnl = pnl - self.last_pnl
        self.last_pnl = pnl
        shares = sim.shares[sim.rl_owner]
        position = (shares / sim.rl_max).astype(np.float64)
        risk = np.abs(shares) * (sim.mid * sim.config.tick_size * sim.abs_ret_ewma)
        rewards, self.potential = shaped_rewards(
            weights, d_pnl, position, trend.astype(np.float64), self.potential, done, risk
        )
        return rewards
