"""The study's hypothesis tests: the primary family and the calm-market family, BH within each.

The primary family is ``hypotheses.tests`` on the configured market (with its stress events);
when that market has events, H1 and H3 are also run on the calm market as a separate family,
Benjamini-Hochberg adjusted within itself and labelled ``family: "calm"`` in hypotheses.json.
Resampling is seeded from the config seed, one stream per test, so results are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import ExperimentConf, HypothesisName
from pipeline.evaluate import CALM, Evaluation

PRIMARY, CALM_FAMILY = "primary", "calm"
HYPOTHESIS_FIELDS = ("effect", "ci_low", "ci_high", "p_value", "p_adjusted", "reject")
CALM_TESTS = (HypothesisName.volatility_amplification, HypothesisName.herding)
RESAMPLING_STREAM = 3


@dataclass
class StudyResults:
    """The BH tables and hypotheses.json records of both families."""

    primary: pd.DataFrame = field(default_factory=pd.DataFrame)
    calm: pd.DataFrame = field(default_factory=pd.DataFrame)
    records: list[dict[str, Any]] = field(default_factory=list)

    def family(self, name: str) -> list[dict[str, Any]]:
        """The records of one family ("primary" or "calm")."""
        return [r for r in self.records if r["family"] == name]


def _tests(
    evaluation: Evaluation, condition: str, conf: ExperimentConf
) -> dict[str, Callable[[float], Any]]:
    """Each test on its table of ``condition``; one seeded resampling stream per test."""
    from pipeline import hypotheses as h

    def rng(index: int) -> np.random.Generator:
        return np.random.default_rng(
            np.random.SeedSequence([conf.seed, RESAMPLING_STREAM, index])
        )

    market = evaluation.market_table(condition)
    actions = evaluation.action_table(condition)
    reference = conf.hypotheses.herding_reference.value
    return {
        HypothesisName.volatility_amplification.value: lambda alpha: h.volatility_amplification(
            market, alpha=alpha, rng=rng(0)
        ),
        HypothesisName.liquidity_impact.value: lambda alpha: h.liquidity_impact(
            market, alpha=alpha, rng=rng(1)
        ),
        HypothesisName.herding.value: lambda alpha: h.herding(
            actions, alpha=alpha, rng=rng(2), reference=reference
        ),
    }


def _family(
    evaluation: Evaluation, conf: ExperimentConf, condition: str, names: list[str], family: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    from pipeline.hypotheses import results_table

    if not names:
        return pd.DataFrame(), []
    tests = _tests(evaluation, condition, conf)
    results = [tests[name](conf.hypotheses.alpha) for name in names]
    table = results_table(results)
    records = []
    for result, (_, row) in zip(results, table.iterrows(), strict=True):
        record = result.to_dict()
        record["p_adjusted"] = float(row["p_adjusted"])
        record["reject_adjusted"] = bool(row["reject_adjusted"])
        record["condition"] = condition
        record["family"] = family
        records.append(record)
    return table.assign(family=family), records


def run_study(evaluation: Evaluation, conf: ExperimentConf) -> StudyResults:
    """Both families of tests, each BH-adjusted within itself."""
    names = [name.value for name in conf.hypotheses.tests]
    primary, records = _family(evaluation, conf, evaluation.primary_condition, names, PRIMARY)
    study = StudyResults(primary=primary, records=records)
    if evaluation.primary_condition != CALM and CALM in evaluation.conditions:
        calm_names = [name.value for name in conf.hypotheses.tests if name in CALM_TESTS]
        study.calm, calm_records = _family(evaluation, conf, CALM, calm_names, CALM_FAMILY)
        study.records.extend(calm_records)
    return study


def hypothesis_metrics(study: StudyResults) -> dict[str, float]:
    """hypothesis/<name>/{effect,ci_low,ci_high,p_value,p_adjusted,reject} (primary family);
    hypothesis_calm/<name>/... the same for the calm family (adjusted within it)."""
    metrics: dict[str, float] = {}
    for prefix, table in (("hypothesis", study.primary), ("hypothesis_calm", study.calm)):
        for _, row in table.iterrows():
            for key in HYPOTHESIS_FIELDS:
                metrics[f"{prefix}/{row['name']}/{key}"] = float(row[key])
    return metrics


def print_results(study: StudyResults) -> None:
    """One console line per test of the primary family."""
    for _, row in study.primary.iterrows():
        print(
            f"[hypothesis] {row['name']}: effect {row['effect']:.4g} "
            f"[{row['ci_low']:.4g}, {row['ci_high']:.4g}]  p {row['p_value']:.4g}  "
            f"p_BH {row['p_adjusted']:.4g}  reject={bool(row['reject'])}",
            flush=True,
        )
