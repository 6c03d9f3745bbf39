"""Fundamentalists: trade toward their noisy view of the latent fundamental value.

Each trader has its own threshold (bps of mispricing, spread deterministically over the
configured range). Large mispricings are hit with market orders, moderate ones with limit
orders at the near touch; the size grows with the mispricing beyond the threshold, and so does
the chance to act (urgency = mispricing / threshold), so large news is priced in quickly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from market.agents.base import MarketView, check_params, spread_param
from market.config import FundamentalistConfig
from market.orders import BUY, KIND_LIMIT, KIND_MARKET, SELL

PARAMS = {"threshold_bps": (0.0, 10_000.0)}


class Fundamentalists:
    """All fundamentalists; per step draws (2, n) variates (act uniform, perception normal)."""

    kind = "fundamentalist"

    def __init__(self, cfg: FundamentalistConfig, owners: np.ndarray) -> None:
        self.cfg = cfg
        self.owners = np.asarray(owners, dtype=np.int64)
        n = self.owners.shape[0]
        self.active = np.ones(n, dtype=bool)
        self.threshold = spread_param(np.arange(n), cfg.threshold_bps_min, cfg.threshold_bps_max)

    def add(self, owner: int, params: dict[str, Any] | None = None) -> None:
        p = check_params(self.kind, params, PARAMS)
        n = self.owners.shape[0]
        default = float(
            spread_param(np.array([n]), self.cfg.threshold_bps_min, self.cfg.threshold_bps_max)[0]
        )
        self.owners = np.append(self.owners, owner)
        self.active = np.append(self.active, True)
        self.threshold = np.append(self.threshold, p.get("threshold_bps", default))

    @property
    def capacity(self) -> int:
        return int(self.owners.shape[0])

    def decide(
        self,
        view: MarketView,
        rng: np.random.Generator,
        shares: np.ndarray,
        out: np.ndarray,
        k: int,
    ) -> int:
        cfg = self.cfg
        n = self.owners.shape[0]
        u = rng.random((n,))
        z = rng.standard_normal((n,))
        return _fundamentalist_kernel(
            u, z, self.threshold, self.active, self.owners, view.fundamental, view.mid,
            cfg.perception_sigma, cfg.p_act, cfg.size_per_bps, cfg.max_size, cfg.lifetime, out, k,
        )  # fmt: skip


@njit(cache=True)
def _fundamentalist_kernel(
    u: np.ndarray, z: np.ndarray, threshold: np.ndarray, active: np.ndarray, owners: np.ndarray,
    fundamental: float, mid: float, perception_sigma: float, p_act: float, size_per_bps: float,
    max_size: int, lifetime: int, out: np.ndarray, k: int,
) -> int:  # fmt: skip
    """Trade toward the perceived value when the mispricing exceeds the trader's threshold."""
    for i in range(owners.shape[0]):
        perceived = fundamental * math.exp(perception_sigma * z[i])
        mis_bps = (perceived - mid) / mid * 1e4
        excess = abs(mis_bps) - threshold[i]
        urgency = max(abs(mis_bps) / max(threshold[i], 1.0), 1.0)
        if not active[i] or excess <= 0 or u[i] >= p_act * urgency:
            continue
        side = BUY if mis_bps > 0 else SELL
        if excess > threshold[i]:
            kind, price = KIND_MARKET, 0.0
        else:
            kind = KIND_LIMIT
            price = max(float(math.floor(mid)) if side == BUY else float(math.ceil(mid)), 1.0)
        out[0, k], out[1, k], out[2, k] = kind, side, price
        out[3, k] = min(math.ceil(size_per_bps * excess), max_size)
        out[4, k], out[5, k] = owners[i], lifetime
        k += 1
    return k
