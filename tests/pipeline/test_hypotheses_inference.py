"""Known answers of the inference layer: sign-flip p, bootstrap CI, crossed t-test, study floors.

Small inputs whose answer is known in closed form (exact sign-flip p = k / 2^n, ANOVA mean
squares by hand), so that any change of a formula, a bound or a branch fails a test.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pipeline.hypotheses import design
from pipeline.hypotheses.replicates import (
    crossed_t,
    grid_result,
    infer,
    unit_extras,
    variance_of_grand_mean,
)
from pipeline.hypotheses.resampling import (
    bootstrap_ci,
    check_alpha,
    detectable_effect,
    min_attainable_p,
    resampling_rng,
    seed_level,
    sign_flip_p,
    wilcoxon_p,
)


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


# ---- resampling ----------------------------------------------------------------------------


def test_min_attainable_p_is_exact_while_all_sign_flips_fit() -> None:
    assert min_attainable_p(3, 8) == 1 / 8  # 2^3 = 8 flips <= 8 resamples: exact
    assert min_attainable_p(4, 15) == 1 / 16  # 16 > 15: Monte Carlo floor 1 / (15 + 1)
    assert min_attainable_p(5, 99) == 1 / 32
    assert min_attainable_p(7, 99) == 1 / 100


def test_exact_sign_flip_p_counts_the_flips_at_least_as_large() -> None:
    # all 8 sign patterns of (1, 2, 3): means >= 2 only for (+,+,+): p = 1/8
    assert sign_flip_p(np.array([1.0, 2.0, 3.0]), 999, rng()) == pytest.approx(1 / 8)
    # (3, -1, -1), sum 1: the flips keeping +3 have sums 1, 3, 3, 5 (all >= 1), the others
    # at most -1: p = 4/8
    assert sign_flip_p(np.array([3.0, -1.0, -1.0]), 999, rng()) == pytest.approx(4 / 8)
    assert sign_flip_p(np.array([-1.0, -2.0]), 999, rng()) == pytest.approx(1.0)


def test_sign_flip_p_of_all_zero_effects_is_one_but_constant_nonzero_is_exact() -> None:
    assert sign_flip_p(np.zeros(4), 999, rng()) == 1.0
    assert sign_flip_p(np.full(4, 2.0), 999, rng()) == pytest.approx(1 / 16)
    assert sign_flip_p(np.array([0.0, 0.0, 1.0]), 999, rng()) == pytest.approx(4 / 8)


def test_wilcoxon_p_is_scipys_one_sided_and_nan_for_all_zero() -> None:
    effects = np.array([0.5, 1.0, -0.2, 2.0, 0.3])
    want = stats.wilcoxon(effects, alternative="greater").pvalue
    assert wilcoxon_p(effects) == pytest.approx(want)
    assert np.isnan(wilcoxon_p(np.zeros(3)))
    assert not np.isnan(wilcoxon_p(np.array([0.0, 0.0, 1.0])))


def test_bootstrap_ci_degenerate_cases_are_the_mean() -> None:
    assert bootstrap_ci(np.array([2.0]), 0.1, 999, rng()) == (2.0, 2.0)
    assert bootstrap_ci(np.full(5, 3.0), 0.1, 999, rng()) == (3.0, 3.0)


def test_bootstrap_ci_brackets_the_mean_and_narrows_with_the_level() -> None:
    values = np.random.default_rng(1).normal(1.0, 1.0, 30)
    wide = bootstrap_ci(values, 0.02, 999, rng())
    narrow = bootstrap_ci(values, 0.5, 999, rng())
    assert wide[0] < narrow[0] < values.mean() < narrow[1] < wide[1]
    se = values.std(ddof=1) / np.sqrt(30)
    assert narrow[1] - narrow[0] == pytest.approx(2 * 0.674 * se, rel=0.25)


def test_bootstrap_ci_falls_back_to_percentile_when_bca_is_not_finite() -> None:
    values = np.array([0.0, 0.0, 0.0, 0.0, 1.0])  # BCa's acceleration degenerates here
    low, high = bootstrap_ci(values, 0.1, 999, rng())
    assert np.isfinite(low) and np.isfinite(high)
    assert 0.0 <= low <= 0.2 <= high <= 1.0


def test_check_alpha_bounds_and_messages() -> None:
    check_alpha(0.5, 99)
    for bad in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError) as err:
            check_alpha(bad, 999)
        assert str(err.value) == f"alpha must be in (0, 1), got {bad!r}"
    with pytest.raises(ValueError) as err:
        check_alpha(0.05, 98)
    assert str(err.value) == "n_resamples must be >= 99, got 98"


def test_detectable_effect_is_t_quantiles_times_the_standard_error() -> None:
    want = (stats.t.ppf(0.95, 9) + stats.t.ppf(0.8, 9)) * 0.5
    assert detectable_effect(0.5, 9, 0.05) == pytest.approx(want)
    assert detectable_effect(0.5, 0, 0.05) == float("inf")
    assert detectable_effect(0.5, 1, 0.05) == pytest.approx(
        (stats.t.ppf(0.95, 1) + stats.t.ppf(0.8, 1)) * 0.5
    )
    assert detectable_effect(0.5, -1, 0.05) == float("inf")
    assert detectable_effect(0.5, float("nan"), 0.05) == float("inf")
    assert detectable_effect(0.5, float("inf"), 0.05) == float("inf")


def test_resampling_rng_is_the_one_given_or_fixed() -> None:
    given = np.random.default_rng(5)
    assert resampling_rng(given) is given
    a, b = resampling_rng(None).random(3), resampling_rng(None).random(3)
    assert np.array_equal(a, b)
    assert np.array_equal(a, np.random.default_rng(20_251_125).random(3))


def test_seed_level_reports_the_design_facts() -> None:
    effects = np.array([0.4, 0.1, 0.3, 0.2, 0.5])
    inf = seed_level(effects, 0.05, 999, rng())
    assert inf.effect == pytest.approx(0.3)
    assert inf.p_value == pytest.approx(1 / 32)
    assert (inf.n, inf.min_attainable_p, inf.ci_level) == (5, 1 / 32, pytest.approx(0.9))
    sd = effects.std(ddof=1) / np.sqrt(5)
    assert inf.mde == pytest.approx(detectable_effect(sd, 4, 0.05))
    assert inf.ci_low < 0.3 < inf.ci_high
    assert inf.method.startswith(
        "paired sign-flip permutation test (one-sided, 5 seeds as units, exact)"
    )
    assert "90% BCa bootstrap CI over seeds" in inf.method
    assert inf.details == {"wilcoxon_p": pytest.approx(wilcoxon_p(effects))}


def test_seed_level_without_reachable_alpha_has_infinite_mde_and_no_exact_tag() -> None:
    four = seed_level(np.array([0.4, 0.1, 0.3, 0.2]), 0.05, 999, rng())
    assert four.min_attainable_p == 1 / 16 and four.mde == float("inf")
    many = seed_level(np.linspace(0.1, 1.0, 12), 0.05, 999, rng())
    assert many.min_attainable_p == 1 / 1000
    assert "12 seeds as units)" in many.method and "exact" not in many.method
    assert np.isfinite(many.mde)


# ---- replicates (the crossed t-test) -------------------------------------------------------


def test_variance_of_grand_mean_by_hand() -> None:
    grid = np.array([[1.0, 2.0, 6.0], [3.0, 5.0, 7.0]])
    k, s = grid.shape
    grand, rows, cols = grid.mean(), grid.mean(axis=1), grid.mean(axis=0)
    ms_a = s * np.sum((rows - grand) ** 2) / (k - 1)  # 3 * 2 * (4/3)^2 / 1 = 32/3
    ms_b = k * np.sum((cols - grand) ** 2) / (s - 1)
    resid = grid - rows[:, None] - cols[None, :] + grand
    ms_c = np.sum(resid**2) / ((k - 1) * (s - 1))
    assert ms_a > ms_c and ms_b > ms_c
    var, df, parts = variance_of_grand_mean(grid)
    total = ms_a + ms_b - ms_c
    assert var == pytest.approx(total / (k * s))
    want_df = total**2 / (ms_a**2 / (k - 1) + ms_b**2 / (s - 1) + ms_c**2 / ((k - 1) * (s - 1)))
    assert df == pytest.approx(want_df)
    assert parts == pytest.approx(
        {"var_replicate": (ms_a - ms_c) / s, "var_seed": (ms_b - ms_c) / k, "var_interaction": ms_c}
    )


def test_a_component_below_the_residual_drops_out() -> None:
    # rows identical in mean (ms_a = 0 < ms_c): Var = (ms_b + 0 * ms_c) / KS with df of ms_b only
    grid = np.array([[0.0, 4.0, 2.0], [2.0, 4.0, 0.0]])
    var, df, parts = variance_of_grand_mean(grid)
    cols = grid.mean(axis=0)
    ms_b = 2 * np.sum((cols - grid.mean()) ** 2) / 2
    assert var == pytest.approx(ms_b / 6)
    assert df == pytest.approx(2.0)
    assert parts["var_replicate"] == 0.0
    assert parts["var_seed"] > 0


def test_a_constant_grid_has_zero_variance_and_infinite_df() -> None:
    var, df, parts = variance_of_grand_mean(np.full((3, 4), 2.0))
    assert (var, df) == (0.0, float("inf"))
    assert parts == {"var_replicate": 0.0, "var_seed": 0.0, "var_interaction": 0.0}


def test_crossed_t_p_and_interval_by_hand() -> None:
    grid = np.array([[1.0, 2.0, 6.0], [3.0, 5.0, 7.0]])
    var, df, _ = variance_of_grand_mean(grid)
    se = np.sqrt(var)
    inf = crossed_t(grid, 0.1)
    assert inf.effect == pytest.approx(4.0)
    assert inf.p_value == pytest.approx(stats.t.sf(4.0 / se, df))
    half = stats.t.ppf(0.9, df) * se
    assert (inf.ci_low, inf.ci_high) == (pytest.approx(4.0 - half), pytest.approx(4.0 + half))
    assert (inf.n, inf.min_attainable_p, inf.ci_level) == (2, 0.0, pytest.approx(0.8))
    assert inf.mde == pytest.approx(detectable_effect(se, df, 0.1))
    assert inf.details["se"] == pytest.approx(se) and inf.details["df"] == pytest.approx(df)
    assert inf.method.startswith("two-level test, 2 replicates as units x 3 seeds (crossed")
    assert f"Satterthwaite df {df:.1f}; 80% t interval" in inf.method


def test_crossed_t_on_a_constant_grid_decides_by_the_sign() -> None:
    up = crossed_t(np.full((2, 3), 0.5), 0.05)
    assert (up.p_value, up.ci_low, up.ci_high) == (0.0, 0.5, 0.5)
    assert crossed_t(np.zeros((2, 3)), 0.05).p_value == 1.0
    assert crossed_t(np.full((2, 3), -0.5), 0.05).p_value == 1.0


def test_infer_uses_replicates_from_two_on_and_seeds_for_one() -> None:
    two = np.array([[0.1, 0.2, 0.4], [0.3, 0.2, 0.5]])
    assert infer(two, 0.05, 999, rng()).n == 2
    one = np.array([[0.1, 0.2, 0.4, 0.3, 0.6]])
    res = infer(one, 0.05, 999, rng())
    assert res.n == 5 and res.p_value == pytest.approx(1 / 32)


def test_unit_extras_and_grid_result_fill_the_contract() -> None:
    grid = np.array([[0.1, 0.3], [0.5, 0.7]])
    reps, seeds = np.array([4, 9]), np.array([11, 12])
    assert unit_extras(grid, reps, seeds) == {
        "n_replicates": 2,
        "n_seeds": 2,
        "replicate_effects": [pytest.approx(0.2), pytest.approx(0.6)],
        "unit_effects": [
            {"replicate": 4, "seed": 11, "effect": 0.1},
            {"replicate": 4, "seed": 12, "effect": 0.3},
            {"replicate": 9, "seed": 11, "effect": 0.5},
            {"replicate": 9, "seed": 12, "effect": 0.7},
        ],
        "seeds": [11, 12],
        "per_seed_effect": [pytest.approx(0.3), pytest.approx(0.5)],
    }
    result = grid_result("h", "what", grid, (reps, seeds), 0.05, 999, rng(), {"mine": 1})
    inference = crossed_t(grid, 0.05)
    assert (result.name, result.n, result.alpha) == ("h", 2, 0.05)
    assert result.effect == pytest.approx(0.4)
    assert result.p_value == pytest.approx(inference.p_value)
    assert result.reject is bool(inference.p_value < 0.05)
    assert result.method == f"{inference.method}; effect: what"
    assert result.extra["mine"] == 1 and result.extra["min_attainable_p"] == 0.0
    assert result.extra["ci_level"] == pytest.approx(0.9)
    assert result.extra["se"] == pytest.approx(inference.details["se"])


def test_grid_result_rejects_exactly_below_alpha() -> None:
    grid = np.array([[0.1, 0.2, 0.3, 0.4, 0.5]])  # exact p = 1/32 = 0.03125
    args = ("h", "w", grid, (np.array([0]), np.arange(5)))
    assert grid_result(*args, 0.04, 999, rng(), {}).reject is True
    assert grid_result(*args, 0.03125, 999, rng(), {}).reject is False


# ---- design ---------------------------------------------------------------------------------


def test_per_test_floor_by_shape() -> None:
    assert design.per_test_floor(n_seeds=1, n_replicates=5) == 1.0
    assert design.per_test_floor(n_seeds=2, n_replicates=1) == 0.25
    assert design.per_test_floor(n_seeds=2, n_replicates=2) == 0.0
    assert design.per_test_floor(n_seeds=13, n_replicates=1) == 1 / 8192  # 8192 <= 9999: exact
    assert design.per_test_floor(n_seeds=14, n_replicates=1) == 1 / 10_000


def test_study_min_p_is_capped_at_one() -> None:
    assert design.study_min_p(n_seeds=2, n_replicates=1, n_tests=5, alpha=0.05) == 1.0
    assert design.study_min_p(n_seeds=3, n_replicates=1, n_tests=4, alpha=0.05) == 0.5


@pytest.mark.parametrize(
    ("n_tests", "alpha", "want"),
    [(1, 0.05, 5), (3, 0.05, 6), (1, 0.5, 2), (2, 0.5, 3), (7, 0.01, 10), (1, 0.25, 3)],
)
def test_seeds_needed_known_answers(n_tests: int, alpha: float, want: int) -> None:
    assert design.seeds_needed(n_tests=n_tests, alpha=alpha) == want


def test_check_arguments_messages() -> None:
    for name in ("n_seeds", "n_replicates", "n_tests"):
        for bad in (0, True, 2.0):
            args = {"n_seeds": 3, "n_replicates": 1, "n_tests": 1, "alpha": 0.05, name: bad}
            with pytest.raises(ValueError) as err:
                design.study_min_p(**args)  # type: ignore[arg-type]
            assert str(err.value) == f"{name} must be an int >= 1, got {bad!r}"
    for alpha in (0.0, 1.0):
        with pytest.raises(ValueError) as err:
            design.study_min_p(n_seeds=3, n_replicates=1, n_tests=1, alpha=alpha)
        assert str(err.value) == f"alpha must be in (0, 1), got {alpha!r}"
    assert design.study_min_p(n_seeds=1, n_replicates=1, n_tests=1, alpha=0.99) == 1.0


def test_refusal_messages_in_full() -> None:
    with pytest.raises(ValueError) as err:
        design.check_study_can_reject(n_seeds=1, n_replicates=3, n_tests=3, alpha=0.05)
    assert str(err.value) == (
        "a study with 1 seed(s) x 3 replicate(s) cannot test anything: every test needs at least "
        "2 seeds (paired evaluation seeds); use >= 6 seeds with 1 replicate, or >= 2 seeds with "
        ">= 2 replicates"
    )
    with pytest.raises(ValueError) as err:
        design.check_study_can_reject(n_seeds=5, n_replicates=1, n_tests=3, alpha=0.05)
    assert str(err.value) == (
        "a study with 5 seed(s) x 1 replicate(s) cannot reject any of its 3 test(s) at alpha "
        "0.05: the sign-flip p over 5 seeds is at least 1/2^5 = 0.03125, so after BH over 3 "
        "test(s) at least 0.09375; it needs >= 6 seeds, or >= 2 replicates (replicate-level "
        "t-test, no floor; >= 5 recommended for power)"
    )
    # exactly at alpha cannot reject: 1 test, 1/2^n == alpha
    with pytest.raises(ValueError):
        design.check_study_can_reject(n_seeds=2, n_replicates=1, n_tests=1, alpha=0.25)
    design.check_study_can_reject(n_seeds=2, n_replicates=1, n_tests=1, alpha=0.26)


def test_small_grid_of_three_replicates_by_hand() -> None:
    grid = 0.01 * np.array([[1.0, 2.0, 6.0, 3.0], [3.0, 5.0, 7.0, 4.0], [0.0, 4.0, 2.0, 9.0]])
    k, s = grid.shape
    rows, cols, grand = grid.mean(axis=1), grid.mean(axis=0), grid.mean()
    ms_a = s * np.sum((rows - grand) ** 2) / (k - 1)
    ms_b = k * np.sum((cols - grand) ** 2) / (s - 1)
    resid = grid - rows[:, None] - cols[None, :] + grand
    ms_c = np.sum(resid**2) / ((k - 1) * (s - 1))
    terms = [(ms, df) for ms, df in ((ms_a, k - 1), (ms_b, s - 1)) if ms > ms_c]
    total = sum(ms for ms, _ in terms) + (1 - len(terms)) * ms_c
    resid_df = (k - 1) * (s - 1)
    denom = sum(ms**2 / df for ms, df in terms) + ((1 - len(terms)) * ms_c) ** 2 / resid_df
    var, df, _ = variance_of_grand_mean(grid)
    assert var == pytest.approx(total / (k * s)) and df == pytest.approx(total**2 / denom)
    inf = crossed_t(grid, 0.05)
    se = np.sqrt(var)
    assert se < 1 and inf.p_value == pytest.approx(stats.t.sf(grand / se, df))
    assert inf.method == (
        f"two-level test, 3 replicates as units x 4 seeds (crossed: the same seeds and baseline "
        "in every replicate): one-sided t-test of the grand mean with variance var_rep/K + "
        "var_seed/S + var_resid/KS from two-way random-effects ANOVA, Satterthwaite df "
        f"{df:.1f}; 90% t interval (two-sided 1 - 2 alpha)"
    )


def test_two_seeds_one_replicate_is_a_floor_problem_not_a_seed_count_problem() -> None:
    with pytest.raises(ValueError) as err:
        design.check_study_can_reject(n_seeds=2, n_replicates=1, n_tests=1, alpha=0.05)
    assert str(err.value).startswith(
        "a study with 2 seed(s) x 1 replicate(s) cannot reject any of its 1 test(s)"
    )


def test_sign_flip_and_bootstrap_edges() -> None:
    assert sign_flip_p(np.ones(4), 999, rng()) == pytest.approx(1 / 16)
    low, high = bootstrap_ci(np.array([0.0, 1.0, 0.0, 1.0]), 0.2, 999, rng())  # ptp 1
    assert low < 0.5 < high
    low, high = bootstrap_ci(np.array([0.0, 1.0]), 0.2, 999, rng())  # two values
    assert low < high


def test_the_exact_tag_follows_two_to_the_n_against_the_resamples() -> None:
    assert ", exact)" in seed_level(np.linspace(0.1, 0.5, 5), 0.05, 200, rng()).method
    assert ", exact)" in seed_level(np.linspace(0.1, 0.7, 7), 0.05, 128, rng()).method
    assert "exact" not in seed_level(np.linspace(0.1, 0.7, 7), 0.05, 127, rng()).method
