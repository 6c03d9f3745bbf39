"""MLflow tracking: the only module that writes to MLflow.

One MLflow experiment per Hydra experiment name, one parent run per pipeline run (child
runs for replicates and sweep trials, tagged ``mlflow.parentRunId``). Params and metrics go
in batches. A run that raises ends FAILED (KILLED on Ctrl-C or SIGTERM) with what it had
logged, never RUNNING.
"""

from __future__ import annotations

import math
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from pipeline import paths
from pipeline.names import RunKind

KIND_TAG = "thinking_market.kind"
AGENTS_TAG = "thinking_market.agents"
PARENT_TAG = "mlflow.parentRunId"
# MLflow 3's UI files an experiment by this tag: without it, a run-only experiment may open
# as a GenAI one ("Evaluation runs" beside Traces); "custom_model_development" = model training.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"
_PARAM_BATCH = 100
_METRIC_BATCH = 1000
_MAX_PARAM_LEN = 6000


def resolve_uri(uri: str | None) -> str:
    """The tracking URI: the configured one, else MLFLOW_TRACKING_URI or outputs/mlflow.db."""
    return uri or paths.default_tracking_uri()


def artifact_root_for(uri: str, artifact_root: str | None = None) -> str | None:
    """Artifact location for new experiments: configured, the project default, or beside the db.

    An SQLite store elsewhere (tests, a tmp dir) keeps its artifacts next to its db file;
    a tracking server (http://...) chooses its own (None).
    """
    if artifact_root:
        return artifact_root
    if uri == paths.default_tracking_uri() and uri.startswith("sqlite:"):
        return paths.default_artifact_root()
    if uri.startswith("sqlite:///"):
        db_path = Path(unquote(urlparse(uri).path))
        return (db_path.parent / "mlartifacts").resolve().as_uri()
    return None


def get_or_create_experiment(client: MlflowClient, name: str, artifact_root: str | None) -> str:
    """The id of experiment ``name``, created with an explicit artifact location if new."""
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        if EXPERIMENT_KIND_TAG not in existing.tags:
            client.set_experiment_tag(existing.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
        return str(existing.experiment_id)
    try:
        return str(client.create_experiment(
            name, artifact_location=artifact_root, tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}
        ))
    except MlflowException:  # another process created it in between
        again = client.get_experiment_by_name(name)
        if again is None:
            raise
        return str(again.experiment_id)


class RunLogger:
    """Batched logging into one MLflow run."""

    def __init__(
        self, client: MlflowClient, run_id: str, tracking_uri: str, experiment_id: str
    ) -> None:
        self.client = client
        self.run_id = run_id
        self.tracking_uri = tracking_uri
        self.experiment_id = experiment_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log params (stringified, truncated to MLflow's limit) in batches of 100."""
        items = [Param(key, str(value)[:_MAX_PARAM_LEN]) for key, value in params.items()]
        for start in range(0, len(items), _PARAM_BATCH):
            self.client.log_batch(self.run_id, params=items[start : start + _PARAM_BATCH])

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Log finite numeric metrics at ``step`` in batches; NaN/inf values are skipped."""
        self.log_history([(step, metrics)])

    def log_history(self, rows: list[tuple[int, Mapping[str, float]]]) -> None:
        """Log a whole metric history (step, metrics) in as few calls as possible."""
        items = []
        now = int(time.time() * 1000)
        for step, metrics in rows:
            for key, value in metrics.items():
                if value is not None and math.isfinite(float(value)):
                    items.append(Metric(key, float(value), now, step))
        for start in range(0, len(items), _METRIC_BATCH):
            self.client.log_batch(self.run_id, metrics=items[start : start + _METRIC_BATCH])

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Set tags in one batch."""
        self.client.log_batch(self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        """Upload one file."""
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None:
        """Upload a directory tree."""
        self.client.log_artifacts(self.run_id, str(directory), artifact_path)


def create_run(
    client: MlflowClient, experiment_id: str, run_name: str | None, tags: Mapping[str, str]
) -> RunLogger:
    """A new RUNNING run; the caller ends it (start_run does; sweep trials via set_terminated)."""
    run = client.create_run(experiment_id, run_name=run_name, tags=dict(tags))
    return RunLogger(client, run.info.run_id, client.tracking_uri, experiment_id)


@contextmanager
def start_run(
    experiment_name: str,
    *,
    tracking_uri: str | None = None,
    artifact_root: str | None = None,
    run_name: str | None = None,
    kind: RunKind = RunKind.pipeline,
    parent_run_id: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Iterator[RunLogger]:
    """Open a run and always close it: FINISHED, FAILED on an exception, KILLED on Ctrl-C."""
    uri = resolve_uri(tracking_uri)
    client = MlflowClient(tracking_uri=uri)
    experiment_id = get_or_create_experiment(
        client, experiment_name, artifact_root_for(uri, artifact_root)
    )
    all_tags = {KIND_TAG: kind, **(tags or {})}
    if parent_run_id:
        all_tags[PARENT_TAG] = parent_run_id
    logger = create_run(client, experiment_id, run_name, all_tags)
    try:
        yield logger
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM via pipeline.interrupts
        _end(client, logger.run_id, "KILLED", f"interrupted ({type(err).__name__}: {err})")
        raise
    except BaseException as err:
        _end(client, logger.run_id, "FAILED", "".join(traceback.format_exception_only(err)))
        raise
    else:
        client.set_terminated(logger.run_id, "FINISHED")


def _end(client: MlflowClient, run_id: str, status: str, message: str) -> None:
    """Mark the run ended and say so plainly on stderr (the error itself is not swallowed)."""
    print(f"MLflow run {run_id} ended {status}: {message.strip()}", file=sys.stderr, flush=True)
    try:
        client.set_tag(run_id, "thinking_market.error", message.strip()[:5000])
        client.set_terminated(run_id, status)
    except Exception as err:  # the store itself may be the problem; report, keep the cause
        print(f"could not mark MLflow run {run_id} {status}: {err}", file=sys.stderr)
