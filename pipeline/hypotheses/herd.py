"""H3, herding beyond common information: do RL agents align more than reference traders would?

All agents see the same market, so agents reacting to the same public signal are correlated
without any herding. The reference arm ("baseline" rows of the action table) puts traders with the
same information in the RL agents' slots on the same seeds (by default each style's rule-based
counterpart). Per unit (seed, or replicate x seed) and agent pair, alignment is the Pearson
correlation of signed actions; the unit's effect is the mean over pairs of rl - reference (excess
alignment), so pairs of opposite styles (negatively correlated in both arms) do not cancel the
pairs of like styles. Inference is paired over units as for H1/H2 (sign-flip over seeds, or the
two-level crossed test over replicates). The independence test ("co-movement", block-shift null)
is reported as a labelled secondary, and is the primary test only when there is no reference arm.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipeline.hypotheses.action_tables import ActionUnits, action_units
from pipeline.hypotheses.alignment import (
    fleiss_kappa_actions,
    lsv_measure,
    nanmean,
    pair_correlations,
    pair_index,
    same_side_share,
)
from pipeline.hypotheses.co_movement import SECONDARY_RESAMPLES, co_movement
from pipeline.hypotheses.replicates import grid_result
from pipeline.hypotheses.resampling import DEFAULT_RESAMPLES, check_alpha, resampling_rng
from pipeline.hypotheses.results import HypothesisResult

NAME = "herding"
UNDEFINED = "undefined (p set to 1): fewer than 2 seeds have two agents that vary their actions"
REFERENCES = {
    "rule_based": "rule_based: each RL slot driven by its style's rule-based counterpart "
    "on the same seeds",
    "noise": "noise: noise traders in the RL slots (no information, so it cannot tell herding "
    "from a common reaction to the market)",
}


def describe_reference(reference: str | None, has_reference: bool) -> str:
    """What the reference arm was, for `extra["reference"]`."""
    if not has_reference:
        return "none: the action table has no 'baseline' rows"
    if reference is None:
        return "the action table's 'baseline' rows (reference traders in the RL agents' slots)"
    return REFERENCES.get(reference, reference)


def _pair_stats(
    units: ActionUnits,
) -> tuple[dict[tuple[str, str], list[tuple[float, float]]], NDArray[np.float64], list]:
    """Per pair the (rl, reference) correlations over units, per unit excess and per unit pairs."""
    by_pair: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    excess, unit_pairs = [], []
    for unit in units.units:
        assert unit.reference is not None
        rl, ref = pair_correlations(unit.rl), pair_correlations(unit.reference)
        i, j = pair_index(len(unit.agents))
        names = [(unit.agents[a], unit.agents[b]) for a, b in zip(i, j, strict=True)]
        for name, r, f in zip(names, rl, ref, strict=True):
            by_pair[name].append((float(r), float(f)))
        excess.append(nanmean(rl - ref))
        unit_pairs.append(list(zip(names, rl - ref, strict=True)))
    return by_pair, np.array(excess), unit_pairs


def _style_excess(unit_pairs: list, styles: dict[str, str] | None, same: bool) -> float:
    """Mean over units of the mean excess over same-style (or cross-style) pairs; nan if none."""
    if styles is None:
        return float("nan")
    per_unit = [
        nanmean([e for (a, b), e in pairs if (styles[a] == styles[b]) == same])
        for pairs in unit_pairs
    ]
    return nanmean(per_unit)


def _pair_table(by_pair: dict, styles: dict[str, str] | None) -> list[dict[str, object]]:
    """One row per agent pair: mean rl and reference correlation over units and the excess."""
    rows: list[dict[str, object]] = []
    for (a, b), values in sorted(by_pair.items()):
        arr = np.array(values)
        rl, ref = nanmean(arr[:, 0]), nanmean(arr[:, 1])
        both = np.isfinite(arr).all(axis=1)
        rows.append(
            {
                "agent_a": a,
                "agent_b": b,
                "same_style": bool(styles is not None and styles[a] == styles[b]),
                "rl": rl,
                "reference": ref,
                "excess": nanmean(arr[both, 0] - arr[both, 1]),
            }
        )
    return rows


def _arm_stats(units: ActionUnits) -> dict[str, object]:
    """LSV, same-side share and Fleiss' kappa of the RL arm, the reference arm and the excess."""
    out: dict[str, object] = {}
    for name, func in (
        ("lsv", lsv_measure),
        ("same_side_share", same_side_share),
        ("fleiss_kappa", fleiss_kappa_actions),
    ):
        rl = nanmean([func(u.rl) for u in units.units])
        out[name] = rl
        if units.has_reference:
            ref = nanmean([func(u.reference) for u in units.units if u.reference is not None])
            out[f"{name}_reference"] = ref
            out[f"{name}_excess"] = rl - ref
    return out


def _complete_seeds(
    grid: NDArray[np.float64], seeds: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], list[int]]:
    """Drop seeds whose effect is undefined in any replicate (fewer than 2 varying agents)."""
    keep = np.isfinite(grid).all(axis=0)
    return grid[:, keep], seeds[keep], seeds[~keep].tolist()


