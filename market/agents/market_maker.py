"""Market makers: quote a ladder on both sides of the mid, every step afresh.

The quote centre blends the mid with its short moving average (`anchor_weight`): makers refill
liquidity where it was just taken, which gives the book its resilience. Public news (this step's
change of the fundamental) moves the centre at once (`news_pass_through`); news of at least
`news_sweep_ticks` also makes every maker send a marketable limit order of `news_sweep_qty` up to
the new centre, picking off stale orders, so jumps are priced in a step or two, not chased.
The half-spread widens with recent volatility (EWMA of |mid change| in ticks); above
`withdraw_vol_ticks` they withdraw; the quote centre is skewed against inventory and the side
that would grow inventory shrinks to nothing at `inventory_limit`. During a liquidity shock
(`MarketView.makers_out`) they quote nothing. Quotes live one step (the simulator cancels them).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from market.agents.base import MarketView, check_params
from market.config import MarketMakerConfig
from market.orders import BUY, KIND_LIMIT, SELL

PARAMS = {"size": (1.0, 100_000.0)}
# Quotes live one step: makers requote every step (the simulator's expiry queue must know it).
QUOTE_LIFETIME = 1


class MarketMakers:
    """All market makers; per step draws n uniforms (stochastic rounding of the half-spread)."""

    kind = "market_maker"

    def __init__(self, cfg: MarketMakerConfig, owners: np.ndarray) -> None:
        self.cfg = cfg
        self.owners = np.asarray(owners, dtype=np.int64)
        n = self.owners.shape[0]
        self.active = np.ones(n, dtype=bool)
        self.size = np.full(n, float(cfg.size))

    def add(self, owner: int, params: dict[str, Any] | None = None) -> None:
        p = check_params(self.kind, params, PARAMS)
        size = p.get("size", self.cfg.size)
        self.owners = np.append(self.owners, owner)
        self.active = np.append(self.active, True)
        self.size = np.append(self.size, float(size))

    @property
    def capacity(self) -> int:
        return int(self.owners.shape[0]) * (1 + 2 * self.cfg.levels)

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
        if view.makers_out or view.vol_ticks > cfg.withdraw_vol_ticks:
            return k
        news = cfg.news_pass_through * view.news_ticks
        anchor = cfg.anchor_weight * view.mid_ema + (1.0 - cfg.anchor_weight) * (view.mid + news)
        sweep = cfg.news_sweep_qty if abs(news) >= cfg.news_sweep_ticks else 0
        return _quote_kernel(
            u, self.size, self.active, self.owners, shares, anchor, view.vol_ticks,
            BUY if news > 0 else SELL, sweep, cfg.half_spread, cfg.vol_widening,
            cfg.inventory_skew, cfg.inventory_limit, cfg.levels, cfg.level_gap, out, k,
        )  # fmt: skip


@njit(cache=True)
def _quote_kernel(
    u: np.ndarray, size: np.ndarray, active: np.ndarray, owners: np.ndarray, shares: np.ndarray,
    anchor: float, vol_ticks: float, news_side: int, sweep_qty: int, half_spread: int,
    vol_widening: float, inventory_skew: float, inventory_limit: int, levels: int,
    level_gap: int, out: np.ndarray, k: int,
) -> int:  # fmt: skip
    """News sweeps first, then every maker's bid ladder, then every maker's ask ladder."""
    n = owners.shape[0]
    centre = np.empty(n)
    for i in range(n):
        centre[i] = anchor - inventory_skew * shares[owners[i]]
        if active[i] and sweep_qty > 0:
            c = centre[i]
            price = math.floor(c) - 1 if news_side == BUY else math.ceil(c) + 1
            k = _put(out, k, news_side, max(price, 1), sweep_qty, owners[i])
    for side in (BUY, SELL):
        for i in range(n):
            if not active[i]:
                continue
            half = half_spread + math.floor(vol_widening * vol_ticks + u[i])
            frac = shares[owners[i]] / inventory_limit
            qty = math.floor(size[i] * min(max(1.0 - side * frac, 0.0), 1.0))
            c = centre[i]
            best = math.ceil(c) - 1 - half if side == BUY else math.floor(c) + 1 + half
            for level in range(levels):
                price = best - side * level * level_gap
                if qty > 0 and price > 0:
                    k = _put(out, k, side, price, qty, owners[i])
    return k


@njit(cache=True, inline="always")
def _put(out: np.ndarray, k: int, side: int, price: float, qty: float, owner: int) -> int:
    out[0, k], out[1, k], out[2, k] = KIND_LIMIT, side, price
    out[3, k], out[4, k], out[5, k] = qty, owner, QUOTE_LIFETIME
    return k + 1
