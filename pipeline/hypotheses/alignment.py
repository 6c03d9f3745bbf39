"""Alignment statistics of one agents x steps matrix of signed actions (-1 sell, 0 hold, 1 buy).

Pairwise Pearson correlations (H3's effect is their excess over the reference arm), the
Lakonishok-Shleifer-Vishny herding measure, the same-side share of pairs that trade together,
and Fleiss' kappa. An agent whose series is constant has no correlation (nan, left out).
"""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
from numpy.typing import NDArray
from scipy import stats
from statsmodels.stats.inter_rater import fleiss_kappa

ACTIONS = (-1, 0, 1)


def pair_index(n_agents: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row indices (i, j), i < j, of every agent pair in a fixed order."""
    pairs = np.array(list(combinations(range(n_agents), 2)), dtype=np.intp).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def pair_correlations(actions: NDArray[np.int8]) -> NDArray[np.float64]:
    """Pearson correlation of each pair (i < j) of agents' actions; nan if either is constant."""
    x = actions.astype(np.float64)
    sd = x.std(axis=1)
    z = np.divide(
        x - x.mean(axis=1, keepdims=True),
        sd[:, None],
        out=np.full_like(x, np.nan),
        where=sd[:, None] > 0,
    )
    i, j = pair_index(x.shape[0])
    return np.mean(z[i] * z[j], axis=1)


def same_side_share(actions: NDArray[np.int8]) -> float:
    """Share of (pair, step) cases with both agents trading in which they trade the same side."""
    i, j = pair_index(actions.shape[0])
    both = (actions[i] != 0) & (actions[j] != 0)
    n_both = int(both.sum())
    if n_both == 0:
        return float("nan")
    return float(((actions[i] == actions[j]) & both).sum() / n_both)


def lsv_measure(actions: NDArray[np.int8]) -> float:
    """Lakonishok-Shleifer-Vishny herding: mean over steps with >= 2 traders of |p_t - p| - AF_t.

    p_t is the share of buyers among the agents that trade at step t, p that share over the seed,
    AF_t = E|B/n_t - p| for B ~ Binomial(n_t, p). nan when fewer than 2 agents ever trade together.
    """
    buys = (actions == 1).sum(axis=0)
    traders = (actions != 0).sum(axis=0)
    keep = traders >= 2
    if not keep.any() or traders.sum() == 0:
        return float("nan")
    p_bar = buys.sum() / traders.sum()
    n_t, b_t = traders[keep], buys[keep]
    sizes = np.arange(actions.shape[0] + 1)
    adjustment = np.zeros(sizes.size)
    for n in np.unique(n_t):
        k = np.arange(n + 1)
        adjustment[n] = float(np.sum(stats.binom.pmf(k, n, p_bar) * np.abs(k / n - p_bar)))
    return float(np.mean(np.abs(b_t / n_t - p_bar) - adjustment[n_t]))


def fleiss_kappa_actions(actions: NDArray[np.int8]) -> float:
    """Fleiss' kappa, agents rating each step as sell / hold / buy (nan if undefined)."""
    table = np.stack([(actions == a).sum(axis=0) for a in ACTIONS], axis=1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return float(fleiss_kappa(table, method="fleiss"))


def nanmean(values: list[float] | NDArray[np.float64]) -> float:
    """Mean of the finite values, nan if there are none."""
    arr = np.asarray(values, dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    return float(finite.mean()) if finite.size else float("nan")
