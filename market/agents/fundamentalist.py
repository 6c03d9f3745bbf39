"""Fundamentalists: trade toward their noisy view of the latent fundamental value.

Each trader has its own threshold (bps of mispricing, spread deterministically over the
configured range). Large mispricings are hit with market orders, moderate ones with limit
orders at the near touch; the size grows with the mispricing beyond the threshold, and so does
the chance to act (urgency = mispricing / threshold), so large news is priced in quickly.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market.agents.base import (
    KIND,
    LIFETIME,
    MV_FUNDAMENTAL,
    MV_MID,
    NORMAL,
    OWNER,
    PRICE,
    QTY,
    SIDE,
    UNIFORM,
    TraderGroup,
    spread_param,
)
from market.orders import BUY, KIND_LIMIT, KIND_MARKET, SELL

# config vector entries
PERCEPTION, P_ACT, SIZE_PER_BPS, MAX_SIZE, LIFE = range(5)
THRESHOLD = 0  # per-trader table row


@njit(cache=True)
def fundamentalist_kernel(
    u: np.ndarray, table: np.ndarray, owners: np.ndarray, active: np.ndarray, cfgv: np.ndarray,
    gstate: np.ndarray, mv: np.ndarray, shares: np.ndarray, history: np.ndarray, out: np.ndarray,
    k: int,
) -> int:  # fmt: skip
    """Trade toward the perceived value when the mispricing exceeds the trader's threshold."""
    n = owners.shape[0]
    fundamental, mid = mv[MV_FUNDAMENTAL], mv[MV_MID]
    max_size = int(cfgv[MAX_SIZE])
    for i in range(n):
        threshold = table[THRESHOLD, i]
        perceived = fundamental * math.exp(cfgv[PERCEPTION] * u[n + i])
        mis_bps = (perceived - mid) / mid * 1e4
        excess = abs(mis_bps) - threshold
        urgency = max(abs(mis_bps) / max(threshold, 1.0), 1.0)
        if not active[i] or excess <= 0 or u[i] >= cfgv[P_ACT] * urgency:
            continue
        side = BUY if mis_bps > 0 else SELL
        if excess > threshold:
            kind, price = KIND_MARKET, 0.0
        else:
            kind = KIND_LIMIT
            price = max(float(math.floor(mid)) if side == BUY else float(math.ceil(mid)), 1.0)
        out[KIND, k], out[SIDE, k], out[PRICE, k] = kind, side, price
        out[QTY, k] = min(math.ceil(cfgv[SIZE_PER_BPS] * excess), max_size)
        out[OWNER, k], out[LIFETIME, k] = owners[i], cfgv[LIFE]
        k += 1
    return k


class Fundamentalists(TraderGroup):
    """All fundamentalists; per step draws n uniforms (act) then n normals (perception)."""

    kind = "fundamentalist"
    PARAMS = {"threshold_bps": (0.0, 10_000.0)}
    kernel = staticmethod(fundamentalist_kernel)

    def default(self, name: str, index: np.ndarray) -> np.ndarray:
        c = self.cfg
        return spread_param(index, c.threshold_bps_min, c.threshold_bps_max)

    def config_vector(self) -> list[float]:
        c = self.cfg
        return [c.perception_sigma, c.p_act, c.size_per_bps, c.max_size, c.lifetime]

    def draw_layout(self) -> list[tuple[int, int]]:
        n = self.owners.shape[0]
        return [(UNIFORM, n), (NORMAL, n)]

    @property
    def threshold(self) -> np.ndarray:
        """Per-trader mispricing thresholds (bps)."""
        return self.column("threshold_bps")
