"""H3, herding: do the RL agents' signed actions agree more than chance would make them?

Statistic per seed: mean pairwise Pearson correlation of the agents' signed actions (-1/0/1).
Null: each agent's series is circularly shifted by an independent uniform random offset (the
same shift for all of a seed's steps), which keeps every agent's own persistence and action mix
but breaks their alignment in time, so sticky but independent agents are not called herders.
Seeds are aggregated by averaging the statistic (observed and each null draw) over seeds.
The correlation of every shift is read off the circular cross-correlation (FFT), so the null
costs O(pairs x steps x log steps + resamples x pairs) per seed.
"""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from statsmodels.stats.inter_rater import fleiss_kappa

from pipeline.hypotheses.resampling import (
    DEFAULT_RESAMPLES,
    bootstrap_ci,
    check_alpha,
    resampling_rng,
)
from pipeline.hypotheses.results import HypothesisResult
from pipeline.hypotheses.validation import ACTIONS, action_panels

NAME = "herding"


def canonical_order(actions: NDArray[np.int8]) -> NDArray[np.int8]:
    """Agents' rows sorted by their action series, so agent names cannot change the null draws."""
    return actions[np.lexsort(actions.T[::-1])]


def circular_cross_correlations(actions: NDArray[np.int8]) -> tuple[NDArray[np.float64], int]:
    """Per usable pair (i < j), corr(a_i(t), a_j(t + lag)) at every circular lag, and agent count.

    Agents with a constant series (correlation undefined) are left out: (0, T) if < 2 remain.
    """
    x = actions.astype(np.float64)
    std = x.std(axis=1)
    z = (x[std > 0] - x[std > 0].mean(axis=1, keepdims=True)) / std[std > 0, None]
    n_steps = x.shape[1]
    if z.shape[0] < 2:
        return np.zeros((0, n_steps)), int(z.shape[0])
    spectra = np.fft.rfft(z, axis=1)
    pairs = list(combinations(range(z.shape[0]), 2))
    i, j = np.array(pairs).T
    xcorr = np.fft.irfft(np.conj(spectra[i]) * spectra[j], n=n_steps, axis=1) / n_steps
    return xcorr, int(z.shape[0])


def shifted_null(
    xcorr: NDArray[np.float64], n_agents: int, n_resamples: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Mean pairwise correlation under independent circular shifts of each agent: (n_resamples,)."""
    n_steps = xcorr.shape[1]
    offsets = rng.integers(0, n_steps, size=(n_resamples, n_agents))
    i, j = np.array(list(combinations(range(n_agents), 2))).T
    lags = (offsets[:, j] - offsets[:, i]) % n_steps
    return xcorr[np.arange(i.size), lags].mean(axis=1)


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
    adjustment = {}
    for n in np.unique(n_t):
        k = np.arange(n + 1)
        adjustment[int(n)] = float(np.sum(stats.binom.pmf(k, n, p_bar) * np.abs(k / n - p_bar)))
    af = np.array([adjustment[int(n)] for n in n_t])
    return float(np.mean(np.abs(b_t / n_t - p_bar) - af))


def fleiss_kappa_actions(actions: NDArray[np.int8]) -> float:
    """Fleiss' kappa, agents rating each step as sell / hold / buy (nan if undefined)."""
    table = np.stack([(actions == a).sum(axis=0) for a in ACTIONS], axis=1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return float(fleiss_kappa(table, method="fleiss"))


def _nanmean(values: list[float]) -> float:
    """Mean of the finite values, nan if there are none."""
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _degenerate(n_seeds: int, alpha: float, extra: dict[str, object]) -> HypothesisResult:
    """Result when no seed has two agents that ever change action: herding is undefined."""
    return HypothesisResult(
        name=NAME,
        effect=float("nan"),
        ci_low=float("nan"),
        ci_high=float("nan"),
        p_value=1.0,
        reject=False,
        method="undefined: in every seed fewer than 2 agents vary their actions (p set to 1)",
        n=0,
        alpha=alpha,
        extra={**extra, "n_seeds_in_table": n_seeds},
    )


def herding(
    actions_df: pd.DataFrame,
    alpha: float = 0.05,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
) -> HypothesisResult:
    """Test H3: mean pairwise action correlation exceeds its circular-shift null (one-sided).

    effect = observed mean correlation - mean of the null (agreement beyond chance); p counts
    null draws >= observed, (1 + count) / (1 + n_resamples); CI: BCa bootstrap over seeds of the
    per-seed excess. Seeds where fewer than 2 agents vary are left out and counted in `extra`.
    """
    check_alpha(alpha, n_resamples)
    panels = action_panels(actions_df)
    gen = resampling_rng(rng)
    observed, excess, nulls, used = [], [], [], []
    for seed, actions in zip(panels.seeds, panels.actions, strict=True):
        xcorr, n_agents = circular_cross_correlations(canonical_order(actions))
        if n_agents < 2:
            continue
        null = shifted_null(xcorr, n_agents, n_resamples, gen)
        observed.append(float(xcorr[:, 0].mean()))
        excess.append(observed[-1] - float(null.mean()))
        nulls.append(null)
        used.append(int(seed))
    extra: dict[str, object] = {
        "lsv": _nanmean([lsv_measure(a) for a in panels.actions]),
        "fleiss_kappa": _nanmean([fleiss_kappa_actions(a) for a in panels.actions]),
        "seeds_without_varying_pairs": sorted(set(panels.seeds.tolist()) - set(used)),
        "constant_agent_series": int(sum((a.std(axis=1) == 0).sum() for a in panels.actions)),
        "agents": sorted({a for names in panels.agents for a in names}),
    }
    if not used:
        return _degenerate(int(panels.seeds.size), alpha, extra)
    obs = float(np.mean(observed))
    null_mean = np.mean(np.stack(nulls), axis=0)
    p_value = float((1 + np.sum(null_mean >= obs - 1e-12)) / (1 + n_resamples))
    effects = np.array(excess)
    ci_low, ci_high = bootstrap_ci(effects, alpha, n_resamples, gen)
    extra.update(
        {
            "mean_pairwise_correlation": obs,
            "null_mean_correlation": float(null_mean.mean()),
            "seeds": used,
            "per_seed_effect": effects.tolist(),
        }
    )
    return HypothesisResult(
        name=NAME,
        effect=float(effects.mean()),
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        reject=bool(p_value < alpha),
        method=(
            f"mean pairwise correlation of signed actions over {len(used)} seeds vs a null of "
            "independent circular shifts of each agent's series (one-sided); BCa bootstrap CI "
            "over seeds; LSV and Fleiss' kappa in extra"
        ),
        n=len(used),
        alpha=alpha,
        extra=extra,
    )
