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


@pytest.mark.filterwarnings("error")  # the nan win rate is not a mean of an empty slice
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


def agent_rows(pnl: list[float], position: list[int], name: str = "a") -> pd.DataFrame:
    n = len(pnl)
    return pd.DataFrame({"step": range(n), "agent": [name] * n, "action": [0] * n,
                         "position": position, "cash": [0.0] * n, "pnl": pnl})


def test_drawdown_counts_from_the_zero_start_and_small_sharpe() -> None:
    m = agent_metrics(agent_rows([-1.0, -3.0, -2.5], [0, 0, 0]), market([100] * 3, [5] * 3))
    row = m.loc["a"]
    d = np.array([-1.0, -2.0, 0.5])  # per-step PnL changes, sd < 1
    assert row["max_drawdown"] == 3.0
    assert row["sharpe"] == pytest.approx(d.mean() / d.std() * math.sqrt(3), rel=1e-12)
    assert row["win_rate"] == pytest.approx(1 / 3)
    assert (row["avg_trade_size"], row["trade_frequency"], row["pnl"]) == (0.0, 0.0, -2.5)
    small = agent_metrics(agent_rows([0.2, 0.5, 0.4, 0.9], [0] * 4), market([100] * 4, [5] * 4))
    d = np.array([0.2, 0.3, -0.1, 0.5])
    assert small.loc["a", "sharpe"] == pytest.approx(d.mean() / d.std() * 2, rel=1e-12)
    assert small.loc["a", "win_rate"] == 0.75  # a change of 0.2-0.5 counts as a win


def test_volatility_contribution_edge_cases() -> None:
    moving = market([100, 101, 100, 102], [5] * 4)
    never_trades = agent_rows([0.0, 1.0, 0.0, 2.0], [0] * 4)
    assert agent_metrics(never_trades, moving).loc["a", "volatility_contribution"] == 0.0
    flat = market([100] * 4, [5] * 4)
    trades = agent_rows([0.0, 0.0, 0.0, 0.0], [0, 2, 0, 3])
    assert agent_metrics(trades, flat).loc["a", "volatility_contribution"] == 0.0
    two_returns = agent_rows([0.0, 1.0, 0.0], [0, 2, 0])  # 2 finite points: always R^2 = 1
    vc = agent_metrics(two_returns, market([100, 101, 100], [5] * 3)).loc["a"]
    assert vc["volatility_contribution"] == 0.0
    assert vc["avg_trade_size"] == 2.0 and vc["trade_frequency"] == pytest.approx(2 / 3)


def test_no_market_volume_means_no_liquidity_share() -> None:
    m = agent_metrics(agent_rows([0.0, 1.0], [0, 1]), market([100, 100], [0, 0])).loc["a"]
    assert m["liquidity_provision"] == 0.0


def test_every_market_metric_by_hand() -> None:
    rec = market([100, 101, 100, 99], [10, 0, 20, 5])
    rec["depth"] = [100, 80, 120, 60]
    rec["trades"] = [1, 0, 3, 2]
    m = market_metrics(rec)
    r = np.diff(np.log([100.0, 101.0, 100.0, 99.0]))
    assert set(m) == {
        "realized_volatility", "return_std", "mean_spread", "median_spread", "mean_depth",
        "min_depth", "mean_volume", "total_volume", "total_trades", "amihud_illiquidity",
        "stress_fraction", "n_steps",
    }
    assert m["realized_volatility"] == pytest.approx(math.sqrt((r**2).sum()), rel=1e-12)
    assert m["return_std"] == pytest.approx(r.std(), rel=1e-12)
    assert (m["mean_spread"], m["median_spread"]) == (pytest.approx(0.01), pytest.approx(0.01))
    assert (m["mean_depth"], m["min_depth"]) == (90.0, 60.0)
    assert (m["mean_volume"], m["total_volume"], m["total_trades"]) == (8.75, 35.0, 6.0)
    amihud = np.mean([abs(r[1]) / (20 * 100), abs(r[2]) / (5 * 99)]) * 1e6
    assert m["amihud_illiquidity"] == pytest.approx(amihud, rel=1e-12)
    assert (m["stress_fraction"], m["n_steps"]) == (0.25, 4.0)


@pytest.mark.filterwarnings("error")  # no "mean of empty slice" noise either
def test_market_metrics_of_tiny_records() -> None:
    one = market([100], [0]).drop(columns="stress")
    one["spread"] = [np.nan]
    m = market_metrics(one)
    assert (m["realized_volatility"], m["return_std"], m["stress_fraction"]) == (0.0, 0.0, 0.0)
    assert math.isnan(m["mean_spread"]) and math.isnan(m["median_spread"])
    assert math.isnan(m["amihud_illiquidity"]) and m["n_steps"] == 1.0
    empty = market_metrics(market([100], [0]).iloc[:0])
    assert math.isnan(empty["mean_depth"]) and math.isnan(empty["min_depth"])
    assert (empty["mean_volume"], empty["total_volume"], empty["n_steps"]) == (0.0, 0.0, 0.0)
    small = market_metrics(market([0.5, 0.6], [1, 1]))  # currency volume below 1 still counts
    assert small["amihud_illiquidity"] == pytest.approx(abs(math.log(1.2)) / 0.6 * 1e6)


def test_missing_market_columns_are_listed() -> None:
    with pytest.raises(ValueError, match=r"market_record is missing columns \['trades'\]; has"):
        market_metrics(market([100, 100], [1, 1]).drop(columns="trades"))
    with pytest.raises(ValueError, match=r"agent_record is missing columns \['pnl'\]"):
        agent_metrics(pd.DataFrame({"step": [0], "agent": ["a"], "position": [0]}),
                      market([100, 100], [1, 1]))


def test_agent_steps_are_matched_to_their_market_steps() -> None:
    agents = agent_rows([0.0, 1.0, 0.0, 2.0], [0, 2, 0, 3])
    agents["step"] = [2, 3, 4, 5]  # the agent joined at step 2 of a 6-step market
    mid = [100, 100, 100, 101, 100, 102]
    m = agent_metrics(agents, market(mid, [5] * 6)).loc["a"]
    x, y = np.array([0.0, 2.0, -2.0, 3.0]), np.diff(np.log(mid))[1:]
    assert m["volatility_contribution"] == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2)


def test_agents_keep_their_first_appearance_order_and_the_index_is_named() -> None:
    rows = pd.concat([agent_rows([0.0, 1.0], [0, 1], "b"), agent_rows([0.0, 2.0], [0, 1], "a")])
    m = agent_metrics(rows, market([100, 101], [5, 5]))
    assert list(m.index) == ["b", "a"] and m.index.name == "agent"
    assert m["pnl"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"market_record is missing columns \['volume'\]"):
        agent_metrics(rows, market([100, 101], [5, 5]).drop(columns="volume"))
