"""Momentum chartists: market orders in the direction of the price move over their lookback.

Lookbacks and thresholds are heterogeneous (spread deterministically over the configured range),
so trends are picked up at different speeds; acting on recent moves feeds volatility back into
order flow, one source of volatility clustering.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market.agents.base import (
    KIND,
    LIFETIME,
    MV_POS,
    OWNER,
    PRICE,
    QTY,
    SIDE,
    UNIFORM,
    TraderGroup,
    spread_param,
)
from market.orders import BUY, KIND_MARKET, SELL

P_ACT, SIZE_PER_BPS, MAX_SIZE = range(3)  # config vector entries
LOOKBACK, THRESHOLD = range(2)  # per-trader table rows


@njit(cache=True)
def momentum_kernel(
    u: np.ndarray, table: np.ndarray, owners: np.ndarray, active: np.ndarray, cfgv: np.ndarray,
    gstate: np.ndarray, mv: np.ndarray, shares: np.ndarray, history: np.ndarray, out: np.ndarray,
    k: int,
) -> int:  # fmt: skip
    """Market order with the move over the trader's lookback when it beats its threshold."""
    h = history.shape[0]
    pos = int(mv[MV_POS])
    now = history[pos]
    max_size = int(cfgv[MAX_SIZE])
    for i in range(owners.shape[0]):
        signal = (now - history[(pos - int(table[LOOKBACK, i])) % h]) * 1e4
        excess = abs(signal) - table[THRESHOLD, i]
        if not active[i] or excess <= 0 or u[i] >= cfgv[P_ACT]:
            continue
        out[KIND, k], out[SIDE, k], out[PRICE, k] = KIND_MARKET, BUY if signal > 0 else SELL, 0
        out[QTY, k] = min(math.ceil(cfgv[SIZE_PER_BPS] * excess), max_size)
        out[OWNER, k], out[LIFETIME, k] = owners[i], 0
        k += 1
    return k


class MomentumTraders(TraderGroup):
    """All momentum traders; per step draws n uniforms (whether each one acts)."""

    kind = "momentum"
    PARAMS = {"lookback": (1.0, 500.0), "threshold_bps": (0.0, 10_000.0)}
    kernel = staticmethod(momentum_kernel)

    def default(self, name: str, index: np.ndarray) -> np.ndarray:
        c = self.cfg
        if name == "lookback":
            return np.floor(spread_param(index, c.lookback_min, c.lookback_max + 0.999))
        return np.full(index.shape[0], float(c.threshold_bps))

    def add(self, owner: int, params: dict | None = None) -> None:
        """As the base, with the lookback truncated to whole steps."""
        super().add(owner, params)
        self.table[LOOKBACK, -1] = math.floor(self.table[LOOKBACK, -1])

    def config_vector(self) -> list[float]:
        c = self.cfg
        return [c.p_act, c.size_per_bps, c.max_size]

    def draw_layout(self) -> list[tuple[int, int]]:
        return [(UNIFORM, self.owners.shape[0])]

    @property
    def lookback(self) -> np.ndarray:
        """Per-trader lookbacks (steps)."""
        return self.table[LOOKBACK].astype(np.int64)
