"""Validation of the market and action tables: exact messages, and the per-unit split they feed.

Tiny hand-made tables, so that each rule (and the order the units come out in) is checked on
both sides of its edge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.hypotheses.action_tables import action_units
from pipeline.hypotheses.validation import (
    check_crossed,
    check_duplicates,
    first_bad,
    int_column,
    market_runs,
    replicate_column,
    require_columns,
    scenario_codes,
)


def refused(message: str, func: Any, *args: Any, **kwargs: Any) -> None:
    """`func(*args, **kwargs)` raises ValueError with exactly `message`."""
    with pytest.raises(ValueError) as err:
        func(*args, **kwargs)
    assert str(err.value) == message


def market(seeds: tuple[int, ...] = (1, 2), steps: int = 3, **extra: Any) -> pd.DataFrame:
    """Both scenarios x seeds x steps; mid rises by 1 a step from 100 + 10 * seed (+ 5 for rl)."""
    rows = [
        {"scenario": sc, "seed": s, "step": t, "mid": 100.0 + 10 * s + t + (5 if sc == "rl" else 0)}
        for sc in ("rl", "baseline")
        for s in seeds
        for t in range(steps)
    ]
    table = pd.DataFrame(rows)
    for column, value in extra.items():
        table[column] = value
    return table


# ---- generic checks ------------------------------------------------------------------------


def test_require_columns() -> None:
    refused("t must be a pandas DataFrame, got dict", require_columns, {}, ["a"], "t")
    df = pd.DataFrame({"a": [1], "b": [2]})
    refused("t is missing columns ['c', 'd'] (has ['a', 'b'])", require_columns, df, "acd", "t")
    refused("t has no rows", require_columns, df.iloc[:0], ["a"], "t")
    require_columns(df, ["a", "b"], "t")


def test_int_column() -> None:
    df = pd.DataFrame({"i": [1, 2], "f": [1.0, 3.0], "x": [1.5, 2.0], "n": [1.0, np.nan]})
    assert int_column(df, "i", "t").tolist() == [1, 2]
    assert int_column(df, "f", "t").tolist() == [1, 3]
    assert int_column(df, "f", "t").dtype == np.int64
    refused("t column 'x' must hold integers, got float64", int_column, df, "x", "t")
    refused("t column 'n' must hold integers, got float64", int_column, df, "n", "t")
    text = pd.DataFrame({"o": ["1", "a"]})
    with pytest.raises(ValueError, match="^t column 'o' must hold integers, got "):
        int_column(text, "o", "t")


def test_replicate_column() -> None:
    assert replicate_column(pd.DataFrame({"a": [1, 2]}), "t").tolist() == [0, 0]
    assert replicate_column(pd.DataFrame({"replicate": [0, 3]}), "t").tolist() == [0, 3]
    refused(
        "t column 'replicate' must be >= 0, got -2",
        replicate_column, pd.DataFrame({"replicate": [0, -1, -2]}), "t",
    )


def test_first_bad_names_the_first_offending_row() -> None:
    df = pd.DataFrame({"seed": [1, 2, 3], "step": [4, 5, 6], "name": ["a", "b", "c"]})
    bad = np.array([False, True, True])
    assert first_bad(df, bad, ["seed", "step", "name"]) == "seed=2, step=5, name='b'"


def test_check_duplicates() -> None:
    check_duplicates([np.array([0, 0, 1]), np.array([1, 2, 1])], ["a", "b"])
    refused(
        "duplicate rows for (a, b); e.g. 2 repeats",
        check_duplicates, [np.array([0, 0, 0, 1]), np.array([1, 1, 1, 1])], ["a", "b"],
    )


def test_check_crossed() -> None:
    check_crossed({(0, 1), (0, 2), (1, 1), (1, 2)}, np.array([0, 1]), np.array([1, 2]), "w")
    refused(
        "w: replicate 1 lacks seed(s) [2, 3]; every replicate must hold the same seeds [1, 2, 3]",
        check_crossed, {(0, 1), (0, 2), (0, 3), (1, 1)}, np.array([0, 1]), np.array([1, 2, 3]),
        "w",
    )


def test_scenario_codes() -> None:
    codes = scenario_codes(pd.Series(["baseline", "rl", "rl", "baseline"]), "t")
    assert codes.tolist() == [1, 0, 0, 1]
    refused(
        "t column 'scenario' has unknown values ['RL', 'x']; use ('rl', 'baseline')",
        scenario_codes, pd.Series(["rl", "x", "RL"]), "t",
    )
    refused(
        "t column 'scenario' has unknown values ['NaN']; use ('rl', 'baseline')",
        scenario_codes, pd.Series(["rl", None]), "t",
    )


# ---- market tables -------------------------------------------------------------------------


def test_market_runs_splits_units_in_step_order_replicate_major() -> None:
    table = pd.concat([market(replicate=0), market(replicate=1)]).sample(frac=1, random_state=0)
    table.loc[table["replicate"] == 1, "mid"] += 1000.0
    runs = market_runs(table, ["mid"])
    assert runs.seeds.tolist() == [1, 2] and runs.replicates.tolist() == [0, 1]
    assert runs.n_units == 4 and runs.columns == ("mid",)
    rl = [r["mid"].tolist() for r in runs.runs["rl"]]
    assert rl == [[115, 116, 117], [125, 126, 127], [1115, 1116, 1117], [1125, 1126, 1127]]
    assert runs.runs["baseline"][1]["mid"].tolist() == [120, 121, 122]


def test_market_runs_optional_columns_are_kept_when_present() -> None:
    table = market(stress=False, spread=1.0)
    runs = market_runs(table, ["mid"], optional=["stress", "one_sided", "mid"])
    assert runs.columns == ("mid", "stress")
    assert runs.runs["rl"][0]["stress"].tolist() == [0.0, 0.0, 0.0]
    assert runs.replicates.tolist() == [0]


def test_market_runs_seed_pairing_and_count() -> None:
    table = market(seeds=(1, 2, 3))
    only_rl = table[~((table["scenario"] == "baseline") & (table["seed"] == 3))]
    refused(
        "market table: seed(s) [3] present only in scenario 'rl'", market_runs, only_rl, ["mid"]
    )
    only_base = table[~((table["scenario"] == "rl") & (table["seed"] == 2))]
    refused(
        "market table: seed(s) [2] present only in scenario 'baseline'",
        market_runs, only_base, ["mid"],
    )
    refused(
        "market table needs at least 2 seeds per scenario, got [1]",
        market_runs, market(seeds=(1,)), ["mid"],
    )


def test_market_runs_value_rules() -> None:
    bad_mid = market()
    bad_mid.loc[4, "mid"] = 0.0
    refused(
        "market table column 'mid' has 1 NaN or values not > 0 (first at scenario='rl', seed=2, "
        "step=1)",
        market_runs, bad_mid, ["mid"],
    )
    spread = market(spread=0.0, depth=1.0)  # 0 is a valid spread and depth
    assert market_runs(spread, ["mid", "spread", "depth"]).n_units == 2
    spread.loc[[7, 8], "spread"] = [-0.1, np.nan]
    refused(
        "market table column 'spread' has 2 NaN or values not >= 0 (first at scenario='baseline', "
        "seed=1, step=1); an empty book side? fill it upstream (e.g. last valid value)",
        market_runs, spread, ["mid", "spread"],
    )


def test_market_runs_duplicates_and_crossing() -> None:
    table = market()
    refused(
        "duplicate rows for (scenario, replicate, seed, step); e.g. 1 repeats",
        market_runs, pd.concat([table, table.iloc[[0]]]), ["mid"],
    )
    two = pd.concat([market(replicate=0), market(seeds=(1, 3), replicate=1)])
    with pytest.raises(ValueError) as err:
        market_runs(two, ["mid"])
    assert str(err.value).startswith("market table scenario 'rl': replicate 0 lacks seed(s) [3]")


@pytest.mark.parametrize("flag", ["stress", "one_sided"])
def test_flags_must_be_boolean_like(flag: str) -> None:
    ok = market(**{flag: [0, 1] * 6})
    assert market_runs(ok, ["mid", flag]).runs["rl"][0][flag].tolist() == [0.0, 1.0, 0.0]
    as_bool = market(**{flag: [True, False] * 6})
    assert market_runs(as_bool, ["mid", flag]).runs["rl"][0][flag].tolist() == [1.0, 0.0, 1.0]
    refused(
        f"market table column {flag!r} must be boolean (True/False or 1/0)",
        market_runs, market(**{flag: [0, 2] * 6}), ["mid", flag],
    )
    refused(
        f"market table column {flag!r} has 2 NaN values",
        market_runs, market(**{flag: [1.0, np.nan, 0.0, np.nan] + [0.0] * 8}), ["mid", flag],
    )


# ---- action tables -------------------------------------------------------------------------


def actions(
    seeds: tuple[int, ...] = (1, 2), agents: tuple[str, ...] = ("b", "a"), steps: int = 4,
    scenarios: tuple[str, ...] = ("rl",),
) -> pd.DataFrame:
    """Actions (seed + step + agent index) mod 3 - 1, per scenario (baseline: negated)."""
    rows = [
        {"scenario": sc, "seed": s, "step": t, "agent": a,
         "action": ((s + t + i) % 3 - 1) * (1 if sc == "rl" else -1)}
        for sc in scenarios for s in seeds for i, a in enumerate(agents) for t in range(steps)
    ]
    return pd.DataFrame(rows)


def test_action_units_sorted_agents_and_matrices() -> None:
    table = actions().sample(frac=1, random_state=1).drop(columns="scenario")
    units = action_units(table)
    assert units.seeds.tolist() == [1, 2] and units.replicates.tolist() == [0]
    assert not units.has_reference and units.styles is None
    first = units.units[0]
    assert (first.replicate, first.seed, first.agents) == (0, 1, ["a", "b"])
    # seed 1: agent "b" is index 0 -> (1 + t) % 3 - 1; agent "a" index 1 -> (2 + t) % 3 - 1
    assert first.rl.tolist() == [[1, -1, 0, 1], [0, 1, -1, 0]]
    assert first.rl.dtype == np.int8 and first.reference is None


def test_action_units_reference_arm_pairs_with_rl() -> None:
    units = action_units(actions(scenarios=("rl", "baseline")))
    assert units.has_reference
    unit = units.units[1]
    assert (unit.replicate, unit.seed) == (0, 2) and unit.reference is not None
    assert units.seeds.dtype == np.int64 and units.replicates.dtype == np.int64
    assert unit.reference.tolist() == (-unit.rl).tolist()


def test_action_values_and_shape_rules() -> None:
    table = actions()
    bad = table.copy()
    bad.loc[5, "action"] = 2
    bad.loc[6, "action"] = np.nan
    refused(
        "action table column 'action' must be -1, 0 or 1; 2 rows are not (first at seed=1, "
        "step=1, agent='a')",
        action_units, bad,
    )
    refused(
        "action table needs at least 2 seeds, got [1]", action_units, actions(seeds=(1,))
    )
    refused(
        "action table: rl replicate 0 seed 1 has 1 agent(s); herding needs >= 2",
        action_units, actions(agents=("a",)),
    )
    refused(
        "action table: rl replicate 0 seed 1: agents do not share the same steps (gaps?)",
        action_units, table.drop(index=2),
    )
    shifted = table.copy()
    shifted.loc[(shifted["agent"] == "a") & (shifted["seed"] == 2), "step"] += 1
    refused(
        "action table: rl replicate 0 seed 2: agents do not share the same steps (gaps?)",
        action_units, shifted,
    )
    refused(
        "duplicate rows for (scenario, replicate, seed, agent, step); e.g. 1 repeats",
        action_units, pd.concat([table, table.iloc[[3]]]),
    )


def test_action_scenario_rules() -> None:
    table = actions(scenarios=("rl", "baseline"))
    refused(
        "action table has only 'baseline' rows: the RL agents' rows are missing",
        action_units, table[table["scenario"] == "baseline"],
    )
    no_ref = table[~((table["scenario"] == "baseline") & (table["seed"] == 2))]
    refused(
        "action table: replicate 0 seed 2 has 'rl' rows but no 'baseline' (reference) rows",
        action_units, no_ref,
    )
    other_agent = table.copy()
    other_agent.loc[(other_agent["scenario"] == "baseline") & (other_agent["agent"] == "a"),
                    "agent"] = "c"
    refused(
        "action table: replicate 0 seed 1: reference agents ['b', 'c'] differ from rl agents "
        "['a', 'b']",
        action_units, other_agent,
    )
    late = table.copy()
    late.loc[late["scenario"] == "baseline", "step"] += 10
    refused(
        "action table: replicate 0 seed 1: reference and rl rows cover different steps",
        action_units, late,
    )
    orphan = pd.concat([table, actions(seeds=(3,), scenarios=("baseline",))])
    refused(
        "action table 'rl' rows: replicate 0 lacks seed(s) [3]; every replicate must hold the "
        "same seeds [1, 2, 3]",
        action_units, orphan,
    )


def test_action_replicates_must_cross() -> None:
    two = pd.concat(
        [actions().assign(replicate=0), actions(seeds=(1, 3)).assign(replicate=1)]
    )
    with pytest.raises(ValueError) as err:
        action_units(two)
    assert str(err.value).startswith("action table 'rl' rows: replicate 0 lacks seed(s) [3]")
    short = pd.concat([actions().assign(replicate=0), actions(seeds=(2,)).assign(replicate=1)])
    with pytest.raises(ValueError) as err:
        action_units(short)
    assert str(err.value).startswith("action table 'rl' rows: replicate 1 lacks seed(s) [1]")
    ok = pd.concat([actions().assign(replicate=0), actions().assign(replicate=4)])
    units = action_units(ok)
    assert units.replicates.tolist() == [0, 4]
    assert [(u.replicate, u.seed) for u in units.units] == [(0, 1), (0, 2), (4, 1), (4, 2)]


def test_styles() -> None:
    table = actions(scenarios=("rl", "baseline"))
    table["style"] = np.where(table["agent"] == "a", "momentum", "adaptive")
    table.loc[table["scenario"] == "baseline", "style"] = None  # style on the rl rows only
    assert action_units(table).styles == {"a": "momentum", "b": "adaptive"}
    mixed = table.copy()
    mixed.loc[0, "style"] = "mean_reversion"  # agent "b", seed 1, step 0
    refused(
        "action table: agent(s) with more than one style {'b': ['adaptive', 'mean_reversion']}",
        action_units, mixed,
    )
    missing = table.copy()
    missing.loc[missing["agent"] == "a", "style"] = None
    refused(
        "action table column 'style' is empty (NaN) for agent(s) ['a']", action_units, missing
    )


def test_action_table_name_is_in_every_message() -> None:
    table = actions()
    refused(
        "actions is missing columns ['action'] (has ['scenario', 'seed', 'step', 'agent'])",
        action_units, table.drop(columns="action"), "actions",
    )
    words = table.astype({"action": object})
    words.loc[0, "action"] = "buy"
    refused(
        "actions column 'action' must be -1, 0 or 1; 1 rows are not (first at seed=1, step=0, "
        "agent='b')",
        action_units, words, "actions",
    )
    for column in ("seed", "step"):
        bad = table.astype({column: float})
        bad.loc[0, column] = 0.5
        refused(
            f"actions column {column!r} must hold integers, got float64",
            action_units, bad, "actions",
        )
    refused(
        "actions column 'replicate' must be >= 0, got -1",
        action_units, table.assign(replicate=-1), "actions",
    )
    refused(
        "actions column 'scenario' has unknown values ['RL']; use ('rl', 'baseline')",
        action_units, table.assign(scenario="RL"), "actions",
    )
