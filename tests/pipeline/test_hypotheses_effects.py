"""H1, H2 (with resiliency) and H3 on hand-made tables whose effects are known exactly.

rl returns that are exactly twice the baseline's give log(RV ratio) = log 2 on every seed; a
spread twice as wide and a book half as deep in stress give log 2 components; agents in
lockstep against a reference arm that is independent give an excess alignment of about 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.hypotheses.herd import describe_reference, herding
from pipeline.hypotheses.liquidity import liquidity_impact, liquidity_scores
from pipeline.hypotheses.resiliency import recovery_matrix, recovery_steps, resiliency_summary
from pipeline.hypotheses.validation import market_runs
from pipeline.hypotheses.volatility import realized_volatility, volatility_amplification

LOG2 = float(np.log(2.0))
N = 199  # resamples: the exact sign-flip over <= 7 seeds never uses more


def returns(seed: int, steps: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, steps - 1)


def market(
    n_seeds: int = 5, steps: int = 60, vol: float = 2.0, stress: tuple[int, int] = (20, 30),
    spread: float = 1.0, depth: float = 1.0, one_sided: np.ndarray | None = None,
) -> pd.DataFrame:
    """rl returns = vol x baseline's; in stress steps rl spread x spread, depth x depth."""
    frames = []
    flag = np.zeros(steps, dtype=bool)
    flag[stress[0] : stress[1]] = True
    for scenario, factor in (("rl", vol), ("baseline", 1.0)):
        for s in range(n_seeds):
            r = returns(s, steps) * factor
            base_spread = np.where(flag, 0.5, 0.1) + 0.001 * s
            base_depth = np.where(flag, 99.0, 400.0)
            frame = pd.DataFrame({
                "scenario": scenario,
                "seed": s,
                "step": np.arange(steps),
                "mid": 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)])),
                "spread": base_spread * np.where(flag & (scenario == "rl"), spread, 1.0),
                "depth": (base_depth + 1.0) * np.where(flag & (scenario == "rl"), depth, 1.0)
                - 1.0,
                "stress": flag,
            })
            if one_sided is not None:
                frame["one_sided"] = one_sided if scenario == "rl" else np.zeros(steps, bool)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# ---- H1 ------------------------------------------------------------------------------------


def test_realized_volatility_needs_three_steps_and_a_moving_mid() -> None:
    with pytest.raises(ValueError) as err:
        realized_volatility(np.array([0.1]), "rl", "seed 3")
    assert str(err.value) == "scenario 'rl' seed 3 has 2 steps; need >= 3"
    with pytest.raises(ValueError) as err:
        realized_volatility(np.zeros(5), "baseline", "seed 1")
    assert str(err.value) == "scenario 'baseline' seed 1: mid never changes, volatility is 0"
    assert realized_volatility(np.array([1.0, 3.0]), "rl", "u") == pytest.approx(np.sqrt(2.0))


def test_doubled_returns_give_log_two_on_every_seed() -> None:
    result = volatility_amplification(market(), n_resamples=N)
    assert result.effect == pytest.approx(LOG2)
    assert result.p_value == pytest.approx(1 / 32) and result.reject
    assert result.ci_low == pytest.approx(LOG2) and result.ci_high == pytest.approx(LOG2)
    assert result.n == 5 and result.name == "volatility_amplification"
    extra = result.extra
    assert extra["median_effect"] == pytest.approx(LOG2)
    assert extra["volatility_ratio"] == pytest.approx(2.0)
    rv = np.mean([np.std(returns(s, 60), ddof=1) for s in range(5)])
    assert extra["mean_rv_baseline"] == pytest.approx(rv)
    assert extra["mean_rv_rl"] == pytest.approx(2 * rv)
    assert extra["per_seed_effect"] == [pytest.approx(LOG2)] * 5
    assert extra["events_excluded"] is True
    assert extra["effect_excluding_events"] == pytest.approx(LOG2)
    assert extra["effect_excluding_events_p"] == pytest.approx(1 / 32)
    assert result.method.startswith("paired sign-flip permutation test")
    assert result.method.endswith(
        "effect: whole-episode mean log ratio of realized volatility of demeaned log mid "
        "returns, rl vs baseline (events included; excluding them in extra)"
    )
    assert extra["estimand"] == "whole-episode mean log realized-volatility ratio, events included"


