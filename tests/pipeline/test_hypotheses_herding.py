"""H3 as herding beyond common information: excess alignment of RL agents over the reference arm.

The trap: RL agents and reference traders follow the same public signal with the same strength
(no copying); the co-movement (independence) test rejects, H3 must not. Agents that also copy a
common action on a quarter of the steps must be found. Ten seeds x 1,000 steps x 3 agents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.hypotheses import herding
from pipeline.hypotheses.synthetic_herding import synthetic_herding

ALPHA = 0.05
RESAMPLES = 999
MIXED = ("momentum", "mean_reversion", "adaptive")
CROWD = ("momentum", "momentum", "momentum")


def _rates(reps: int, seed: int, **kwargs: object) -> tuple[float, float]:
    """Rejection rate of H3 and of its co-movement secondary over `reps` synthetic tables."""
    rng = np.random.default_rng(seed)
    primary, secondary = [], []
    for _ in range(reps):
        table = synthetic_herding(rng, n_seeds=10, n_steps=1000, **kwargs)  # type: ignore[arg-type]
        result = herding(table, ALPHA, n_resamples=RESAMPLES)
        primary.append(result.reject)
        secondary.append(result.extra["co_movement"]["p_value"] < ALPHA)
    rates = float(np.mean(primary)), float(np.mean(secondary))
    print(f"H3 rate {rates[0]:.4f}, co-movement rate {rates[1]:.4f} over {reps} tables")
    return rates


def test_common_signal_is_not_herding_but_co_moves_fast() -> None:
    h3, co_movement = _rates(60, seed=1, styles=CROWD, signal=0.5)
    assert co_movement >= 0.9  # the old independence test calls this herding
    assert h3 <= stats.binom.ppf(0.99, 60, ALPHA) / 60


@pytest.mark.slow
@pytest.mark.parametrize("styles", [MIXED, CROWD], ids=["mixed-styles", "momentum-crowd"])
def test_common_signal_trap_rate_is_at_most_8_percent(styles: tuple[str, ...]) -> None:
    h3, _ = _rates(200, seed=2, styles=styles, signal=0.5)
    assert h3 <= 0.08


@pytest.mark.parametrize("styles", [MIXED, CROWD], ids=["mixed-styles", "momentum-crowd"])
def test_copying_a_common_action_a_quarter_of_the_time_is_found(styles: tuple[str, ...]) -> None:
    h3, _ = _rates(25, seed=3, styles=styles, signal=0.5, copy=0.25)
    assert h3 >= 0.8


def test_replicated_copying_is_found_and_replicates_are_the_units() -> None:
    rng = np.random.default_rng(4)
    results = [
        herding(
            synthetic_herding(
                rng, n_seeds=6, n_steps=500, n_replicates=5, replicate_sd=0.03, copy=0.25
            ),
            ALPHA,
            n_resamples=RESAMPLES,
        )
        for _ in range(10)
    ]
    print(f"H3 replicated copying power {np.mean([r.reject for r in results]):.3f} over 10")
    assert np.mean([r.reject for r in results]) >= 0.8
    assert all(r.n == 5 and "two-level" in r.method for r in results)
    assert all((r.ci_low > 0) == r.reject for r in results)


@pytest.mark.slow
def test_replicated_null_with_policy_variation_has_honest_size() -> None:
    rng = np.random.default_rng(5)
    n = 150
    rejections = sum(
        herding(
            synthetic_herding(rng, n_seeds=10, n_steps=500, n_replicates=8, replicate_sd=0.03),
            ALPHA,
            n_resamples=RESAMPLES,
        ).reject
        for _ in range(n)
    )
    print(f"H3 replicated null rate {rejections / n:.4f} over {n} tables")
    assert 0.02 * n <= rejections <= stats.binom.ppf(0.99, n, ALPHA), rejections / n


def _table(seed: int = 0, **kwargs: object) -> pd.DataFrame:
    kwargs = {"n_seeds": 4, "n_steps": 300, **kwargs}
    return synthetic_herding(np.random.default_rng(seed), **kwargs)  # type: ignore[arg-type]


def test_identical_arms_have_no_excess() -> None:
    table = _table()
    rl = table[table["scenario"] == "rl"]
    same = pd.concat([rl, rl.assign(scenario="baseline")])
    result = herding(same, n_resamples=RESAMPLES)
    assert result.effect == 0.0
    assert result.p_value == 1.0
    assert all(p["excess"] == 0.0 for p in result.extra["pairs"])


def test_pairs_table_and_style_split() -> None:
    styles = ("momentum", "momentum", "mean_reversion")
    result = herding(_table(styles=styles, copy=0.6, n_steps=1000), n_resamples=RESAMPLES)
    pairs = result.extra["pairs"]
    assert [(p["agent_a"], p["agent_b"], p["same_style"]) for p in pairs] == [
        ("mean_reversion_2", "momentum_0", False),
        ("mean_reversion_2", "momentum_1", False),
        ("momentum_0", "momentum_1", True),
    ]
    for p in pairs:
        assert p["excess"] == pytest.approx(p["rl"] - p["reference"])
        assert p["excess"] > 0
    assert result.extra["same_style_excess"] == pytest.approx(pairs[2]["excess"])
    assert result.extra["cross_style_excess"] == pytest.approx(
        np.mean([pairs[0]["excess"], pairs[1]["excess"]])
    )
    assert pairs[2]["reference"] > 0 > pairs[0]["reference"]  # like styles align, unlike oppose
    assert result.extra["styles_known"] is True
    for key in ("lsv", "same_side_share"):
        assert result.extra[f"{key}_excess"] == pytest.approx(
            result.extra[key] - result.extra[f"{key}_reference"]
        )
    assert result.extra["same_side_share_excess"] > 0


def test_without_style_column_styles_are_unknown_and_said_so() -> None:
    result = herding(_table(with_styles=False), n_resamples=RESAMPLES)
    assert result.extra["styles_known"] is False
    assert "styles unknown" in result.method
    assert not any(p["same_style"] for p in result.extra["pairs"])
    assert np.isnan(result.extra["same_style_excess"])


def test_without_baseline_rows_falls_back_to_co_movement_and_says_so() -> None:
    table = _table(copy=0.3)
    result = herding(table[table["scenario"] == "rl"].drop(columns="scenario"))
    assert result.method.startswith("fallback, no reference (baseline) rows")
    assert result.extra["reference"].startswith("none")
    assert result.extra["pairs"] == []
    assert result.p_value == result.extra["co_movement"]["p_value"]
    assert result.extra["min_attainable_p"] == pytest.approx(1 / 10_000)


def test_reference_is_described() -> None:
    result = herding(_table(), n_resamples=RESAMPLES, reference="rule_based")
    assert result.extra["reference"].startswith("rule_based")
    assert set(result.extra["co_movement"]) == {"effect", "p_value", "method"}


def test_reference_arm_must_cover_the_rl_slots() -> None:
    table = _table()
    renamed = table.assign(
        agent=np.where(table["scenario"] == "baseline", table["agent"] + "_x", table["agent"])
    )
    with pytest.raises(ValueError, match="reference agents .* differ from rl agents"):
        herding(renamed)
    orphan = table[~((table["scenario"] == "rl") & (table["seed"] == 3))]
    with pytest.raises(ValueError, match=r"lacks seed\(s\) \[3\]"):
        herding(orphan)
    mixed = table.assign(style=np.where(table["step"] == 0, "adaptive", table["style"]))
    with pytest.raises(ValueError, match="more than one style"):
        herding(mixed)


def test_style_may_be_given_on_the_rl_rows_only() -> None:
    table = _table(copy=0.3)
    partial = table.assign(style=table["style"].where(table["scenario"] == "rl"))
    assert herding(partial).extra["styles"] == herding(table).extra["styles"]
    none = partial.assign(style=np.where(partial["agent"] == "momentum_0", None, partial["style"]))
    with pytest.raises(ValueError, match=r"'style' is empty \(NaN\) for agent\(s\) \['momentum_0"):
        herding(none)
