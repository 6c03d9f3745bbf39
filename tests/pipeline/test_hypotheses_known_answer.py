"""Known-answer tests: false-positive rate near alpha with no effect, planted effects found.

No-effect data keep the features that break naive tests: GARCH volatility clustering in the mids
(with shocks shared by the two scenarios of a seed, like common random numbers), autocorrelated
spread and depth, and sticky (Markov, stay probability 0.95) but independent action series.
Resampling counts are 999 here (valid, just coarser p) to keep 200 replications fast.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from pipeline.hypotheses import (
    HypothesisResult,
    herding,
    liquidity_impact,
    volatility_amplification,
)
from pipeline.hypotheses.synthetic import synthetic_actions, synthetic_market

ALPHA = 0.05
N_NULL = 200
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
    return float(
        np.mean([test(make(rng), ALPHA, n_resamples=RESAMPLES).reject for _ in range(reps)])
    )


NULL_CASES = [
    pytest.param(volatility_amplification, _market(), id="H1-garch"),
    pytest.param(liquidity_impact, _market(), id="H2-ar1-stress"),
    pytest.param(herding, _actions(0.0), id="H3-sticky-markov"),
    # about 2 action changes per agent per run: the circular-shift null is still near alpha
    pytest.param(herding, _actions(0.0, stay=0.99, n_steps=300), id="H3-very-sticky-markov"),
]

POWER_CASES = [
    pytest.param(volatility_amplification, _market(vol_ratio=1.25), id="H1-vol+25%"),
    pytest.param(
        liquidity_impact, _market(spread_ratio=1.05, depth_ratio=0.95), id="H2-spread+5%-depth-5%"
    ),
    pytest.param(herding, _actions(0.3), id="H3-copy-leader-30%"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("test", "make"), NULL_CASES)
def test_null_rejection_rate_is_close_to_alpha(test: Test, make: Maker) -> None:
    rate = rejection_rate(test, make, N_NULL, seed=2026)
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
