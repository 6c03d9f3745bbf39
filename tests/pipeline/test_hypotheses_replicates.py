"""Two-level inference: replicates (trained policies) as units, the same seeds crossed with them.

Known answers for the crossed variance, size on grids and tables whose effect varies from policy to
policy around 0, power on the issue's planted effect (mean log effect 0.15, between-replicate sd
0.10, K = 8, 20 seeds), the t interval agreeing exactly with the test, and the contract extras.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pipeline.hypotheses import liquidity_impact, volatility_amplification
from pipeline.hypotheses.replicates import crossed_t, variance_of_grand_mean
from pipeline.hypotheses.synthetic import synthetic_market

ALPHA = 0.05
WINDOWS = ((100, 20), (220, 20))


def _null_grids(rng: np.random.Generator, reps: int, k: int, s: int, sd_seed: float) -> np.ndarray:
    """reps x K x S grids e = a_r + b_s + c_rs, mean 0: policy, seed and interaction variation."""
    a = rng.normal(0, 0.10, (reps, k, 1))
    b = rng.normal(0, sd_seed, (reps, 1, s))
    c = rng.normal(0, 0.10, (reps, k, s))
    return a + b + c


def _binomial_limit(n: int, alpha: float = ALPHA) -> int:
    """Most rejections out of n a level-alpha test may show (one-sided binomial test at 1%)."""
    limit = int(stats.binom.ppf(0.99, n, alpha))
    # teeth: a test of twice the nominal size stays under the limit less than 10% of the time
    assert stats.binom.cdf(limit, n, 2 * alpha) < 0.10
    return limit


def test_variance_known_answer_replicate_effects_only() -> None:
    grid = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])  # K = 2, S = 3, no seed effect
    var, df, parts = variance_of_grand_mean(grid)
    # the variance of the mean of the replicate means [1, -1]: sample variance 2 / K = 1
    assert var == pytest.approx(1.0)
    assert df == pytest.approx(1.0)
    assert parts["var_seed"] == 0.0


def test_variance_known_answer_seed_effects_count_too() -> None:
    cols = np.array([0.3, -0.1, 0.5, -0.7])
    grid = np.tile(cols, (5, 1))  # every replicate identical: only the shared seed effect
    var, df, _ = variance_of_grand_mean(grid)
    assert var == pytest.approx(np.var(cols, ddof=1) / cols.size)
    assert df == pytest.approx(cols.size - 1)


@pytest.mark.parametrize("k", [5, 8])
def test_crossed_t_size_on_null_grids_with_policy_and_seed_variation(k: int) -> None:
    n = 2000
    grids = _null_grids(np.random.default_rng(k), n, k, 20, sd_seed=0.3)
    rejections = sum(crossed_t(g, ALPHA).p_value < ALPHA for g in grids)
    print(f"crossed t, K={k}: null rate {rejections / n:.4f} over {n} grids")
    assert 0.02 * n <= rejections <= _binomial_limit(n), rejections / n


def test_a_test_on_replicate_means_alone_would_be_too_liberal() -> None:
    # why the seed component is in the variance: the seeds are shared, so their mean effect is
    # common to every replicate mean and a one-sample t over those means ignores it
    n = 1000
    grids = _null_grids(np.random.default_rng(1), n, 8, 20, sd_seed=0.3)
    naive = np.mean(
        [stats.ttest_1samp(g.mean(axis=1), 0, alternative="greater").pvalue < ALPHA for g in grids]
    )
    crossed = np.mean([crossed_t(g, ALPHA).p_value < ALPHA for g in grids])
    print(f"replicate means only {naive:.4f}, crossed {crossed:.4f} over {n} grids")
    assert naive > 0.15
    assert crossed <= _binomial_limit(n) / n


def test_t_interval_agrees_exactly_with_the_test() -> None:
    rng = np.random.default_rng(3)
    outcomes = set()
    for shift in np.linspace(-0.05, 0.15, 200):
        result = crossed_t(_null_grids(rng, 1, 6, 10, 0.1)[0] + shift, ALPHA)
        assert (result.ci_low > 0) == (result.p_value < ALPHA)
        assert result.ci_low <= result.effect <= result.ci_high
        outcomes.add(result.p_value < ALPHA)
    assert outcomes == {True, False}
    assert result.ci_level == pytest.approx(0.90)


def _replicated(rng: np.random.Generator, k: int = 8, s: int = 20, **planted: float):
    return synthetic_market(
        rng, n_seeds=s, n_steps=300, windows=WINDOWS, n_replicates=k, replicate_sd=0.10, **planted
    )


PLANTED = np.exp(0.15)


@pytest.mark.parametrize(
    ("test", "planted"),
    [
        pytest.param(volatility_amplification, {"vol_ratio": PLANTED}, id="H1"),
        pytest.param(
            liquidity_impact, {"spread_ratio": PLANTED, "depth_ratio": 1 / PLANTED}, id="H2"
        ),
    ],
)
def test_planted_effect_across_replicates_has_power(test, planted: dict) -> None:
    rng = np.random.default_rng(8)
    results = [test(_replicated(rng, **planted)) for _ in range(40)]
    print(f"power {np.mean([r.reject for r in results]):.3f} over 40 tables")
    assert np.mean([r.reject for r in results]) >= 0.8
    assert all(r.n == 8 for r in results)
    assert all((r.ci_low > 0) == r.reject for r in results)


def test_replicated_null_tables_have_honest_size_fast() -> None:
    rng = np.random.default_rng(2026)
    n = 150
    rejections = {volatility_amplification: 0, liquidity_impact: 0}
    for _ in range(n):
        table = _replicated(rng, k=5, s=8)
        for test in rejections:
            rejections[test] += test(table).reject
    # 150 tables: a one-sided binomial check at the nominal level (the slow test has 1,000)
    limit = int(stats.binom.ppf(0.99, n, ALPHA))
    print({t.__name__: c / n for t, c in rejections.items()}, f"over {n} tables")
    assert all(count <= limit for count in rejections.values()), rejections


@pytest.mark.slow
@pytest.mark.parametrize("test", [volatility_amplification, liquidity_impact])
def test_replicated_null_tables_have_honest_size(test) -> None:
    rng = np.random.default_rng(2027)
    n = 500
    rejections = sum(test(_replicated(rng)).reject for _ in range(n))
    print(f"{test.__name__} replicated null rate {rejections / n:.4f} over {n} tables")
    assert 0.02 * n <= rejections <= _binomial_limit(n), rejections / n


def test_replicated_result_carries_the_contract_extras() -> None:
    table = _replicated(np.random.default_rng(0), k=3, s=4)
    result = volatility_amplification(table)
    extra = result.extra
    assert result.n == 3
    assert (extra["n_replicates"], extra["n_seeds"]) == (3, 4)
    assert len(extra["replicate_effects"]) == 3
    units = extra["unit_effects"]
    assert [(u["replicate"], u["seed"]) for u in units] == [
        (r, s) for r in range(3) for s in range(4)
    ]
    grid = np.array([u["effect"] for u in units]).reshape(3, 4)
    assert np.allclose(grid.mean(axis=1), extra["replicate_effects"])
    assert result.effect == pytest.approx(grid.mean())
    assert extra["min_attainable_p"] == 0.0
    assert 0 < extra["mde"] < np.inf
    assert extra["ci_level"] == pytest.approx(0.9)
    assert "two-level" in result.method and "3 replicates" in result.method


def test_single_replicate_column_changes_nothing() -> None:
    table = synthetic_market(np.random.default_rng(1), n_seeds=6, n_steps=200, windows=WINDOWS)
    plain = volatility_amplification(table)
    tagged = volatility_amplification(table.assign(replicate=0))
    assert (tagged.effect, tagged.p_value, tagged.ci_low) == (
        plain.effect,
        plain.p_value,
        plain.ci_low,
    )
    assert tagged.n == plain.n == 6
    assert tagged.extra["replicate_effects"] == [plain.effect]
    assert tagged.extra["n_replicates"] == 1


def test_replicate_missing_a_seed_is_named() -> None:
    table = _replicated(np.random.default_rng(0), k=3, s=4)
    holes = table[~((table["replicate"] == 2) & (table["seed"] == 1))]
    with pytest.raises(ValueError, match=r"replicate 2 lacks seed\(s\) \[1\]"):
        volatility_amplification(holes)
    with pytest.raises(ValueError, match="'replicate' must be >= 0"):
        volatility_amplification(table.assign(replicate=-1))
