"""Agent and market metrics computed from the env's records (plain functions on DataFrames).

`agent_metrics(agent_record, market_record)` gives one row per RL agent; `market_metrics` one dict
per market record. `stylized_facts` (market.stylized) is re-exported for convenience.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from market.stylized import stylized_facts

__all__ = ["AGENT_METRICS", "agent_metrics", "log_returns", "market_metrics", "stylized_facts"]

AGENT_METRICS = (
    "pnl",
    "sharpe",
    "max_drawdown",
    "win_rate",
    "avg_trade_size",
    "trade_frequency",
    "volatility_contribution",
    "liquidity_provision",
)


def log_returns(market_record: pd.DataFrame) -> np.ndarray:
    """One-step log returns of the mid price."""
    mid = market_record["mid"].to_numpy(dtype=np.float64)
    return np.diff(np.log(mid))


def _require_columns(df: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing columns {missing}; has {list(df.columns)}")


def agent_metrics(agent_record: pd.DataFrame, market_record: pd.DataFrame) -> pd.DataFrame:
    """One row per agent (index `agent`) with the columns of AGENT_METRICS.

    - pnl: final mark-to-market PnL (currency).
    - sharpe: mean / std of the per-step PnL changes times sqrt(steps) (episode information
      ratio, not annualised; 0 when the PnL never changes).
    - max_drawdown: largest fall of PnL from its running peak (currency, >= 0).
    - win_rate: share of steps with a PnL change whose change was positive (nan if none).
    - avg_trade_size: mean |position change| over steps where the position changed (shares).
    - trade_frequency: share of steps where the position changed.
    - volatility_contribution: R^2 of the step's mid log return on the agent's signed traded
      shares in that step (share of return variance its trades explain; 0 if it never trades).
    - liquidity_provision: shares supplied as maker minus shares taken as taker, over total market
      volume; RL agents trade with market orders only, so this is minus their volume share.
    """
    _require_columns(agent_record, ("step", "agent", "position", "pnl"), "agent_record")
    _require_columns(market_record, ("step", "mid", "volume"), "market_record")
    market = market_record.set_index("step")
    returns = np.log(market["mid"]).diff()
    total_volume = float(market["volume"].sum())
    rows = {}
    for agent, rec in agent_record.sort_values("step").groupby("agent", sort=False):
        rows[agent] = _one_agent(rec, returns, total_volume)
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(AGENT_METRICS)).rename_axis(
        "agent"
    )


def _one_agent(rec: pd.DataFrame, returns: pd.Series, total_volume: float) -> dict[str, float]:
    pnl = rec["pnl"].to_numpy(dtype=np.float64)
    position = rec["position"].to_numpy(dtype=np.float64)
    d_pnl = np.diff(pnl, prepend=0.0)
    traded = np.diff(position, prepend=0.0)
    sd = float(d_pnl.std())
    changed = d_pnl != 0
    moved = traded != 0
    r = returns.reindex(rec["step"].to_numpy()).to_numpy(dtype=np.float64)
    return {
        "pnl": float(pnl[-1]),  # groupby groups are never empty
        "sharpe": float(d_pnl.mean() / sd * math.sqrt(d_pnl.size)) if sd > 0 else 0.0,
        "max_drawdown": float((np.maximum.accumulate(np.maximum(pnl, 0.0)) - pnl).max()),
        "win_rate": float((d_pnl[changed] > 0).mean()) if changed.any() else math.nan,
        "avg_trade_size": float(np.abs(traded[moved]).mean()) if moved.any() else 0.0,
        "trade_frequency": float(moved.mean()),
        "volatility_contribution": _r_squared(r, traded),
        "liquidity_provision": -float(np.abs(traded).sum()) / total_volume if total_volume else 0.0,
    }


def _r_squared(y: np.ndarray, x: np.ndarray) -> float:
    """R^2 of a univariate least-squares fit of y on x (0 when x or y is constant)."""
    ok = np.isfinite(y) & np.isfinite(x)
    y, x = y[ok], x[ok]
    if y.size < 3 or x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1] ** 2)


def market_metrics(market_record: pd.DataFrame) -> dict[str, float]:
    """Summary of one market record.

    - realized_volatility: sqrt(sum of squared one-step log mid returns) over the record.
    - return_std: standard deviation of one-step log mid returns.
    - mean_spread / median_spread: quoted spread (currency), steps with an empty side skipped.
    - mean_depth / min_depth: top-5 depth of both sides (shares).
    - mean_volume / total_volume / total_trades: shares and trades per step / in total.
    - amihud_illiquidity: mean of |return| / (volume * mid) over steps with trades, times 1e6
      (price move per million of currency traded; Amihud 2002).
    - stress_fraction: share of steps inside a stress window; n_steps: rows in the record.
    """
    _require_columns(market_record, ("mid", "spread", "depth", "volume", "trades"), "market_record")
    r = log_returns(market_record)
    spread = market_record["spread"].to_numpy(dtype=np.float64)
    depth = market_record["depth"].to_numpy(dtype=np.float64)
    volume = market_record["volume"].to_numpy(dtype=np.float64)
    mid = market_record["mid"].to_numpy(dtype=np.float64)
    dollar = (volume * mid)[1:]
    traded = dollar > 0
    stress = market_record["stress"] if "stress" in market_record else pd.Series([False])
    return {
        "realized_volatility": float(np.sqrt(np.sum(r**2))),  # 0 without returns
        "return_std": float(r.std()) if r.size else 0.0,
        "mean_spread": _nanmean(spread),
        "median_spread": float(np.nanmedian(spread)) if np.isfinite(spread).any() else math.nan,
        "mean_depth": float(depth.mean()) if depth.size else math.nan,
        "min_depth": float(depth.min()) if depth.size else math.nan,
        "mean_volume": float(volume.mean()) if volume.size else 0.0,
        "total_volume": float(volume.sum()),
        "total_trades": float(market_record["trades"].sum()),
        "amihud_illiquidity": float(np.mean(np.abs(r[traded]) / dollar[traded]) * 1e6)
        if traded.any()
        else math.nan,
        "stress_fraction": float(stress.astype(bool).mean()),
        "n_steps": float(len(market_record)),
    }


def _nanmean(x: np.ndarray) -> float:
    finite = np.isfinite(x)
    return float(x[finite].mean()) if finite.any() else math.nan
