"""Plots and report.md from a synthetic evaluation (no training needed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import load
from pipeline.report import agreement_matrix, make_plots, write_report
from tests.pipeline.pipeline_helpers import AGENTS, synthetic_evaluation

HISTORY = [
    {f"train/{a}/{m}": float(i) for a in AGENTS
     for m in ("episode_return_mean", "policy_loss", "vf_loss", "entropy", "kl")}
    | {"train/env_steps": 400.0 * i}
    for i in (1, 2)
]


def test_agreement_matrix_counts_equal_actions() -> None:
    actions = pd.DataFrame({
        "seed": [0] * 8, "step": [0, 0, 1, 1, 2, 2, 3, 3], "agent": ["a", "b"] * 4,
        "action": [1, 1, -1, 1, 0, 0, 1, -1],
    })
    matrix = agreement_matrix(actions)
    assert matrix.loc["a", "b"] == 0.5
    assert matrix.loc["a", "a"] == 1.0


def test_plots_are_png_files(tmp_path: Path) -> None:
    conf = load({"events": {"schedule": [{"type": "flash_crash", "step": 50, "duration": 10}]}})
    plots = make_plots(synthetic_evaluation(), conf, HISTORY, AGENTS, tmp_path / "plots")
    assert [p.name for p in plots] == [
        "price_spread_stress.png", "training_curves.png",
        "action_agreement.png", "return_distribution.png",
    ]
    for plot in plots:
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_has_setup_hypotheses_stylized_facts_and_plots(tmp_path: Path) -> None:
    conf = load({"name": "demo"})
    table = pd.DataFrame([{"name": "herding", "effect": 0.1, "ci_low": 0.0, "ci_high": 0.2,
                           "p_value": 0.01, "p_adjusted": 0.03, "reject": True}])
    plot = tmp_path / "plots" / "training_curves.png"
    path = write_report(tmp_path / "report.md", conf, "abc123", table,
                        synthetic_evaluation(), HISTORY, [plot])
    text = path.read_text()
    assert text.startswith("# Experiment `demo` (MLflow run `abc123`)")
    assert "| herding | 0.1 | 0 | 0.2 | 0.01 | 0.03 | True |" in text
    assert "stress/rl" in text and "excess_kurtosis" in text
    assert "![training_curves](plots/training_curves.png)" in text
