"""Training diagnostics per replicate: reward progression, entropy, KL, value loss, convergence.

Convergence criterion (``train/<policy>/converged``): take the last quarter of the iterations
(at least MIN_WINDOW); the policy's mean episode return has converged when, over that window,
(a) the OLS trend is not significant (scipy.stats.linregress, two-sided p >= 0.05) and
(b) the drift the trend implies over the window, |slope| x window, is at most DRIFT_SHARE of the
standard deviation of the whole curve. Runs shorter than 2 x MIN_WINDOW iterations never count as
converged: there is too little curve to tell. The parent run logs the share of converged replicates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

MIN_WINDOW = 5
TREND_ALPHA = 0.05
DRIFT_SHARE = 0.25
DIAGNOSTICS = ("episode_return_mean", "entropy", "kl", "vf_loss")


def window_size(iterations: int) -> int:
    """Iterations in the convergence window: the last quarter, at least MIN_WINDOW."""
    return max(MIN_WINDOW, math.ceil(iterations / 4))


def converged(returns: Sequence[float]) -> bool:
    """Whether a return curve has stopped trending (criterion in the module docstring)."""
    curve = np.asarray([r for r in returns if math.isfinite(r)], dtype=np.float64)
    window = window_size(len(curve))
    if len(curve) < 2 * MIN_WINDOW:
        return False
    tail = curve[-window:]
    spread = float(curve.std())
    if spread == 0.0:
        return True
    if float(tail.std()) == 0.0:
        return True
    fit = stats.linregress(np.arange(window, dtype=np.float64), tail)
    return bool(fit.pvalue >= TREND_ALPHA and abs(fit.slope) * window <= DRIFT_SHARE * spread)


def curve(history: list[dict[str, float]], module: str, metric: str) -> list[float]:
    """One policy's per-iteration values of one training metric (NaN where missing)."""
    return [float(row.get(f"train/{module}/{metric}", math.nan)) for row in history]


def convergence_metrics(history: list[dict[str, float]], modules: list[str]) -> dict[str, float]:
    """``train/<policy>/converged`` (1/0) of one replicate's training history."""
    return {
        f"train/{module}/converged": float(converged(curve(history, module, "episode_return_mean")))
        for module in modules
    }


def diagnostics_table(
    histories: dict[int, list[dict[str, float]]], modules: list[str]
) -> pd.DataFrame:
    """One row per replicate and policy: first and last return, final entropy/KL/value loss."""
    rows = []
    for replicate, history in sorted(histories.items()):
        for module in modules:
            returns = curve(history, module, "episode_return_mean")
            finite = [r for r in returns if math.isfinite(r)]
            row: dict[str, object] = {
                "replicate": replicate,
                "policy": module,
                "iterations": len(history),
                "return_first": finite[0] if finite else math.nan,
                "return_last": finite[-1] if finite else math.nan,
            }
            for metric in DIAGNOSTICS[1:]:
                values = curve(history, module, metric)
                row[f"{metric}_last"] = values[-1] if values else math.nan
            row["converged"] = converged(returns)
            rows.append(row)
    return pd.DataFrame(rows)
