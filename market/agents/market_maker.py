"""Market makers: quote a ladder on both sides of the mid, every step afresh.

The quote centre blends the mid with its short moving average (`anchor_weight`): makers refill
liquidity where it was just taken, which gives the book its resilience. Public news (this step's
change of the fundamental) moves the centre at once (`news_pass_through`); news of at least
`news_sweep_ticks` also makes every maker send a marketable limit order of `news_sweep_qty` up to
the new centre, picking off stale orders, so jumps are priced in a step or two, not chased.
The half-spread widens with recent volatility (EWMA of |mid change| in ticks); above
`withdraw_vol_ticks` they withdraw; the quote centre is skewed against inventory and the side
that would grow inventory shrinks to nothing at `inventory_limit`. During a liquidity shock
(the view's makers-out flag) they quote nothing. Quotes live one step (the simulator cancels them).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market.agents.base import (
    KIND,
    LIFETIME,
    MV_EMA,
    MV_MID,
    MV_NEWS,
    MV_OUT,
    MV_VOL,
    OWNER,
    PRICE,
    QTY,
    SIDE,
    UNIFORM,
    TraderGroup,
)  # fmt: skip
from market.orders import BUY, KIND_LIMIT, SELL

# Quotes live one step: makers requote every step (the simulator's expiry queue must know it).
QUOTE_LIFETIME = 1
# config vector entries
(
    LEVELS, HALF_SPREAD, LEVEL_GAP, VOL_WIDENING, WITHDRAW, INV_LIMIT, INV_SKEW, ANCHOR_WEIGHT,
    PASS_THROUGH, SWEEP_TICKS, SWEEP_QTY,
) = range(11)  # fmt: skip
SIZE = 0  # per-trader table row


@njit(cache=True)
def maker_kernel(
    u: np.ndarray, table: np.ndarray, owners: np.ndarray, active: np.ndarray, cfgv: np.ndarray,
    gstate: np.ndarray, mv: np.ndarray, shares: np.ndarray, history: np.ndarray, out: np.ndarray,
    k: int,
) -> int:  # fmt: skip
    """Quote nothing when out or too volatile; else news sweeps, then bid and ask ladders."""
    vol_ticks = mv[MV_VOL]
    if mv[MV_OUT] != 0.0 or vol_ticks > cfgv[WITHDRAW]:
        return k
    news = cfgv[PASS_THROUGH] * mv[MV_NEWS]
    weight = cfgv[ANCHOR_WEIGHT]
    anchor = weight * mv[MV_EMA] + (1.0 - weight) * (mv[MV_MID] + news)
    sweep = int(cfgv[SWEEP_QTY]) if abs(news) >= cfgv[SWEEP_TICKS] else 0
    return _quote(
        u, table[SIZE], active, owners, shares, anchor, vol_ticks, BUY if news > 0 else SELL,
        sweep, int(cfgv[HALF_SPREAD]), cfgv[VOL_WIDENING], cfgv[INV_SKEW], int(cfgv[INV_LIMIT]),
        int(cfgv[LEVELS]), int(cfgv[LEVEL_GAP]), out, k,
    )  # fmt: skip


@njit(cache=True)
def _quote(
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
    out[KIND, k], out[SIDE, k], out[PRICE, k] = KIND_LIMIT, side, price
    out[QTY, k], out[OWNER, k], out[LIFETIME, k] = qty, owner, QUOTE_LIFETIME
    return k + 1


class MarketMakers(TraderGroup):
    """All market makers; per step draws n uniforms (stochastic rounding of the half-spread)."""

    kind = "market_maker"
    PARAMS = {"size": (1.0, 100_000.0)}
    kernel = staticmethod(maker_kernel)

    def default(self, name: str, index: np.ndarray) -> np.ndarray:
        return np.full(index.shape[0], float(self.cfg.size))

    @property
    def ORDERS_PER_TRADER(self) -> int:  # type: ignore[override]  # noqa: N802
        """A news sweep plus a ladder of `levels` quotes on each side."""
        return 1 + 2 * int(self.cfg.levels)

    def config_vector(self) -> list[float]:
        c = self.cfg
        return [
            c.levels, c.half_spread, c.level_gap, c.vol_widening, c.withdraw_vol_ticks,
            c.inventory_limit, c.inventory_skew, c.anchor_weight, c.news_pass_through,
            c.news_sweep_ticks, c.news_sweep_qty,
        ]  # fmt: skip

    def draw_layout(self) -> list[tuple[int, int]]:
        return [(UNIFORM, self.owners.shape[0])]

    @property
    def size(self) -> np.ndarray:
        """Per-maker quote sizes (shares)."""
        return self.column("size")