def test_halved_returns_are_not_amplification() -> None:
    result = volatility_amplification(market(vol=0.5), n_resamples=N)
    assert result.effect == pytest.approx(-LOG2) and result.p_value == 1.0
    assert not result.reject


def test_only_returns_touching_stress_are_excluded() -> None:
    table = market(vol=1.0)
    rl = table["scenario"] == "rl"
    # scale rl log returns whose end points touch stress (steps 20..29: returns 19..29) by 3
    for s in range(5):
        rows = table.index[rl & (table["seed"] == s)]
        r = np.diff(np.log(table.loc[rows, "mid"].to_numpy()))
        r[19:30] *= 3.0
        table.loc[rows, "mid"] = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))
    result = volatility_amplification(table, n_resamples=N)
    assert result.effect > 0.3
    assert result.extra["effect_excluding_events"] == pytest.approx(0.0, abs=1e-12)
    # one return further (the one leaving the window) would move it
    for s in range(5):
        rows = table.index[rl & (table["seed"] == s)]
        r = np.diff(np.log(table.loc[rows, "mid"].to_numpy()))
        r[30] *= 3.0
        table.loc[rows, "mid"] = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))
    moved = volatility_amplification(table, n_resamples=N)
    assert moved.extra["effect_excluding_events"] > 0.0


def test_without_stress_rows_nothing_is_excluded() -> None:
    table = market(stress=(0, 0))
    result = volatility_amplification(table, n_resamples=N)
    assert result.extra["events_excluded"] is False
    assert result.extra["effect_excluding_events"] == pytest.approx(result.effect)


def test_h1_checks_alpha_and_resamples() -> None:
    with pytest.raises(ValueError, match="n_resamples must be >= 99"):
        volatility_amplification(market(), n_resamples=10)


# ---- H2 ------------------------------------------------------------------------------------


def test_twice_the_spread_and_half_the_book_score_log_two() -> None:
    result = liquidity_impact(market(vol=1.0, spread=2.0, depth=0.5), n_resamples=N)
    assert result.effect == pytest.approx(LOG2)
    assert result.p_value == pytest.approx(1 / 32)
    extra = result.extra
    assert extra["spread_effect"] == pytest.approx(LOG2)
    assert extra["depth_effect"] == pytest.approx(LOG2)
    assert extra["spread_p_value"] == pytest.approx(1 / 32)
    assert extra["depth_p_bh"] == pytest.approx(1 / 32)
    assert extra["score_components"] == ["spread", "depth"]
    assert "one_sided_effect" not in extra
    assert extra["units_without_two_sided_stress"] == 0
    assert extra["one_sided_share_rl"] == 0.0 and extra["one_sided_share_baseline"] == 0.0
    assert "; no one_sided column" in result.method
    assert "components BH-adjusted in extra" in result.method


def test_only_stress_rows_count() -> None:
    table = market(vol=1.0)
    calm = (table["scenario"] == "rl") & ~table["stress"]
    table.loc[calm, "spread"] *= 10.0
    table.loc[calm, "depth"] = 0.0
    result = liquidity_impact(table, n_resamples=N)
    assert result.effect == pytest.approx(0.0, abs=1e-12)
    assert not result.reject


def test_one_sided_steps_count_as_illiquidity_and_drop_out_of_the_spread() -> None:
    flags = np.zeros(60, dtype=bool)
    flags[20:25] = True  # half the rl stress steps are one-sided
    table = market(vol=1.0, one_sided=flags)
    rl_one_sided = (table["scenario"] == "rl") & table["one_sided"]
    table.loc[rl_one_sided, "spread"] = 1000.0  # a fill value: must not count
    result = liquidity_impact(table, n_resamples=N)
    extra = result.extra
    assert extra["spread_effect"] == pytest.approx(0.0, abs=1e-12)
    assert extra["one_sided_effect"] == pytest.approx(0.5)
    assert result.effect == pytest.approx(0.5 / 3)
    assert extra["score_components"] == ["spread", "depth", "one_sided"]
    assert extra["one_sided_share_rl"] == pytest.approx(0.5)
    assert ", one-sided-book share increase" in result.method


def test_a_unit_whose_stress_is_all_one_sided_gets_spread_zero() -> None:
    flags = np.zeros(60, dtype=bool)
    flags[20:30] = True
    table = market(vol=1.0, spread=3.0, one_sided=flags)
    result = liquidity_impact(table, n_resamples=N)
    assert result.extra["units_without_two_sided_stress"] == 5
    assert result.extra["spread_effect"] == 0.0


