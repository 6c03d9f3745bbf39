"""The synthetic tables the known-answer tests rest on: shapes, planted effects, bad arguments.

If a generator stopped planting what it says (a ratio, a window, a share of copied actions),
every known-answer test built on it would test nothing: these check the generators themselves.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

import pipeline.hypotheses as hyp
from pipeline.hypotheses.alignment import pair_correlations
from pipeline.hypotheses.synthetic import (
    garch_paths,
    markov_actions,
    stress_profile,
    synthetic_actions,
    synthetic_market,
)
from pipeline.hypotheses.synthetic_herding import synthetic_herding


def test_garch_recursion_by_hand() -> None:
    z = np.array([[1.0, -2.0, 0.5]])
    omega, a, b = 0.1, 0.2, 0.5
    h = omega / (1 - a - b)
    want = []
    for t in range(3):
        r = np.sqrt(h) * z[0, t]
        want.append(r)
        h = omega + a * r**2 + b * h
    assert garch_paths(z, omega, a, b)[0] == pytest.approx(want)
    default = garch_paths(np.ones((2, 2)))
    assert default[0, 0] == pytest.approx(np.sqrt(2e-8 / 0.02))


def test_stress_profile_flags_windows_and_decays_after() -> None:
    flag, intensity = stress_profile(10, [(2, 3)], decay=2.0)
    assert flag.tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert intensity[:5].tolist() == [0, 0, 1, 1, 1]
    assert intensity[5:].tolist() == pytest.approx(np.exp(-np.arange(5) / 2.0).tolist())
    two = stress_profile(12, [(1, 1), (6, 2)], decay=1.0)[1]
    assert two[6:8].tolist() == [1.0, 1.0]
    assert two[5] == pytest.approx(np.exp(-3.0))


def test_synthetic_market_layout() -> None:
    table = synthetic_market(np.random.default_rng(0), n_seeds=3, n_steps=40, windows=((5, 4),))
    assert list(table.columns) == ["scenario", "seed", "step", "mid", "spread", "depth", "stress"]
    assert len(table) == 2 * 3 * 40
    assert table["scenario"].tolist()[:1] == ["rl"] and table["scenario"].tolist()[-1] == "baseline"
    first = table.iloc[:40]
    assert first["seed"].eq(0).all() and first["step"].tolist() == list(range(40))
    assert table.loc[table["stress"], "step"].unique().tolist() == [5, 6, 7, 8]
    assert (table["mid"] > 0).all() and (table["spread"] > 0).all() and (table["depth"] > 0).all()
    reps = synthetic_market(np.random.default_rng(0), n_seeds=2, n_steps=30, n_replicates=3)
    assert len(reps) == 2 * 3 * 2 * 30 and reps["replicate"].unique().tolist() == [0, 1, 2]
    base = reps[reps["scenario"] == "baseline"]
    by_rep = [base.loc[base["replicate"] == r, "mid"].to_numpy() for r in range(3)]
    assert np.array_equal(by_rep[0], by_rep[2])  # one shared baseline per seed


def _log_vol(table: pd.DataFrame, scenario: str) -> float:
    rows = table[table["scenario"] == scenario]
    logs = [np.log(np.std(np.diff(np.log(g["mid"])))) for _, g in rows.groupby("seed")]
    return float(np.mean(logs))


def test_planted_ratios_are_planted() -> None:
    table = synthetic_market(
        np.random.default_rng(1), n_seeds=20, n_steps=400, vol_ratio=2.0, spread_ratio=3.0,
        depth_ratio=0.25,
    )
    assert _log_vol(table, "rl") - _log_vol(table, "baseline") == pytest.approx(np.log(2), abs=0.1)
    stress = table[table["stress"]]
    spread = stress.groupby("scenario", observed=True)["spread"].mean()
    depth = stress.groupby("scenario", observed=True)["depth"].mean()
    assert spread["rl"] / spread["baseline"] == pytest.approx(3.0, rel=0.1)
    assert depth["rl"] / depth["baseline"] == pytest.approx(0.25, rel=0.1)
    calm = table[~table["stress"]].groupby("scenario", observed=True)["spread"].mean()
    assert calm["rl"] / calm["baseline"] == pytest.approx(1.0, rel=0.05)
    # spreads double and depth halves in stress windows, in both arms
    base = table[table["scenario"] == "baseline"]
    ratio = base[base["stress"]]["spread"].mean() / base[~base["stress"]]["spread"].mean()
    assert 1.5 < ratio < 2.2


def test_one_sided_books_in_stress_only_at_the_planted_rates() -> None:
    table = synthetic_market(
        np.random.default_rng(2), n_seeds=10, n_steps=300, one_sided_rate=0.2, one_sided_ratio=2.0
    )
    assert not table.loc[~table["stress"], "one_sided"].any()
    share = table[table["stress"]].groupby("scenario", observed=True)["one_sided"].mean()
    assert share["rl"] == pytest.approx(0.4, abs=0.05)
    assert share["baseline"] == pytest.approx(0.2, abs=0.05)
    assert (table.loc[table["one_sided"], "spread"] == 1.0).all()
    with pytest.raises(ValueError) as err:
        synthetic_market(np.random.default_rng(0), one_sided_rate=0.6, one_sided_ratio=2.0)
    assert str(err.value).startswith("one_sided_rate x one_sided_ratio must be in [0, 1], got ")
    assert "1.2" in str(err.value)
    with pytest.raises(ValueError) as err:
        synthetic_market(np.random.default_rng(0), n_replicates=2, replicate_sd=-1.0)
    assert str(err.value) == "replicate_sd must be >= 0, got -1.0"


def test_replicate_shifts_vary_the_effect_between_replicates() -> None:
    table = synthetic_market(
        np.random.default_rng(3), n_seeds=10, n_steps=300, n_replicates=4, replicate_sd=0.5
    )
    effects = [
        _log_vol(table[table["replicate"] == r], "rl")
        - _log_vol(table[table["replicate"] == r], "baseline")
        for r in range(4)
    ]
    assert np.std(effects) > 0.15
    flat = synthetic_market(np.random.default_rng(3), n_seeds=10, n_steps=300, n_replicates=4)
    same = [
        _log_vol(flat[flat["replicate"] == r], "rl")
        - _log_vol(flat[flat["replicate"] == r], "baseline")
        for r in range(4)
    ]
    assert np.std(same) < 0.1


def test_markov_actions_stick_and_cover_the_three_actions() -> None:
    acts = markov_actions(np.random.default_rng(0), (4,), 5000, stay=0.9)
    assert acts.shape == (4, 5000) and set(np.unique(acts)) == {-1, 0, 1}
    changes = (np.diff(acts, axis=1) != 0).mean()
    assert changes == pytest.approx(0.1 * 2 / 3, abs=0.02)  # redraw 10%, 2/3 of them differ
    always = markov_actions(np.random.default_rng(0), (1,), 50, stay=1.0)
    assert (always == always[0, 0]).all()


def test_synthetic_actions_herd_share_raises_correlation() -> None:
    table = synthetic_actions(np.random.default_rng(0), n_seeds=2, n_steps=3000, herd=0.6)
    assert list(table.columns) == ["seed", "step", "agent", "action"]
    assert len(table) == 2 * 3 * 3000
    assert table["agent"].unique().tolist() == ["momentum", "mean_reversion", "adaptive"]
    seed0 = table[table["seed"] == 0]
    x = np.stack([g["action"].to_numpy() for _, g in seed0.groupby("agent", sort=False)])
    assert np.nanmean(pair_correlations(x.astype(np.int8))) == pytest.approx(0.36, abs=0.08)
    calm = synthetic_actions(np.random.default_rng(0), n_seeds=1, n_steps=3000)
    y = np.stack([g["action"].to_numpy() for _, g in calm.groupby("agent", sort=False)])
    assert abs(np.nanmean(pair_correlations(y.astype(np.int8)))) < 0.08


def _corr(table: pd.DataFrame, scenario: str, a: str, b: str) -> float:
    rows = table[table["scenario"] == scenario]
    x = rows[rows["agent"] == a]["action"].to_numpy().astype(float)
    y = rows[rows["agent"] == b]["action"].to_numpy().astype(float)
    return float(np.corrcoef(x, y)[0, 1])


def test_synthetic_herding_common_signal_and_copying() -> None:
    styles = ("momentum", "mean_reversion", "adaptive")
    table = synthetic_herding(np.random.default_rng(0), n_seeds=1, n_steps=20000, signal=0.6)
    assert list(table.columns) == ["scenario", "seed", "step", "agent", "action", "style"]
    assert table["agent"].unique().tolist() == ["momentum_0", "mean_reversion_1", "adaptive_2"]
    assert len(table) == 2 * 3 * 20000
    for scenario in ("rl", "baseline"):  # +-signal^2 in both arms
        assert _corr(table, scenario, "momentum_0", "adaptive_2") == pytest.approx(0.36, abs=0.05)
        assert _corr(table, scenario, "momentum_0", "mean_reversion_1") == pytest.approx(
            -0.36, abs=0.05
        )
    copied = synthetic_herding(
        np.random.default_rng(0), n_seeds=1, n_steps=20000, styles=styles, signal=0.6, copy=0.5
    )
    assert 0.5 < _corr(copied, "rl", "momentum_0", "adaptive_2") < 0.9
    assert set(np.unique(copied["action"])) <= {-1, 0, 1}
    for edge in (0.0, 1.0):
        plain = synthetic_herding(np.random.default_rng(0), n_seeds=1, n_steps=50, signal=edge)
        assert set(np.unique(plain["action"])) <= {-1, 0, 1}
    assert "replicate" in synthetic_herding(
        np.random.default_rng(0), n_seeds=2, n_steps=10, n_replicates=2
    ).columns
    assert _corr(copied, "baseline", "momentum_0", "adaptive_2") == pytest.approx(0.36, abs=0.05)
    bare = synthetic_herding(
        np.random.default_rng(0), n_seeds=2, n_steps=10, n_replicates=3, with_styles=False
    )
    assert "style" not in bare.columns and bare["replicate"].unique().tolist() == [0, 1, 2]
    base = bare[bare["scenario"] == "baseline"]
    assert np.array_equal(
        base[base["replicate"] == 0]["action"].to_numpy(),
        base[base["replicate"] == 2]["action"].to_numpy(),
    )
    with pytest.raises(ValueError) as err:
        synthetic_herding(np.random.default_rng(0), signal=1.5)
    assert str(err.value) == "signal must be in [0, 1], got 1.5"


def test_replicate_signal_shares_vary_only_with_replicate_sd() -> None:
    varied = synthetic_herding(
        np.random.default_rng(4), n_seeds=1, n_steps=10000, n_replicates=4, replicate_sd=0.3
    )
    rl = varied[varied["scenario"] == "rl"]
    corrs = [_corr(rl[rl["replicate"] == r], "rl", "momentum_0", "adaptive_2") for r in range(4)]
    assert np.std(corrs) > 0.08
    fixed = synthetic_herding(np.random.default_rng(4), n_seeds=1, n_steps=10000, n_replicates=4)
    rl = fixed[fixed["scenario"] == "rl"]
    corrs = [_corr(rl[rl["replicate"] == r], "rl", "momentum_0", "adaptive_2") for r in range(4)]
    assert np.std(corrs) < 0.03


def test_the_package_imports_names_lazily_and_refuses_unknown_ones() -> None:
    for name in hyp.__all__:
        hyp.__dict__.pop(name, None)  # as before the first use
        value = getattr(hyp, name)
        assert value is getattr(importlib.import_module(hyp._HOMES[name]), name)
        assert hyp.__dict__[name] is value  # cached after the first use
    assert hyp.herding.__module__ == "pipeline.hypotheses.herd"
    assert hyp.results_table.__name__ == "results_table"
    assert "volatility_amplification" in dir(hyp) and "HypothesisResult" in dir(hyp)
    with pytest.raises(AttributeError) as err:
        hyp.no_such_test  # noqa: B018
    assert str(err.value) == "module 'pipeline.hypotheses' has no attribute 'no_such_test'"
