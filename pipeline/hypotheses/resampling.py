"""Paired tests across seeds: sign-flip permutation p-value and bootstrap CI of the mean effect.

Resampling is seeded (a Generator passed in, or a fixed default), so results are deterministic.
With n seeds, the exact sign-flip test cannot give a one-sided p below 1 / 2**n (n = 5: 0.031;
n <= 4: never below 0.05, so nothing can be rejected at alpha = 0.05): see `min_attainable_p`.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from pipeline.hypotheses.results import HypothesisResult

DEFAULT_RESAMPLES = 9999
DEFAULT_SEED = 20_251_125


def resampling_rng(rng: np.random.Generator | None) -> np.random.Generator:
    """The Generator to resample with: the one given, else a fixed-seed one (deterministic)."""
    return rng if rng is not None else np.random.default_rng(DEFAULT_SEED)


def _mean(x: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    """Vectorised mean statistic for scipy's resampling routines."""
    return np.mean(x, axis=axis)


def min_attainable_p(n: int, n_resamples: int) -> float:
    """Smallest one-sided p the sign-flip test can return for n paired units."""
    exact = 2.0**n <= n_resamples
    return 1.0 / 2.0**n if exact else 1.0 / (n_resamples + 1)


def sign_flip_p(effects: NDArray[np.float64], n_resamples: int, rng: np.random.Generator) -> float:
    """One-sided p that the mean paired effect is > 0, by flipping signs (exact if 2**n small)."""
    if np.ptp(effects) == 0.0 and effects[0] == 0.0:
        return 1.0
    result = stats.permutation_test(
        (effects,),
        _mean,
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        alternative="greater",
        rng=rng,
    )
    return float(result.pvalue)


def wilcoxon_p(effects: NDArray[np.float64]) -> float:
    """One-sided Wilcoxon signed-rank p (a rank-based cross-check; nan if all effects are 0)."""
    if np.all(effects == 0.0):
        return float("nan")
    return float(stats.wilcoxon(effects, alternative="greater").pvalue)


def bootstrap_ci(
    values: NDArray[np.float64], alpha: float, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """BCa bootstrap CI (level 1 - alpha) of the mean over seeds; percentile if BCa degenerates."""
    centre = float(np.mean(values))
    if values.size < 2 or np.ptp(values) == 0.0:
        return centre, centre
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ci = stats.bootstrap(
                (values,),
                _mean,
                vectorized=True,
                n_resamples=n_resamples,
                confidence_level=1.0 - alpha,
                method=method,
                rng=rng,
            ).confidence_interval
        low, high = float(ci.low), float(ci.high)
        if np.isfinite(low) and np.isfinite(high):
            return low, high
    return centre, centre


def check_alpha(alpha: float, n_resamples: int) -> None:
    """Reject a significance level outside (0, 1) or too few resamples to be meaningful."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if n_resamples < 99:
        raise ValueError(f"n_resamples must be >= 99, got {n_resamples!r}")


def paired_seed_result(
    name: str,
    method: str,
    effects: NDArray[np.float64],
    seeds: NDArray[np.int64],
    alpha: float,
    n_resamples: int,
    rng: np.random.Generator,
    extra: dict[str, object],
) -> HypothesisResult:
    """The result of a paired test over seeds: sign-flip p, then the bootstrap CI, from `rng`.

    Shared by H1 and H2; `extra` (test-specific statistics) is completed with the Wilcoxon
    cross-check, the smallest attainable p, the seeds and the per-seed effects.
    """
    p_value = sign_flip_p(effects, n_resamples, rng)
    ci_low, ci_high = bootstrap_ci(effects, alpha, n_resamples, rng)
    n = int(effects.size)
    extra.update(
        {
            "wilcoxon_p": wilcoxon_p(effects),
            "min_attainable_p": min_attainable_p(n, n_resamples),
            "seeds": seeds.tolist(),
            "per_seed_effect": effects.tolist(),
        }
    )
    return HypothesisResult(
        name=name,
        effect=float(np.mean(effects)),
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        reject=bool(p_value < alpha),
        method=f"paired sign-flip permutation test (one-sided, {n} seeds) of {method}",
        n=n,
        alpha=alpha,
        extra=extra,
    )
