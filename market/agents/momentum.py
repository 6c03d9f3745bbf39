"""Momentum chartists: market orders in the direction of the price move over their lookback.

Lookbacks and thresholds are heterogeneous (spread deterministically over the configured range),
so trends are picked up at different speeds; acting on recent moves feeds volatility back into
order flow, one source of volatility clustering.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from market.agents.base import MarketView, check_params, spread_param
from market.config import MomentumConfig
from market.orders import BUY, KIND_MARKET, SELL

PARAMS = {"lookback": (1.0, 500.0), "threshold_bps": (0.0, 10_000.0)}


class MomentumTraders:
    """All momentum traders; per step draws n uniforms (whether each one acts)."""

    kind = "momentum"

    def __init__(self, cfg: MomentumConfig, owners: np.ndarray) -> None:
        self.cfg = cfg
        self.owners = np.asarray(owners, dtype=np.int64)
        n = self.owners.shape[0]
        self.active = np.ones(n, dtype=bool)
        self.lookback = self._default_lookback(np.arange(n))
        self.threshold = np.full(n, cfg.threshold_bps)

    def _default_lookback(self, i: np.ndarray) -> np.ndarray:
        lb = spread_param(i, self.cfg.lookback_min, self.cfg.lookback_max + 0.999)
        return np.floor(lb).astype(np.int64)

    def add(self, owner: int, params: dict[str, Any] | None = None) -> None:
        p = check_params(self.kind, params, PARAMS)
        lookback = int(p.get("lookback", self._default_lookback(np.array([self.owners.size]))[0]))
        self.owners = np.append(self.owners, owner)
        self.active = np.append(self.active, True)
        self.lookback = np.append(self.lookback, lookback)
        self.threshold = np.append(self.threshold, p.get("threshold_bps", self.cfg.threshold_bps))

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
        u = rng.random((self.owners.shape[0],))
        return _momentum_kernel(
            u, self.lookback, self.threshold, self.active, self.owners, view.log_mid_history,
            view.history_pos, cfg.p_act, cfg.size_per_bps, cfg.max_size, out, k,
        )  # fmt: skip


@njit(cache=True)
def _momentum_kernel(
    u: np.ndarray, lookback: np.ndarray, threshold: np.ndarray, active: np.ndarray,
    owners: np.ndarray, history: np.ndarray, pos: int, p_act: float, size_per_bps: float,
    max_size: int, out: np.ndarray, k: int,
) -> int:  # fmt: skip
    """Market order with the move over the trader's lookback when it beats its threshold."""
    h = history.shape[0]
    now = history[pos]
    for i in range(owners.shape[0]):
        signal = (now - history[(pos - lookback[i]) % h]) * 1e4
        excess = abs(signal) - threshold[i]
        if not active[i] or excess <= 0 or u[i] >= p_act:
            continue
        out[0, k], out[1, k], out[2, k] = KIND_MARKET, BUY if signal > 0 else SELL, 0
        out[3, k] = min(math.ceil(size_per_bps * excess), max_size)
        out[4, k], out[5, k] = owners[i], 0
        k += 1
    return k
