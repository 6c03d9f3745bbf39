"""H2, liquidity impact under stress: do the RL agents widen spreads and thin the book in stress?

Liquidity score per unit (positive = less liquid with the RL agents), over the stress rows only:
    spread    = log(mean spread_rl / mean spread_baseline), on two-sided-book steps only
    depth     = log((mean depth_baseline + 1) / (mean depth_rl + 1))
    one_sided = share_rl - share_baseline of stress steps with a one-sided book
    score     = mean of the components (spread and depth only without a `one_sided` column)
A one-sided step's spread is a fill value in both arms, so it would pull the spread ratio to 0;
instead the steps themselves count as illiquidity. A unit where one arm has no two-sided stress
step gets spread component 0 (counted in extra). Resiliency (secondary): steps after a stress
window ends until spread <= 1.1 x and depth >= 0.9 x their median over the (up to) 100 non-stress
steps before the window; a window that never recovers is censored at the end of its recovery
period (the next window or the episode end) and kept in the mean, which is then a lower bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from statsmodels.stats.multitest import multipletests

from pipeline.hypotheses.replicates import grid_result, infer
from pipeline.hypotheses.resampling import DEFAULT_RESAMPLES, check_alpha, resampling_rng
from pipeline.hypotheses.resiliency import resiliency_summary
from pipeline.hypotheses.results import HypothesisResult
from pipeline.hypotheses.validation import SCENARIOS, MarketRuns, market_runs

NAME = "liquidity_impact"
COLUMNS = ["mid", "spread", "depth", "stress"]  # mid is validated (a bad price is bad input)
Run = dict[str, NDArray[np.float64]]


def _stress_stats(run: Run, where: str) -> tuple[float, float, float]:
    """Mean two-sided spread (nan if none), mean depth and one-sided share over stress steps."""
    stress = run["stress"] > 0.5
    if not stress.any():
        raise ValueError(f"no stress rows (stress == True) for {where}: H2 needs stress windows")
    one_sided = run["one_sided"] > 0.5 if "one_sided" in run else np.zeros_like(stress)
    two_sided = stress & ~one_sided
    spread = float(np.mean(run["spread"][two_sided])) if two_sided.any() else float("nan")
    if spread == 0.0:
        raise ValueError(f"mean two-sided spread in stress is 0 for {where}")
    share = float(np.mean(one_sided[stress]))
    return spread, float(np.mean(run["depth"][stress])), share


def stress_means(runs: MarketRuns) -> dict[str, NDArray[np.float64]]:
    """Replicate x seed grids of the stress statistics, keyed 'spread_rl', 'depth_baseline'..."""
    k, s = runs.replicates.size, runs.seeds.size
    out: dict[str, NDArray[np.float64]] = {}
    for scenario in SCENARIOS:
        values = np.array(
            [
                _stress_stats(
                    run, f"{scenario}/replicate {runs.replicates[u // s]} seed {runs.seeds[u % s]}"
                )
                for u, run in enumerate(runs.runs[scenario])
            ]
        )
        for i, name in enumerate(("spread", "depth", "one_sided")):
            out[f"{name}_{scenario}"] = values[:, i].reshape(k, s)
    return out


def liquidity_scores(
    means: dict[str, NDArray[np.float64]], with_one_sided: bool
) -> dict[str, NDArray[np.float64]]:
    """Per unit component effects and their mean (the liquidity score)."""
    spread = np.log(means["spread_rl"] / means["spread_baseline"])
    spread = np.where(np.isfinite(spread), spread, 0.0)
    depth = np.log((means["depth_baseline"] + 1.0) / (means["depth_rl"] + 1.0))
    one_sided = means["one_sided_rl"] - means["one_sided_baseline"]
    parts = [spread, depth, one_sided] if with_one_sided else [spread, depth]
    return {
        "spread": spread,
        "depth": depth,
        "one_sided": one_sided,
        "score": np.mean(parts, axis=0),
    }


def _components(
    scores: dict[str, NDArray[np.float64]], names: list[str], alpha: float, n_resamples: int, gen
) -> dict[str, float]:
    """Each component's effect and p (same inference as the score), BH-adjusted among them."""
    p = [infer(scores[c], alpha, n_resamples, gen).p_value for c in names]
    # BH, not Holm: statsmodels' Holm path calls gc.collect() (~25 ms a call)
    adjusted = multipletests(p, alpha=alpha, method="fdr_bh")[1]
    out: dict[str, float] = {}
    for name, p_c, p_adj in zip(names, p, adjusted, strict=True):
        out[f"{name}_effect"] = float(np.mean(scores[name]))
        out[f"{name}_p_value"] = float(p_c)
        out[f"{name}_p_bh"] = float(p_adj)
    return out


def liquidity_impact(
    market_df: pd.DataFrame,
    alpha: float = 0.05,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
) -> HypothesisResult:
    """Test H2: the mean liquidity score in stress windows is > 0 (RL drains liquidity).

    Seeds are the units of one replicate (paired sign-flip, BCa CI); with >= 2 replicates the
    two-level crossed test. Components are tested too, BH-adjusted among themselves, in `extra`.
    """
    check_alpha(alpha, n_resamples)
    runs = market_runs(market_df, COLUMNS, optional=["one_sided"])
    with_one_sided = "one_sided" in runs.columns
    means = stress_means(runs)
    scores = liquidity_scores(means, with_one_sided)
    no_two_sided = ~np.isfinite(means["spread_rl"] / means["spread_baseline"])
    names = ["spread", "depth", *(["one_sided"] if with_one_sided else [])]
    gen = resampling_rng(rng)
    result = grid_result(
        NAME,
        f"stress-window liquidity score = mean of {', '.join(names)} components (log spread "
        "increase on two-sided steps, log depth decrease"
        + (", one-sided-book share increase" if with_one_sided else "; no one_sided column")
        + "), rl vs baseline; components BH-adjusted in extra",
        scores["score"],
        (runs.replicates, runs.seeds),
        alpha,
        n_resamples,
        gen,
        extra={
            "score_components": names,
            "units_without_two_sided_stress": int(no_two_sided.sum()),
            "one_sided_share_rl": float(np.mean(means["one_sided_rl"])),
            "one_sided_share_baseline": float(np.mean(means["one_sided_baseline"])),
        },
    )
    # The components are tested after the score, from the same generator.
    result.extra.update(_components(scores, names, alpha, n_resamples, gen))
    result.extra.update(resiliency_summary(runs))
    return result
