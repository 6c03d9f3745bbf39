"""Plots and report.md from a synthetic evaluation (no training needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import load
from pipeline.learning import comparisons
from pipeline.report import ReportInputs, make_plots, write_report
from pipeline.study import StudyResults
from tests.pipeline.pipeline_helpers import AGENTS, synthetic_evaluation

HISTORY = [
    {f"train/{a}/{m}": float(i) for a in AGENTS
     for m in ("episode_return_mean", "policy_loss", "vf_loss", "entropy", "kl")}
    | {"train/env_steps": 400.0 * i}
    for i in (1, 2)
]
PNG = b"\x89PNG\r\n\x1a\n"


def _record(name: str, family: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "effect": 0.1, "ci_low": 0.02, "ci_high": 0.2, "p_value": 0.01,
            "p_adjusted": 0.03, "reject": True, "reject_adjusted": True, "n": 2,
            "method": "two-level sign-flip test over replicates", "family": family,
            "extra": extra}


NEW_EXTRA = {
    "n_replicates": 2, "n_seeds": 3, "replicate_effects": [0.08, 0.12], "mde": 0.05,
    "min_attainable_p": 0.25, "ci_level": 0.9,
    "unit_effects": [{"replicate": r, "seed": s, "effect": 0.1 + 0.01 * s}
                     for r in range(2) for s in range(3)],
    "pairs": [{"agent_a": "momentum", "agent_b": "adaptive", "same_style": False, "rl": 0.3,
               "reference": 0.1, "excess": 0.2}],
    "same_style_excess": 0.0, "cross_style_excess": 0.2, "reference": "rule_based",
}


def _inputs(records: list[dict[str, Any]], **conf: Any) -> ReportInputs:
    evaluation = synthetic_evaluation()
    study = StudyResults(
        primary=pd.DataFrame([r for r in records if r["family"] == "primary"]),
        calm=pd.DataFrame([r for r in records if r["family"] == "calm"]),
        records=records,
    )
    return ReportInputs(load({"name": "demo", **conf}), "abc123", study, evaluation,
                        comparisons(evaluation.learning, 0.05), {0: HISTORY, 1: HISTORY}, AGENTS)


def test_agreement_matrix_counts_equal_actions() -> None:
    from pipeline.plots import agreement_matrix

    actions = pd.DataFrame({
        "seed": [0] * 8, "step": [0, 0, 1, 1, 2, 2, 3, 3], "agent": ["a", "b"] * 4,
        "action": [1, 1, -1, 1, 0, 0, 1, -1],
    })
    matrix = agreement_matrix(actions)
    assert matrix.loc["a", "b"] == 0.5
    assert matrix.loc["a", "a"] == 1.0


def test_plots_are_png_files_with_a_forest_plot_per_hypothesis(tmp_path: Path) -> None:
    records = [_record("herding", "primary", NEW_EXTRA), _record("herding", "calm", {})]
    inputs = _inputs(records, events={"schedule": [{"type": "flash_crash", "step": 50,
                                                    "duration": 10}]})
    plots = make_plots(inputs, tmp_path / "plots")
    assert [p.name for p in plots] == [
        "price_spread_stress.png", "training_curves.png", "action_agreement.png",
        "return_distribution.png", "forest_primary_herding.png", "forest_calm_herding.png",
    ]
    for plot in plots:
        assert plot.read_bytes()[:8] == PNG


def test_report_sections_in_order_with_learning_verdicts_and_new_extras(tmp_path: Path) -> None:
    records = [_record("herding", "primary", NEW_EXTRA),
               _record("volatility_amplification", "calm", {})]  # today's extras: none
    inputs = _inputs(records)
    plot = tmp_path / "plots" / "forest_primary_herding.png"
    text = write_report(tmp_path / "report.md", inputs, [plot]).read_text()
    assert text.startswith("# Experiment `demo` (MLflow run `abc123`)")
    order = ["## Setup", "## Training (per replicate)", "## Did the agents learn?",
             "## Hypotheses", "## Calm market", "## Herding pairs", "## Stylized facts"]
    positions = [text.index(title) for title in order]
    assert positions == sorted(positions)
    # 2 replicates: the exact test cannot go below p = 1/4, so even a sure edge is "not learned"
    assert "- **momentum: did NOT learn**" in text
    assert "random +5 (p 0.25)" in text
    assert "| herding | 0.1 | 0.02 | 0.2 | 0.01 | 0.03 | True | True | 2 |" in text
    assert "MDE (80% power): 0.05." in text
    assert "two-level sign-flip test over replicates." in text
    assert "| momentum | adaptive | False | 0.3 | 0.1 | 0.2 |" in text
    assert "![forest_primary_herding](plots/forest_primary_herding.png)" in text
    assert "Underpowered" not in text
    assert "stress/rl" in text and "excess_kurtosis" in text


def test_an_underpowered_study_says_so(tmp_path: Path) -> None:
    inputs = _inputs([], hypotheses={"allow_underpowered": True})
    text = write_report(tmp_path / "report.md", inputs, []).read_text()
    assert "Underpowered by configuration" in text
    assert "No hypotheses tested." in text
