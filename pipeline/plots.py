"""The report's plots (matplotlib, Agg, PNG): market around stress, training per replicate,
action agreement, returns vs normal, and one forest plot per hypothesis."""

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

UNITS = ["replicate", "seed"]

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
        units = [c for c in UNITS if c in group]
        first = group.sort_values("step").groupby(units)["mid"].transform("first")
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


def plot_training(
    histories: dict[int, list[dict[str, float]]], modules: list[str], path: Path
) -> Path:
    """Per policy (colour) and replicate (one line each): return, losses, entropy, KL."""
    panels = ["episode_return_mean", "policy_loss", "vf_loss", "entropy", "kl"]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, panel in zip(axes, panels, strict=True):
        for m, module in enumerate(modules):
            for replicate, history in sorted(histories.items()):
                values = [row.get(f"train/{module}/{panel}", math.nan) for row in history]
                ax.plot(np.arange(1, len(values) + 1), values, color=colors[m % len(colors)],
                        alpha=0.7, label=module if replicate == min(histories) else None)
        ax.set_title(panel)
        ax.set_xlabel("iteration")
    axes[0].legend(fontsize="small")
    fig.suptitle(f"training, one line per replicate ({len(histories)})")
    return _save(fig, path)


def plot_forest(record: dict[str, Any], path: Path) -> Path:
    """One hypothesis: a row per replicate (its effect, and its seeds' effects as dots; a row
    per seed when there is one replicate), then the pooled estimate with its CI."""
    extra = record.get("extra", {}) or {}
    units = [u for u in extra.get("unit_effects") or [] if u.get("effect") is not None]
    replicates = [float(e) for e in extra.get("replicate_effects") or []]
    fig, ax = plt.subplots(figsize=(6.5, 0.3 * (max(len(replicates), 1) + 2) + 1.8))
    if len(replicates) > 1:
        labels = [f"replicate {i}" for i in range(len(replicates))]
        for u in units:
            ax.plot(float(u["effect"]), len(replicates) - int(u.get("replicate", 0)), ".",
                    color="gray", alpha=0.5)
        ax.plot(replicates, np.arange(len(replicates), 0, -1), "o", color="tab:blue")
    else:
        labels = [f"seed {u.get('seed')}" for u in units]
        ax.plot([float(u["effect"]) for u in units], np.arange(len(units), 0, -1), "o",
                color="tab:blue")
    low, high = record.get("ci_low", math.nan), record.get("ci_high", math.nan)
    effect = record["effect"]
    ax.errorbar(effect, 0, xerr=[[effect - low], [high - effect]], fmt="D", color="tab:red",
                capsize=4)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_yticks(list(np.arange(len(labels), 0, -1)) + [0], labels + ["pooled"],
                  fontsize="x-small")
    level = extra.get("ci_level")
    ax.set_xlabel("effect" + (f" (pooled {level:.0%} CI)" if level else " (pooled CI)"))
    ax.set_title(f"{record['name']} ({record.get('family', 'primary')}): "
                 f"p {record['p_value']:.3g}", fontsize="small")
    return _save(fig, path)


def agreement_matrix(actions: pd.DataFrame) -> pd.DataFrame:
    """Share of steps on which two agents chose the same signed action (all seeds pooled)."""
    index = [c for c in (*UNITS, "step") if c in actions]
    wide = actions.pivot_table(index=index, columns="agent", values="action")
    agents = list(wide.columns)
    matrix = pd.DataFrame(index=agents, columns=agents, dtype=float)
    for a in agents:
        for b in agents:
            matrix.loc[a, b] = float((wide[a] == wide[b]).mean())
    return matrix


def plot_agreement(evaluation: Evaluation, path: Path) -> Path:
    """Heatmap of pairwise action agreement among the RL agents."""
    matrix = agreement_matrix(
        evaluation.action_table(evaluation.primary_condition, reference=False)
    )
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


def make_plots(inputs: Any, plot_dir: Path) -> list[Path]:
    """All report plots into ``plot_dir`` (inputs: pipeline.report.ReportInputs)."""
    evaluation, conf = inputs.evaluation, inputs.conf
    plots = [
        plot_stress(evaluation, conf, plot_dir / "price_spread_stress.png"),
        plot_training(inputs.histories, inputs.modules, plot_dir / "training_curves.png"),
        plot_agreement(evaluation, plot_dir / "action_agreement.png"),
        plot_returns(evaluation, plot_dir / "return_distribution.png"),
    ]
    for record in inputs.study.records:
        name = f"forest_{record.get('family', 'primary')}_{record['name']}.png"
        plots.append(plot_forest(record, plot_dir / name))
    return plots
