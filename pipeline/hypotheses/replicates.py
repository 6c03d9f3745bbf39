"""Two-level inference over a crossed replicate x seed grid of paired effects.

Design: K independently trained policies (replicates) are evaluated on the same S seeds, and a
seed's baseline path is shared by all replicates. The per-unit effect e_rs is therefore crossed,
    e_rs = mu + a_r + b_s + c_rs,
with a_r the policy-to-policy (training) variation, b_s the seed's own effect (its market path and
its shared baseline) and c_rs the interaction. The estimand is mu, the mean effect over the
population of trained policies and of market seeds. Its estimate, the grand mean, has variance
    sigma_a^2 / K + sigma_b^2 / S + sigma_c^2 / (K S),
estimated from the two-way ANOVA mean squares (each component truncated at 0) with Satterthwaite's
degrees of freedom; p is one-sided from Student's t and the CI is the matching two-sided
(1 - 2 alpha) t interval, so `ci_low > 0` exactly when p < alpha. A test on the K replicate means
alone would leave out sigma_b^2 / S (the seeds are common to every replicate, so their effect does
not vary between replicate means) and be too liberal for the population of seeds. Unlike a
sign-flip over replicates (floor 1 / 2^K: K = 5 gives 0.031, which cannot survive BH over three
tests) the t-test has no floor; its price is the normality of the grid's means, which averages
over seeds make reasonable. One replicate falls back to the seed-level sign-flip test.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from pipeline.hypotheses.resampling import Inference, detectable_effect, seed_level
from pipeline.hypotheses.results import HypothesisResult


def variance_of_grand_mean(grid: NDArray[np.float64]) -> tuple[float, float, dict[str, float]]:
    """Var(grand mean) of a crossed K x S grid, its Satterthwaite df and the components.

    Var = (MS_A + MS_B - MS_C) / KS, where a variance component whose mean square is below the
    residual one is set to 0 (then its MS is replaced by MS_C and drops out of the sum).
    """
    k, s = grid.shape
    grand = grid.mean()
    rows, cols = grid.mean(axis=1), grid.mean(axis=0)
    ms_a = s * float(np.sum((rows - grand) ** 2)) / (k - 1)
    ms_b = k * float(np.sum((cols - grand) ** 2)) / (s - 1)
    resid = grid - rows[:, None] - cols[None, :] + grand
    ms_c = float(np.sum(resid**2)) / ((k - 1) * (s - 1))
    terms = [(1.0, ms, df) for ms, df in ((ms_a, k - 1.0), (ms_b, s - 1.0)) if ms > ms_c]
    terms.append((1.0 - len(terms), ms_c, (k - 1.0) * (s - 1.0)))
    total = sum(c * ms for c, ms, _ in terms)
    denom = sum((c * ms) ** 2 / df for c, ms, df in terms)
    df = float(total**2 / denom) if denom > 0 else float("inf")
    components = {
        "var_replicate": max(ms_a - ms_c, 0.0) / s,
        "var_seed": max(ms_b - ms_c, 0.0) / k,
        "var_interaction": ms_c,
    }
    return max(total, 0.0) / (k * s), df, components


def crossed_t(grid: NDArray[np.float64], alpha: float) -> Inference:
    """One-sided t-test and (1 - 2 alpha) t interval of the grand mean of a crossed grid."""
    k, s = grid.shape
    effect = float(grid.mean())
    var, df, components = variance_of_grand_mean(grid)
    se = float(np.sqrt(var))
    if se > 0:
        p_value = float(stats.t.sf(effect / se, df))
        half = float(stats.t.ppf(1.0 - alpha, df)) * se
    else:
        p_value, half = (0.0 if effect > 0 else 1.0), 0.0
    level = 1.0 - 2.0 * alpha
    return Inference(
        effect=effect,
        ci_low=effect - half,
        ci_high=effect + half,
        p_value=p_value,
        n=k,
        min_attainable_p=0.0,
        mde=detectable_effect(se, df, alpha),
        ci_level=level,
        method=(
            f"two-level test, {k} replicates as units x {s} seeds (crossed: the same seeds and "
            "baseline in every replicate): one-sided t-test of the grand mean with variance "
            "var_rep/K + var_seed/S + var_resid/KS from two-way random-effects ANOVA, "
            f"Satterthwaite df {df:.1f}; {level:.0%} t interval (two-sided 1 - 2 alpha)"
        ),
        details={
            "se": se,
            "df": df,
            **components,
        },
    )


def infer(
    grid: NDArray[np.float64], alpha: float, n_resamples: int, rng: np.random.Generator
) -> Inference:
    """Replicates as units when there are >= 2 of them, else seeds (sign-flip, as before)."""
    if grid.shape[0] >= 2:
        return crossed_t(grid, alpha)
    return seed_level(grid[0], alpha, n_resamples, rng)


def unit_extras(
    grid: NDArray[np.float64], replicates: NDArray[np.int64], seeds: NDArray[np.int64]
) -> dict[str, object]:
    """The contract's per-unit extras: counts, per-replicate means, per-seed effects."""
    return {
        "n_replicates": int(replicates.size),
        "n_seeds": int(seeds.size),
        "replicate_effects": [float(v) for v in grid.mean(axis=1)],
        "unit_effects": [
            {"replicate": int(r), "seed": int(s), "effect": float(grid[i, j])}
            for i, r in enumerate(replicates)
            for j, s in enumerate(seeds)
        ],
        "seeds": [int(s) for s in seeds],
        "per_seed_effect": [float(v) for v in grid.mean(axis=0)],
    }


def grid_result(
    name: str,
    what: str,
    grid: NDArray[np.float64],
    units: tuple[NDArray[np.int64], NDArray[np.int64]],
    alpha: float,
    n_resamples: int,
    rng: np.random.Generator,
    extra: dict[str, object],
) -> HypothesisResult:
    """A HypothesisResult from a replicate x seed grid of effects (units = (replicates, seeds))."""
    inference = infer(grid, alpha, n_resamples, rng)
    extra.update(unit_extras(grid, *units))
    extra.update(
        {
            "min_attainable_p": inference.min_attainable_p,
            "mde": inference.mde,
            "ci_level": inference.ci_level,
            **inference.details,
        }
    )
    return HypothesisResult(
        name=name,
        effect=inference.effect,
        ci_low=inference.ci_low,
        ci_high=inference.ci_high,
        p_value=inference.p_value,
        reject=bool(inference.p_value < alpha),
        method=f"{inference.method}; effect: {what}",
        n=inference.n,
        alpha=alpha,
        extra=extra,
    )
