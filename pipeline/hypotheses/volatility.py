"""H1, volatility amplification: do the RL agents make log mid returns more volatile?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipeline.hypotheses.resampling import (
    DEFAULT_RESAMPLES,
    check_alpha,
    paired_seed_result,
    resampling_rng,
)
from pipeline.hypotheses.results import HypothesisResult
from pipeline.hypotheses.validation import SCENARIOS, MarketRuns, market_runs

NAME = "volatility_amplification"


def realized_volatility(mid: NDArray[np.float64], scenario: str, seed: int) -> float:
    """Standard deviation of demeaned log mid returns (so a drift in the price does not count)."""
    if mid.size < 3:
        raise ValueError(f"scenario {scenario!r} seed {seed} has {mid.size} steps; need >= 3")
    vol = float(np.std(np.diff(np.log(mid)), ddof=1))
    if vol == 0.0:
        raise ValueError(f"scenario {scenario!r} seed {seed}: mid never changes, volatility is 0")
    return vol


def log_volatility_ratios(runs: MarketRuns) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per seed realized volatility of each scenario, stacked as (rl, baseline) arrays."""
    vols = {
        scenario: np.array(
            [
                realized_volatility(run["mid"], scenario, int(seed))
                for run, seed in zip(runs.runs[scenario], runs.seeds, strict=True)
            ]
        )
        for scenario in SCENARIOS
    }
    return vols["rl"], vols["baseline"]


def volatility_amplification(
    market_df: pd.DataFrame,
    alpha: float = 0.05,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
) -> HypothesisResult:
    """Test H1: mean over seeds of log(RV_rl / RV_baseline) > 0, paired sign-flip permutation.

    Each seed is one independent unit (the two scenarios share its background randomness);
    the CI is a BCa bootstrap over seeds at level 1 - alpha.
    """
    check_alpha(alpha, n_resamples)
    runs = market_runs(market_df, ["mid"])
    vol_rl, vol_base = log_volatility_ratios(runs)
    effects = np.log(vol_rl) - np.log(vol_base)
    return paired_seed_result(
        NAME,
        "the mean log ratio of realized volatility of demeaned log mid returns, rl vs baseline; "
        "BCa bootstrap CI",
        effects,
        runs.seeds,
        alpha,
        n_resamples,
        resampling_rng(rng),
        extra={
            "median_effect": float(np.median(effects)),
            "volatility_ratio": float(np.exp(np.mean(effects))),
            "mean_rv_rl": float(np.mean(vol_rl)),
            "mean_rv_baseline": float(np.mean(vol_base)),
        },
    )
