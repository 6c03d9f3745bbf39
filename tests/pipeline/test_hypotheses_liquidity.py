"""H2 details (one-sided books count as illiquidity, censored recovery) and H1's two estimands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.hypotheses import liquidity_impact, volatility_amplification
from pipeline.hypotheses.synthetic import synthetic_market

WINDOWS = ((100, 30), (220, 30))


def _market(seed: int = 0, **kwargs: float) -> pd.DataFrame:
    return synthetic_market(
        np.random.default_rng(seed), n_seeds=10, n_steps=320, windows=WINDOWS, **kwargs
    )


def test_more_one_sided_books_in_stress_is_illiquidity() -> None:
    result = liquidity_impact(_market(one_sided_rate=0.2, one_sided_ratio=2.0))
    assert result.reject
    assert result.extra["score_components"] == ["spread", "depth", "one_sided"]
    assert result.extra["one_sided_effect"] == pytest.approx(0.2, abs=0.05)
    assert result.extra["one_sided_p_bh"] < 0.05
    assert abs(result.extra["spread_effect"]) < 0.05  # two-sided spreads are unchanged
    parts = [result.extra[f"{c}_effect"] for c in ("spread", "depth", "one_sided")]
    assert result.effect == pytest.approx(np.mean(parts))


def test_spreads_are_compared_on_two_sided_steps_only() -> None:
    # half the stress steps one-sided in both arms, their spread the same fill value
    result = liquidity_impact(_market(spread_ratio=1.3, one_sided_rate=0.5))
    assert result.extra["spread_effect"] == pytest.approx(np.log(1.3), abs=0.05)
    assert abs(result.extra["one_sided_effect"]) < 0.05


def test_without_one_sided_column_the_score_has_two_parts() -> None:
    result = liquidity_impact(_market(spread_ratio=1.2))
    assert result.extra["score_components"] == ["spread", "depth"]
    assert result.effect == pytest.approx(
        0.5 * (result.extra["spread_effect"] + result.extra["depth_effect"])
    )
    assert "one_sided_effect" not in result.extra


def test_a_unit_without_two_sided_stress_steps_is_counted_not_dropped() -> None:
    table = _market(one_sided_rate=0.3)
    whole = (table["scenario"] == "rl") & (table["seed"] == 0) & table["stress"]
    table.loc[whole, "one_sided"] = True
    result = liquidity_impact(table)
    assert result.extra["units_without_two_sided_stress"] == 1
    assert result.n == 10
    assert np.isfinite(result.effect)


def test_a_market_that_never_recovers_does_not_look_resilient() -> None:
    table = _market()
    after = (table["scenario"] == "rl") & (table["step"] >= WINDOWS[0][0])
    table.loc[after, "depth"] = 1.0  # the rl book never refills after the first stress window
    extra = liquidity_impact(table).extra
    # the first window of each of the 10 seeds never recovers (the second one's reference level,
    # the 100 steps before it, is already the emptied book)
    assert extra["resiliency_rl_never_recovered"] == 10
    assert extra["resiliency_rl_windows"] == 20
    assert extra["resiliency_baseline_never_recovered"] == 0
    # censored windows count with their whole recovery period (90 steps): slower than baseline
    assert extra["resiliency_rl_mean_steps"] >= (90 + 0) / 2
    assert extra["resiliency_rl_mean_steps"] > extra["resiliency_baseline_mean_steps"]
    assert extra["resiliency_mean_extra_steps_rl"] > 0


def _stress_only_volatility(table: pd.DataFrame, factor: float) -> pd.DataFrame:
    """Scale the rl log returns into stress steps by `factor`, leaving calm returns as they are."""
    out = table.copy()
    for _, rows in out[out["scenario"] == "rl"].groupby("seed"):
        returns = np.diff(np.log(rows["mid"].to_numpy()))
        returns *= np.where(rows["stress"].to_numpy()[1:], factor, 1.0)
        mid = rows["mid"].iloc[0] * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
        out.loc[rows.index, "mid"] = mid
    return out


def test_h1_reports_the_effect_without_event_windows_beside_the_whole_episode() -> None:
    plain = volatility_amplification(_market())
    result = volatility_amplification(_stress_only_volatility(_market(), factor=3.0))
    assert result.reject and not plain.reject
    assert "events included" in result.method
    assert result.extra["events_excluded"] is True
    # the calm returns are untouched: the events-excluded figure does not move
    assert result.extra["effect_excluding_events"] == pytest.approx(
        plain.extra["effect_excluding_events"]
    )
    low, high = result.extra["effect_excluding_events_ci"]
    assert low <= result.extra["effect_excluding_events"] <= high < result.effect
    assert result.extra["effect_excluding_events_p"] > 0.05


def test_h1_without_stress_column_excludes_nothing() -> None:
    result = volatility_amplification(_market(vol_ratio=1.2).drop(columns="stress"))
    assert result.extra["events_excluded"] is False
    assert result.extra["effect_excluding_events"] == result.effect
