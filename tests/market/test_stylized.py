"""Stylized facts and realism checks: known answers on synthetic series and the real S&P 500."""

from __future__ import annotations

import numpy as np
import pytest
from arch.data import sp500

from market.stylized import hill_tail_index, realism_checks, stylized_facts
from pipeline.hypotheses.synthetic import garch_paths


@pytest.fixture(scope="module")
def sp500_returns() -> np.ndarray:
    """Daily log returns of the S&P 500 (1999-2018) that arch ships (no network)."""
    close = sp500.load()["Adj Close"].to_numpy()
    return np.diff(np.log(close))


def test_sp500_stylized_facts_match_published_values(sp500_returns: np.ndarray) -> None:
    facts = stylized_facts(sp500_returns)
    assert facts["n"] == sp500_returns.size
    assert 6.0 < facts["excess_kurtosis"] < 10.0  # about 8
    assert 2.5 < facts["tail_index"] < 3.5  # about 3
    assert 0.20 < facts["acf_abs_returns"][1] < 0.28  # about 0.24
    assert abs(facts["acf_returns_lag1"]) < 0.1
    assert set(facts["acf_abs_returns"]) == {1, 5, 10, 20}
    assert all(v > 0.15 for v in facts["acf_abs_returns"].values())


def test_sp500_passes_every_realism_check(sp500_returns: np.ndarray) -> None:
    checks = realism_checks(sp500_returns)
    assert set(checks) == {
        "heavy_tails",
        "no_linear_autocorrelation",
        "volatility_clustering",
        "slow_decay_abs_acf",
    }
    failed = [name for name, check in checks.items() if not check["pass"]]
    assert failed == [], checks
    assert all({"value", "threshold", "pass", "description"} <= set(c) for c in checks.values())


def test_gaussian_noise_fails_tails_and_clustering() -> None:
    r = np.random.default_rng(0).standard_normal(5_000)
    checks = realism_checks(r)
    assert checks["no_linear_autocorrelation"]["pass"]
    assert not checks["heavy_tails"]["pass"]
    assert not checks["volatility_clustering"]["pass"]
    assert not checks["slow_decay_abs_acf"]["pass"]


def test_garch_returns_show_clustering() -> None:
    shocks = np.random.default_rng(1).standard_normal((1, 5_000))
    checks = realism_checks(garch_paths(shocks, a=0.1, b=0.88)[0])
    assert checks["heavy_tails"]["pass"]
    assert checks["volatility_clustering"]["pass"]


def test_autocorrelated_returns_fail_linear_check() -> None:
    eps = np.random.default_rng(2).standard_normal(3_000)
    r = eps[1:] + 0.5 * eps[:-1]  # MA(1): lag-1 ACF 0.4
    assert not realism_checks(r)["no_linear_autocorrelation"]["pass"]


@pytest.mark.parametrize("alpha", [2.0, 3.0, 4.0])
def test_hill_recovers_pareto_tail_index(alpha: float) -> None:
    x = np.random.default_rng(3).pareto(alpha, 200_000) + 1.0  # exact Pareto(alpha) tail
    assert hill_tail_index(x, 0.05) == pytest.approx(alpha, rel=0.05)


def test_hill_is_nan_when_threshold_is_zero() -> None:
    x = np.zeros(1_000)
    x[:10] = 1.0
    assert np.isnan(hill_tail_index(x, 0.05))


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        (np.ones(100), "constant"),
        (np.r_[np.random.default_rng(0).standard_normal(99), np.nan], "non-finite"),
        (np.random.default_rng(0).standard_normal(10), "at least"),
        (np.zeros((60, 2)), "1-D"),
    ],
)
def test_bad_returns_raise(returns: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stylized_facts(returns)
    with pytest.raises(ValueError, match=message):
        realism_checks(returns)


def test_hill_rejects_bad_fraction() -> None:
    with pytest.raises(ValueError, match="tail_fraction"):
        hill_tail_index(np.arange(100.0), 1.5)
    with pytest.raises(ValueError, match="k=1"):
        hill_tail_index(np.arange(30.0), 0.05)
