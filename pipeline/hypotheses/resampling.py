"""Seeds as units: sign-flip permutation p-value and bootstrap CI of the mean paired effect.

Resampling is seeded (a Generator passed in, or a fixed default), so results are deterministic.
With n seeds, the exact sign-flip test cannot give a one-sided p below 1 / 2**n (n = 5: 0.031;
n <= 4: never below 0.05, so nothing can be rejected at alpha = 0.05): see `min_attainable_p`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

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


@dataclass(frozen=True)
class Inference:
    """The inferential part of a result: estimate, 1 - 2 alpha CI, one-sided p, design facts."""

    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    min_attainable_p: float
    mde: float
    ci_level: float
    method: str
    details: dict[str, float] = field(default_factory=dict)


def detectable_effect(sd_of_mean: float, df: float, alpha: float) -> float:
    """Effect a one-sided level-alpha t-test detects with 80% power: (t_1-a + t_0.8) x SE."""
    if not np.isfinite(df) or df <= 0:
        return float("inf")
    return float((stats.t.ppf(1.0 - alpha, df) + stats.t.ppf(0.8, df)) * sd_of_mean)


def seed_level(
    effects: NDArray[np.float64], alpha: float, n_resamples: int, rng: np.random.Generator
) -> Inference:
    """Seeds as units: exact/Monte Carlo sign-flip p and a (1 - 2 alpha) BCa bootstrap CI.

    The two-sided 1 - 2 alpha interval is the one that pairs with a one-sided level-alpha test.
    """
    n = int(effects.size)
    p_value = sign_flip_p(effects, n_resamples, rng)
    level = 1.0 - 2.0 * alpha
    ci_low, ci_high = bootstrap_ci(effects, 1.0 - level, n_resamples, rng)
    floor = min_attainable_p(n, n_resamples)
    sd = float(np.std(effects, ddof=1)) if n > 1 else float("nan")
    mde = detectable_effect(sd / np.sqrt(n), n - 1, alpha) if floor < alpha else float("inf")
    return Inference(
        effect=float(np.mean(effects)),
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        n=n,
        min_attainable_p=floor,
        mde=mde,
        ci_level=level,
        method=(
            f"paired sign-flip permutation test (one-sided, {n} seeds as units"
            f"{', exact' if 2.0**n <= n_resamples else ''}); {level:.0%} BCa bootstrap CI "
            "over seeds (two-sided 1 - 2 alpha, the interval that matches the one-sided test)"
        ),
        details={"wilcoxon_p": wilcoxon_p(effects)},
    )
