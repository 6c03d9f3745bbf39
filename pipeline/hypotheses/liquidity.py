"""H2, liquidity impact under stress: do the RL agents widen spreads and thin the book in stress?

Liquidity score per seed (positive = less liquid with the RL agents), over the stress rows only:
    score = ( log(mean spread_rl / mean spread_baseline)
            + log((mean depth_baseline + 1) / (mean depth_rl + 1)) ) / 2
i.e. the average of the log relative spread increase and the log relative depth decrease, the
same weight for each (one share is added to depth so an emptied book gives a finite score).
Resiliency (secondary): steps after a stress window ends until spread <= 1.1 x and depth >= 0.9 x
their median over the (up to) 100 non-stress steps before the window (0 = recovered at once).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from statsmodels.stats.multitest import multipletests

from pipeline.hypotheses.resampling import (
    DEFAULT_RESAMPLES,
    check_alpha,
    paired_seed_result,
    resampling_rng,
    sign_flip_p,
)
from pipeline.hypotheses.results import HypothesisResult
from pipeline.hypotheses.validation import SCENARIOS, MarketRuns, market_runs

NAME = "liquidity_impact"
PRE_STRESS_STEPS = 100
RECOVERY_TOLERANCE = 0.10
COLUMNS = ["mid", "spread", "depth", "stress"]  # mid is validated (a bad price is bad input)


def stress_means(runs: MarketRuns) -> dict[str, NDArray[np.float64]]:
    """Per seed mean spread and depth in stress windows, keyed 'spread_rl', 'depth_baseline'..."""
    out: dict[str, list[float]] = {f"{c}_{s}": [] for c in ("spread", "depth") for s in SCENARIOS}
    missing: list[str] = []
    for scenario in SCENARIOS:
        for run, seed in zip(runs.runs[scenario], runs.seeds, strict=True):
            mask = run["stress"] > 0.5
            if not mask.any():
                missing.append(f"{scenario}/seed {seed}")
                continue
            out[f"spread_{scenario}"].append(float(np.mean(run["spread"][mask])))
            out[f"depth_{scenario}"].append(float(np.mean(run["depth"][mask])))
    if missing:
        raise ValueError(f"no stress rows (stress == True) for {missing}: H2 needs stress windows")
    means = {k: np.array(v) for k, v in out.items()}
    zero = np.flatnonzero((means["spread_rl"] == 0.0) | (means["spread_baseline"] == 0.0))
    if zero.size:
        raise ValueError(f"mean spread in stress is 0 for seed(s) {runs.seeds[zero].tolist()}")
    return means


def liquidity_scores(means: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    """Per seed log spread increase, log depth decrease and their average (the liquidity score)."""
    spread = np.log(means["spread_rl"] / means["spread_baseline"])
    depth = np.log((means["depth_baseline"] + 1.0) / (means["depth_rl"] + 1.0))
    return {"spread": spread, "depth": depth, "score": 0.5 * (spread + depth)}


def _windows(stress: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start and end (exclusive) indices of contiguous stress runs."""
    padded = np.concatenate([[0], (stress > 0.5).astype(np.int8), [0]])
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def recovery_steps(run: dict[str, NDArray[np.float64]]) -> tuple[list[float], int]:
    """Steps to recover after each stress window (nan if never before the next), windows skipped.

    A window with no non-stress steps before it has no reference level and is skipped (counted).
    """
    spread, depth = run["spread"], run["depth"]
    starts, ends = _windows(run["stress"])
    steps: list[float] = []
    skipped = 0
    prev_end = 0
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        pre = slice(max(prev_end, start - PRE_STRESS_STEPS), start)
        next_start = starts[i + 1] if i + 1 < starts.size else spread.size
        prev_end = end
        if pre.start >= pre.stop:
            skipped += 1
            continue
        ref_spread, ref_depth = np.median(spread[pre]), np.median(depth[pre])
        ok = (spread[end:next_start] <= (1.0 + RECOVERY_TOLERANCE) * ref_spread) & (
            depth[end:next_start] >= (1.0 - RECOVERY_TOLERANCE) * ref_depth
        )
        steps.append(float(np.argmax(ok)) if ok.any() else float("nan"))
    return steps, skipped


def resiliency_summary(runs: MarketRuns) -> dict[str, float | int]:
    """Mean recovery steps per scenario, mean paired difference, censored and skipped counts."""
    per_seed: dict[str, NDArray[np.float64]] = {}
    summary: dict[str, float | int] = {}
    skipped = 0
    for scenario in SCENARIOS:
        all_steps: list[float] = []
        seed_means: list[float] = []
        for run in runs.runs[scenario]:
            steps, n_skipped = recovery_steps(run)
            skipped += n_skipped
            all_steps.extend(steps)
            finite = [s for s in steps if np.isfinite(s)]
            seed_means.append(float(np.mean(finite)) if finite else float("nan"))
        arr = np.array(all_steps, dtype=np.float64)
        per_seed[scenario] = np.array(seed_means)
        summary[f"resiliency_{scenario}_mean_steps"] = (
            float(np.nanmean(arr)) if np.isfinite(arr).any() else float("nan")
        )
        summary[f"resiliency_{scenario}_windows"] = int(arr.size)
        summary[f"resiliency_{scenario}_never_recovered"] = int(np.isnan(arr).sum())
    diff = per_seed["rl"] - per_seed["baseline"]
    summary["resiliency_mean_extra_steps_rl"] = (
        float(np.nanmean(diff)) if np.isfinite(diff).any() else float("nan")
    )
    summary["resiliency_windows_without_pre_stress"] = skipped
    return summary


def liquidity_impact(
    market_df: pd.DataFrame,
    alpha: float = 0.05,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
) -> HypothesisResult:
    """Test H2: the mean per-seed liquidity score in stress windows is > 0 (RL drains liquidity).

    Paired sign-flip permutation test over seeds with a BCa bootstrap CI; spread and depth
    components are also tested on their own, BH-adjusted, in `extra`.
    """
    check_alpha(alpha, n_resamples)
    runs = market_runs(market_df, COLUMNS)
    scores = liquidity_scores(stress_means(runs))
    gen = resampling_rng(rng)
    result = paired_seed_result(
        NAME,
        "the stress-window liquidity score = mean of log spread increase and log depth "
        "decrease, rl vs baseline; BCa bootstrap CI; components BH-adjusted in extra",
        scores["score"],
        runs.seeds,
        alpha,
        n_resamples,
        gen,
        extra={
            "spread_effect": float(np.mean(scores["spread"])),
            "depth_effect": float(np.mean(scores["depth"])),
        },
    )
    # The components are tested after the score, from the same generator.
    component_p = [sign_flip_p(scores[c], n_resamples, gen) for c in ("spread", "depth")]
    # BH, not Holm: statsmodels' Holm path calls gc.collect() (~25 ms a call)
    adjusted = multipletests(component_p, alpha=alpha, method="fdr_bh")[1]
    result.extra.update(
        {
            "spread_p_value": component_p[0],
            "depth_p_value": component_p[1],
            "spread_p_bh": float(adjusted[0]),
            "depth_p_bh": float(adjusted[1]),
            **resiliency_summary(runs),
        }
    )
    return result
