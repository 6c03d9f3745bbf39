"""Conversions from MLflow entities to the API's public models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mlflow.entities import Experiment, FileInfo, Metric, Run

from pipeline.api.results_models import (
    ArtifactPublic,
    ExperimentPublic,
    HypothesisPublic,
    MetricPointPublic,
    RunPublic,
    RunSummaryPublic,
)
from pipeline.api.store import finite, hypotheses_from_metrics
from pipeline.tracking import KIND_TAG, PARENT_TAG

RUN_NAME_TAG = "mlflow.runName"


def from_millis(millis: int | None) -> datetime | None:
    """An MLflow epoch-milliseconds time as an aware UTC datetime."""
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000.0, tz=UTC)


def hypothesis_public(result: dict[str, Any]) -> HypothesisPublic:
    """One stored hypothesis result; unknown keys go to ``extra`` rather than being lost."""
    known = set(HypothesisPublic.model_fields)
    extra = dict(result.get("extra") or {})
    extra.update({k: v for k, v in result.items() if k not in known})
    fields = {k: v for k, v in result.items() if k in known and k != "extra"}
    n = finite(fields.get("n"))
    fields["n"] = None if n is None else int(n)
    for name in ("method", "condition"):
        value = fields.get(name)
        fields[name] = None if value is None else str(value)
    fields["alpha"] = finite(fields.get("alpha"))
    for name in ("reject", "reject_adjusted"):
        value = fields.get(name)
        fields[name] = None if value is None else bool(value)
    return HypothesisPublic(**fields, extra=extra)


def experiment_public(experiment: Experiment) -> ExperimentPublic:
    """An MLflow experiment in the API's shape."""
    return ExperimentPublic(
        experiment_id=experiment.experiment_id,
        name=experiment.name,
        lifecycle_stage=experiment.lifecycle_stage,
        creation_time=from_millis(experiment.creation_time),
        last_update_time=from_millis(experiment.last_update_time),
    )


def _summary_fields(run: Run) -> dict[str, Any]:
    info, tags = run.info, run.data.tags
    return {
        "run_id": info.run_id,
        "run_name": info.run_name or tags.get(RUN_NAME_TAG),
        "experiment_id": info.experiment_id,
        "status": info.status,
        "start_time": from_millis(info.start_time),
        "end_time": from_millis(info.end_time),
        "kind": tags.get(KIND_TAG),
        "parent_run_id": tags.get(PARENT_TAG),
        "hypotheses": [hypothesis_public(r) for r in hypotheses_from_metrics(run.data.metrics)],
    }


def run_summary(run: Run) -> RunSummaryPublic:
    """A run in a list, with hypothesis outcomes read from its metrics."""
    return RunSummaryPublic(**_summary_fields(run))


def run_public(run: Run, artifacts: list[FileInfo], truncated: bool) -> RunPublic:
    """A run with its params, final metrics, tags and artifact list."""
    tags = {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.source")}
    return RunPublic(
        **_summary_fields(run),
        params=dict(run.data.params),
        metrics={key: finite(value) for key, value in run.data.metrics.items()},
        tags=tags,
        artifacts=[
            ArtifactPublic(path=a.path, is_dir=a.is_dir, file_size=a.file_size) for a in artifacts
        ],
        artifacts_truncated=truncated,
    )


def thin(history: list[Metric], max_points: int) -> list[Metric]:
    """At most ``max_points`` evenly spaced values, first and last kept."""
    n = len(history)
    if n <= max_points:
        return history
    if max_points == 1:
        return [history[-1]]
    picks = sorted({round(i * (n - 1) / (max_points - 1)) for i in range(max_points)})
    return [history[i] for i in picks]


def metric_point(metric: Metric) -> MetricPointPublic:
    """One metric value in the API's shape (NaN becomes null)."""
    return MetricPointPublic(
        step=metric.step, value=finite(metric.value), timestamp=from_millis(metric.timestamp)
    )
