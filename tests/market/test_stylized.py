"""Stylized facts and realism checks: known answers on synthetic series and the real S&P 500."""

from __future__ import annotations

import numpy as np
import pytest
from arch.data import sp500
from scipy import stats

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


def test_minimum_length_is_exactly_fifty() -> None:
    r = np.random.default_rng(4).standard_normal(50)
    assert stylized_facts(r)["n"] == 50
    with pytest.raises(ValueError, match="returns needs at least 50 values, got 49"):
        stylized_facts(r[:49])


def test_bad_returns_messages_name_the_problem() -> None:
    r = np.random.default_rng(5).standard_normal(60)
    r[[3, 7]] = [np.inf, np.nan]
    with pytest.raises(ValueError, match=r"returns has 2 non-finite values \(first at index 3\)"):
        stylized_facts(r)
    with pytest.raises(ValueError, match=r"returns must be 1-D, got shape \(60, 2\)"):
        stylized_facts(np.zeros((60, 2)))
    with pytest.raises(ValueError, match=r"returns is constant \(every value .*0\.5"):
        stylized_facts(np.full(60, 0.5))


def test_facts_by_hand() -> None:
    r = np.random.default_rng(6).standard_t(4, 400)
    facts = stylized_facts(r)
    d, a = r - r.mean(), np.abs(r) - np.abs(r).mean()
    assert facts["n"] == 400
    assert facts["excess_kurtosis"] == pytest.approx((d**4).mean() / (d**2).mean() ** 2 - 3)
    assert facts["tail_index"] == hill_tail_index(r, 0.05)
    assert facts["acf_returns_lag1"] == pytest.approx((d[1:] * d[:-1]).sum() / (d**2).sum())
    want = {lag: (a[lag:] * a[:-lag]).sum() / (a**2).sum() for lag in (1, 5, 10, 20)}
    assert facts["acf_abs_returns"] == pytest.approx(want)


def test_hill_by_hand_and_its_limits() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0] + [0.5] * 35)  # n 40, k = 2: top 16, 8 over 4
    want = 1 / np.mean(np.log([16 / 4, 8 / 4]))
    assert hill_tail_index(-x, 0.05) == pytest.approx(want, rel=1e-12)  # |values|
    assert hill_tail_index(np.r_[np.full(2, 2.0), np.ones(38)], 0.05) == 1 / np.mean(
        np.log([2.0, 2.0])
    )
    assert hill_tail_index(np.ones(40), 0.05) == float("inf")  # no excess over the threshold
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match=f"tail_fraction must be in \\(0, 1\\), got {bad}"):
            hill_tail_index(x, bad)
    with pytest.raises(ValueError, match="^values has non-finite entries$"):
        hill_tail_index(np.r_[x, np.nan], 0.05)


def test_realism_report_values_thresholds_and_descriptions() -> None:
    r = np.random.default_rng(7).standard_t(3, 2_000)
    checks = realism_checks(r)
    facts = stylized_facts(r)
    band = 1.96 / np.sqrt(2_000)
    a = np.abs(r) - np.abs(r).mean()
    acf_abs = [(a[lag:] * a[:-lag]).sum() / (a**2).sum() for lag in range(1, 11)]
    p = stats.kurtosistest(r, alternative="greater").pvalue
    assert checks["heavy_tails"] == {
        "value": facts["excess_kurtosis"], "threshold": 0.0, "pass": True,
        "description": f"excess kurtosis > 0, kurtosis test p={p:.2g} < 0.01",
    }
    lag1 = facts["acf_returns_lag1"]
    assert checks["no_linear_autocorrelation"] == {
        "value": lag1, "threshold": 0.1, "pass": abs(lag1) < 0.1,
        "description": "|ACF(r) lag 1| < 0.1",
    }
    clustering = checks["volatility_clustering"]
    assert clustering["value"] == pytest.approx(np.mean(acf_abs), rel=1e-9)
    assert clustering["threshold"] == pytest.approx(band, rel=1e-12)
    assert clustering["description"] == "mean ACF(|r|) lags 1-10 > 1.96/sqrt(n)"
    slow = checks["slow_decay_abs_acf"]
    assert slow["value"] == facts["acf_abs_returns"][20]
    assert slow["threshold"] == clustering["threshold"]
    assert slow["description"] == "ACF(|r|) lag 20 > 1.96/sqrt(n)"
    assert all(type(c["pass"]) is bool and type(c["value"]) is float for c in checks.values())


def test_linear_check_fails_between_the_tolerance_and_one() -> None:
    eps = np.random.default_rng(8).standard_normal(3_000)
    r = eps[1:] + 0.2 * eps[:-1]  # MA(1): lag-1 ACF about 0.19
    check = realism_checks(r)["no_linear_autocorrelation"]
    assert 0.1 < check["value"] < 0.3 and not check["pass"]


def test_light_tails_and_weak_kurtosis_fail_heavy_tails() -> None:
    uniform = np.random.default_rng(9).uniform(-1, 1, 2_000)  # excess kurtosis -1.2
    assert not realism_checks(uniform)["heavy_tails"]["pass"]
    mild = np.random.default_rng(10).standard_t(30, 200)  # kurtosis > 0 but not significant
    check = realism_checks(mild)["heavy_tails"]
    assert check["value"] > 0 and not check["pass"]


def test_significant_but_moderate_kurtosis_counts_as_heavy_tails() -> None:
    r = np.random.default_rng(11).standard_t(12, 20_000)  # excess kurtosis 6 / (12 - 4) = 0.75
    check = realism_checks(r)["heavy_tails"]
    assert 0.3 < check["value"] < 1.0 and check["pass"]
