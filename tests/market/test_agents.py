"""Background trader groups decide sensibly and draw a fixed number of variates per step."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from market.agents.base import KIND, OWNER, PRICE, QTY, SIDE, MarketView, new_block
from market.agents.counterparts import BUY, HOLD, SELL, rule_based_action
from market.agents.fundamentalist import Fundamentalists
from market.agents.market_maker import MarketMakers
from market.agents.momentum import MomentumTraders
from market.agents.noise import NoiseTraders
from market.config import MarketConfig
from market.orders import KIND_LIMIT, KIND_MARKET
from market.simulator import MarketSimulator

CFG = MarketConfig()
P0 = 10_000.0


def view(mid: float = P0, fundamental: float = P0, trend: float = 0.0, **kw: Any) -> MarketView:
    """A view whose log-mid history rises linearly by `trend` per step up to `mid`."""
    history = math.log(mid) - trend * np.arange(512)[::-1]
    return MarketView(
        step=0,
        mid=mid,
        fundamental=fundamental,
        vol_ticks=0.5,
        log_mid_history=history,
        history_pos=511,
        mid_ema=mid,
        **kw,
    )  # type: ignore[arg-type]


def orders(group: Any, v: MarketView, rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """The (N_ROWS, k) orders a group sends in one step."""
    out = new_block(group.capacity)
    return out[:, : group.decide(v, rng, shares, out, 0)]


def groups() -> list:
    return [
        NoiseTraders(CFG.noise, np.arange(0, 10)),
        Fundamentalists(CFG.fundamentalist, np.arange(10, 15)),
        MomentumTraders(CFG.momentum, np.arange(15, 20)),
        MarketMakers(CFG.market_maker, np.arange(20, 23)),
    ]


@pytest.mark.parametrize("index", range(4))
def test_variates_drawn_do_not_depend_on_market_state(index: int) -> None:
    shares = np.zeros(30, dtype=np.int64)
    views = [view(), view(mid=9_000.0, fundamental=11_000.0, trend=1e-3, makers_out=True)]
    states = []
    for v in views:
        rng = np.random.default_rng(0)
        orders(groups()[index], v, rng, shares)
        states.append(rng.bit_generator.state)
    assert states[0] == states[1]


def test_noise_orders_are_valid_and_sized_by_regime() -> None:
    shares = np.zeros(200, dtype=np.int64)
    noise = NoiseTraders(CFG.noise, np.arange(200))
    calm = orders(noise, view(), np.random.default_rng(1), shares)
    noise.log_activity = 0.0
    wild = orders(noise, view(noise_scale=5.0), np.random.default_rng(1), shares)
    assert calm.shape[1] > 0 and (calm[QTY] >= 1).all()
    limit = calm[KIND] == KIND_LIMIT
    assert (calm[PRICE][limit & (calm[SIDE] == 1)] <= P0).all()
    assert (calm[PRICE][limit & (calm[SIDE] == -1)] >= P0).all()
    assert wild[QTY].sum() > 3 * calm[QTY].sum()


def test_fundamentalists_buy_below_and_sell_above_value() -> None:
    shares = np.zeros(100, dtype=np.int64)
    f = Fundamentalists(CFG.fundamentalist, np.arange(100))
    cheap = orders(f, view(fundamental=P0 * 1.01), np.random.default_rng(2), shares)
    dear = orders(f, view(fundamental=P0 * 0.99), np.random.default_rng(2), shares)
    fair = orders(f, view(), np.random.default_rng(2), shares)
    assert cheap.shape[1] > 10 and (cheap[SIDE] == 1).all()
    assert dear.shape[1] > 10 and (dear[SIDE] == -1).all()
    assert fair.shape[1] < cheap.shape[1] / 5


def test_momentum_follows_the_trend_with_market_orders() -> None:
    shares = np.zeros(100, dtype=np.int64)
    m = MomentumTraders(CFG.momentum, np.arange(100))
    up = orders(m, view(trend=2e-4), np.random.default_rng(3), shares)
    flat = orders(m, view(), np.random.default_rng(3), shares)
    assert up.shape[1] > 0 and (up[SIDE] == 1).all() and (up[KIND] == KIND_MARKET).all()
    assert flat.shape[1] == 0


def test_market_makers_quote_both_sides_widen_skew_and_withdraw() -> None:
    mm = MarketMakers(CFG.market_maker, np.arange(2))
    shares = np.zeros(2, dtype=np.int64)
    quotes = orders(mm, view(), np.random.default_rng(4), shares)
    bids, asks = quotes[PRICE][quotes[SIDE] == 1], quotes[PRICE][quotes[SIDE] == -1]
    assert bids.size == asks.size == 2 * CFG.market_maker.levels and bids.max() < asks.min()
    v = view()
    v.vol_ticks = 8.0
    wide = orders(mm, v, np.random.default_rng(4), shares)
    wide_bids, wide_asks = wide[PRICE][wide[SIDE] == 1], wide[PRICE][wide[SIDE] == -1]
    assert wide_asks.min() - wide_bids.max() > asks.min() - bids.max()
    long = orders(mm, view(), np.random.default_rng(4), np.array([1000, 0]))
    assert not ((long[OWNER] == 0) & (long[SIDE] == 1)).any()
    assert long[PRICE][(long[OWNER] == 0) & (long[SIDE] == -1)].min() < asks.min()
    v.vol_ticks = CFG.market_maker.withdraw_vol_ticks + 1
    assert orders(mm, v, np.random.default_rng(4), shares).shape[1] == 0
    assert orders(mm, view(makers_out=True), np.random.default_rng(4), shares).shape[1] == 0


def test_removed_traders_do_not_trade() -> None:
    noise = NoiseTraders(CFG.noise, np.arange(50))
    noise.active[:] = False
    assert orders(noise, view(), np.random.default_rng(0), np.zeros(50, np.int64)).shape[1] == 0


def obs(**entries: float) -> np.ndarray:
    names = {"r1": 0, "r2": 1, "r3": 2, "dev": 3, "vol": 4, "spread": 5, "position": 11}
    x = np.zeros(15, dtype=np.float32)
    for k, v in entries.items():
        x[names[k]] = v
    return x


@pytest.mark.parametrize(
    ("style", "entries", "expected"),
    [
        ("momentum", {"r2": 3.0}, BUY),
        ("momentum", {"r2": -3.0}, SELL),
        ("momentum", {"r2": 3.0, "position": 0.95}, HOLD),
        ("momentum", {}, HOLD),
        ("mean_reversion", {"dev": 3.0}, SELL),
        ("mean_reversion", {"dev": -3.0}, BUY),
        ("mean_reversion", {"position": 0.6}, SELL),
        ("adaptive", {"r3": 2.0}, BUY),
        ("adaptive", {"r3": 2.0, "vol": 5.0, "position": -0.5}, BUY),
        ("adaptive", {"r3": 2.0, "vol": 5.0}, HOLD),
    ],
)
def test_rule_based_counterparts(style: str, entries: dict, expected: int) -> None:
    assert rule_based_action(style, obs(**entries)) == expected


def test_rule_based_counterparts_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="style='greedy'"):
        rule_based_action("greedy", obs())
    with pytest.raises(ValueError, match="shape"):
        rule_based_action("momentum", np.zeros(3))


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("noise", {"mean_size": -5}),
        ("noise", {"p_act": 7}),
        ("fundamentalist", {"threshold_bps": -1}),
        ("momentum", {"lookback": 0}),
        ("market_maker", {"size": 0}),
    ],
)
def test_add_trader_rejects_out_of_range_params(kind: str, params: dict) -> None:
    """A bad per-trader value fails when the trader is added, and the market keeps stepping."""
    sim = MarketSimulator({"episode_length": 50}, seed=3)
    before = len(sim.accounts())
    with pytest.raises(ValueError, match=f"params.{next(iter(params))}"):
        sim.add_trader(kind, params)
    assert len(sim.accounts()) == before
    sim.step({})
