"""Ray Tune sweeps: the only module that imports ray.tune.

Design: every trial trains PPO with its own overrides of the config (``sweep.params``) and
reports its per-iteration training metrics and, at the end, its checkpoint. The driver logs
each trial as a child MLflow run of one parent run (tag ``mlflow.parentRunId``) from a Tune
callback, so only the driver writes to the tracking store (no SQLite locking across nodes).
The best trial (``sweep.metric``/``sweep.mode``) is then evaluated and tested on the parent
run exactly like a plain pipeline run. Trials receive plain dicts only; paths are absolute.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ray import tune
from ray.tune import Callback, Checkpoint, PlacementGroupFactory, RunConfig, TuneConfig, Tuner

from pipeline import paths, tracking
from pipeline.config import ExperimentConf, SpaceType, as_dict, flatten, load, set_dotted
from pipeline.envconf import policy_ids
from pipeline.experiment import (
    ExperimentResult,
    agents_tag,
    evaluate_and_record,
    print_where,
    record_config,
    start_parent_run,
)
from pipeline.rllib import ray_session, set_torch_threads
from pipeline.train import train_with_ray

BEST_RUN_TAG = "thinking_market.best_run_id"
TRIAL_TAG = "thinking_market.trial_id"


def search_space(conf: ExperimentConf) -> dict[str, Any]:
    """Tune search space of the sweep: dotted config key -> Tune sampler."""
    samplers = {
        SpaceType.grid: lambda p: tune.grid_search(list(p.values)),
        SpaceType.choice: lambda p: tune.choice(list(p.values)),
        SpaceType.uniform: lambda p: tune.uniform(p.low, p.high),
        SpaceType.loguniform: lambda p: tune.loguniform(p.low, p.high),
        SpaceType.randint: lambda p: tune.randint(int(p.low), int(p.high)),
    }
    return {param.key: samplers[param.type](param) for param in conf.sweep.params}


def trial_conf(base: dict[str, Any], overrides: dict[str, Any]) -> ExperimentConf:
    """The base config (plain dict) with one trial's overrides applied, validated."""
    tree = copy.deepcopy(base)
    for key, value in overrides.items():
        set_dotted(tree, key, value)
    tree["sweep"] = {"name": "none", "params": []}
    return load(tree)


def run_trial(config: dict[str, Any], base: dict[str, Any]) -> None:
    """One Tune trial (in a Ray worker): train, report every iteration, then the checkpoint.

    ``config`` holds only the trial's overrides (dotted key -> value); ``base`` the plain config.
    """
    conf = trial_conf(base, config)
    set_torch_threads(conf.ppo.torch_threads)
    total = conf.ppo.iterations

    def report(iteration: int, metrics: dict[str, float]) -> None:
        if iteration < total:
            tune.report(metrics)

    checkpoint_dir = Path(tempfile.mkdtemp(prefix="tm-trial-"))
    try:
        result = train_with_ray(conf, checkpoint_dir, report)
        tune.report(result.final_metrics, checkpoint=Checkpoint.from_directory(checkpoint_dir))
    finally:
        shutil.rmtree(checkpoint_dir, ignore_errors=True)


class MlflowTrialCallback(Callback):
    """Driver-side: one child MLflow run per trial, its params and per-iteration metrics."""

    def __init__(self, conf: ExperimentConf, parent: tracking.RunLogger) -> None:
        self.base = as_dict(conf)
        self.parent = parent
        self.runs: dict[str, tracking.RunLogger] = {}

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        conf = trial_conf(self.base, trial.config)
        tags = {
            tracking.PARENT_TAG: self.parent.run_id,
            tracking.KIND_TAG: "trial",
            TRIAL_TAG: trial.trial_id,
            tracking.AGENTS_TAG: agents_tag(conf),
        }
        logger = tracking.create_run(
            self.parent.client, self.parent.experiment_id, f"trial-{trial.trial_id}", tags
        )
        logger.log_params(flatten(as_dict(conf)))
        self.runs[trial.trial_id] = logger

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        logger = self.runs.get(trial.trial_id)
        if logger is not None:
            metrics = {k: v for k, v in result.items() if k.startswith("train/")}
            logger.log_metrics(metrics, step=int(result.get("training_iteration", 0)))

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._end(trial, "FINISHED")

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._end(trial, "FAILED")

    def _end(self, trial: Any, status: str) -> None:
        logger = self.runs.get(trial.trial_id)
        if logger is not None:
            logger.client.set_terminated(logger.run_id, status)

    def close_unfinished(self) -> None:
        """After an interrupted sweep: no child run stays RUNNING."""
        for logger in self.runs.values():
            if logger.client.get_run(logger.run_id).info.status == "RUNNING":
                logger.client.set_terminated(logger.run_id, "KILLED")