def test_liquidity_scores_by_hand() -> None:
    means = {
        "spread_rl": np.array([[2.0, np.nan]]), "spread_baseline": np.array([[1.0, 1.0]]),
        "depth_rl": np.array([[1.0, 3.0]]), "depth_baseline": np.array([[3.0, 3.0]]),
        "one_sided_rl": np.array([[0.5, 0.2]]), "one_sided_baseline": np.array([[0.1, 0.2]]),
    }
    two = liquidity_scores(means, with_one_sided=False)
    assert two["spread"].tolist() == [[pytest.approx(LOG2), 0.0]]
    assert two["depth"].tolist() == [[pytest.approx(LOG2), 0.0]]
    assert two["score"].tolist() == [[pytest.approx(LOG2), 0.0]]
    three = liquidity_scores(means, with_one_sided=True)
    assert three["one_sided"].tolist() == [[pytest.approx(0.4), 0.0]]
    assert three["score"].tolist() == [[pytest.approx((2 * LOG2 + 0.4) / 3), 0.0]]


def test_h2_refuses_tables_without_stress_or_with_zero_spread() -> None:
    with pytest.raises(ValueError) as err:
        liquidity_impact(market(stress=(0, 0)), n_resamples=N)
    assert str(err.value) == (
        "no stress rows (stress == True) for rl/replicate 0 seed 0: H2 needs stress windows"
    )
    table = market()
    table.loc[table["stress"] & (table["scenario"] == "baseline") & (table["seed"] == 2),
              "spread"] = 0.0
    with pytest.raises(ValueError) as err:
        liquidity_impact(table, n_resamples=N)
    assert str(err.value) == "mean two-sided spread in stress is 0 for baseline/replicate 0 seed 2"


# ---- resiliency ----------------------------------------------------------------------------


def test_reference_level_is_the_median_of_at_most_100_pre_stress_steps() -> None:
    # 150 calm steps: the first 50 at spread 9 (outside the 100-step reference), then 1.0
    spread = np.r_[np.full(50, 9.0), np.full(100, 1.0), np.full(5, 5.0), np.full(3, 1.2),
                   np.full(10, 1.1)]
    depth = np.full(spread.size, 10.0)
    stress = np.zeros(spread.size)
    stress[150:155] = 1.0
    steps, censored, skipped = recovery_steps({"spread": spread, "depth": depth, "stress": stress})
    assert (steps, censored, skipped) == ([3.0], [False], 0)  # 1.1 <= 1.1 x 1.0: recovered


def test_depth_recovers_at_ninety_percent() -> None:
    spread = np.ones(30)
    depth = np.r_[np.full(10, 100.0), np.full(5, 1.0), np.full(2, 89.0), np.full(13, 90.0)]
    stress = np.r_[np.zeros(10), np.ones(5), np.zeros(15)]
    assert recovery_steps({"spread": spread, "depth": depth, "stress": stress})[0] == [2.0]


def test_windows_bound_each_others_recovery_and_reference() -> None:
    spread = np.r_[np.ones(10), np.full(3, 5.0), np.full(4, 5.0), np.full(2, 5.0), np.ones(6)]
    stress = np.r_[np.zeros(10), np.ones(3), np.zeros(4), np.ones(2), np.zeros(6)]
    depth = np.ones(spread.size)
    # window 1 (10..12) never recovers before window 2 starts at 17: censored at 4 steps;
    # window 2's reference is steps 13..16 (spread 5), so it recovers at once
    matrix, flags, skipped = recovery_matrix(spread[None], depth[None], stress)
    assert matrix.tolist() == [[4.0, 0.0]]
    assert flags.tolist() == [[True, False]] and skipped == 0


def test_windows_without_pre_stress_steps_are_skipped_per_run() -> None:
    stress = np.r_[np.ones(3), np.zeros(5)]
    matrix, flags, skipped = recovery_matrix(np.ones((4, 8)), np.ones((4, 8)), stress)
    assert matrix.shape == (4, 0) and flags.shape == (4, 0) and skipped == 4


