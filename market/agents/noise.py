"""Noise (zero-intelligence) traders: random side, mostly passive limit orders, some market orders.

A persistent log-activity state (AR(1), shared by all noise traders) scales order sizes: busy
and quiet periods alternate, which is one source of volatility clustering (Clark's subordinated
process). A volatility-regime event multiplies sizes further through `MarketView.noise_scale`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from market.agents.base import MarketView, check_params
from market.config import NoiseConfig
from market.orders import BUY, KIND_LIMIT, KIND_MARKET, SELL

PARAMS = {"p_act": (0.0, 1.0), "mean_size": (1.0, 10_000.0)}


class NoiseTraders:
    """All noise traders; per step draws (5, n) uniforms and one normal."""

    kind = "noise"

    def __init__(self, cfg: NoiseConfig, owners: np.ndarray) -> None:
        self.cfg = cfg
        self.owners = np.asarray(owners, dtype=np.int64)
        n = self.owners.shape[0]
        self.active = np.ones(n, dtype=bool)
        self.p_act = np.full(n, cfg.p_act)
        self.mean_size = np.full(n, cfg.mean_size)
        self.log_activity = 0.0
        var = cfg.activity_sigma**2 / (1.0 - cfg.activity_phi**2)
        self._activity_mean_fix = -0.5 * var

    def add(self, owner: int, params: dict[str, Any] | None = None) -> None:
        p = check_params(self.kind, params, PARAMS)
        self.owners = np.append(self.owners, owner)
        self.active = np.append(self.active, True)
        self.p_act = np.append(self.p_act, p.get("p_act", self.cfg.p_act))
        self.mean_size = np.append(self.mean_size, p.get("mean_size", self.cfg.mean_size))

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
        u = rng.random((5, self.owners.shape[0]))
        z = float(rng.standard_normal())
        self.log_activity = cfg.activity_phi * self.log_activity + cfg.activity_sigma * z
        scale = math.exp(self.log_activity + self._activity_mean_fix) * view.noise_scale
        return _noise_kernel(
            u, self.p_act, self.mean_size, self.active, self.owners, view.mid, scale,
            cfg.p_market, cfg.mean_offset, cfg.lifetime, out, k,
        )  # fmt: skip


@njit(cache=True)
def _noise_kernel(
    u: np.ndarray, p_act: np.ndarray, mean_size: np.ndarray, active: np.ndarray,
    owners: np.ndarray, mid: float, scale: float, p_market: float, mean_offset: float,
    lifetime: int, out: np.ndarray, k: int,
) -> int:  # fmt: skip
    """Each acting trader: random side; market order or limit `offset` ticks behind the mid."""
    below, above = math.floor(mid), math.ceil(mid)
    for i in range(owners.shape[0]):
        if not active[i] or u[0, i] >= p_act[i]:
            continue
        side = BUY if u[1, i] < 0.5 else SELL
        size = 1.0 + math.floor(-math.log1p(-u[4, i]) * (mean_size[i] - 1.0) * scale)
        if u[2, i] < p_market:
            kind, price = KIND_MARKET, 0.0
        else:
            offset = math.floor(-math.log1p(-u[3, i]) * mean_offset)
            price = max(below - offset if side == BUY else above + offset, 1.0)
            kind = KIND_LIMIT
        out[0, k], out[1, k], out[2, k] = kind, side, price
        out[3, k], out[4, k], out[5, k] = size, owners[i], lifetime
        k += 1
    return k
