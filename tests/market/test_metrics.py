"""Agent and market metrics on hand-made records (values checked by hand) and on a real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from market.env import MultiAgentMarketEnv
from market.metrics import AGENT_METRICS, agent_metrics, market_metrics, stylized_facts


def market(mid: list[float], volume: list[int]) -> pd.DataFrame:
    n = len(mid)
    return pd.DataFrame(
        {
            "step": range(n),
            "mid": mid,
            "best_bid": np.array(mid) - 0.005,
            "best_ask": np.array(mid) + 0.005,
            "spread": [0.01] * (n - 1) + [np.nan],
            "depth": [100] * n,
            "volume": volume,
            "trades": [1] * n,
            "stress": [False] * (n - 1) + [True],
        }
    )


def test_agent_metrics_by_hand() -> None:
    agents = pd.DataFrame(
        {
            "step": [0, 1, 2, 3],
            "agent": ["a"] * 4,
            "action": [1, 0, -1, 0],
            "position": [10, 10, 0, 0],
            "cash": [0.0] * 4,
            "pnl": [1.0, 3.0, 0.0, 2.0],
        }
    )
    m = agent_metrics(agents, market([100, 101, 100, 100], [20, 10, 10, 10])).loc["a"]
    assert list(m.index) == list(AGENT_METRICS)
    d = np.array([1.0, 2.0, -3.0, 2.0])
    assert m["pnl"] == 2.0
    assert m["sharpe"] == pytest.approx(d.mean() / d.std() * 2)
    assert m["max_drawdown"] == 3.0
    assert m["win_rate"] == 0.75
    assert m["avg_trade_size"] == 10.0
    assert m["trade_frequency"] == 0.5
    assert m["liquidity_provision"] == pytest.approx(-20 / 50)
    # R^2 of the step's log return on the signed shares traded, over steps 1-3 (step 0 has no
    # return): x = [0, -10, 0], y = [log(101/100), log(100/101), 0]; by hand from the residuals.
    x = np.array([0.0, -10.0, 0.0])
    y = np.array([math.log(1.01), -math.log(1.01), 0.0])
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    residual = y - y.mean() - slope * (x - x.mean())
    r2 = 1 - (residual**2).sum() / ((y - y.mean()) ** 2).sum()
    assert r2 == pytest.approx(0.75)
    assert m["volatility_contribution"] == pytest.approx(r2)


def test_idle_agent_has_neutral_metrics() -> None:
    agents = pd.DataFrame(
        {
            "step": [0, 1],
            "agent": ["z", "z"],
            "action": [0, 0],
            "position": [0, 0],
            "cash": [0.0, 0.0],
            "pnl": [0.0, 0.0],
        }
    )
    m = agent_metrics(agents, market([100, 100], [5, 5])).loc["z"].to_dict()
    assert (m["pnl"], m["sharpe"], m["max_drawdown"], m["trade_frequency"]) == (0, 0, 0, 0)
    assert math.isnan(float(m["win_rate"])) and m["volatility_contribution"] == 0.0


def test_market_metrics_by_hand() -> None:
    m = market_metrics(market([100, 101, 100], [10, 0, 20]))
    r = np.diff(np.log([100, 101, 100]))
    assert m["realized_volatility"] == pytest.approx(math.sqrt((r**2).sum()))
    assert m["mean_spread"] == pytest.approx(0.01)
    assert m["mean_depth"] == 100 and m["total_volume"] == 30
    assert m["amihud_illiquidity"] == pytest.approx(abs(r[1]) / (20 * 100) * 1e6)
    assert m["stress_fraction"] == pytest.approx(1 / 3)


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="pnl"):
        agent_metrics(
            pd.DataFrame({"step": [0], "agent": ["a"], "position": [0]}), market([100, 100], [1, 1])
        )


def test_metrics_on_an_env_run() -> None:
    env = MultiAgentMarketEnv({"episode_length": 200})
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(200):
        env.step({a: int(rng.integers(3)) for a in env.agents})
    am = agent_metrics(env.agent_record(), env.market_record())
    assert list(am.index) == env.agents
    assert am[["pnl", "sharpe", "max_drawdown", "trade_frequency"]].notna().all().all()
    assert (am["liquidity_provision"] < 0).all()
    mm = market_metrics(env.market_record())
    assert mm["realized_volatility"] > 0 and mm["n_steps"] == 200
    r = np.diff(np.log(env.market_record()["mid"].to_numpy()))
    facts = stylized_facts(r)
    d = r - r.mean()
    assert facts["excess_kurtosis"] == pytest.approx((d**4).mean() / (d**2).mean() ** 2 - 3)
    assert facts["acf_returns_lag1"] == pytest.approx((d[1:] * d[:-1]).sum() / (d**2).sum())
