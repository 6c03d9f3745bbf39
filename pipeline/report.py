"""Plots (matplotlib, Agg, PNG) and report.md: what a researcher opens first after a run."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from pipeline.config import ExperimentConf  # noqa: E402
from pipeline.evaluate import BASELINE, RL, Evaluation, log_returns  # noqa: E402

COLORS = {RL: "tab:red", BASELINE: "tab:blue"}


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_stress(evaluation: Evaluation, conf: ExperimentConf, path: Path) -> Path:
    """Mean mid (relative to the first step) and spread per step, rl vs baseline, events shaded."""
    table = evaluation.market[evaluation.market["condition"] == evaluation.primary_condition]
    fig, (ax_mid, ax_spread) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for scenario, group in table.groupby("scenario"):
        first = group.sort_values("step").groupby("seed")["mid"].transform("first")
        rel = group.assign(rel_mid=group["mid"] / first - 1.0)
        per_step = rel.groupby("step")[["rel_mid", "spread"]].mean()
        color = COLORS.get(str(scenario), "gray")
        ax_mid.plot(per_step.index, per_step["rel_mid"] * 1e4, label=str(scenario), color=color)
        ax_spread.plot(per_step.index, per_step["spread"], label=str(scenario), color=color)
    for event in conf.events.schedule if evaluation.primary_condition == "stress" else []:
        for ax in (ax_mid, ax_spread):
            ax.axvspan(event.step, event.step + max(event.duration, 1), color="orange", alpha=0.25)
    ax_mid.set_ylabel("mid vs start (bps), seed mean")
    ax_spread.set_ylabel("spread (price units)")
    ax_spread.set_xlabel("step")
    ax_mid.legend()
    ax_mid.set_title(f"{conf.name}: price and spread around stress events (shaded)")
    return _save(fig, path)


def plot_training(history: list[dict[str, float]], modules: list[str], path: Path) -> Path:
    """Per-policy mean episode return and losses per training iteration."""
    panels = ["episode_return_mean", "policy_loss", "vf_loss", "entropy", "kl"]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2))
    iterations = np.arange(1, len(history) + 1)
    for ax, panel in zip(axes, panels, strict=True):
        for module in modules:
            values = [row.get(f"train/{module}/{panel}", math.nan) for row in history]
            ax.plot(iterations, values, marker="o", label=module)
        ax.set_title(panel)
        ax.set_xlabel("iteration")
    axes[0].legend(fontsize="small")
    return _save(fig, path)


def agreement_matrix(actions: pd.DataFrame) -> pd.DataFrame:
    """Share of steps on which two agents chose the same signed action (all seeds pooled)."""
    wide = actions.pivot_table(index=["seed", "step"], columns="agent", values="action")
    agents = list(wide.columns)
    matrix = pd.DataFrame(index=agents, columns=agents, dtype=float)
    for a in agents:
        for b in agents:
            matrix.loc[a, b] = float((wide[a] == wide[b]).mean())
    return matrix


def plot_agreement(evaluation: Evaluation, path: Path) -> Path:
    """Heatmap of pairwise action agreement among the RL agents."""
    matrix = agreement_matrix(evaluation.action_table(evaluation.primary_condition))
    fig, ax = plt.subplots(figsize=(1.6 * len(matrix) + 2, 1.4 * len(matrix) + 1.5))
    image = ax.imshow(matrix.to_numpy(dtype=float), vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(matrix)), matrix.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(matrix)), matrix.index)
    for i in range(len(matrix)):
        for j in range(len(matrix)):
            share = float(matrix.to_numpy(dtype=float)[i, j])
            color = "k" if share > 0.6 else "w"
            ax.text(j, i, f"{share:.2f}", ha="center", va="center", color=color)
    fig.colorbar(image, ax=ax, label="share of steps with the same action")
    ax.set_title("RL action agreement")
    return _save(fig, path)


def plot_returns(evaluation: Evaluation, path: Path) -> Path:
    """Standardized log returns (rl, baseline) vs the standard normal: density and tail (CCDF)."""
    table = evaluation.market[evaluation.market["condition"] == evaluation.primary_condition]
    fig, (ax_pdf, ax_tail) = plt.subplots(1, 2, figsize=(11, 4.5))
    grid = np.linspace(0, 8, 200)
    for scenario, group in table.groupby("scenario"):
        returns = log_returns(group)
        if returns.size < 2 or returns.std() == 0:
            continue
        z = (returns - returns.mean()) / returns.std()
        color = COLORS.get(str(scenario), "gray")
        ax_pdf.hist(z, bins=40, range=(-8, 8), density=True, histtype="step", color=color,
                    label=f"{scenario} (n={z.size})")
        tail = np.sort(np.abs(z))
        ax_tail.step(tail, 1.0 - np.arange(tail.size) / tail.size, where="post", color=color,
                     label=str(scenario))
    ax_pdf.plot(np.linspace(-8, 8, 400), stats.norm.pdf(np.linspace(-8, 8, 400)), "k--",
                label="normal")
    ax_tail.plot(grid, 2 * stats.norm.sf(grid), "k--", label="normal")
    for ax in (ax_pdf, ax_tail):
        ax.set_yscale("log")
        ax.legend()
    ax_pdf.set_ylim(1e-4, 2)
    ax_tail.set_ylim(1e-4, 1.1)
    ax_pdf.set_xlabel("standardized log mid return")
    ax_pdf.set_ylabel("density")
    ax_tail.set_xlabel("|standardized return|")
    ax_tail.set_ylabel("P(|z| > x)")
    ax_pdf.set_title("Return distribution vs normal")
    ax_tail.set_title("Tails vs normal")
    return _save(fig, path)


def make_plots(
    evaluation: Evaluation,
    conf: ExperimentConf,
    history: list[dict[str, float]],
    modules: list[str],
    plot_dir: Path,
) -> list[Path]:
    """All report plots into ``plot_dir``."""
    return [
        plot_stress(evaluation, conf, plot_dir / "price_spread_stress.png"),
        plot_training(history, modules, plot_dir / "training_curves.png"),
        plot_agreement(evaluation, plot_dir / "action_agreement.png"),
        plot_returns(evaluation, plot_dir / "return_distribution.png"),
    ]


def _markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table without the optional `tabulate` dependency."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    header = "| " + " | ".join(f"{c!s}" for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def write_report(
    path: Path,
    conf: ExperimentConf,
    run_id: str,
    hypotheses: pd.DataFrame,
    evaluation: Evaluation,
    history: list[dict[str, float]],
    plots: list[Path],
) -> Path:
    """report.md: setup, training, hypothesis table (BH-adjusted), stylized facts, plots."""
    agents = ", ".join(f"{a.name} ({a.style.value})" for a in conf.agents.rl)
    events = ", ".join(f"{e.type.value}@{e.step}" for e in conf.events.schedule) or "none"
    final = history[-1] if history else {}
    lines = [
        f"# Experiment `{conf.name}` (MLflow run `{run_id}`)",
        "",
        "## Setup",
        f"- RL agents: {agents}; policies: {conf.agents.policy_mapping.value}",
        f"- PPO: lr {conf.ppo.lr:g}, train batch {conf.ppo.train_batch_size}, "
        f"{conf.ppo.iterations} iterations x {conf.ppo.num_epochs} epochs",
        f"- Market: episode length {conf.market.episode_length}; stress events: {events}",
        f"- Evaluation: {conf.hypotheses.eval_seeds} paired seeds, baseline = "
        f"{conf.hypotheses.counterfactual.value}, alpha {conf.hypotheses.alpha}, "
        f"hypotheses tested on the `{evaluation.primary_condition}` market",
        f"- Seed: {conf.seed}",
        "",
        "## Training",
        f"Env steps: {int(final.get('train/env_steps', 0))}; final mean return per policy: "
        + ", ".join(
            f"{k.split('/')[1]} {v:.4g}"
            for k, v in final.items()
            if k.endswith("/episode_return_mean") and k.count("/") == 2
        ),
        "",
        "## Hypotheses (one-sided p, Benjamini-Hochberg adjusted across the tests)",
        _markdown_table(hypotheses) if not hypotheses.empty else "No hypotheses tested.",
        "",
        "## Stylized facts of the log mid returns",
        _markdown_table(
            pd.DataFrame(evaluation.stylized).T.reset_index(names="condition/scenario")
        ) if evaluation.stylized else "Not enough returns.",
        "",
        "## Plots",
        *[f"![{p.stem}](plots/{p.name})" for p in plots],
        "",
    ]
    path.write_text("\n".join(lines))
    return path