def _degenerate(alpha: float, method: str, extra: dict[str, object]) -> HypothesisResult:
    """Result when herding is undefined (fewer than 2 seeds with two varying agents)."""
    nan = float("nan")
    extra.update(
        {
            "replicate_effects": [nan] * int(extra["n_replicates"]),  # type: ignore[call-overload]
            "unit_effects": [],
            "min_attainable_p": 1.0,
            "mde": float("inf"),
            "ci_level": 1.0 - 2.0 * alpha,
        }
    )
    return HypothesisResult(NAME, nan, nan, nan, 1.0, False, method, 0, alpha, extra)


def _base_extra(units: ActionUnits, co: dict[str, object], reference: str | None) -> dict:
    """The extras shared by the reference and fallback paths."""
    return {
        **_arm_stats(units),
        "reference": describe_reference(reference, units.has_reference),
        "co_movement": {k: co[k] for k in ("effect", "p_value", "method")},
        "styles_known": units.styles is not None,
        "styles": units.styles or {},
        "agents": sorted({a for u in units.units for a in u.agents}),
        "constant_agent_series": int(sum((u.rl.std(axis=1) == 0).sum() for u in units.units)),
        "n_replicates": int(units.replicates.size),
        "n_seeds": int(units.seeds.size),
    }


def herding(
    actions_df: pd.DataFrame,
    alpha: float = 0.05,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: np.random.Generator | None = None,
    reference: str | None = None,
) -> HypothesisResult:
    """Test H3: RL agents' mean pairwise alignment exceeds the reference arm's (one-sided).

    `reference` names the reference arm for the record (e.g. "rule_based"); without baseline
    rows the test falls back to the co-movement (independence) test and `method` says so.
    """
    check_alpha(alpha, n_resamples)
    units = action_units(actions_df)
    gen = resampling_rng(rng)
    k, s = units.replicates.size, units.seeds.size
    # as a secondary the co-movement p needs fewer draws; as the fallback primary, all of them
    co_draws = min(n_resamples, SECONDARY_RESAMPLES) if units.has_reference else n_resamples
    co = co_movement([u.rl for u in units.units], co_draws, gen)
    extra = _base_extra(units, co, reference)
    if not units.has_reference:
        return _fallback(units, co, alpha, n_resamples, gen, extra)
    by_pair, excess, unit_pairs = _pair_stats(units)
    grid, seeds, dropped = _complete_seeds(excess.reshape(k, s), units.seeds)
    extra.update(
        {
            "pairs": _pair_table(by_pair, units.styles),
            "same_style_excess": _style_excess(unit_pairs, units.styles, same=True),
            "cross_style_excess": _style_excess(unit_pairs, units.styles, same=False),
            "seeds_without_varying_pairs": dropped,
        }
    )
    styles_note = "" if units.styles is not None else "; styles unknown (no style column)"
    what = (
        "excess alignment = mean over agent pairs of corr(rl actions) - corr(reference actions) "
        f"in the same slots, paired by seed{' and replicate' if k > 1 else ''}{styles_note}; "
        "co-movement (independence) test secondary in extra"
    )
    if seeds.size < 2:
        return _degenerate(alpha, f"{UNDEFINED}; {what}", extra)
    return grid_result(NAME, what, grid, (units.replicates, seeds), alpha, n_resamples, gen, extra)


def _fallback(
    units: ActionUnits,
    co: dict[str, object],
    alpha: float,
    n_resamples: int,
    gen: np.random.Generator,
    extra: dict[str, object],
) -> HypothesisResult:
    """No reference arm: the co-movement test is primary (it cannot tell herding from a shared
    reaction to the market), CI from the per-unit excess over the block-shift null."""
    k, s = units.replicates.size, units.seeds.size
    unit_excess = np.array(co["unit_excess"], dtype=np.float64).reshape(k, s)
    grid, seeds, dropped = _complete_seeds(unit_excess, units.seeds)
    extra.update(
        {
            "pairs": [],
            "same_style_excess": float("nan"),
            "cross_style_excess": float("nan"),
            "seeds_without_varying_pairs": dropped,
            "mean_pairwise_correlation": co.get("mean_pairwise_correlation", float("nan")),
        }
    )
    method = (
        "fallback, no reference (baseline) rows: co-movement "
        f"{co['method']}; it cannot tell herding from a common reaction to the market"
    )
    if seeds.size < 2:
        return _degenerate(alpha, f"{UNDEFINED}; {method}", extra)
    units_used = (units.replicates, seeds)
    result = grid_result(NAME, method, grid, units_used, alpha, n_resamples, gen, extra)
    p_value = float(co["p_value"])  # type: ignore[arg-type]
    result.extra["min_attainable_p"] = 1.0 / (n_resamples + 1)
    return HypothesisResult(
        NAME,
        float(co["effect"]),  # type: ignore[arg-type]
        result.ci_low,
        result.ci_high,
        p_value,
        bool(p_value < alpha),
        f"{method}; CI: {result.method.split('; effect:')[0]}",
        result.n,
        alpha,
        result.extra,
    )
