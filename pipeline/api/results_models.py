"""Response bodies of the results endpoints (read-only views of the MLflow store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class HealthPublic(BaseModel):
    """Answer of ``GET /health``."""

    status: Literal["ok", "degraded"]
    tracking_uri: str
    mlflow: bool
    simulation: bool
    step: int | None = None


class ExperimentPublic(BaseModel):
    """One MLflow experiment."""

    experiment_id: str
    name: str
    lifecycle_stage: str
    creation_time: datetime | None = None
    last_update_time: datetime | None = None


class ExperimentsPublic(BaseModel):
    """Answer of ``GET /experiments``."""

    experiments: list[ExperimentPublic]


class HypothesisPublic(BaseModel):
    """One stored hypothesis result: effect, CI, p-values and the decision."""

    name: str
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    reject: bool | None = Field(default=None, description="decision at alpha on p_value")
    reject_adjusted: bool | None = Field(default=None, description="decision on p_adjusted (BH)")
    alpha: float | None = None
    method: str | None = None
    n: int | None = None
    condition: str | None = Field(default=None, description="evaluation condition, e.g. stress")
    extra: dict[str, Any] = Field(default_factory=dict)


class RunSummaryPublic(BaseModel):
    """A run in a list: identity, status, time and hypothesis outcomes (from its metrics)."""

    run_id: str
    run_name: str | None = None
    experiment_id: str
    status: str
    start_time: datetime | None = None
    end_time: datetime | None = None
    kind: str | None = None
    parent_run_id: str | None = None
    hypotheses: list[HypothesisPublic] = Field(default_factory=list)


class RunsPagePublic(BaseModel):
    """Answer of ``GET /experiments/{name}/runs``: one page, newest first."""

    experiment: str
    runs: list[RunSummaryPublic]
    next_page_token: str | None = None


class ArtifactPublic(BaseModel):
    """One artifact path of a run."""

    path: str
    is_dir: bool
    file_size: int | None = None


class RunPublic(RunSummaryPublic):
    """Answer of ``GET /runs/{run_id}``: params, final metrics, tags and artifacts."""

    params: dict[str, str]
    metrics: dict[str, float | None]
    tags: dict[str, str]
    artifacts: list[ArtifactPublic]
    artifacts_truncated: bool = False


class RunHypothesesPublic(BaseModel):
    """Answer of ``GET /runs/{run_id}/hypotheses``."""

    run_id: str
    source: Literal["artifact", "metrics"]
    hypotheses: list[HypothesisPublic]


class MetricPointPublic(BaseModel):
    """One logged value of a metric."""

    step: int
    value: float | None
    timestamp: datetime | None = None


class MetricHistoryPublic(BaseModel):
    """Answer of ``GET /runs/{run_id}/metrics/{key}``; evenly thinned if longer than asked."""

    run_id: str
    key: str
    total: int
    thinned: bool
    points: list[MetricPointPublic]


class HypothesisTestPublic(HypothesisPublic):
    """Answer of ``GET /hypothesis_test/{hypothesis}``: the latest stored result and its run."""

    run_id: str
    experiment: str | None = None
    run_start_time: datetime | None = None
    source: Literal["artifact", "metrics"]
