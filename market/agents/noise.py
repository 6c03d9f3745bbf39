"""Noise (zero-intelligence) traders: random side, mostly passive limit orders, some market orders.

A persistent log-activity state (AR(1), shared by all noise traders) scales order sizes: busy
and quiet periods alternate, which is one source of volatility clustering (Clark's subordinated
process). A volatility-regime event multiplies sizes further through the view's noise scale.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market.agents.base import (
    KIND,
    LIFETIME,
    MV_MID,
    MV_NOISE_SCALE,
    NORMAL,
    OWNER,
    PRICE,
    QTY,
    SIDE,
    UNIFORM,
    TraderGroup,
)
from market.orders import BUY, KIND_LIMIT, KIND_MARKET, SELL

# config vector entries
PHI, SIGMA, MEAN_FIX, P_MARKET, MEAN_OFFSET, LIFE = range(6)
# per-trader table rows (the PARAMS order)
P_ACT, MEAN_SIZE = range(2)


@njit(cache=True)
def noise_kernel(
    u: np.ndarray, table: np.ndarray, owners: np.ndarray, active: np.ndarray, cfgv: np.ndarray,
    gstate: np.ndarray, mv: np.ndarray, shares: np.ndarray, history: np.ndarray, out: np.ndarray,
    k: int,
) -> int:  # fmt: skip
    """Each acting trader: random side; market order or limit `offset` ticks behind the mid."""
    n = owners.shape[0]
    gstate[0] = cfgv[PHI] * gstate[0] + cfgv[SIGMA] * u[5 * n]
    scale = math.exp(gstate[0] + cfgv[MEAN_FIX]) * mv[MV_NOISE_SCALE]
    mid = mv[MV_MID]
    below, above = math.floor(mid), math.ceil(mid)
    for i in range(n):
        if not active[i] or u[i] >= table[P_ACT, i]:
            continue
        side = BUY if u[n + i] < 0.5 else SELL
        size = 1.0 + math.floor(-math.log1p(-u[4 * n + i]) * (table[MEAN_SIZE, i] - 1.0) * scale)
        if u[2 * n + i] < cfgv[P_MARKET]:
            kind, price = KIND_MARKET, 0.0
        else:
            offset = math.floor(-math.log1p(-u[3 * n + i]) * cfgv[MEAN_OFFSET])
            price = max(below - offset if side == BUY else above + offset, 1.0)
            kind = KIND_LIMIT
        out[KIND, k], out[SIDE, k], out[PRICE, k] = kind, side, price
        out[QTY, k], out[OWNER, k], out[LIFETIME, k] = size, owners[i], cfgv[LIFE]
        k += 1
    return k


class NoiseTraders(TraderGroup):
    """All noise traders; per step draws 5 uniforms per trader and one normal (the activity)."""

    kind = "noise"
    PARAMS = {"p_act": (0.0, 1.0), "mean_size": (1.0, 10_000.0)}

    kernel = staticmethod(noise_kernel)

    def default(self, name: str, index: np.ndarray) -> np.ndarray:
        return np.full(index.shape[0], float(getattr(self.cfg, name)))

    def config_vector(self) -> list[float]:
        c = self.cfg
        var = c.activity_sigma**2 / (1.0 - c.activity_phi**2)
        return [c.activity_phi, c.activity_sigma, -0.5 * var, c.p_market, c.mean_offset, c.lifetime]

    def draw_layout(self) -> list[tuple[int, int]]:
        return [(UNIFORM, 5 * self.owners.shape[0]), (NORMAL, 1)]

    @property
    def log_activity(self) -> float:
        """The shared AR(1) log-activity state."""
        return float(self.gstate[0])

    @log_activity.setter
    def log_activity(self, value: float) -> None:
        self.gstate[0] = value
