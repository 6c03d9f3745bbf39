"""The learning comparison: trained vs random / hold / rule-based, replicates as units."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pipeline.learning import beats, comparisons, learned, learning_metrics
from tests.pipeline.pipeline_helpers import synthetic_learning


def test_exact_sign_flip_p_has_the_floor_of_its_units() -> None:
    assert beats(np.ones(5)) == pytest.approx(1 / 32)
    assert beats(np.ones(6)) == pytest.approx(1 / 64)
    assert beats(-np.ones(6)) == pytest.approx(1.0)
    assert beats(np.array([1.0])) == 1.0 and beats(np.zeros(4)) == 1.0


def test_sign_flip_p_is_the_share_of_sign_patterns_reaching_the_observed_mean() -> None:
    diffs = np.array([3.0, 2.0, 1.0, -0.5, 4.0, 0.5])
    signs = np.array(np.meshgrid(*[[-1, 1]] * 6)).reshape(6, -1).T
    expected = np.mean((signs * diffs).mean(axis=1) >= diffs.mean() - 1e-12)
    assert beats(diffs) == pytest.approx(expected)
    assert beats(diffs) < stats.ttest_1samp(diffs, 0, alternative="greater").pvalue + 0.05


def test_six_replicates_that_all_beat_random_and_hold_have_learned() -> None:
    table = comparisons(synthetic_learning(seeds=4, replicates=6, edge=5.0), alpha=0.05)
    assert set(table["baseline"]) == {"random", "hold", "rule_based"}
    random_row = table[(table["policy"] == "momentum") & (table["baseline"] == "random")].iloc[0]
    assert random_row["pnl_diff"] == pytest.approx(5.0)
    assert random_row["p_value"] == pytest.approx(1 / 64)
    assert random_row["unit"] == "replicate" and random_row["n"] == 6
    rule_row = table[(table["policy"] == "momentum") & (table["baseline"] == "rule_based")]
    assert not rule_row["beats"].iloc[0]  # rule-based makes +9 more: trained loses to it
    assert learned(table) == {"adaptive": True, "mean_reversion": True, "momentum": True}
    metrics = learning_metrics(table)
    assert metrics["learning/momentum/learned"] == 1.0
    assert metrics["learning/momentum/random/pnl_diff"] == pytest.approx(5.0)
    assert metrics["learning/momentum/hold/p_value"] == pytest.approx(1 / 64)


def test_no_edge_means_not_learned_and_one_replicate_uses_seeds_as_units() -> None:
    table = comparisons(synthetic_learning(seeds=8, replicates=6, edge=-1.0), alpha=0.05)
    assert learned(table) == {"adaptive": False, "mean_reversion": False, "momentum": False}
    single = comparisons(synthetic_learning(seeds=8, replicates=1, edge=5.0), alpha=0.05)
    assert set(single["unit"]) == {"seed"} and set(single["n"]) == {8}
    assert learning_metrics(single)["learning/adaptive/learned"] == 1.0
