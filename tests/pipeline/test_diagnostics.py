"""The convergence criterion, the replicates' training seeds and the mean curve over replicates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pipeline.config import load
from pipeline.diagnostics import converged, convergence_metrics, diagnostics_table
from pipeline.replicates import mean_history, replicate_conf, replicate_seed


def test_a_curve_that_rose_then_levelled_off_has_converged() -> None:
    rng = np.random.default_rng(0)
    curve = np.concatenate([np.linspace(-50, 0, 30), np.zeros(30)]) + rng.normal(0, 1, 60)
    assert converged(curve.tolist())


def test_a_curve_still_rising_or_too_short_has_not() -> None:
    rng = np.random.default_rng(0)
    assert not converged((np.linspace(-50, 0, 60) + rng.normal(0, 1, 60)).tolist())
    assert not converged([1.0] * 9)  # fewer than 10 iterations: cannot tell
    assert converged([1.0] * 10)


def test_a_drift_that_noise_hides_from_the_trend_test_is_still_not_converged() -> None:
    rng = np.random.default_rng(2)  # a draw whose tail trend is not significant (checked below)
    tail = np.linspace(0, 15, 15) + rng.normal(0, 20, 15)
    curve = np.concatenate([rng.normal(0, 20, 45), tail])
    assert stats.linregress(np.arange(15), tail).pvalue >= 0.05  # the trend test alone passes
    assert not converged(curve.tolist())  # but its drift (about 20) is > 0.25 x sd of the curve


def test_a_small_but_significant_trend_is_not_converged() -> None:
    rng = np.random.default_rng(2)
    tail = np.linspace(0, 1, 15) + rng.normal(0, 0.01, 15)
    curve = np.concatenate([np.linspace(-1000, 0, 45), tail])
    assert abs(stats.linregress(np.arange(15), tail).slope) * 15 < 0.25 * curve.std()
    assert not converged(curve.tolist())  # the drift is tiny, but it is still climbing


def test_convergence_metrics_and_table_per_policy() -> None:
    history = [{"train/a/episode_return_mean": 1.0, "train/b/episode_return_mean": float(i),
                "train/a/entropy": 0.5} for i in range(12)]
    assert convergence_metrics(history, ["a", "b"]) == {"train/a/converged": 1.0,
                                                        "train/b/converged": 0.0}
    table = diagnostics_table({0: history, 1: history[:3]}, ["a", "b"])
    assert list(table["replicate"]) == [0, 0, 1, 1]
    assert table.loc[1, "return_last"] == 11.0 and table.loc[0, "entropy_last"] == 0.5
    assert math.isnan(table.loc[1, "kl_last"])
    assert list(table["converged"]) == [True, False, False, False]


def test_training_seeds_follow_the_documented_formula_and_differ() -> None:
    state = np.random.SeedSequence([7, 1, 3]).generate_state(1)[0]
    assert replicate_seed(7, 3) == int(state % 2**31)
    seeds = [replicate_seed(7, r) for r in range(8)]
    assert len(set(seeds)) == 8 and all(0 <= s < 2**31 for s in seeds)
    assert replicate_seed(8, 0) != seeds[0]
    conf = load({"seed": 7})
    assert replicate_conf(conf, 3).seed == seeds[3] and conf.seed == 7
    with pytest.raises(ValueError, match="index must be >= 0"):
        replicate_seed(7, -1)


def test_mean_history_averages_each_iteration_over_replicates() -> None:
    rows = mean_history([[{"x": 1.0}, {"x": 3.0}], [{"x": 3.0, "y": math.nan}, {"x": 5.0}]])
    assert rows[0]["x"] == 2.0 and math.isnan(rows[0]["y"]) and rows[1] == {"x": 4.0}
    assert mean_history([]) == []