def test_resiliency_summary_by_hand() -> None:
    table = market(n_seeds=2, vol=1.0, stress=(20, 30))
    rl_after = (table["scenario"] == "rl") & (table["step"] >= 30) & (table["step"] < 33)
    table.loc[rl_after, "spread"] = 10.0  # the rl book takes 3 steps to recover
    base_after = (table["scenario"] == "baseline") & (table["step"] == 30)
    table.loc[base_after, "spread"] = 10.0  # the baseline book 1 step
    runs = market_runs(table, ["mid", "spread", "depth", "stress"])
    summary = resiliency_summary(runs)
    assert summary["resiliency_rl_mean_steps"] == 3.0
    assert summary["resiliency_baseline_mean_steps"] == 1.0
    assert summary["resiliency_rl_windows"] == 2 and summary["resiliency_baseline_windows"] == 2
    assert summary["resiliency_rl_never_recovered"] == 0
    assert summary["resiliency_mean_extra_steps_rl"] == 2.0
    assert summary["resiliency_windows_without_pre_stress"] == 0
    assert summary["resiliency_censoring"] == (
        "never-recovered windows count until their period's end"
    )


def test_a_skipped_first_window_does_not_stop_the_later_ones() -> None:
    stress = np.r_[np.ones(3), np.zeros(10), np.ones(2), np.zeros(5)]
    spread = np.r_[np.ones(15), np.full(2, 4.0), np.ones(3)]
    matrix, flags, skipped = recovery_matrix(spread[None], np.ones((1, 20)), stress)
    assert matrix.tolist() == [[2.0]] and flags.tolist() == [[False]] and skipped == 1


def test_h1_and_h2_use_the_generator_given() -> None:
    from pipeline.hypotheses.synthetic import synthetic_market

    table = synthetic_market(
        np.random.default_rng(0), n_seeds=6, n_steps=120, windows=((20, 10), (70, 10))
    )
    for test in (volatility_amplification, liquidity_impact):
        one = test(table, n_resamples=N, rng=np.random.default_rng(1))
        again = test(table, n_resamples=N, rng=np.random.default_rng(1))
        default = test(table, n_resamples=N)
        assert (one.ci_low, one.ci_high) == (again.ci_low, again.ci_high)
        assert (one.ci_low, one.ci_high) != (default.ci_low, default.ci_high)
    one = volatility_amplification(table, n_resamples=N, rng=np.random.default_rng(1))
    again = volatility_amplification(table, n_resamples=N, rng=np.random.default_rng(1))
    assert one.extra["effect_excluding_events_ci"] == again.extra["effect_excluding_events_ci"]


def test_resiliency_summary_without_windows_is_nan() -> None:
    table = market(n_seeds=2, stress=(0, 5))  # the only window starts the episode
    summary = resiliency_summary(market_runs(table, ["mid", "spread", "depth", "stress"]))
    assert np.isnan(summary["resiliency_rl_mean_steps"])
    assert np.isnan(summary["resiliency_mean_extra_steps_rl"])
    assert summary["resiliency_rl_windows"] == 0
    assert summary["resiliency_windows_without_pre_stress"] == 4


# ---- H3 ------------------------------------------------------------------------------------


