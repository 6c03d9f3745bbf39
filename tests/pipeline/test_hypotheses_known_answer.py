"""Known-answer tests, single replicate: size at alpha with no effect, planted effects found.

No-effect data keep the features that break naive tests: GARCH volatility clustering in the mids
(with shocks shared by the two scenarios of a seed, like common random numbers), autocorrelated
spread and depth, and sticky (Markov, stay probability 0.95) but independent action series.
The size checks have teeth: a one-sided binomial bound at the nominal alpha that a test of twice
its size would exceed (fast: 400 tables; slow: 1,000 tables and also a rate within [0.02, 0.08]).
Resampling counts are 999 here (valid, just coarser p) to keep the replications fast.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.hypotheses import (
    HypothesisResult,
    herding,
    liquidity_impact,
    volatility_amplification,
)
from pipeline.hypotheses.synthetic import synthetic_actions, synthetic_market
from pipeline.hypotheses.synthetic_herding import synthetic_herding

ALPHA = 0.05
N_NULL_FAST = 400
N_NULL = 1000
N_POWER = 50
RESAMPLES = 999
WINDOWS = ((100, 20), (220, 20))

Test = Callable[..., HypothesisResult]
Maker = Callable[[np.random.Generator], pd.DataFrame]


def _market(**planted: float) -> Maker:
    return lambda g: synthetic_market(g, n_seeds=12, n_steps=300, windows=WINDOWS, **planted)


def _actions(herd: float, stay: float = 0.95, n_steps: int = 400) -> Maker:
    return lambda g: synthetic_actions(g, n_seeds=8, n_steps=n_steps, stay=stay, herd=herd)


def rejection_rate(test: Test, make: Maker, reps: int, seed: int) -> float:
    """Share of `reps` independent tables on which `test` rejects at ALPHA."""
    rng = np.random.default_rng(seed)
    rate = float(
        np.mean([test(make(rng), ALPHA, n_resamples=RESAMPLES).reject for _ in range(reps)])
    )
    print(f"rejection rate {rate:.4f} over {reps} tables")  # shown with pytest -s
    return rate


def binomial_limit(n: int, alpha: float = ALPHA) -> float:
    """Largest rejection rate out of n that a level-alpha test may show (binomial test at 1%).

    Asserts its own teeth: a test of twice the nominal size stays under it < 10% of the time.
    """
    limit = int(stats.binom.ppf(0.99, n, alpha))
    assert stats.binom.cdf(limit, n, 2 * alpha) < 0.10
    return limit / n


def _reference_actions(n_seeds: int, n_steps: int) -> Maker:
    """RL and reference agents with the same public signal: no herding beyond it."""
    return lambda g: synthetic_herding(g, n_seeds=n_seeds, n_steps=n_steps, signal=0.5)


def _small_market(g: np.random.Generator) -> pd.DataFrame:
    return synthetic_market(g, n_seeds=8, n_steps=200, windows=((60, 20), (130, 20)))


FAST_NULL_CASES = [
    pytest.param(volatility_amplification, _small_market, id="H1-garch"),
    pytest.param(liquidity_impact, _small_market, id="H2-ar1-stress"),
    # no reference rows: the co-movement fallback with its block-shift null
    pytest.param(herding, _actions(0.0, n_steps=300), id="H3-fallback-sticky-markov"),
    pytest.param(herding, _reference_actions(6, 300), id="H3-excess-over-reference"),
]
SLOW_NULL_CASES = [
    pytest.param(volatility_amplification, _market(), id="H1-garch"),
    pytest.param(liquidity_impact, _market(), id="H2-ar1-stress"),
    pytest.param(herding, _actions(0.0), id="H3-fallback-sticky-markov"),
    pytest.param(herding, _reference_actions(8, 400), id="H3-excess-over-reference"),
]

POWER_CASES = [
    pytest.param(volatility_amplification, _market(vol_ratio=1.25), id="H1-vol+25%"),
    pytest.param(
        liquidity_impact, _market(spread_ratio=1.05, depth_ratio=0.95), id="H2-spread+5%-depth-5%"
    ),
    pytest.param(herding, _actions(0.3), id="H3-copy-leader-30%"),
]


@pytest.mark.parametrize(("test", "make"), FAST_NULL_CASES)
def test_null_rejection_rate_passes_a_binomial_check_fast(test: Test, make: Maker) -> None:
    assert rejection_rate(test, make, N_NULL_FAST, seed=2025) <= binomial_limit(N_NULL_FAST)


@pytest.mark.slow
@pytest.mark.parametrize(("test", "make"), SLOW_NULL_CASES)
def test_null_rejection_rate_is_close_to_alpha(test: Test, make: Maker) -> None:
    rate = rejection_rate(test, make, N_NULL, seed=2026)
    assert 0.02 <= rate <= min(0.08, binomial_limit(N_NULL)), rate


@pytest.mark.slow
def test_fallback_on_very_sticky_agents_is_at_most_slightly_liberal() -> None:
    # Known limitation, kept visible: with about 2 action changes per agent per run, a circular
    # shift adds a wrap-around change, so shifted series look less persistent and the fallback's
    # co-movement null is too narrow (measured 0.078 over 1,000 tables). H3 with a reference arm
    # does not use this null.
    rate = rejection_rate(herding, _actions(0.0, stay=0.99, n_steps=300), N_NULL, seed=2026)
    assert 0.02 <= rate <= 0.10, rate


@pytest.mark.parametrize(("test", "make"), POWER_CASES)
def test_moderate_planted_effect_is_found_almost_always(test: Test, make: Maker) -> None:
    assert rejection_rate(test, make, N_POWER, seed=7) >= 0.9


@pytest.mark.parametrize(("test", "make"), POWER_CASES)
def test_planted_effect_is_positive_and_inside_ci(test: Test, make: Maker) -> None:
    result = test(make(np.random.default_rng(11)), ALPHA)
    assert result.effect > 0
    assert result.ci_low <= result.effect <= result.ci_high
    assert result.ci_low > 0
    assert result.extra["ci_level"] == pytest.approx(1 - 2 * ALPHA)


def test_interval_agrees_with_the_one_sided_test_up_to_resampling_noise() -> None:
    rng = np.random.default_rng(12)
    agree, rejected = [], []
    for vol in np.linspace(0.95, 1.25, 60):
        result = volatility_amplification(_market(vol_ratio=vol)(rng), ALPHA, n_resamples=RESAMPLES)
        agree.append((result.ci_low > 0) == result.reject)
        rejected.append(result.reject)
    assert 0 < sum(rejected) < len(rejected)
    assert np.mean(agree) >= 0.9


def test_opposite_effect_is_not_rejected() -> None:
    table = _market(vol_ratio=0.8, spread_ratio=0.9, depth_ratio=1.1)(np.random.default_rng(3))
    for test in (volatility_amplification, liquidity_impact):
        result = test(table)
        assert result.effect < 0
        assert result.p_value > 0.5
        assert not result.reject


def test_five_seeds_exact_p_floor_is_one_in_32() -> None:
    table = synthetic_market(
        np.random.default_rng(5), n_seeds=5, n_steps=300, vol_ratio=2.0, windows=WINDOWS
    )
    result = volatility_amplification(table)
    assert result.p_value == pytest.approx(1 / 32)
    assert result.reject
    assert result.extra["min_attainable_p"] == pytest.approx(1 / 32)


def test_four_seeds_can_never_reject_at_5_percent() -> None:
    table = synthetic_market(
        np.random.default_rng(5), n_seeds=4, n_steps=300, vol_ratio=2.0, windows=WINDOWS
    )
    result = volatility_amplification(table)
    assert result.p_value == pytest.approx(1 / 16)
    assert not result.reject
    assert result.extra["min_attainable_p"] == pytest.approx(1 / 16)
