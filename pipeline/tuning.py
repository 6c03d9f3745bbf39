"""Ray Tune engine: the only module that imports ray.tune.

Every training the pipeline does is a Tune trial: one per (variant, replicate), where a variant
is one config of a sweep (the plain run has one variant, no overrides) and a replicate is one
independent training of it (training seed from pipeline.replicates). Trials run concurrently as
CPUs allow, on any node of the cluster (``ray.address=auto``), and receive plain dicts only.
The driver logs every replicate as a child MLflow run of its variant's run (the pipeline run,
or a sweep's trial run) from a Tune callback, so only the driver writes to the tracking store.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from ray import tune
from ray.tune import Callback, Checkpoint, PlacementGroupFactory, RunConfig, TuneConfig, Tuner
from ray.tune.logger import CSVLoggerCallback, JsonLoggerCallback

from pipeline import paths, tracking
from pipeline.config import ExperimentConf, SpaceType, as_dict
from pipeline.diagnostics import convergence_metrics
from pipeline.dotted import flatten
from pipeline.envconf import policy_ids
from pipeline.interrupts import sigint_recorded, sigterm_interrupts
from pipeline.postrun import trial_conf
from pipeline.replicates import ReplicateOutcome, replicate_conf
from pipeline.rllib import ray_session, set_torch_threads
from pipeline.train import train_with_ray

REPLICATE_TAG = "thinking_market.replicate"
TRAINING_SEED_TAG = "thinking_market.training_seed"
VARIANT_STREAM = 4  # SeedSequence key of the sweep's random search


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


def sample_variants(conf: ExperimentConf) -> list[dict[str, Any]]:
    """The sweep's configs (dotted key -> value), drawn on the driver from a seeded generator.

    Like Tune's own expansion: every grid combination, ``num_samples`` times, the other spaces
    sampled afresh each time. Sampling here (not in Tune) lets each config be replicated.
    """
    space = search_space(conf)
    grid = {k: v["grid_search"] for k, v in space.items() if isinstance(v, dict)}
    domains = {k: v for k, v in space.items() if not isinstance(v, dict)}
    rng = np.random.default_rng(np.random.SeedSequence([conf.seed, VARIANT_STREAM]))
    variants = []
    for _ in range(conf.sweep.num_samples):
        for combination in itertools.product(*grid.values()) if grid else [()]:
            variant = dict(zip(grid, combination, strict=True))
            for key, domain in domains.items():
                value = domain.sample(random_state=rng)
                variant[key] = value.item() if isinstance(value, np.generic) else value
            variants.append({k: variant[k] for k in space})
    return variants


def run_replicate(config: dict[str, Any], base: dict[str, Any], variants: list[dict]) -> None:
    """One Tune trial (in a Ray worker): train one replicate of one variant, report, checkpoint."""
    conf = replicate_conf(trial_conf(base, variants[config["variant"]]), config["replicate"])
    set_torch_threads(conf.ppo.torch_threads)
    total = conf.ppo.iterations

    def report(iteration: int, metrics: dict[str, float]) -> None:
        if iteration < total:
            tune.report(metrics)

    checkpoint_dir = Path(tempfile.mkdtemp(prefix="tm-replicate-"))
    try:
        result = train_with_ray(conf, checkpoint_dir, report)
        tune.report(result.final_metrics, checkpoint=Checkpoint.from_directory(checkpoint_dir))
    finally:
        shutil.rmtree(checkpoint_dir, ignore_errors=True)


class ReplicateRuns(Callback):
    """Driver-side: one child MLflow run per replicate, its params and training curve."""

    def __init__(
        self, conf: ExperimentConf, variants: list[dict], parents: list[tracking.RunLogger]
    ) -> None:
        self.base = as_dict(conf)
        self.variants = variants
        self.parents = parents
        self.runs: dict[tuple[int, int], tracking.RunLogger] = {}
        self.histories: dict[tuple[int, int], list[dict[str, float]]] = {}

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        key = (int(trial.config["variant"]), int(trial.config["replicate"]))
        conf = replicate_conf(trial_conf(self.base, self.variants[key[0]]), key[1])
        parent = self.parents[key[0]]
        tags = {
            tracking.PARENT_TAG: parent.run_id,
            tracking.KIND_TAG: "replicate",
            REPLICATE_TAG: str(key[1]),
            TRAINING_SEED_TAG: str(conf.seed),
            tracking.AGENTS_TAG: ",".join(policy_ids(conf)),
        }
        name = f"replicate-{key[1]}" if len(self.parents) == 1 else f"v{key[0]}-replicate-{key[1]}"
        logger = tracking.create_run(parent.client, parent.experiment_id, name, tags)
        logger.log_params(flatten(as_dict(conf)))
        self.runs[key] = logger
        self.histories[key] = []

    def on_trial_result(
        self, iteration: int, trials: list, trial: Any, result: dict, **info: Any
    ) -> None:
        key = (int(trial.config["variant"]), int(trial.config["replicate"]))
        logger = self.runs.get(key)
        if logger is None:
            return
        metrics = {k: float(v) for k, v in result.items() if k.startswith("train/")}
        step = int(result.get("training_iteration", 0))
        logger.log_metrics(metrics, step=step)
        self.histories[key].append(metrics)
        print(f"[tune] replicate {key[1]} (variant {key[0]}) iteration {step} logged", flush=True)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        key = (int(trial.config["variant"]), int(trial.config["replicate"]))
        logger = self.runs.get(key)
        if logger is not None:
            error = str(getattr(trial, "error_msg", "") or "trial raised")
            logger.set_tags({"thinking_market.error": error[:5000]})
            logger.client.set_terminated(logger.run_id, "FAILED")

    def close_unfinished(self) -> None:
        """After an interrupted run: no replicate run stays RUNNING."""
        for logger in self.runs.values():
            if _running(logger):
                logger.client.set_terminated(logger.run_id, "KILLED")


def _last_line(error: BaseException) -> str:
    """The exception line of a (remote) traceback: what actually went wrong."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def _running(logger: tracking.RunLogger) -> bool:
    return bool(logger.client.get_run(logger.run_id).info.status == "RUNNING")