def trial_resources(conf: ExperimentConf) -> PlacementGroupFactory:
    """One CPU for the trial (PPO's local learner) plus one per env runner."""
    bundle: dict[str, float] = {"CPU": 1.0}
    return PlacementGroupFactory([dict(bundle) for _ in range(1 + conf.ppo.num_env_runners)])


def storage_path(conf: ExperimentConf) -> str:
    """Absolute Tune storage (all nodes of a cluster must share it); default outputs/ray_results."""
    configured = conf.sweep.storage_path
    if configured and "://" in configured:
        return configured
    return str(Path(configured).resolve() if configured else paths.outputs_dir() / "ray_results")


def run_sweep(conf: ExperimentConf, out: Path) -> ExperimentResult:
    """Run the Tune search, log every trial as a child run, evaluate the best on the parent."""
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    run_name = f"{conf.name}-sweep-{conf.sweep.name}-{stamp}"
    with start_parent_run(conf, run_name, "sweep") as parent:
        record_config(parent, conf, out)
        callback = MlflowTrialCallback(conf, parent)
        try:
            with ray_session(conf.ray):
                grid = _tuner(conf, callback, f"{conf.name}-{conf.sweep.name}-{stamp}").fit()
        finally:
            callback.close_unfinished()
        best = _record_best(conf, parent, grid, callback)
        report, hypotheses = out / "report.md", list[dict[str, Any]]()
        if conf.sweep.evaluate_best:
            report, hypotheses = _evaluate_best(conf, best, parent, out)
    print(f"[sweep] done: parent MLflow run {parent.run_id} in experiment {conf.name!r}")
    print_where(conf, parent, report)
    return ExperimentResult(parent.run_id, conf.name, parent.tracking_uri, report, hypotheses)


def _tuner(conf: ExperimentConf, callback: MlflowTrialCallback, name: str) -> Tuner:
    trainable = tune.with_parameters(run_trial, base=as_dict(conf))
    return Tuner(
        tune.with_resources(trainable, trial_resources(conf)),
        param_space=search_space(conf),
        tune_config=TuneConfig(
            metric=conf.sweep.metric,
            mode=conf.sweep.mode.value,
            num_samples=conf.sweep.num_samples,
            max_concurrent_trials=conf.sweep.max_concurrent_trials,
            trial_dirname_creator=lambda trial: f"trial_{trial.trial_id}",
        ),
        run_config=RunConfig(name=name, storage_path=storage_path(conf), callbacks=[callback]),
    )


def _record_best(
    conf: ExperimentConf, parent: tracking.RunLogger, grid: Any, callback: MlflowTrialCallback
) -> Any:
    """Tag and log the best trial on the parent run; fail if no trial succeeded."""
    errors = [str(result.error) for result in grid if result.error is not None]
    for error in errors:
        print(f"[sweep] a trial failed: {error.splitlines()[0] if error else error}")
    if len(errors) == len(grid):
        raise RuntimeError(f"all {len(grid)} sweep trials failed; first error: {errors[0]}")
    best = grid.get_best_result(metric=conf.sweep.metric, mode=conf.sweep.mode.value)
    trial_id = str(best.metrics["trial_id"])
    child = callback.runs.get(trial_id)
    parent.set_tags({BEST_RUN_TAG: child.run_id if child else "", TRIAL_TAG: trial_id})
    parent.log_params({f"best.{k}": v for k, v in best.config.items()})
    parent.log_metrics(
        {f"best/{k}": v for k, v in best.metrics.items() if k.startswith("train/")}
        | {"sweep/num_trials": float(len(grid)), "sweep/num_failed": float(len(errors))}
    )
    print(f"[sweep] best trial {trial_id}: {conf.sweep.metric}={best.metrics[conf.sweep.metric]}")
    return best


def _evaluate_best(
    base: ExperimentConf, best: Any, parent: tracking.RunLogger, out: Path
) -> tuple[Path, list[dict]]:
    """Evaluate the best trial's checkpoint and test the hypotheses, on the parent run."""
    conf = trial_conf(as_dict(base), best.config)
    checkpoint_dir = out / "checkpoint"
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    best.checkpoint.to_directory(str(checkpoint_dir))
    parent.log_artifacts(checkpoint_dir, "checkpoint")
    history = [
        {k: float(v) for k, v in row.items() if str(k).startswith("train/")}
        for row in best.metrics_dataframe.to_dict("records")
    ]
    return evaluate_and_record(conf, out, parent, checkpoint_dir, history, policy_ids(conf))
