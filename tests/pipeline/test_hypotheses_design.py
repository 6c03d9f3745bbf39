"""Studies that can reject: the smallest p of a study's shape, checked before any training."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pipeline.hypotheses.design import check_study_can_reject, seeds_needed, study_min_p


def test_single_replicate_floor_is_the_sign_flip_floor_times_the_tests() -> None:
    assert study_min_p(n_seeds=5, n_replicates=1, n_tests=1, alpha=0.05) == pytest.approx(1 / 32)
    assert study_min_p(n_seeds=5, n_replicates=1, n_tests=3, alpha=0.05) == pytest.approx(3 / 32)
    assert study_min_p(n_seeds=20, n_replicates=1, n_tests=3, alpha=0.05) == pytest.approx(3e-4)
    assert study_min_p(n_seeds=1, n_replicates=1, n_tests=1, alpha=0.05) == 1.0


def test_replicated_studies_use_the_t_test_without_floor() -> None:
    assert study_min_p(n_seeds=2, n_replicates=5, n_tests=3, alpha=0.05) == 0.0
    check_study_can_reject(n_seeds=10, n_replicates=5, n_tests=3, alpha=0.05)


def test_five_seeds_three_tests_is_refused_with_the_seeds_it_needs() -> None:
    with pytest.raises(ValueError, match=r"cannot reject.*needs >= 6 seeds, or >= 2 replicates"):
        check_study_can_reject(n_seeds=5, n_replicates=1, n_tests=3, alpha=0.05)
    check_study_can_reject(n_seeds=6, n_replicates=1, n_tests=3, alpha=0.05)  # 3/64 < 0.05
    check_study_can_reject(n_seeds=5, n_replicates=1, n_tests=1, alpha=0.05)  # 1/32 < 0.05
    with pytest.raises(ValueError, match="needs >= 5 seeds"):
        check_study_can_reject(n_seeds=4, n_replicates=1, n_tests=1, alpha=0.05)


def test_one_seed_is_refused_even_with_replicates() -> None:
    with pytest.raises(ValueError, match="at least 2 seeds"):
        check_study_can_reject(n_seeds=1, n_replicates=8, n_tests=1, alpha=0.05)


@pytest.mark.parametrize("n_tests", [1, 2, 3, 7])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_seeds_needed_is_the_smallest_shape_that_passes(n_tests: int, alpha: float) -> None:
    n = seeds_needed(n_tests=n_tests, alpha=alpha)
    check_study_can_reject(n_seeds=n, n_replicates=1, n_tests=n_tests, alpha=alpha)
    if n > 2:
        with pytest.raises(ValueError):
            check_study_can_reject(n_seeds=n - 1, n_replicates=1, n_tests=n_tests, alpha=alpha)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_seeds": 0}, "n_seeds"),
        ({"n_seeds": 2.5}, "n_seeds"),
        ({"n_replicates": 0}, "n_replicates"),
        ({"n_tests": 0}, "n_tests"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": 0.0}, "alpha"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict, field: str) -> None:
    args = {"n_seeds": 10, "n_replicates": 1, "n_tests": 3, "alpha": 0.05, **kwargs}
    with pytest.raises(ValueError, match=field):
        study_min_p(**args)


def test_design_floor_matches_what_the_tests_report() -> None:
    from pipeline.hypotheses import volatility_amplification
    from pipeline.hypotheses.synthetic import synthetic_market

    for n_seeds, k in ((5, 1), (12, 1), (4, 3)):
        table = synthetic_market(
            np.random.default_rng(0),
            n_seeds=n_seeds,
            n_steps=200,
            windows=((50, 10),),
            n_replicates=k,
            replicate_sd=0.05,
        )
        reported = volatility_amplification(table).extra["min_attainable_p"]
        assert reported == study_min_p(n_seeds=n_seeds, n_replicates=k, n_tests=1, alpha=0.05)


def test_design_is_cheap_to_import() -> None:
    code = (
        "import sys, pipeline.hypotheses.design; "
        "heavy = [m for m in ('market', 'scipy', 'pandas', 'statsmodels') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