def trial_resources(conf: ExperimentConf) -> PlacementGroupFactory:
    """One CPU for the trial (PPO's local learner) plus one per env runner."""
    return PlacementGroupFactory([{"CPU": 1.0} for _ in range(1 + conf.ppo.num_env_runners)])


def storage_path(conf: ExperimentConf) -> str:
    """Absolute Tune storage (all nodes of a cluster must share it); default outputs/ray_results."""
    configured = conf.sweep.storage_path
    if configured and "://" in configured:
        return configured
    return str(Path(configured).resolve() if configured else paths.outputs_dir() / "ray_results")


TUNE_SWITCHES = {"TUNE_DISABLE_SIGINT_HANDLER": "1", "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1"}


@contextmanager
def tune_interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt in the driver instead of Tune's soft stop.

    Tune's own SIGINT handler would end ``fit()`` normally with partial results (a run that
    looks FINISHED); Ray's SIGTERM handler exits with SystemExit (a run that looks FAILED).
    Tune's automatic loggers are off (``run_trainings`` passes the CSV and JSON ones): the
    TensorBoardX logger feeds a background thread through a queue, and a SIGTERM raised inside
    its ``put`` once left that thread waiting, so the killed run never exited (CI, under load).
    """
    saved = {name: os.environ.get(name) for name in TUNE_SWITCHES}
    os.environ.update(TUNE_SWITCHES)
    try:
        with sigterm_interrupts(), sigint_recorded() as received:
            yield
            if received:  # a Ctrl-C that something inside Ray/Tune caught: still an interrupt
                raise KeyboardInterrupt(f"interrupted by {received[0].name} during training")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_trainings(
    conf: ExperimentConf,
    variants: list[dict[str, Any]],
    parents: list[tracking.RunLogger],
    out: Path,
    name: str,
) -> list[list[ReplicateOutcome]]:
    """Train ``conf.replicates`` replicates of every variant; outcomes per variant, by replicate.

    Checkpoints land in ``out/replicates/<variant>/<replicate>/checkpoint`` and in each child
    run's ``checkpoint/`` artifact. Children of failed trials end FAILED, the rest FINISHED.
    """
    callback = ReplicateRuns(conf, variants, parents)
    trainable = tune.with_parameters(run_replicate, base=as_dict(conf), variants=variants)
    tuner = Tuner(
        tune.with_resources(trainable, trial_resources(conf)),
        param_space={
            "variant": tune.grid_search(list(range(len(variants)))),
            "replicate": tune.grid_search(list(range(conf.replicates))),
        },
        tune_config=TuneConfig(
            max_concurrent_trials=conf.sweep.max_concurrent_trials,
            trial_dirname_creator=lambda t: f"v{t.config['variant']}_r{t.config['replicate']}",
        ),
        run_config=RunConfig(
            name=name, storage_path=storage_path(conf), verbose=1,
            callbacks=[callback, CSVLoggerCallback(), JsonLoggerCallback()],
        ),
    )
    try:
        with ray_session(conf.ray), tune_interrupts():
            grid = tuner.fit()
        return _collect(conf, grid, callback, out, len(variants))
    finally:
        callback.close_unfinished()


def _collect(
    conf: ExperimentConf, grid: Any, callback: ReplicateRuns, out: Path, n_variants: int
) -> list[list[ReplicateOutcome]]:
    """Turn Tune's results into outcomes; upload each checkpoint to its replicate run."""
    outcomes: list[list[ReplicateOutcome | None]] = [
        [None] * conf.replicates for _ in range(n_variants)
    ]
    base = as_dict(conf)
    for result in grid:
        key = (int(result.config["variant"]), int(result.config["replicate"]))
        logger = callback.runs.get(key)
        variant_conf = trial_conf(base, callback.variants[key[0]])
        seed = replicate_conf(variant_conf, key[1]).seed
        outcome = ReplicateOutcome(key[1], seed, "FAILED", history=callback.histories.get(key, []),
                                   run_id=logger.run_id if logger else "")
        if result.error is not None or result.checkpoint is None:
            outcome.error = _last_line(result.error) if result.error else "no checkpoint"
            if logger is not None and _running(logger):
                logger.client.set_terminated(logger.run_id, "FAILED")
        else:
            directory = out / "replicates" / str(key[0]) / str(key[1]) / "checkpoint"
            shutil.rmtree(directory, ignore_errors=True)
            result.checkpoint.to_directory(str(directory))
            outcome.checkpoint_dir, outcome.status = directory, "FINISHED"
            if logger is not None:
                logger.log_artifacts(directory, "checkpoint")
                modules = policy_ids(variant_conf)
                logger.log_metrics(convergence_metrics(outcome.history, modules))
                logger.client.set_terminated(logger.run_id, "FINISHED")
        outcomes[key[0]][key[1]] = outcome
    return [[o for o in variant if o is not None] for variant in outcomes]
