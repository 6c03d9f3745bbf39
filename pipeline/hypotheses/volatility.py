"""H1, volatility amplification: do the RL agents make log mid returns more volatile?

Primary estimand: the mean over units (seeds, or replicate x seed) of the whole-episode
log(RV_rl / RV_baseline), events included: how the agents react to events is part of what they do
to volatility. Beside it, `extra["effect_excluding_events"]` is the same figure on the returns
that touch no stress step (the `stress` column, when present), with its own CI and p.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipeline.hypotheses.replicates import grid_result, infer
from pipeline.hypotheses.resampling import DEFAULT_RESAMPLES, check_alpha, resampling_rng
from pipeline.hypotheses.results import HypothesisResult
from pipeline.hypotheses.validation import MarketRuns, market_runs

NAME = "volatility_amplification"


def realized_volatility(returns: NDArray[np.float64], scenario: str, unit: str) -> float:
    """Standard deviation of demeaned log mid returns (so a drift in the price does not count)."""
    if returns.size < 2:
        raise ValueError(f"scenario {scenario!r} {unit} has {returns.size + 1} steps; need >= 3")
    vol = float(np.std(returns, ddof=1))
    if vol == 0.0:
        raise ValueError(f"scenario {scenario!r} {unit}: mid never changes, volatility is 0")
    return vol


def _calm_returns(run: dict[str, NDArray[np.float64]]) -> NDArray[np.float64]:
    """Log returns whose two end points are both outside stress windows."""
    returns = np.diff(np.log(run["mid"]))
    stress = run["stress"] > 0.5
    return returns[~(stress[1:] | stress[:-1])]


def log_volatility_grids(
    runs: MarketRuns, exclude_events: bool = False
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Replicate x seed grids of log RV in each scenario: (rl, baseline)."""
    k, s = runs.replicates.size, runs.seeds.size
    out = []
    for scenario in ("rl", "baseline"):
        vols = []
        for u, run in enumerate(runs.runs[scenario]):
            unit = f"replicate {runs.replicates[u // s]} seed {runs.seeds[u % s]}"
            returns = _calm_returns(run) if exclude_events else np.diff(np.log(run["mid"]))
            what = f"{unit} (outside stress)" if exclude_events else unit
            vols.append(realized_volatility(returns, scenario, what))
        out.append(np.log(np.array(vols)).reshape(k, s))
    return out[0], out[1]


def _excluding_events(
    runs: MarketRuns, whole: NDArray[np.float64], alpha: float, n_resamples: int, gen
) -> dict[str, object]:
    """H1 on the returns outside stress windows: effect, CI and p (same inference as primary)."""
    has_events = "stress" in runs.columns and any(
        (run["stress"] > 0.5).any() for run in runs.runs["rl"] + runs.runs["baseline"]
    )
    if has_events:
        rl, base = log_volatility_grids(runs, exclude_events=True)
        grid = rl - base
    else:
        grid = whole
    inference = infer(grid, alpha, n_resamples, gen)
    return {
        "effect_excluding_events": inference.effect,
        "effect_excluding_events_ci": [inference.ci_low, inference.ci_high],
        "effect_excluding_events_p": inference.p_value,
        "events_excluded": bool(has_events),
    }


def volatility_amplification(
    market_df: pd.DataFrame,
    alpha: float = 0.05,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
) -> HypothesisResult:
    """Test H1: the mean log(RV_rl / RV_baseline) over units is > 0 (one-sided).

    Seeds are the units of one replicate (paired sign-flip test, BCa CI); with >= 2 replicates
    the two-level crossed test of `pipeline.hypotheses.replicates`. CIs are 1 - 2 alpha.
    """
    check_alpha(alpha, n_resamples)
    runs = market_runs(market_df, ["mid"], optional=["stress"])
    vol_rl, vol_base = log_volatility_grids(runs)
    grid = vol_rl - vol_base
    gen = resampling_rng(rng)
    extra: dict[str, object] = {
        "median_effect": float(np.median(grid)),
        "volatility_ratio": float(np.exp(np.mean(grid))),
        "mean_rv_rl": float(np.mean(np.exp(vol_rl))),
        "mean_rv_baseline": float(np.mean(np.exp(vol_base))),
        "estimand": "whole-episode mean log realized-volatility ratio, events included",
    }
    result = grid_result(
        NAME,
        "whole-episode mean log ratio of realized volatility of demeaned log mid returns, rl vs "
        "baseline (events included; excluding them in extra)",
        grid,
        (runs.replicates, runs.seeds),
        alpha,
        n_resamples,
        gen,
        extra,
    )
    result.extra.update(_excluding_events(runs, grid, alpha, n_resamples, gen))
    return result
