"""Ray Tune sweeps, each trial replicated: search, log, pick the best, evaluate it.

Run hierarchy (MLflow): the sweep's parent run (kind "sweep") -> one trial run per sampled
config (kind "trial", its params, the mean curve over its replicates) -> one replicate run per
training of that config (kind "replicate", curve and ``checkpoint/``). The configs are drawn on
the driver from a generator seeded by ``seed`` (pipeline.tuning.sample_variants), so a config
can be replicated and a sweep is reproducible. The best trial is the one with the best mean over
its replicates of ``sweep.metric`` at the last iteration; its replicates are then evaluated and
tested on the parent run exactly like a plain run. A trial with a failed replicate ends FAILED
and the parent says so (``sweep/num_failed``, tag ``thinking_market.failed_trials``).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline import tracking
from pipeline.config import ExperimentConf, as_dict
from pipeline.dotted import flatten
from pipeline.envconf import check_env_config, policy_ids
from pipeline.names import RunKind
from pipeline.postrun import (
    ExperimentResult,
    agents_tag,
    evaluate_and_record,
    log_training,
    print_where,
    record_config,
    start_parent_run,
    trial_conf,
)
from pipeline.replicates import ReplicateOutcome, mean_history

BEST_RUN_TAG = "thinking_market.best_run_id"
TRIAL_TAG = "thinking_market.trial_id"
FAILED_TRIALS_TAG = "thinking_market.failed_trials"


def _trial_runs(
    conf: ExperimentConf, parent: tracking.RunLogger, variants: list[dict[str, Any]]
) -> list[tracking.RunLogger]:
    """One RUNNING child run per sampled config, with that config's params."""
    base = as_dict(conf)
    runs = []
    for index, overrides in enumerate(variants):
        variant = trial_conf(base, overrides)
        tags = {
            tracking.PARENT_TAG: parent.run_id,
            tracking.KIND_TAG: RunKind.trial,
            TRIAL_TAG: f"variant-{index}",
            tracking.AGENTS_TAG: agents_tag(variant),
        }
        logger = tracking.create_run(parent.client, parent.experiment_id, f"trial-{index}", tags)
        logger.log_params(flatten(as_dict(variant)))
        runs.append(logger)
    return runs


def _end_trials(
    conf: ExperimentConf, variants: list[dict], runs: list[tracking.RunLogger],
    grid: list[list[ReplicateOutcome]],
) -> list[str]:
    """Log each trial's mean curve and end it FINISHED or FAILED; the failed trials' errors."""
    errors = []
    base = as_dict(conf)
    for overrides, logger, outcomes in zip(variants, runs, grid, strict=True):
        modules = policy_ids(trial_conf(base, overrides))
        log_training(logger, outcomes, mean_history([o.history for o in outcomes]), modules)
        failed = [o for o in outcomes if o.status != "FINISHED"]
        if failed:
            message = "; ".join(f"replicate {o.index}: {o.error}" for o in failed)
            logger.set_tags({"thinking_market.error": message[:5000]})
            errors.append(f"{logger.run_id}: {message}")
        logger.client.set_terminated(logger.run_id, "FAILED" if failed else "FINISHED")
    return errors


def _score(outcomes: list[ReplicateOutcome], metric: str) -> float:
    values = [o.history[-1].get(metric, math.nan) for o in outcomes if o.history]
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite and len(finite) == len(outcomes) else math.nan


def _best(conf: ExperimentConf, grid: list[list[ReplicateOutcome]]) -> int:
    """Index of the best fully finished trial; fail if none finished."""
    scores = {
        i: _score(outcomes, conf.sweep.metric)
        for i, outcomes in enumerate(grid)
        if outcomes and all(o.status == "FINISHED" for o in outcomes)
    }
    scores = {i: s for i, s in scores.items() if math.isfinite(s)}
    if not scores:
        raise RuntimeError(f"all {len(grid)} sweep trials failed (or never reported "
                           f"{conf.sweep.metric!r})")
    sign = 1.0 if conf.sweep.mode.value == "max" else -1.0
    return max(scores, key=lambda i: sign * scores[i])


def run_sweep(conf: ExperimentConf, out: Path) -> ExperimentResult:
    """Run the replicated Tune search, log trials and replicates, evaluate the best trial."""
    from pipeline.tuning import run_trainings, sample_variants

    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    run_name = f"{conf.name}-sweep-{conf.sweep.name}-{stamp}"
    variants = sample_variants(conf)
    for overrides in variants:  # a trial the market would refuse fails the sweep before training
        check_env_config(trial_conf(as_dict(conf), overrides))
    with start_parent_run(conf, run_name, RunKind.sweep) as parent:
        record_config(parent, conf, out)
        runs = _trial_runs(conf, parent, variants)
        try:
            name = f"{conf.name}-{conf.sweep.name}-{stamp}"
            grid = run_trainings(conf, variants, runs, out, name)
        finally:
            for logger in runs:
                if logger.client.get_run(logger.run_id).info.status == "RUNNING":
                    logger.client.set_terminated(logger.run_id, "KILLED")
        best = _record_trials(conf, parent, variants, runs, grid)
        report, hypotheses = out / "report.md", list[dict[str, Any]]()
        if conf.sweep.evaluate_best:
            best_conf = trial_conf(as_dict(conf), variants[best])
            report, hypotheses = evaluate_and_record(
                best_conf, out, parent, grid[best], policy_ids(best_conf)
            )
    print(f"[sweep] done: parent MLflow run {parent.run_id} in experiment {conf.name!r}")
    print_where(conf, parent, report)
    return ExperimentResult(parent.run_id, conf.name, parent.tracking_uri, report, hypotheses)


def _record_trials(
    conf: ExperimentConf, parent: tracking.RunLogger, variants: list[dict],
    runs: list[tracking.RunLogger], grid: list[list[ReplicateOutcome]],
) -> int:
    """End the trial runs, then tag and log the best trial and the failures on the parent."""
    errors = _end_trials(conf, variants, runs, grid)
    for error in errors:
        print(f"[sweep] a trial failed: {error}", flush=True)
    parent.log_metrics({"sweep/num_trials": float(len(grid)),
                        "sweep/num_failed": float(len(errors))})
    if errors:
        parent.set_tags({FAILED_TRIALS_TAG: ",".join(e.split(":")[0] for e in errors)})
    best = _best(conf, grid)
    parent.set_tags({BEST_RUN_TAG: runs[best].run_id, TRIAL_TAG: f"variant-{best}"})
    parent.log_params({f"best.{k}": v for k, v in variants[best].items()})
    final = mean_history([o.history for o in grid[best]])
    parent.log_metrics({f"best/{k}": v for k, v in (final[-1] if final else {}).items()})
    print(f"[sweep] best trial {best} {variants[best]}: {conf.sweep.metric}="
          f"{_score(grid[best], conf.sweep.metric):.4g}", flush=True)
    return best
