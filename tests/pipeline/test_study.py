"""The study's families of hypothesis tests on a synthetic evaluation (no training needed)."""

from __future__ import annotations

import json

import pytest
from statsmodels.stats.multitest import multipletests

from pipeline.config import load
from pipeline.study import hypothesis_metrics, run_study
from tests.pipeline.pipeline_helpers import synthetic_evaluation

TESTS = ["volatility_amplification", "liquidity_impact", "herding"]


def test_primary_and_calm_families_are_adjusted_within_themselves() -> None:
    conf = load({"seed": 5})
    study = run_study(synthetic_evaluation(seeds=4), conf)
    assert [(r["name"], r["family"], r["condition"]) for r in study.records] == [
        *((name, "primary", "stress") for name in TESTS),
        ("volatility_amplification", "calm", "calm"), ("herding", "calm", "calm"),
    ]
    for family in ("primary", "calm"):
        records = study.family(family)
        expected = multipletests([r["p_value"] for r in records], method="fdr_bh")[1]
        assert [r["p_adjusted"] for r in records] == pytest.approx(list(expected))
    metrics = hypothesis_metrics(study)
    assert metrics["hypothesis_calm/herding/p_adjusted"] == study.family("calm")[1]["p_adjusted"]
    assert metrics["hypothesis/herding/p_value"] == study.family("primary")[2]["p_value"]


def test_the_study_is_a_deterministic_function_of_tables_and_seed() -> None:
    evaluation = synthetic_evaluation(seeds=4)
    first = json.dumps(run_study(evaluation, load({"seed": 5})).records, default=str)
    again = json.dumps(run_study(evaluation, load({"seed": 5})).records, default=str)
    assert first == again


def test_replicates_reach_the_tests_as_replicates_or_as_flagged_pooled_units() -> None:
    study = run_study(synthetic_evaluation(seeds=3, replicates=2), load({"seed": 5}))
    for record in study.family("primary"):
        assert record["extra"]["n_replicates"] == 2
        assert record["n"] == 2
