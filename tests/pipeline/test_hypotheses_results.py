"""Result objects, the BH results table and the secondary statistics (resiliency, LSV, kappa)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.hypotheses import (
    HypothesisResult,
    herding,
    liquidity_impact,
    realism_checks,
    results_table,
    stylized_facts,
    volatility_amplification,
)
from pipeline.hypotheses.alignment import fleiss_kappa_actions, lsv_measure
from pipeline.hypotheses.resiliency import recovery_steps
from pipeline.hypotheses.synthetic import synthetic_actions, synthetic_market

CONTRACT_KEYS = {
    "n_replicates",
    "n_seeds",
    "replicate_effects",
    "unit_effects",
    "min_attainable_p",
    "mde",
    "ci_level",
}
H1_KEYS = {"effect_excluding_events", "effect_excluding_events_ci"}
H3_KEYS = {
    "pairs",
    "same_style_excess",
    "cross_style_excess",
    "lsv",
    "same_side_share",
    "reference",
    "co_movement",
}


def _result(name: str, p: float) -> HypothesisResult:
    return HypothesisResult(name, 0.1, 0.0, 0.2, p, p < 0.05, "test", 10)


def test_results_table_adds_benjamini_hochberg() -> None:
    table = results_table([_result("a", 0.01), _result("b", 0.04), _result("c", 0.03)])
    assert list(table["name"]) == ["a", "b", "c"]
    assert table["p_adjusted"].tolist() == pytest.approx([0.03, 0.04, 0.04])
    assert table["reject_adjusted"].tolist() == [True, True, True]
    assert {"effect", "ci_low", "ci_high", "p_value", "reject", "method", "n"} <= set(table.columns)


def test_results_table_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        results_table([])
    with pytest.raises(ValueError, match="duplicate"):
        results_table([_result("a", 0.1), _result("a", 0.2)])
    with pytest.raises(ValueError, match="p_value"):
        results_table([_result("a", float("nan"))])


def test_results_table_messages_and_p_value_edges() -> None:
    with pytest.raises(ValueError) as err:
        results_table([])
    assert str(err.value) == "results is empty: nothing to tabulate"
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError) as err:
            results_table([_result("a", 0.5), _result("b", bad)])
        assert str(err.value) == f"result 'b' has p_value {bad!r} outside [0, 1]"
    table = results_table([_result("a", 0.0), _result("b", 1.0)])
    assert table["p_adjusted"].tolist() == [0.0, 1.0]
    assert list(table.columns) == [
        "name", "effect", "ci_low", "ci_high", "p_value", "p_adjusted", "reject",
        "reject_adjusted", "alpha", "method", "n",
    ]
    at_alpha = results_table([_result("a", 0.05)])  # p_adjusted == alpha: not rejected
    assert at_alpha["p_adjusted"].tolist() == [0.05]
    assert at_alpha["reject_adjusted"].tolist() == [False]


def test_real_results_are_json_ready_and_tabulate() -> None:
    rng = np.random.default_rng(0)
    market = synthetic_market(rng, n_seeds=5, n_steps=300, windows=((100, 20), (200, 20)))
    actions = synthetic_actions(rng, n_seeds=5, n_steps=300)
    results = [volatility_amplification(market), liquidity_impact(market), herding(actions)]
    assert [r.name for r in results] == ["volatility_amplification", "liquidity_impact", "herding"]
    for r in results:
        assert json.loads(json.dumps(r.to_dict()))["name"] == r.name
        assert r.n == 5
        assert r.method
        assert CONTRACT_KEYS <= set(r.extra)
    assert H1_KEYS <= set(results[0].extra)
    assert H3_KEYS <= set(results[2].extra)
    assert results_table(results)["p_adjusted"].between(0, 1).all()


def test_wilcoxon_cross_check_agrees_with_sign_flip() -> None:
    market = synthetic_market(np.random.default_rng(4), n_seeds=12, n_steps=300, vol_ratio=1.5)
    result = volatility_amplification(market)
    assert result.p_value < 0.01
    assert result.extra["wilcoxon_p"] < 0.01


def _run(spread: list[float], depth: list[float], stress: list[bool]) -> dict[str, np.ndarray]:
    return {
        "spread": np.array(spread),
        "depth": np.array(depth),
        "stress": np.array(stress, dtype=float),
    }


def test_recovery_steps_known_answer() -> None:
    pre, window = 20, 5
    spread = [1.0] * pre + [3.0] * window + [2.0] * 7 + [1.05] * 10
    depth = [100.0] * pre + [10.0] * window + [95.0] * 17
    stress = [False] * pre + [True] * window + [False] * 17
    steps, censored, skipped = recovery_steps(_run(spread, depth, stress))
    assert steps == [7.0]
    assert censored == [False]
    assert skipped == 0


def test_recovery_steps_depth_must_recover_too_and_censoring() -> None:
    spread = [1.0] * 10 + [3.0] * 3 + [1.0] * 10
    depth = [100.0] * 10 + [10.0] * 3 + [50.0] * 4 + [91.0] * 6
    stress = [False] * 10 + [True] * 3 + [False] * 10
    assert recovery_steps(_run(spread, depth, stress))[0] == [4.0]
    never = [100.0] * 10 + [10.0] * 3 + [50.0] * 10
    # never recovered in the 10 steps after the window: censored at 10, kept, flagged
    assert recovery_steps(_run(spread, never, stress))[:2] == ([10.0], [True])
    at_start = [True] * 3 + [False] * 20
    assert recovery_steps(_run(spread, depth, at_start)) == ([], [], 1)


def test_h2_reports_component_and_resiliency_statistics() -> None:
    market = synthetic_market(
        np.random.default_rng(1),
        n_seeds=6,
        n_steps=300,
        spread_ratio=1.3,
        depth_ratio=1.0,
        windows=((100, 20), (200, 20)),
    )
    result = liquidity_impact(market)
    assert result.extra["spread_effect"] == pytest.approx(np.log(1.3), abs=0.05)
    assert abs(result.extra["depth_effect"]) < 0.05
    assert result.extra["spread_p_bh"] < 0.05 < result.extra["depth_p_bh"]
    assert result.effect == pytest.approx(
        0.5 * (result.extra["spread_effect"] + result.extra["depth_effect"])
    )
    assert result.extra["resiliency_rl_windows"] == 12
    assert result.extra["resiliency_rl_mean_steps"] > 0


def test_lsv_and_kappa_known_answers() -> None:
    lockstep = np.array([[1, -1, 1, -1, 1, 1], [1, -1, 1, -1, 1, 1], [1, -1, 1, -1, 1, 1]])
    # all 3 agents agree at every step; buy share p = 2/3; mean |p_t - p| = (4/3 + 2 x 2/3) / 6
    # = 4/9; AF = E|B/3 - 2/3| for B ~ Bin(3, 2/3) = 16/81; LSV = 4/9 - 16/81 = 20/81
    assert lsv_measure(lockstep) == pytest.approx(20 / 81)
    assert fleiss_kappa_actions(lockstep) == pytest.approx(1.0)
    split = np.array([[1, -1, 1, -1], [-1, 1, -1, 1]])  # always one buyer, one seller
    assert lsv_measure(split) == pytest.approx(0.0 - 0.25)  # |1/2 - 1/2| - E|B/2 - 1/2|
    assert np.isnan(lsv_measure(np.zeros((3, 10), dtype=np.int8)))


def test_herding_with_constant_agents_is_degenerate_not_an_error() -> None:
    actions = synthetic_actions(np.random.default_rng(0), n_seeds=3, n_steps=50).assign(action=0)
    result = herding(actions)
    assert result.p_value == 1.0
    assert not result.reject
    assert np.isnan(result.effect)
    assert result.extra["mde"] == np.inf
    assert result.to_dict()["extra"]["mde"] is None
    assert result.extra["seeds_without_varying_pairs"] == [0, 1, 2]
    assert CONTRACT_KEYS <= set(result.extra)


def test_herding_skips_seed_with_one_varying_agent_and_says_so() -> None:
    actions = synthetic_actions(np.random.default_rng(0), n_seeds=3, n_steps=200, herd=0.5)
    actions.loc[(actions["seed"] == 1) & (actions["agent"] != "momentum"), "action"] = 0
    result = herding(actions)
    assert result.n == 2
    assert result.extra["seeds_without_varying_pairs"] == [1]
    assert result.extra["constant_agent_series"] == 2


def test_sticky_independent_agents_not_called_herders_but_lockstep_is() -> None:
    rng = np.random.default_rng(9)
    sticky = synthetic_actions(rng, n_seeds=4, n_steps=300, stay=0.95)
    assert herding(sticky).p_value > 0.05
    follow = synthetic_actions(rng, n_seeds=4, n_steps=300, stay=0.95, herd=0.9)
    assert herding(follow).reject


def test_pipeline_reexports_stylized_functions() -> None:
    import market.stylized

    assert stylized_facts is market.stylized.stylized_facts
    assert realism_checks is market.stylized.realism_checks
    rng = np.random.default_rng(0)
    heavy = pd.Series(rng.standard_t(4, 5000) * 0.01)
    normal = pd.Series(rng.standard_normal(5000) * 0.01)
    assert realism_checks(heavy)["heavy_tails"]["pass"] is True
    assert realism_checks(normal)["heavy_tails"]["pass"] is False


@pytest.mark.parametrize("k", [1, 3])
def test_every_test_fills_the_contract_extras_for_every_table_shape(k: int) -> None:
    from pipeline.hypotheses.synthetic_herding import synthetic_herding

    rng = np.random.default_rng(k)
    market = synthetic_market(
        rng,
        n_seeds=4,
        n_steps=200,
        windows=((60, 20),),
        n_replicates=k,
        replicate_sd=0.1,
        one_sided_rate=0.1,
    )
    actions = synthetic_herding(rng, n_seeds=4, n_steps=200, n_replicates=k, replicate_sd=0.02)
    fallback = actions[actions["scenario"] == "rl"].drop(columns=["scenario", "style"])
    results = {
        "h1": volatility_amplification(market),
        "h2": liquidity_impact(market),
        "h3": herding(actions),
        "h3_fallback": herding(fallback),
    }
    for name, r in results.items():
        assert CONTRACT_KEYS <= set(r.extra), name
        assert r.extra["n_replicates"] == k and r.extra["n_seeds"] == 4
        assert len(r.extra["replicate_effects"]) == k
        assert len(r.extra["unit_effects"]) == k * 4
        assert r.n == (k if k > 1 else 4)
        assert r.extra["ci_level"] == pytest.approx(0.9)
        json.dumps(r.to_dict(), allow_nan=False)  # strict JSON: NaN / inf in extra are None
    assert H1_KEYS <= set(results["h1"].extra)
    assert H3_KEYS <= set(results["h3"].extra) and H3_KEYS <= set(results["h3_fallback"].extra)


def test_json_safe_replaces_non_finite_floats_recursively() -> None:
    from pipeline.hypotheses.results import json_safe

    value = {"a": [1.0, float("nan")], "b": {"c": float("inf"), "d": (2, -float("inf"))}, "e": "x"}
    assert json_safe(value) == {"a": [1.0, None], "b": {"c": None, "d": [2, None]}, "e": "x"}
