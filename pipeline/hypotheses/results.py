"""The result of one hypothesis test and the table of an experiment's results with BH-adjusted p."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from statsmodels.stats.multitest import multipletests

TABLE_COLUMNS = [
    "name",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "reject",
    "reject_adjusted",
    "alpha",
    "method",
    "n",
]


@dataclass(frozen=True)
class HypothesisResult:
    """One test: effect (> 0 in the hypothesis' direction), its CI, one-sided p and decision.

    `ci_low`/`ci_high` is the two-sided 1 - 2 alpha interval that matches the one-sided test;
    `reject` is `p_value < alpha`; `n` counts the units the p-value rests on (replicates, else
    seeds); `extra` holds the per-unit effects, design facts (smallest attainable p, MDE, CI
    level) and secondary statistics (components, resiliency, pairs, LSV, co-movement).
    """

    name: str
    effect: float
    ci_low: float
    ci_high: float
    p_value: float
    reject: bool
    method: str
    n: int
    alpha: float = 0.05
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict for hypotheses.json; NaN / inf inside `extra` become None.

        (Strict JSON has neither, and an undefined statistic such as the same-style excess of
        agents that all have different styles, or an infinite MDE, is common in `extra`.)
        """
        out = asdict(self)
        out["extra"] = json_safe(out["extra"])
        return out


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float (NaN, +-inf) replaced by None, recursively."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def results_table(results: Sequence[HypothesisResult]) -> pd.DataFrame:
    """One row per result, with Benjamini-Hochberg adjusted p-values across the results.

    `p_adjusted` controls the false discovery rate over the hypotheses of one experiment;
    `reject_adjusted` is `p_adjusted < alpha` (each result's own alpha).
    """
    if not results:
        raise ValueError("results is empty: nothing to tabulate")
    names = [r.name for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"results has duplicate names {names}")
    for r in results:
        if not (0.0 <= r.p_value <= 1.0) or math.isnan(r.p_value):
            raise ValueError(f"result {r.name!r} has p_value {r.p_value!r} outside [0, 1]")
    table = pd.DataFrame([r.to_dict() for r in results])  # `extra` is dropped by the selection
    p_adj = multipletests(table["p_value"].to_numpy(), method="fdr_bh")[1]
    table["p_adjusted"] = p_adj
    table["reject_adjusted"] = table["p_adjusted"] < table["alpha"]
    return table[TABLE_COLUMNS]
