"""What every run does around and after training: the parent MLflow run, config recording,
evaluation of the trained replicates, the hypothesis study, the learning evidence, the report.

Shared by pipeline.experiment (a plain run) and pipeline.sweep (the best trial of a sweep), so
neither imports the other.
"""

from __future__ import annotations

import copy
import json
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from pipeline import paths, tracking
from pipeline.config import ExperimentConf, as_dict, load
from pipeline.diagnostics import convergence_metrics
from pipeline.dotted import flatten, set_dotted
from pipeline.envconf import policy_ids
from pipeline.names import RunKind
from pipeline.replicates import ReplicateOutcome


@dataclass
class ExperimentResult:
    """Where a finished run is: its MLflow run, report and hypothesis outcomes."""

    run_id: str
    experiment_name: str
    tracking_uri: str
    report_path: Path
    hypotheses: list[dict[str, Any]] = field(default_factory=list)


def output_dir(conf: ExperimentConf) -> Path:
    """Hydra's run dir when launched by Hydra, else outputs/runs/<name>/<timestamp>."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir).resolve()
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    path = paths.outputs_dir() / "runs" / conf.name / stamp
    path.mkdir(parents=True, exist_ok=True)
    return path


def agents_tag(conf: ExperimentConf) -> str:
    """The policies of the run as a comma list (tag thinking_market.agents)."""
    return ",".join(policy_ids(conf))


def start_parent_run(
    conf: ExperimentConf, run_name: str, kind: RunKind
) -> AbstractContextManager[tracking.RunLogger]:
    """The MLflow parent run of a pipeline run or a sweep, in the experiment named by the config."""
    return tracking.start_run(
        conf.name,
        tracking_uri=conf.tracking.uri,
        artifact_root=conf.tracking.artifact_root,
        run_name=run_name,
        kind=kind,
        tags={tracking.AGENTS_TAG: agents_tag(conf)},
    )


def trial_conf(base: dict[str, Any], overrides: dict[str, Any]) -> ExperimentConf:
    """The base config (plain dict) with one sweep trial's overrides applied, validated."""
    tree = copy.deepcopy(base)
    for key, value in overrides.items():
        set_dotted(tree, key, value)
    tree["sweep"] = {**tree.get("sweep", {}), "name": "none", "params": []}
    return load(tree)


def record_config(logger: tracking.RunLogger, conf: ExperimentConf, out: Path) -> None:
    """Params = the flattened resolved config; config.yaml as an artifact."""
    plain = as_dict(conf)
    logger.log_params(flatten(plain))
    config_path = out / "config.yaml"
    config_path.write_text(OmegaConf.to_yaml(OmegaConf.create(plain)))
    logger.log_artifact(config_path)


def warn_if_underpowered(conf: ExperimentConf) -> None:
    """An allowed underpowered study still says loudly that its tests cannot reject."""
    if conf.hypotheses.allow_underpowered:
        print(
            "[pipeline] WARNING: hypotheses.allow_underpowered=true: with "
            f"{conf.hypotheses.eval_seeds} seeds x {conf.replicates} replicate(s) the tests may "
            "be unable to reject at any effect size; the report says so.",
            file=sys.stderr, flush=True,
        )


def log_training(
    logger: tracking.RunLogger, outcomes: list[ReplicateOutcome], history: list[dict[str, float]],
    modules: list[str],
) -> None:
    """The mean curve over replicates per iteration, and the share of converged replicates."""
    logger.log_history([(i, row) for i, row in enumerate(history, start=1)])
    shares: dict[str, list[float]] = {}
    for outcome in outcomes:
        for key, value in convergence_metrics(outcome.history, modules).items():
            shares.setdefault(key, []).append(value)
    logger.log_metrics({key: sum(v) / len(v) for key, v in shares.items()})


def evaluate_and_record(
    conf: ExperimentConf,
    out: Path,
    logger: tracking.RunLogger,
    outcomes: list[ReplicateOutcome],
    modules: list[str],
) -> tuple[Path, list[dict[str, Any]]]:
    """Evaluate the replicates, test the hypotheses, compare with stand-ins, report, log it all."""
    from pipeline.evaluate import evaluate, summary_metrics
    from pipeline.learning import comparisons, learning_metrics
    from pipeline.report import ReportInputs, make_plots, write_report
    from pipeline.study import hypothesis_metrics, print_results, run_study

    start = time.perf_counter()
    evaluation = evaluate([o.checkpoint_dir for o in outcomes if o.checkpoint_dir], conf)
    print(f"[pipeline] evaluation done in {time.perf_counter() - start:.1f} s", flush=True)
    save_tables(evaluation, out / "evaluation")
    logger.log_artifacts(out / "evaluation", "evaluation")
    logger.log_metrics(summary_metrics(evaluation))
    study = run_study(evaluation, conf)
    logger.log_metrics(hypothesis_metrics(study))
    learning = comparisons(evaluation.learning, conf.hypotheses.alpha)
    logger.log_metrics(learning_metrics(learning))
    (out / "hypotheses.json").write_text(json.dumps(study.records, indent=2, default=str))
    logger.log_artifact(out / "hypotheses.json")
    inputs = ReportInputs(conf, logger.run_id, study, evaluation, learning,
                          {o.index: o.history for o in outcomes}, modules)
    plots = make_plots(inputs, out / "plots")
    logger.log_artifacts(out / "plots", "plots")
    report = write_report(out / "report.md", inputs, plots)
    logger.log_artifact(report)
    print_results(study)
    return report, study.records


def save_tables(evaluation: Any, directory: Path) -> None:
    """The market and action tables (contract C1 columns plus condition) as Parquet."""
    directory.mkdir(parents=True, exist_ok=True)
    evaluation.market.to_parquet(directory / "market.parquet", index=False)
    evaluation.actions.to_parquet(directory / "actions.parquet", index=False)
    evaluation.learning.to_parquet(directory / "learning.parquet", index=False)


def print_where(conf: ExperimentConf, logger: tracking.RunLogger, report: Path) -> None:
    """Tell the user where the run is: MLflow run, report, and how to open the UI."""
    uri = logger.tracking_uri
    print(f"[pipeline] done: MLflow run {logger.run_id} in experiment {conf.name!r} ({uri})")
    print(f"[pipeline] report: {report}")
    if uri == paths.default_tracking_uri() and uri.startswith("sqlite:"):
        command = (
            "mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db "
            "--default-artifact-root outputs/mlartifacts   (or `make mlflow-ui`)"
        )
    elif uri.startswith("sqlite:"):
        root = tracking.artifact_root_for(uri, conf.tracking.artifact_root)
        command = f"mlflow ui --backend-store-uri {uri} --default-artifact-root {root}"
    else:
        command = f"open {uri} (experiment {conf.name!r})"
    print(f"[pipeline] browse: {command}", flush=True)