def herd_table(
    n_seeds: int = 5, steps: int = 800, lockstep: bool = True, reference: bool = True,
    styles: bool = True,
) -> pd.DataFrame:
    """Three agents with independent sticky actions; in the rl arm b copies a (lockstep), the
    reference arm plays the same actions without the copy. Styles: a, b momentum; c
    mean_reversion."""
    rng = np.random.default_rng(7)
    rows = []
    for s in range(n_seeds):
        ref = np.repeat(rng.integers(-1, 2, size=(3, steps // 4)), 4, axis=1)
        rl = ref.copy()
        if lockstep:
            rl[1] = rl[0]
        arms = [("rl", rl)] + ([("baseline", ref)] if reference else [])
        for scenario, acts in arms:
            for i, agent in enumerate("abc"):
                frame = pd.DataFrame(
                    {"scenario": scenario, "seed": s, "step": np.arange(steps), "agent": agent,
                     "action": acts[i]}
                )
                if styles:
                    frame["style"] = "mean_reversion" if agent == "c" else "momentum"
                rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def test_lockstep_pair_against_an_independent_reference_is_herding() -> None:
    result = herding(herd_table(), n_resamples=N, reference="rule_based")
    # pair (a, b) has correlation 1 in rl, ~0 in the reference; (a, c), (b, c) ~0 in both
    assert result.effect == pytest.approx(1 / 3, abs=0.05)
    assert result.p_value == pytest.approx(1 / 32) and result.reject
    pairs = {(p["agent_a"], p["agent_b"]): p for p in result.extra["pairs"]}
    assert list(pairs) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pairs[("a", "b")]["rl"] == pytest.approx(1.0)
    assert pairs[("a", "b")]["excess"] == pytest.approx(1.0, abs=0.1)
    assert pairs[("a", "b")]["same_style"] is True and pairs[("a", "c")]["same_style"] is False
    assert pairs[("a", "c")]["excess"] == pytest.approx(0.0, abs=1e-12)
    assert result.extra["same_style_excess"] == pytest.approx(1.0, abs=0.1)
    assert abs(result.extra["cross_style_excess"]) < 0.1
    assert result.extra["reference"].startswith("rule_based: each RL slot driven by its style")
    assert result.extra["lsv"] > result.extra["lsv_reference"]
    assert result.extra["same_side_share_excess"] > 0.2
    assert result.extra["fleiss_kappa_excess"] > 0.1
    assert result.extra["co_movement"]["p_value"] < 0.05
    assert result.extra["styles"] == {"a": "momentum", "b": "momentum", "c": "mean_reversion"}
    assert result.extra["agents"] == ["a", "b", "c"]
    assert result.extra["constant_agent_series"] == 0
    assert (result.extra["n_seeds"], result.extra["n_replicates"]) == (5, 1)
    assert result.extra["seeds_without_varying_pairs"] == []
    assert "paired by seed; co-movement (independence) test secondary" in result.method


def test_no_lockstep_is_no_herding() -> None:
    result = herding(herd_table(lockstep=False), n_resamples=N)
    assert result.effect == 0.0 and result.p_value == 1.0 and not result.reject


def test_without_styles_the_split_is_undefined_and_said() -> None:
    result = herding(herd_table(styles=False), n_resamples=N)
    assert np.isnan(result.extra["same_style_excess"])
    assert result.extra["styles_known"] is False and result.extra["styles"] == {}
    assert all(p["same_style"] is False for p in result.extra["pairs"])
    assert "; styles unknown (no style column)" in result.method


def test_without_reference_the_co_movement_test_is_primary() -> None:
    result = herding(herd_table(reference=False), n_resamples=N)
    co = result.extra["co_movement"]
    assert result.p_value == co["p_value"] and result.effect == co["effect"]
    assert result.p_value == pytest.approx(1 / 200) and result.reject
    assert result.extra["min_attainable_p"] == pytest.approx(1 / 200)
    assert result.extra["pairs"] == [] and np.isnan(result.extra["same_style_excess"])
    assert result.extra["reference"] == "none: the action table has no 'baseline' rows"
    assert result.extra["mean_pairwise_correlation"] == pytest.approx(1 / 3, abs=0.05)
    assert "lsv_reference" not in result.extra
    assert result.method.startswith("fallback, no reference (baseline) rows: co-movement")
    assert "; CI: paired sign-flip" in result.method
    assert result.ci_low <= result.effect <= result.ci_high


def test_seeds_without_two_varying_agents_are_dropped_and_too_few_is_degenerate() -> None:
    table = herd_table(n_seeds=3)
    flat = (table["seed"] == 1) & (table["agent"] != "a")
    table.loc[flat, "action"] = 0
    result = herding(table, n_resamples=N)
    assert result.extra["seeds_without_varying_pairs"] == [1]
    assert result.n == 2 and result.extra["seeds"] == [0, 2]
    assert result.extra["constant_agent_series"] == 2
    table.loc[(table["seed"] == 2) & (table["agent"] != "a"), "action"] = 0
    dead = herding(table, n_resamples=N)
    assert dead.p_value == 1.0 and not dead.reject and dead.n == 0
    assert np.isnan(dead.effect) and np.isnan(dead.ci_low)
    assert dead.extra["unit_effects"] == [] and dead.extra["mde"] == float("inf")
    assert dead.extra["min_attainable_p"] == 1.0
    assert dead.extra["ci_level"] == pytest.approx(0.9)
    assert len(dead.extra["replicate_effects"]) == 1
    assert dead.method.startswith(
        "undefined (p set to 1): fewer than 2 seeds have two agents that vary their actions; "
    )
    fallback = herding(table[table["scenario"] == "rl"], n_resamples=N)
    assert fallback.p_value == 1.0 and "fallback" in fallback.method


def test_describe_reference() -> None:
    assert describe_reference(None, False) == "none: the action table has no 'baseline' rows"
    assert describe_reference("noise", False).startswith("none:")
    assert describe_reference(None, True) == (
        "the action table's 'baseline' rows (reference traders in the RL agents' slots)"
    )
    assert describe_reference("noise", True).startswith("noise: noise traders in the RL slots")
    assert describe_reference("custom arm", True) == "custom arm"


def test_excess_is_rl_minus_reference_pair_by_pair() -> None:
    table = herd_table(lockstep=True)
    base_b = (table["scenario"] == "baseline") & (table["agent"] == "b")
    base_a = (table["scenario"] == "baseline") & (table["agent"] == "a")
    table.loc[base_b, "action"] = -table.loc[base_a, "action"].to_numpy()  # reference: b = -a
    result = herding(table, n_resamples=N)
    ab = result.extra["pairs"][0]
    assert (ab["rl"], ab["reference"], ab["excess"]) == (
        pytest.approx(1.0), pytest.approx(-1.0), pytest.approx(2.0)
    )
    assert result.extra["same_style_excess"] == pytest.approx(2.0)
    for name in ("lsv", "same_side_share", "fleiss_kappa"):
        assert result.extra[f"{name}_excess"] == pytest.approx(
            result.extra[name] - result.extra[f"{name}_reference"]
        )
    assert result.extra["lsv_reference"] != result.extra["lsv"]


def test_methods_name_what_was_paired_in_full() -> None:
    tail = (
        "effect: excess alignment = mean over agent pairs of corr(rl actions) - corr(reference "
        "actions) in the same slots, paired by seed{}; co-movement (independence) test "
        "secondary in extra"
    )
    assert herding(herd_table(), n_resamples=N).method.endswith(tail.format(""))
    bare = herding(herd_table(styles=False), n_resamples=N)
    assert bare.method.endswith(tail.format("; styles unknown (no style column)"))
    two = pd.concat([herd_table().assign(replicate=0), herd_table().assign(replicate=1)])
    replicated = herding(two, n_resamples=N)
    assert replicated.name == "herding" and replicated.n == 2
    assert replicated.method.endswith(tail.format(" and replicate"))
    fallback = herding(herd_table(reference=False), n_resamples=N)
    assert fallback.name == "herding" and fallback.alpha == 0.05
    ci_part = fallback.method.split("; CI: ")[1]
    assert ci_part.startswith("paired sign-flip permutation test") and "effect:" not in ci_part


def test_the_generator_given_is_the_one_used() -> None:
    for table in (herd_table(), herd_table(reference=False)):
        one = herding(table, n_resamples=N, rng=np.random.default_rng(1))
        again = herding(table, n_resamples=N, rng=np.random.default_rng(1))
        default = herding(table, n_resamples=N)
        assert (one.ci_low, one.ci_high) == (again.ci_low, again.ci_high)
        assert (one.ci_low, one.ci_high) != (default.ci_low, default.ci_high)


def test_co_movement_draws_secondary_and_primary() -> None:
    many = 2999
    secondary = herding(herd_table(), n_resamples=many)
    assert secondary.extra["co_movement"]["p_value"] == pytest.approx(1 / 2000)
    primary = herding(herd_table(reference=False), n_resamples=many)
    assert primary.p_value == pytest.approx(1 / 3000)
    assert primary.extra["min_attainable_p"] == pytest.approx(1 / 3000)


def test_fallback_rejects_strictly_below_alpha() -> None:
    table = herd_table(reference=False)
    assert herding(table, 1 / 199, n_resamples=N).reject is True
    at_floor = herding(table, 1 / 200, n_resamples=N)
    assert at_floor.p_value == pytest.approx(1 / 200) and at_floor.reject is False


def test_degenerate_results_are_complete() -> None:
    table = herd_table(n_seeds=2)
    table.loc[table["agent"] != "a", "action"] = 0
    for arm in (table, table[table["scenario"] == "rl"]):
        dead = herding(arm, 0.1, n_resamples=N)
        assert dead.name == "herding" and dead.alpha == 0.1 and dead.reject is False
        assert np.isnan(dead.ci_high) and np.isnan(dead.effect)
        assert dead.extra["ci_level"] == pytest.approx(0.8)
    fallback = herding(table[table["scenario"] == "rl"], n_resamples=N)
    assert np.isnan(fallback.extra["mean_pairwise_correlation"])
