"""Property tests (hypothesis): invariances of the tests and rejection of bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.hypotheses import (
    HypothesisResult,
    herding,
    liquidity_impact,
    volatility_amplification,
)
from pipeline.hypotheses.synthetic import synthetic_actions, synthetic_market

FAST = settings(max_examples=25, deadline=None)
RESAMPLES = 199

seeds = st.integers(0, 2**32 - 1)
n_seeds = st.integers(2, 6)
n_steps = st.integers(30, 80)


def small_market(seed: int, k: int, t: int, vol_ratio: float = 1.0) -> pd.DataFrame:
    """A small paired market table with two stress windows."""
    return synthetic_market(
        np.random.default_rng(seed),
        n_seeds=k,
        n_steps=t,
        vol_ratio=vol_ratio,
        windows=((5, 5), (t // 2, 5)),
    )


def small_actions(seed: int, k: int, t: int, agents: int = 3, herd: float = 0.3) -> pd.DataFrame:
    """A small action table of sticky agents that partly copy a leader."""
    names = tuple(f"agent{i}" for i in range(agents))
    return synthetic_actions(np.random.default_rng(seed), k, t, agents=names, stay=0.8, herd=herd)


def _same(a: HypothesisResult, b: HypothesisResult) -> bool:
    """Results equal field by field, NaN equal to NaN (JSON round trip of the plain dicts)."""
    return json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)


def swap_scenarios(table: pd.DataFrame) -> pd.DataFrame:
    """The same table with the rl and baseline labels exchanged."""
    swapped = table.copy()
    swapped["scenario"] = table["scenario"].map({"rl": "baseline", "baseline": "rl"})
    return swapped


@FAST
@given(seed=seeds, k=n_seeds, t=n_steps, vol=st.floats(0.5, 2.0))
def test_swapping_scenarios_flips_h1_and_h2_effects(seed: int, k: int, t: int, vol: float) -> None:
    table = small_market(seed, k, t, vol)
    for test in (volatility_amplification, liquidity_impact):
        before = test(table, n_resamples=RESAMPLES)
        after = test(swap_scenarios(table), n_resamples=RESAMPLES)
        assert after.effect == pytest.approx(-before.effect, abs=1e-12)
        assert after.n == before.n


@FAST
@given(seed=seeds, k=n_seeds, t=n_steps, shuffle=seeds)
def test_row_order_does_not_matter(seed: int, k: int, t: int, shuffle: int) -> None:
    table = small_market(seed, k, t)
    shuffled = table.sample(frac=1.0, random_state=shuffle % 2**32)
    for test in (volatility_amplification, liquidity_impact):
        assert _same(test(table, n_resamples=RESAMPLES), test(shuffled, n_resamples=RESAMPLES))


@FAST
@given(seed=seeds, k=n_seeds, t=n_steps, agents=st.integers(2, 5), perm=seeds)
def test_relabelling_agents_does_not_change_h3(
    seed: int, k: int, t: int, agents: int, perm: int
) -> None:
    table = small_actions(seed, k, t, agents)
    names = sorted(table["agent"].unique())
    new_names = [f"x{i}" for i in np.random.default_rng(perm).permutation(len(names))]
    relabelled = table.assign(agent=table["agent"].map(dict(zip(names, new_names, strict=True))))
    relabelled = relabelled.sample(frac=1.0, random_state=perm % 2**32)
    before = herding(table, n_resamples=RESAMPLES)
    after = herding(relabelled, n_resamples=RESAMPLES)
    assert after.effect == before.effect
    assert after.p_value == before.p_value
    assert (after.ci_low, after.ci_high) == (before.ci_low, before.ci_high)
    assert after.extra["lsv"] == pytest.approx(before.extra["lsv"])


@FAST
@given(seed=seeds, k=n_seeds, t=n_steps)
def test_results_are_deterministic_and_well_formed(seed: int, k: int, t: int) -> None:
    market, actions = small_market(seed, k, t), small_actions(seed, k, t)
    for test, table in (
        (volatility_amplification, market),
        (liquidity_impact, market),
        (herding, actions),
    ):
        first, second = test(table, n_resamples=RESAMPLES), test(table, n_resamples=RESAMPLES)
        assert _same(first, second)
        assert 0.0 < first.p_value <= 1.0
        assert first.reject == (first.p_value < 0.05)
        assert first.n == k


MARKET_COLUMNS = ["scenario", "seed", "step", "mid", "spread", "depth", "stress"]


@FAST
@given(seed=seeds, column=st.sampled_from(MARKET_COLUMNS))
def test_missing_market_column_is_named(seed: int, column: str) -> None:
    table = small_market(seed, 3, 40).drop(columns=column)
    tests = [liquidity_impact]
    if column in ("scenario", "seed", "step", "mid"):
        tests.append(volatility_amplification)
    for test in tests:  # H1 only needs the columns it uses
        with pytest.raises(ValueError, match=f"missing columns.*{column}"):
            test(table)


@FAST
@given(seed=seeds, column=st.sampled_from(["seed", "step", "agent", "action"]))
def test_missing_action_column_is_named(seed: int, column: str) -> None:
    with pytest.raises(ValueError, match=f"missing columns.*{column}"):
        herding(small_actions(seed, 3, 40).drop(columns=column))


@FAST
@given(seed=seeds, k=n_seeds, scenario=st.sampled_from(["rl", "baseline"]))
def test_seed_in_one_scenario_only_is_rejected(seed: int, k: int, scenario: str) -> None:
    table = small_market(seed, k, 40)
    dropped = table[~((table["scenario"] == scenario) & (table["seed"] == k - 1))]
    other = "baseline" if scenario == "rl" else "rl"
    for test in (volatility_amplification, liquidity_impact):
        with pytest.raises(ValueError, match=rf"seed\(s\) \[{k - 1}\] present only in .*{other}"):
            test(dropped)


@FAST
@given(seed=seeds, row=st.integers(0, 10_000), bad=st.sampled_from([np.nan, 0.0, -1.0, np.inf]))
def test_bad_mid_is_rejected(seed: int, row: int, bad: float) -> None:
    table = small_market(seed, 3, 40)
    table.loc[row % len(table), "mid"] = bad
    for test in (volatility_amplification, liquidity_impact):
        with pytest.raises(ValueError, match="'mid'"):
            test(table)


@FAST
@given(seed=seeds, row=st.integers(0, 10_000), column=st.sampled_from(["spread", "depth"]))
def test_nan_or_negative_spread_depth_is_rejected(seed: int, row: int, column: str) -> None:
    table = small_market(seed, 3, 40)
    table.loc[row % len(table), column] = -0.5 if row % 2 else np.nan
    with pytest.raises(ValueError, match=f"'{column}'"):
        liquidity_impact(table)


@FAST
@given(seed=seeds, t=n_steps)
def test_fewer_than_two_seeds_is_rejected(seed: int, t: int) -> None:
    table = small_market(seed, 2, t)
    one = table[table["seed"] == 0]
    for test in (volatility_amplification, liquidity_impact):
        with pytest.raises(ValueError, match="at least 2 seeds"):
            test(one)
    actions = small_actions(seed, 2, t)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        herding(actions[actions["seed"] == 1])


@FAST
@given(seed=seeds, k=n_seeds)
def test_fewer_than_two_agents_is_rejected(seed: int, k: int) -> None:
    actions = small_actions(seed, k, 40, agents=2)
    with pytest.raises(ValueError, match="needs >= 2"):
        herding(actions[actions["agent"] == "agent0"])


@FAST
@given(seed=seeds, k=n_seeds)
def test_no_stress_rows_is_rejected_for_h2_only(seed: int, k: int) -> None:
    with_stress = small_market(seed, k, 40)
    table = with_stress.assign(stress=False)
    with pytest.raises(ValueError, match="no stress rows"):
        liquidity_impact(table)
    calm = volatility_amplification(table, n_resamples=RESAMPLES)  # H1 does not need stress
    # the whole-episode estimand ignores the flag; only the events-excluded figure uses it
    assert calm.effect == volatility_amplification(with_stress, n_resamples=RESAMPLES).effect
    assert np.isfinite(calm.effect)
    assert calm.extra["events_excluded"] is False
    assert calm.extra["effect_excluding_events"] == calm.effect


@FAST
@given(seed=seeds, row=st.integers(0, 10_000), bad=st.sampled_from([2, -2, 0.5, np.nan]))
def test_bad_action_is_rejected(seed: int, row: int, bad: float) -> None:
    actions = small_actions(seed, 3, 40).astype({"action": float})
    actions.loc[row % len(actions), "action"] = bad
    with pytest.raises(ValueError, match="'action' must be -1, 0 or 1"):
        herding(actions)


def test_duplicate_rows_unknown_scenario_and_gaps_are_rejected() -> None:
    table = small_market(0, 3, 40)
    with pytest.raises(ValueError, match="duplicate rows"):
        volatility_amplification(pd.concat([table, table.iloc[:1]]))
    with pytest.raises(ValueError, match="unknown values"):
        volatility_amplification(table.assign(scenario=table["scenario"].astype(str).str.upper()))
    actions = small_actions(0, 3, 40)
    with pytest.raises(ValueError, match="same steps"):
        herding(actions.drop(index=actions.index[5]))
    with pytest.raises(ValueError, match="alpha"):
        herding(actions, alpha=1.5)


@FAST
@given(seed=seeds, k=n_seeds, drift=st.floats(-1e-3, 1e-3), level=st.floats(0.01, 100.0))
def test_h1_ignores_price_level_and_drift(seed: int, k: int, drift: float, level: float) -> None:
    table = small_market(seed, k, 50)
    rl = (table["scenario"] == "rl").to_numpy()
    moved = table.copy()
    moved.loc[rl, "mid"] = table.loc[rl, "mid"] * level * np.exp(drift * table.loc[rl, "step"])
    before = volatility_amplification(table, n_resamples=RESAMPLES)
    after = volatility_amplification(moved, n_resamples=RESAMPLES)
    assert after.effect == pytest.approx(before.effect, abs=1e-6)


def test_non_integer_keys_and_non_boolean_stress_are_named() -> None:
    table = small_market(0, 3, 40)
    with pytest.raises(ValueError, match="'seed' must hold integers"):
        volatility_amplification(table.assign(seed=table["seed"].astype(str) + "x"))
    with pytest.raises(ValueError, match="'step' must hold integers"):
        volatility_amplification(table.assign(step=table["step"] + 0.5))
    with pytest.raises(ValueError, match="'stress' must be boolean"):
        liquidity_impact(table.assign(stress="yes"))
    with pytest.raises(ValueError, match="'mid'.*seed=0"):
        volatility_amplification(table.assign(mid="x"))
    actions = small_actions(0, 3, 40)
    with pytest.raises(ValueError, match="'action' must be -1, 0 or 1"):
        herding(actions.assign(action="buy"))
