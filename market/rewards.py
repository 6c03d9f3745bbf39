"""Style-specific reward shaping of the RL agents (documented in MultiAgentMarketEnv).

The base reward of every style is the step change of mark-to-market PnL in units of
`order_size * initial_price * tick_size * 1e-3` (one order's value moving 10 bps), so rewards
are O(1):
- momentum: base + trend_weight * position_fraction * tanh(medium-horizon return signal)
  (a trend-following prior: holding with the trend is encouraged);
- mean_reversion: base - inventory_penalty * position_fraction**2 (flat inventory preferred);
- adaptive: base - risk_aversion * base**2 (mean-variance, i.e. risk-adjusted PnL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from market.config import AgentSpec


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


def shaped_rewards(
    w: RewardWeights, d_pnl: np.ndarray, position_fraction: np.ndarray, trend_signal: np.ndarray
) -> np.ndarray:
    """Rewards of one step from PnL changes (currency), positions / limits and trend signals."""
    return _reward_kernel(
        w.unit, w.trend, w.inventory, w.risk, d_pnl, position_fraction, trend_signal
    )


@njit(cache=True)
def _reward_kernel(
    unit: np.ndarray, trend: np.ndarray, inventory: np.ndarray, risk: np.ndarray,
    d_pnl: np.ndarray, position: np.ndarray, signal: np.ndarray,
) -> np.ndarray:  # fmt: skip
    out = np.empty(unit.shape[0])
    for i in range(unit.shape[0]):
        base = d_pnl[i] / unit[i]
        out[i] = (
            base
            + trend[i] * position[i] * math.tanh(signal[i])
            - inventory[i] * position[i] ** 2
            - risk[i] * base**2
        )
    return out
