"""report.md: what a researcher opens first after a run.

Order: setup, training diagnostics per replicate, "Did the agents learn?", the hypotheses (the
primary family, then the calm-market family, each BH-adjusted within itself, with the method,
the MDE and a forest plot each), the herding pair table, stylized facts, plots. The extra keys
of the hypothesis results are read with ``.get`` so older results still render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import diagnostics, learning
from pipeline.config import ExperimentConf
from pipeline.evaluate import Evaluation
from pipeline.plots import make_plots
from pipeline.replicates import REPLICATE_STREAM
from pipeline.study import StudyResults

__all__ = ["ReportInputs", "make_plots", "markdown_table", "write_report"]

HYPOTHESIS_COLUMNS = ["name", "effect", "ci_low", "ci_high", "p_value", "p_adjusted", "reject",
                      "reject_adjusted", "n"]


@dataclass
class ReportInputs:
    """Everything the report and its plots are made from."""

    conf: ExperimentConf
    run_id: str
    study: StudyResults
    evaluation: Evaluation
    learning: pd.DataFrame  # pipeline.learning.comparisons
    histories: dict[int, list[dict[str, float]]]  # replicate -> training history
    modules: list[str]


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table without the optional `tabulate` dependency."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    header = "| " + " | ".join(f"{c!s}" for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _setup(inputs: ReportInputs) -> list[str]:
    conf = inputs.conf
    agents = ", ".join(f"{a.name} ({a.style.value})" for a in conf.agents.rl)
    events = ", ".join(f"{e.type.value}@{e.step}" for e in conf.events.schedule) or "none"
    lines = [
        "## Setup",
        f"- RL agents: {agents}; policies: {conf.agents.policy_mapping.value}",
        f"- PPO: lr {conf.ppo.lr:g}, train batch {conf.ppo.train_batch_size}, "
        f"{conf.ppo.iterations} iterations x {conf.ppo.num_epochs} epochs",
        f"- Replicates: {conf.replicates} independent trainings, training seed of replicate r = "
        f"SeedSequence([{conf.seed}, {REPLICATE_STREAM}, r]).generate_state(1)[0] % 2**31",
        f"- Market: episode length {conf.market.episode_length}; stress events: {events}",
        f"- Evaluation: {conf.hypotheses.eval_seeds} paired seeds (the same for every replicate), "
        f"baseline = {conf.hypotheses.counterfactual.value}, herding reference = "
        f"{conf.hypotheses.herding_reference.value}, alpha {conf.hypotheses.alpha}, "
        f"hypotheses tested on the `{inputs.evaluation.primary_condition}` market",
        f"- Seed: {conf.seed}",
    ]
    if conf.hypotheses.allow_underpowered:
        lines += ["", "> **Underpowered by configuration** (`hypotheses.allow_underpowered: "
                  "true`): this study may be unable to reject any hypothesis whatever the "
                  "effect; read its p-values as plumbing, not evidence."]
    return lines


def _training(inputs: ReportInputs) -> list[str]:
    table = diagnostics.diagnostics_table(inputs.histories, inputs.modules)
    return [
        "## Training (per replicate)",
        markdown_table(table) if not table.empty else "No training history.",
        "",
        f"Converged: over the last quarter of the iterations (at least {diagnostics.MIN_WINDOW}),"
        " the mean episode return has no significant linear trend (p >= "
        f"{diagnostics.TREND_ALPHA}) and its implied drift is at most "
        f"{diagnostics.DRIFT_SHARE:g} x the curve's standard deviation; runs shorter than "
        f"{2 * diagnostics.MIN_WINDOW} iterations never count as converged.",
    ]


def _learning(inputs: ReportInputs) -> list[str]:
    arms = learning.arm_summary(inputs.evaluation.learning)
    table = inputs.learning
    if table.empty:
        return ["## Did the agents learn?", "No learning comparison was run."]
    verdicts = learning.learned(table)
    lines = [
        "## Did the agents learn?",
        "Mean over replicates and seeds, on the configured market, of each arm in the "
        "policy's slots (the other agents as trained):",
        "",
        markdown_table(arms),
        "",
        "Trained minus stand-in PnL:",
        "",
        markdown_table(table[["policy", "baseline", "pnl_diff", "p_value", "beats", "n", "unit"]]),
        "",
        learning.method(inputs.evaluation.learning),
        "",
    ]
    for policy in sorted(verdicts):
        rows = {r["baseline"]: r for r in table[table["policy"] == policy].to_dict("records")}
        figures = ", ".join(
            f"{b} {rows[b]['pnl_diff']:+.3g} (p {rows[b]['p_value']:.3g})"
            for b in learning.STAND_INS if b in rows
        )
        verdict = "learned" if verdicts[policy] else "did NOT learn"
        lines.append(f"- **{policy}: {verdict}** (beats random and hold at alpha "
                     f"{inputs.conf.hypotheses.alpha}?): PnL vs {figures}")
    return lines


def _hypotheses(records: list[dict[str, Any]], title: str, plots: dict[str, Path]) -> list[str]:
    if not records:
        return []
    frame = pd.DataFrame([{k: r.get(k) for k in HYPOTHESIS_COLUMNS} for r in records])
    lines = [title, markdown_table(frame), ""]
    for record in records:
        extra = record.get("extra", {}) or {}
        mde = extra.get("mde")
        floor = extra.get("min_attainable_p")
        method = str(record.get("method", "")).rstrip(".")
        lines.append(
            f"- **{record['name']}**: {method}."
            + (f" MDE (80% power): {mde:.4g}." if isinstance(mde, int | float) else "")
            + (f" Smallest attainable p: {floor:.3g}." if isinstance(floor, int | float) else "")
            + (f" Units: {extra.get('n_replicates')} replicates x {extra.get('n_seeds')} seeds."
               if extra.get("n_replicates") is not None else "")
        )
        plot = plots.get(f"{record.get('family', 'primary')}_{record['name']}")
        if plot is not None:
            lines.append(f"\n  ![{plot.stem}](plots/{plot.name})")
    return [*lines, ""]


def _pairs(records: list[dict[str, Any]]) -> list[str]:
    herding = next((r for r in records if r["name"] == "herding"), None)
    pairs = ((herding or {}).get("extra", {}) or {}).get("pairs")
    if not pairs:
        return []
    extra = herding["extra"] if herding else {}
    lines = ["## Herding pairs (RL vs reference arm, same seeds)",
             markdown_table(pd.DataFrame(pairs))]
    summary = {k: extra.get(k) for k in ("same_style_excess", "cross_style_excess", "lsv",
                                          "same_side_share", "reference")}
    lines.append("")
    lines.append(", ".join(f"{k}: {_fmt(v)}" for k, v in summary.items() if v is not None))
    return [*lines, ""]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def write_report(path: Path, inputs: ReportInputs, plots: list[Path]) -> Path:
    """report.md (see the module docstring for its sections)."""
    evaluation, study = inputs.evaluation, inputs.study
    forests = {p.stem.removeprefix("forest_"): p for p in plots if p.stem.startswith("forest_")}
    lines = [
        f"# Experiment `{inputs.conf.name}` (MLflow run `{inputs.run_id}`)", "",
        *_setup(inputs), "", *_training(inputs), "", *_learning(inputs), "",
        *_hypotheses(study.family("primary"), "## Hypotheses (one-sided p, Benjamini-Hochberg "
                     "adjusted across the study's tests)", forests),
        *_hypotheses(study.family("calm"), "## Calm market (H1, H3 without events; BH within "
                     "this family)", forests),
        *_pairs(study.family("primary")),
        "## Stylized facts of the log mid returns",
        markdown_table(
            pd.DataFrame(evaluation.stylized).T.reset_index(names="condition/scenario")
        ) if evaluation.stylized else "Not enough returns.",
        "",
        "## Plots",
        *[f"![{p.stem}](plots/{p.name})" for p in plots if not p.stem.startswith("forest_")],
        "",
    ]
    if not study.records:
        lines.insert(lines.index("## Stylized facts of the log mid returns"),
                     "## Hypotheses\nNo hypotheses tested.\n")
    path.write_text("\n".join(lines))
    return path
