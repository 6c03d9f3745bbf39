"""One experiment end to end: K replicated trainings -> evaluation -> hypotheses -> report.

``run(cfg)`` is what ``python -m pipeline +experiment=NAME`` calls; with ``sweep`` set it hands
over to pipeline.sweep. MLflow layout: one parent run (tag ``thinking_market.kind`` =
"pipeline") with the config, the mean training curve over replicates, the evaluation, learning
and hypothesis results and the report; one child run per replicate (kind "replicate") with its
own training curve and ``checkpoint/`` artifact. See README "Replicates".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omegaconf import DictConfig

from pipeline.config import ExperimentConf, load
from pipeline.envconf import check_env_config, policy_ids
from pipeline.interrupts import sigterm_interrupts
from pipeline.names import RunKind
from pipeline.postrun import (
    ExperimentResult,
    evaluate_and_record,
    log_training,
    output_dir,
    print_where,
    record_config,
    start_parent_run,
    warn_if_underpowered,
)
from pipeline.replicates import ReplicateOutcome, mean_history


def run(cfg: DictConfig | ExperimentConf | dict[str, Any]) -> ExperimentResult:
    """Validate, then train, evaluate, test and record one experiment (or a sweep)."""
    conf = load(cfg)
    check_env_config(conf)
    warn_if_underpowered(conf)
    with sigterm_interrupts():
        return _run(conf)


def _run(conf: ExperimentConf) -> ExperimentResult:
    if conf.sweep.name != "none":
        from pipeline.sweep import run_sweep

        return run_sweep(conf, output_dir(conf))
    out = output_dir(conf)
    print(f"[pipeline] experiment {conf.name!r}: {conf.replicates} replicate(s), outputs in {out}",
          flush=True)
    with start_parent_run(conf, f"{conf.name}-{out.name}", RunKind.pipeline) as parent:
        record_config(parent, conf, out)
        outcomes = train_replicates(conf, parent, out)
        report, hypotheses = evaluate_and_record(conf, out, parent, outcomes, policy_ids(conf))
    print_where(conf, parent, report)
    return ExperimentResult(parent.run_id, conf.name, parent.tracking_uri, report, hypotheses)


def train_replicates(conf: ExperimentConf, parent: Any, out: Any) -> list[ReplicateOutcome]:
    """Train the replicates as Tune trials; log their mean curve; fail if any replicate failed."""
    from pipeline.tuning import run_trainings

    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    [outcomes] = run_trainings(conf, [{}], [parent], out, f"{conf.name}-{stamp}")
    log_training(parent, outcomes, mean_history([o.history for o in outcomes]), policy_ids(conf))
    failed = [o for o in outcomes if o.status != "FINISHED"]
    if failed:
        details = "; ".join(f"replicate {o.index}: {o.error}" for o in failed)
        raise RuntimeError(f"{len(failed)} of {conf.replicates} replicates failed: {details}")
    return outcomes
