"""One experiment end to end: train -> evaluate -> hypotheses (BH) -> report -> MLflow.

``run(cfg)`` is what ``python -m pipeline +experiment=NAME`` calls; with ``sweep`` set it
hands over to pipeline.sweep. Everything lands in one MLflow parent run (see README).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from pipeline import paths, tracking
from pipeline.config import ExperimentConf, HypothesisName, as_dict, flatten, load
from pipeline.envconf import check_env_config, policy_ids
from pipeline.evaluate import CALM, Evaluation, evaluate, summary_metrics
from pipeline.report import make_plots, write_report
from pipeline.train import train

HYPOTHESIS_FIELDS = ("effect", "ci_low", "ci_high", "p_value", "p_adjusted", "reject")


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
    conf: ExperimentConf, run_name: str, kind: str
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


def run(cfg: DictConfig | ExperimentConf | dict[str, Any]) -> ExperimentResult:
    """Validate, then train, evaluate, test and record one experiment (or a sweep)."""
    conf = load(cfg)
    check_env_config(conf)
    if conf.sweep.name != "none":
        from pipeline.sweep import run_sweep

        return run_sweep(conf, output_dir(conf))
    out = output_dir(conf)
    print(f"[pipeline] experiment {conf.name!r}: outputs in {out}", flush=True)
    with start_parent_run(conf, f"{conf.name}-{out.name}", "pipeline") as logger:
        record_config(logger, conf, out)
        result = train(conf, out / "checkpoint", on_iteration=_log_iteration(logger))
        logger.log_artifacts(out / "checkpoint", "checkpoint")
        report, hypotheses = evaluate_and_record(
            conf, out, logger, out / "checkpoint", result.history, result.modules
        )
        logger.log_metrics({"train/wall_time_s": result.wall_time_s})
    print_where(conf, logger, report)
    return ExperimentResult(logger.run_id, conf.name, logger.tracking_uri, report, hypotheses)


def _log_iteration(logger: tracking.RunLogger) -> Callable[[int, dict[str, float]], None]:
    def log(iteration: int, metrics: dict[str, float]) -> None:
        logger.log_metrics(metrics, step=iteration)

    return log


def record_config(logger: tracking.RunLogger, conf: ExperimentConf, out: Path) -> None:
    """Params = the flattened resolved config; config.yaml as an artifact."""
    plain = as_dict(conf)
    logger.log_params(flatten(plain))
    config_path = out / "config.yaml"
    config_path.write_text(OmegaConf.to_yaml(OmegaConf.create(plain)))
    logger.log_artifact(config_path)


def evaluate_and_record(
    conf: ExperimentConf,
    out: Path,
    logger: tracking.RunLogger,
    checkpoint_dir: Path,
    history: list[dict[str, float]],
    modules: list[str],
) -> tuple[Path, list[dict[str, Any]]]:
    """Evaluate a checkpoint, test the hypotheses, write plots and report, log them all."""
    start = time.perf_counter()
    evaluation = evaluate(checkpoint_dir, conf)
    print(f"[pipeline] evaluation done in {time.perf_counter() - start:.1f} s", flush=True)
    save_tables(evaluation, out / "evaluation")
    logger.log_artifacts(out / "evaluation", "evaluation")
    logger.log_metrics(summary_metrics(evaluation))
    table, records = test_hypotheses(evaluation, conf)
    logger.log_metrics(hypothesis_metrics(table))
    logger.log_metrics(secondary_metrics(evaluation, conf))
    (out / "hypotheses.json").write_text(json.dumps(records, indent=2, default=str))
    logger.log_artifact(out / "hypotheses.json")
    plots = make_plots(evaluation, conf, history, modules, out / "plots")
    logger.log_artifacts(out / "plots", "plots")
    report = write_report(out / "report.md", conf, logger.run_id, table, evaluation, history, plots)
    logger.log_artifact(report)
    _print_hypotheses(table)
    return report, records


def save_tables(evaluation: Evaluation, directory: Path) -> None:
    """The market and action tables (with their condition column) as Parquet."""
    directory.mkdir(parents=True, exist_ok=True)
    evaluation.market.to_parquet(directory / "market.parquet", index=False)
    evaluation.actions.to_parquet(directory / "actions.parquet", index=False)


def _hypothesis_inputs(
    evaluation: Evaluation, condition: str, seed: int
) -> dict[str, Callable[[float], Any]]:
    """Each test on its table; resampling seeded from the config seed (one stream per test)."""
    from pipeline import hypotheses as h

    def rng(index: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([seed, 3, index]))

    market, actions = evaluation.market_table(condition), evaluation.action_table(condition)
    return {
        HypothesisName.volatility_amplification.value: lambda alpha: h.volatility_amplification(
            market, alpha=alpha, rng=rng(0)
        ),
        HypothesisName.liquidity_impact.value: lambda alpha: h.liquidity_impact(
            market, alpha=alpha, rng=rng(1)
        ),
        HypothesisName.herding.value: lambda alpha: h.herding(actions, alpha=alpha, rng=rng(2)),
    }


def test_hypotheses(
    evaluation: Evaluation, conf: ExperimentConf
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Run the configured tests on the configured market; BH-adjust across them."""
    from pipeline.hypotheses import results_table

    if not conf.hypotheses.tests:
        return pd.DataFrame(), []
    tests = _hypothesis_inputs(evaluation, evaluation.primary_condition, conf.seed)
    results = [tests[name.value](conf.hypotheses.alpha) for name in conf.hypotheses.tests]
    table = results_table(results)
    records = []
    for result, (_, row) in zip(results, table.iterrows(), strict=True):
        record = result.to_dict()
        record["p_adjusted"] = float(row["p_adjusted"])
        record["reject_adjusted"] = bool(row["reject_adjusted"])
        record["condition"] = evaluation.primary_condition
        records.append(record)
    return table, records


def hypothesis_metrics(table: pd.DataFrame) -> dict[str, float]:
    """hypothesis/<name>/{effect,ci_low,ci_high,p_value,p_adjusted,reject (0/1)}."""
    metrics: dict[str, float] = {}
    for _, row in table.iterrows():
        for key in HYPOTHESIS_FIELDS:
            metrics[f"hypothesis/{row['name']}/{key}"] = float(row[key])
    return metrics


def secondary_metrics(evaluation: Evaluation, conf: ExperimentConf) -> dict[str, float]:
    """H1 and H3 also on the calm market when the primary one has events (not BH-adjusted)."""
    if evaluation.primary_condition == CALM or CALM not in evaluation.conditions:
        return {}
    tests = _hypothesis_inputs(evaluation, CALM, conf.seed)
    metrics: dict[str, float] = {}
    for name in conf.hypotheses.tests:
        if name == HypothesisName.liquidity_impact:
            continue
        result = tests[name.value](conf.hypotheses.alpha)
        metrics[f"hypothesis_calm/{name.value}/effect"] = float(result.effect)
        metrics[f"hypothesis_calm/{name.value}/p_value"] = float(result.p_value)
    return metrics


def _print_hypotheses(table: pd.DataFrame) -> None:
    for _, row in table.iterrows():
        print(
            f"[hypothesis] {row['name']}: effect {row['effect']:.4g} "
            f"[{row['ci_low']:.4g}, {row['ci_high']:.4g}]  p {row['p_value']:.4g}  "
            f"p_BH {row['p_adjusted']:.4g}  reject={bool(row['reject'])}",
            flush=True,
        )


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
